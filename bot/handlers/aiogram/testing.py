"""aiogram against the emulator: a real Bot whose session talks to it, and long polling in the
background, for tests, benchmarks and the local mode."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator.server import Emulator
from bot.handlers.aiogram.runtime import background_polling


def make_bot(emulator: Emulator, **bot_kwargs: Any) -> Bot:
    """A real aiogram Bot whose HTTP session talks to the emulator."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    return Bot(emulator.token, session=session, **bot_kwargs)


@contextlib.asynccontextmanager
async def polling(dispatcher: Dispatcher, bot: Bot, **polling_kwargs: Any) -> AsyncIterator[Bot]:
    """Run aiogram long polling in the background with handle_as_tasks=False.

    That is what makes a Reply complete: the bot confirms an update (next getUpdates offset)
    only after its handler finished. The bot session is closed on exit.
    """
    polling_kwargs.setdefault("polling_timeout", 5)
    try:
        async with background_polling(dispatcher, bot, handle_as_tasks=False, **polling_kwargs):
            yield bot
    finally:
        await bot.session.close()
