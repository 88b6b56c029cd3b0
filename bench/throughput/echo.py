"""A bare aiogram echo bot: the ceiling the product is measured against.

It makes the same Bot API calls per update as the product does for the benchmark's two
actions: a command gets one message with one inline button (the product's main menu); a
tap on that button edits the message and answers the callback query (the product's
Family Services screen). No storage, no middlewares, no filters; aiogram's answer
models kept alive, no log line per update, the startup heap frozen and the calls sent as
JSON, as in the product (`pin_response_types`, `quiet_update_log`, `settle_heap`,
`JsonSession`).

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT \
        python -m bench.throughput.echo "Family Services"
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.__main__ import settle_heap
from bot.handlers.aiogram.runtime import pin_response_types, quiet_update_log
from bot.handlers.aiogram.session import JsonSession


def build(label: str) -> Dispatcher:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data="echo:tap")]]
    )
    dispatcher = Dispatcher()

    # no magic filter (F.text): aiogram would check it in a worker thread on every update
    @dispatcher.message()
    async def on_text(message: Message) -> None:
        await message.answer(f"<b>{html.escape(message.text or '')}</b>", reply_markup=keyboard)

    @dispatcher.callback_query()
    async def on_tap(query: CallbackQuery) -> None:
        if isinstance(query.message, Message):
            await query.message.edit_text(
                f"<b>{html.escape(query.data or '')}</b> {query.message.message_id}",
                reply_markup=keyboard,
            )
        await query.answer()

    return dispatcher


async def run(label: str) -> None:
    pin_response_types()  # the product's workaround for aiogram's parsing, here too
    quiet_update_log()  # no log line per update, as the product
    # the product's HTTP session (JSON bodies), so that the ceiling is not lowered by it
    session = JsonSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(
        os.environ["TELEGRAM_BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    dispatcher = build(label)
    settle_heap()  # as the product does before it polls
    await dispatcher.start_polling(bot)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "Family Services"))


if __name__ == "__main__":
    main()
