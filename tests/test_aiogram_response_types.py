"""aiogram's answer models stay built for the process once pinned, the light calls' included."""

from __future__ import annotations

import gc
import weakref

import pytest
from aiogram.methods.base import Response
from aiogram.types import Message

from bot.handlers.aiogram.calls import RESULT_TYPES, EditText, SendText
from bot.handlers.aiogram.runtime import pin_response_types


@pytest.mark.parametrize("result", [*RESULT_TYPES, Message, bool], ids=repr)
def test_pinned_answer_models_survive_a_full_collection(result: object) -> None:
    pin_response_types()
    model = weakref.ref(Response[result])  # type: ignore[valid-type]
    gc.collect()
    assert model() is not None


def test_the_light_calls_answer_with_a_pinned_type() -> None:
    assert SendText.__returning__ in RESULT_TYPES
    assert EditText.__returning__ in RESULT_TYPES
