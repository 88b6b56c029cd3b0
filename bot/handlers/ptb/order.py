"""Concurrent updates with one user's updates in order: PTB's update processor for the runtime."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.flows.user_locks import UserLocks


class PerUserOrder(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once; the updates of one user one after
    another, in the order they arrived (an asyncio lock is fair, and the tasks start in
    arrival order).

    Not a copy of the runners' per-user lock: that one is taken inside the core, after the
    update went through the gate (dedup, throttle, ban list), the admin-or-citizen dispatch and
    the agents' desk, each awaiting a different number of times. Two updates of one user can
    reach the runner's lock in the opposite order they arrived; ordering them here, before any
    of that, keeps the whole path of one user's updates in arrival order. The lock registry is
    the runners' (`UserLocks`, a separate instance): a user's lock is forgotten once idle."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks = UserLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        async with self._locks(user.id):
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
