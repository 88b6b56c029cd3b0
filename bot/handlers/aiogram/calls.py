"""The Bot API calls a screen makes on every update, answered with only what the Messenger uses.

aiogram parses each answer as `Response[method.__returning__]`: for `sendMessage` and the edits
that is a whole `Message` (chat, sender, text, the keyboard's buttons: about twenty pydantic
objects, each mounted to the bot), of which the Messenger reads one number. These are aiogram's
own method types with a smaller `__returning__`, so they still go through the bot's session
(JSON bodies, the local Bot API URL, errors raised as aiogram's, turned into the port's by
`translated_errors`); only the parsing of a successful answer changes.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.methods.base import Response
from pydantic import BaseModel, ConfigDict

__all__ = ["EditMarkup", "EditText", "SendText", "SentMessage", "call"]


class SentMessage(BaseModel):
    """A message as the Bot API answers it, read no further than its id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


Edited = SentMessage | bool
"""An edit's answer: the edited message, or True for a message sent via inline mode."""


class SendText(SendMessage):
    __returning__ = SentMessage  # type: ignore[assignment]  # the point: not a whole Message


class EditText(EditMessageText):
    __returning__ = Edited


class EditMarkup(EditMessageReplyMarkup):
    __returning__ = Edited


# aiogram looks up `Response[__returning__]` on every answer; pydantic keeps a parametrised
# model only while something refers to it, so these are kept for the process.
_RESPONSE_TYPES = (Response[SentMessage], Response[Edited])


async def call(bot: Bot, method: SendText | EditText | EditMarkup) -> SentMessage | bool:
    """Makes the call through the bot's session; its answer as the method's `__returning__`."""
    result: Any = await bot(method)
    assert isinstance(result, SentMessage | bool), type(result)
    return result
