"""aiogram against the emulator: a real Bot whose session talks to it, and long polling in the
background, for tests, benchmarks and the local mode."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator.server import Emulator


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
    task = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_as_tasks=False,
            handle_signals=False,
            close_bot_session=False,
            **polling_kwargs,
        )
    )
    try:
        yield bot
    finally:
        if dispatcher._stop_signal is not None and dispatcher._running_lock.locked():
            await dispatcher.stop_polling()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
