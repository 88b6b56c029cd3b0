from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.emulator import Emulator
from bot.emulator.testing import running_emulator
from bot.handlers.aiogram.testing import make_bot


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with running_emulator(reply_timeout=5.0) as emu:
        yield emu


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    bot = make_bot(emulator)
    try:
        yield bot
    finally:
        await bot.session.close()
