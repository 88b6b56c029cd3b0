"""The `Messenger` port over aiogram's `Bot`: neutral markup in, aiogram types out, aiogram's
errors turned into the port's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
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
from bot.handlers.aiogram.calls import EditMarkup, EditText, Keyboard, SendText, SentMessage, call

AiogramMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

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


@contextlib.asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """aiogram's exceptions as the port's (transport errors pass through unchanged)."""
    try:
        yield
    except TelegramRetryAfter as error:
        raise RateLimited(float(error.retry_after), error.message) from error
    except TelegramForbiddenError as error:
        raise RecipientUnavailable(error.message) from error
    except (TelegramBadRequest, TelegramNotFound) as error:
        text = error.message.lower()
        if "not modified" in text:
            raise MessageUnchanged(error.message) from error
        if any(marker in text for marker in _GONE):
            raise MessageGone(error.message) from error
        raise MessengerError(error.message) from error
    except (TelegramNetworkError, TelegramServerError) as error:
        raise Unreachable(error.message) from error
    except TelegramAPIError as error:
        raise MessengerError(error.message) from error


def to_aiogram(markup: Markup | None) -> AiogramMarkup | None:
    match markup:
        case InlineMarkup(rows=rows):
            return InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row]
                    for row in rows
                ]
            )
        case ContactRequest(label=label):
            return ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text=label, request_contact=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            )
        case RemoveReplyKeyboard():
            return ReplyKeyboardRemove()
        case _:
            return None


def to_json(markup: Markup | None) -> Keyboard | None:
    """The keyboard as the Bot API takes it, for the calls of `calls` (buttons built directly;
    the rarer reply keyboards through aiogram's objects)."""
    if isinstance(markup, InlineMarkup):
        return {
            "inline_keyboard": [
                [{"text": b.label, "callback_data": b.data} for b in row] for row in markup.rows
            ]
        }
    keyboard = to_aiogram(markup)
    return None if keyboard is None else keyboard.model_dump(exclude_none=True)


class AiogramMessenger:
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
        method = SendText(
            chat_id=chat_id,
            text=text,
            reply_markup=to_json(markup),
            message_thread_id=thread_id,
            reply_parameters=reply,
        )
        async with translated_errors():
            sent = await call(self.bot, method)
        assert isinstance(sent, SentMessage), sent
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
                BufferedInputFile(photo.data, photo.filename),
                caption=photo.caption or None,
                reply_markup=to_aiogram(markup),
                message_thread_id=thread_id,
            )
        return sent.message_id

    async def send_document(
        self, chat_id: int, document: Document, *, thread_id: int | None = None
    ) -> int:
        async with translated_errors():
            sent = await self.bot.send_document(
                chat_id,
                BufferedInputFile(document.data, document.filename),
                caption=document.caption or None,
                message_thread_id=thread_id,
            )
        return sent.message_id

    async def send_album(
        self, chat_id: int, photos: Sequence[Photo], *, thread_id: int | None = None
    ) -> list[int]:
        media = [
            InputMediaPhoto(media=BufferedInputFile(p.data, p.filename), caption=p.caption or None)
            for p in photos
        ]
        async with translated_errors():
            sent = await self.bot.send_media_group(
                chat_id,
                media,  # type: ignore[arg-type]
                message_thread_id=thread_id,
            )
        return [m.message_id for m in sent]

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        method = EditText(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=to_json(markup)
        )
        async with translated_errors():
            await call(self.bot, method)

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineMarkup | None) -> None:
        method = EditMarkup(chat_id=chat_id, message_id=message_id, reply_markup=to_json(markup))
        async with translated_errors():
            await call(self.bot, method)

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

    async def create_topic(self, chat_id: int, name: str) -> Topic:
        async with translated_errors():
            topic = await self.bot.create_forum_topic(chat_id, name[:128])
        return Topic(topic.message_thread_id)

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        async with translated_errors():
            await self.bot.close_forum_topic(chat_id, thread_id)

    async def edit_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        async with translated_errors():
            await self.bot.edit_forum_topic(chat_id, thread_id, name=name)

    async def download(self, file_id: str, destination: Path) -> None:
        async with translated_errors():
            await self.bot.download(file_id, destination=destination)
