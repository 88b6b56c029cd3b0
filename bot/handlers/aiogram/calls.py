"""The Bot API calls a screen makes on every update, answered with only what the Messenger uses.

aiogram parses each answer as `Response[method.__returning__]`: for `sendMessage` and the edits
that is a whole `Message` (chat, sender, text, the keyboard's buttons: about twenty pydantic
objects, each mounted to the bot), of which the Messenger reads one number. These are aiogram's
own method types with a smaller `__returning__`, so they still go through the bot's session
(JSON bodies, the local Bot API URL, errors raised as aiogram's, turned into the port's by
`translated_errors`); only the parsing of a successful answer changes, and the keyboard goes
into the body as the dicts it is sent as.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from pydantic import BaseModel, ConfigDict

__all__ = ["RESULT_TYPES", "EditMarkup", "EditText", "Keyboard", "SendText", "SentMessage", "call"]


class SentMessage(BaseModel):
    """A message as the Bot API answers it, read no further than its id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


Keyboard = dict[str, Any]
"""A keyboard as the Bot API takes it (`to_json`): given as it is sent, not as aiogram's objects
(seven validated models for six buttons, dumped back to these dicts on the way out)."""

Edited = SentMessage | bool
"""An edit's answer: the edited message, or True for a message sent via inline mode."""


class SendText(SendMessage):
    __returning__ = SentMessage  # type: ignore[assignment]  # the point: not a whole Message
    reply_markup: Keyboard | None = None  # type: ignore[assignment]


class EditText(EditMessageText):
    __returning__ = Edited
    reply_markup: Keyboard | None = None  # type: ignore[assignment]


class EditMarkup(EditMessageReplyMarkup):
    __returning__ = Edited
    reply_markup: Keyboard | None = None  # type: ignore[assignment]


RESULT_TYPES: tuple[Any, ...] = (SentMessage, Edited)
"""What these calls return: kept parsed for the process by `runtime.pin_response_types`, with
aiogram's own result types."""


async def call(bot: Bot, method: SendText | EditText | EditMarkup) -> SentMessage | bool:
    """Makes the call through the bot's session; its answer as the method's `__returning__`."""
    result: Any = await bot(method)
    assert isinstance(result, SentMessage | bool), type(result)
    return result
