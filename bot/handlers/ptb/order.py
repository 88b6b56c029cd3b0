"""Concurrent updates with one user's updates in order: PTB's update processor for the runtime."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserOrder(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once; the updates of one user one after
    another, in the order they arrived (an asyncio lock is fair, and the tasks start in
    arrival order). The citizen runner also locks per citizen; this keeps the gate and the
    handlers of one user in order too."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock, holders = self._locks.get(user.id, (asyncio.Lock(), 0))
        self._locks[user.id] = (lock, holders + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, holders = self._locks[user.id]
            if holders <= 1:
                del self._locks[user.id]
            else:
                self._locks[user.id] = (lock, holders - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
