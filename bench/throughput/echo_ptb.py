"""A bare python-telegram-bot echo bot: the ceiling the product under `BOT_RUNTIME=ptb` is
measured against.

The same Bot API calls per update as `echo.py` (aiogram) and as the product for the
benchmark's two actions: a command gets one message with one inline button (the main menu);
a tap on that button edits the message and answers the callback query (Family Services).
No storage, no persistence, no rate limiter; PTB's own `Updater` long polling, updates
handled concurrently (`concurrent_updates`, as the product's runtime and as aiogram's polling
handle them as tasks), the product's HTTP client settings (`bot_api_request`: PTB's default
pool of 256 connections costs CPU on every request, see `HTTP_CONNECTIONS`) and the startup
heap frozen (`settle_heap`).

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT \
        python -m bench.throughput.echo_ptb "Family Services"
"""

from __future__ import annotations

import html
import logging
import os
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
)

from bot.__main__ import settle_heap
from bot.handlers.ptb.runtime import MAX_CONCURRENT_UPDATES, bot_api_request

CONCURRENT_UPDATES = MAX_CONCURRENT_UPDATES  # as the product's PTB runtime


def build(token: str, api_url: str, label: str) -> Application:  # type: ignore[type-arg]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="echo:tap")]])
    api = api_url.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(CONCURRENT_UPDATES)
        .request(bot_api_request())
        .build()
    )

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        await context.bot.send_message(
            message.chat.id, f"<b>{html.escape(message.text or '')}</b>", reply_markup=keyboard
        )

    async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        if isinstance(query.message, Message):
            await query.edit_message_text(
                f"<b>{html.escape(query.data or '')}</b> {query.message.message_id}",
                reply_markup=keyboard,
            )
        await query.answer()

    application.add_handler(MessageHandler(None, on_text))
    application.add_handler(CallbackQueryHandler(on_tap))
    return application


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    label = sys.argv[1] if len(sys.argv) > 1 else "Family Services"
    application = build(os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_URL"], label)
    settle_heap()  # as the product does before it polls
    application.run_polling(allowed_updates=["message", "callback_query"], close_loop=False)


if __name__ == "__main__":
    main()
