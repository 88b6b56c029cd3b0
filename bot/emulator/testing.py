"""Run the emulator on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.emulator.server import Emulator


@contextlib.asynccontextmanager
async def running_emulator(**emulator_kwargs: Any) -> AsyncIterator[Emulator]:
    """Start an emulator on a free 127.0.0.1 port; stop it afterwards."""
    emulator = Emulator(**emulator_kwargs)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
