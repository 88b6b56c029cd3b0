"""aiogram's Bot API calls as JSON bodies (`bot.handlers.aiogram.session.JsonSession`): the
same fields as aiogram's form, files still uploaded as a form."""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)

from bot.handlers.aiogram.calls import EditMarkup, EditText, SendText
from bot.handlers.aiogram.session import JsonSession


def test_a_message_goes_as_the_fields_of_aiograms_form() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Family", callback_data="c:fam::3")]]
    )
    method = SendMessage(
        chat_id=5, text="<b>Menu</b>", reply_markup=markup, disable_notification=False
    )
    body, has_files = session.build_json(bot, method)
    form = {options["name"] for options, _, _ in session.build_form_data(bot, method)._fields}
    assert not has_files
    sent = json.loads(body)
    assert sent == {
        "chat_id": 5,
        "text": "<b>Menu</b>",
        "parse_mode": "HTML",
        "disable_notification": False,
        "reply_markup": {"inline_keyboard": [[{"text": "Family", "callback_data": "c:fam::3"}]]},
    }
    assert set(sent) == set(form)


def test_an_upload_keeps_aiograms_form() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session)
    method = SendPhoto(chat_id=5, photo=BufferedInputFile(b"png", "a.png"))
    assert session.build_json(bot, method)[1] is True
    assert session.build_json(bot, method)[0] is None  # not encoded for nothing


def _aiograms_payload(session: JsonSession, bot: Bot, method: Any) -> dict[str, Any]:
    """The fields as aiogram's own `prepare_value` makes them, every value walked."""
    files: dict[str, Any] = {}
    payload = {}
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        prepared = session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None and prepared != "":
            payload[key] = prepared
    return payload


def test_values_that_are_json_already_skip_aiograms_walk_with_the_same_fields() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    keyboard = {"inline_keyboard": [[{"text": "Family", "callback_data": "c:fam::3"}] * 3] * 2}
    methods = [
        SendText(chat_id=5, text="<b>Menu</b>", reply_markup=keyboard),
        EditText(chat_id=5, message_id=9, text="", reply_markup=keyboard),
        EditMarkup(chat_id=5, message_id=9, reply_markup=None),
        # a None inside a dict and an enum: aiogram leaves the one out and converts the other
        SendText(chat_id=5, text="a", reply_markup={"rows": [[{"text": "x", "u": None}]]}),
        SendText(chat_id=5, text="a", reply_markup={"k": [ParseMode.HTML, 1, 2.5, True]}),
        SendMessage(
            chat_id=5,
            text="b",
            reply_parameters=ReplyParameters(message_id=3),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    ]
    for method in methods:
        payload, has_files = session.build_payload(bot, method)
        assert not has_files
        assert payload == _aiograms_payload(session, bot, method), method
    sent, _ = session.build_payload(bot, methods[3])
    assert sent["reply_markup"] == {"rows": [[{"text": "x"}]]}
