"""A small support bot for the agents' side of the web chat: topics, cards, relaying."""

from __future__ import annotations

import struct
import zlib

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

ALBUM = ((214, 120, 80), (120, 180, 110))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain-colour PNG, so that the page shows real pictures."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


AGENTS = -1001000000077


def support_bot() -> Dispatcher:
    """A citizen's message opens a topic with a photo card; agents take it and answer there."""
    router = Router()
    cases: dict[int, int] = {}  # thread id -> citizen id

    @router.message(F.chat.type == "private", F.text)
    async def citizen(message: Message, bot: Bot) -> None:
        assert message.from_user is not None
        topic = await bot.create_forum_topic(AGENTS, f"Case · {message.from_user.first_name}")
        cases[topic.message_thread_id] = message.chat.id
        await bot.send_photo(
            AGENTS,
            BufferedInputFile(png(320, 200, (90, 141, 184)), "card.png"),
            caption=f"<b>Review</b> {message.text}",
            parse_mode="HTML",
            message_thread_id=topic.message_thread_id,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take")]]
            ),
        )
        await bot.send_media_group(
            AGENTS,
            [
                InputMediaPhoto(media=BufferedInputFile(png(160, 160, rgb), "p.png"))
                for rgb in ALBUM
            ],
            message_thread_id=topic.message_thread_id,
        )
        await message.answer("an agent will answer")

    @router.callback_query(F.data == "take")
    async def take(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_caption(caption=f"Taken by {query.from_user.first_name}")
        await query.answer("taken")

    @router.message(F.chat.id == AGENTS, Command("close"))
    async def close(message: Message, bot: Bot) -> None:
        assert message.message_thread_id is not None
        await bot.close_forum_topic(AGENTS, message.message_thread_id)

    @router.message(F.chat.id == AGENTS, F.message_thread_id, F.text)
    async def relay(message: Message, bot: Bot) -> None:
        assert message.is_topic_message and message.message_thread_id is not None
        await bot.send_message(cases[message.message_thread_id], f"Agent: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher
