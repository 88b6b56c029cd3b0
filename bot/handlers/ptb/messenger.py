"""The `Messenger` port over python-telegram-bot's `Bot`: neutral markup in, PTB types out,
PTB's errors turned into the port's exactly as the aiogram adapter turns aiogram's."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.flows.ports import (
    ContactRequest,
    Document,
    InlineMarkup,
    Markup,
    MessageGone,
    MessageUnchanged,
    MessengerError,
    Photo,
    RateLimited,
    RecipientUnavailable,
    RemoveReplyKeyboard,
    Topic,
    Unreachable,
)

PtbMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

# The same texts as the aiogram adapter's (Telegram's descriptions, lower-cased).
_GONE = (
    "message to edit not found",
    "message to delete not found",
    "message to copy not found",
    "message can't be edited",
    "message can't be deleted",
    "message_id_invalid",
    "thread not found",
    "topic_deleted",
    "topic_id_invalid",
    "message thread not found",
)


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@contextlib.asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """PTB's exceptions as the port's. `BadRequest` is a `NetworkError` in PTB, so it is
    matched first; a 404 (PTB's `InvalidToken`/`EndPointNotFound`) reads like aiogram's
    `TelegramNotFound`: by its text."""
    try:
        yield
    except RetryAfter as error:
        raise RateLimited(_seconds(error.retry_after), error.message) from error
    except Forbidden as error:
        raise RecipientUnavailable(error.message) from error
    except (BadRequest, InvalidToken, EndPointNotFound) as error:
        text = error.message.lower()
        if "not modified" in text:
            raise MessageUnchanged(error.message) from error
        if any(marker in text for marker in _GONE):
            raise MessageGone(error.message) from error
        raise MessengerError(error.message) from error
    except NetworkError as error:  # TimedOut included; PTB reports 5xx answers as NetworkError
        raise Unreachable(error.message) from error
    except TelegramError as error:
        raise MessengerError(error.message) from error


def to_ptb(markup: Markup | None) -> PtbMarkup | None:
    match markup:
        case InlineMarkup(rows=rows):
            return InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
            )
        case ContactRequest(label=label):
            return ReplyKeyboardMarkup(
                [[KeyboardButton(label, request_contact=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            )
        case RemoveReplyKeyboard():
            return ReplyKeyboardRemove()
        case _:
            return None


def _inline(markup: InlineMarkup | None) -> InlineKeyboardMarkup | None:
    converted = to_ptb(markup)
    assert converted is None or isinstance(converted, InlineKeyboardMarkup)
    return converted


class PtbMessenger:
    """Texts go out as HTML: the bot's `Defaults` carry the parse mode."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        reply = ReplyParameters(message_id=reply_to) if reply_to is not None else None
        async with translated_errors():
            sent = await self.bot.send_message(
                chat_id,
                text,
                reply_markup=to_ptb(markup),
                message_thread_id=thread_id,
                reply_parameters=reply,
            )
        return sent.message_id

    async def send_photo(
        self,
        chat_id: int,
        photo: Photo,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
    ) -> int:
        async with translated_errors():
            sent = await self.bot.send_photo(
                chat_id,
                InputFile(photo.data, filename=photo.filename),
                caption=photo.caption or None,
                reply_markup=to_ptb(markup),
                message_thread_id=thread_id,
            )
        return sent.message_id

    async def send_album(
        self, chat_id: int, photos: Sequence[Photo], *, thread_id: int | None = None
    ) -> list[int]:
        media = [
            InputMediaPhoto(
                InputFile(p.data, filename=p.filename, attach=True), caption=p.caption or None
            )
            for p in photos
        ]
        async with translated_errors():
            sent = await self.bot.send_media_group(chat_id, media, message_thread_id=thread_id)
        return [m.message_id for m in sent]

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        async with translated_errors():
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=_inline(markup)
            )

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineMarkup | None) -> None:
        async with translated_errors():
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=_inline(markup)
            )

    async def delete(self, chat_id: int, message_id: int) -> None:
        async with translated_errors():
            await self.bot.delete_message(chat_id, message_id)

    async def copy(
        self, to_chat: int, from_chat: int, message_id: int, *, thread_id: int | None = None
    ) -> int:
        async with translated_errors():
            sent = await self.bot.copy_message(
                to_chat, from_chat, message_id, message_thread_id=thread_id
            )
        return sent.message_id

    async def send_document(
        self, chat_id: int, document: Document, *, thread_id: int | None = None
    ) -> int:
        async with translated_errors():
            sent = await self.bot.send_document(
                chat_id,
                InputFile(document.data, filename=document.filename),
                caption=document.caption or None,
                message_thread_id=thread_id,
            )
        return sent.message_id

    async def edit_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        async with translated_errors():
            await self.bot.edit_forum_topic(chat_id, thread_id, name=name)

    async def create_topic(self, chat_id: int, name: str) -> Topic:
        async with translated_errors():
            topic = await self.bot.create_forum_topic(chat_id, name[:128])
        return Topic(topic.message_thread_id)

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        async with translated_errors():
            await self.bot.close_forum_topic(chat_id, thread_id)

    async def download(self, file_id: str, destination: Path) -> None:
        async with translated_errors():
            file = await self.bot.get_file(file_id)
            await file.download_to_drive(destination)
