"""One user's updates in arrival order on aiogram: the counterpart of PTB's `PerUserOrder`.

aiogram handles the updates of a long-polling batch as concurrent tasks. Between an update's
arrival and the runner's per-user lock lie the gate (dedup, throttle, ban list: each may
await Redis or the database), the admin-or-citizen dispatch and the agents' desk; two updates
of one user can come out of that in the opposite order they went in (a typed name overtaken
by the tap that follows it). This middleware, the first of the chain, lets one user's updates
through one after another: an asyncio lock is fair and the tasks start in arrival order, so
they take it in that order. Other users' updates run alongside. The lock registry is the
runners' (`UserLocks`, a separate instance): a user's lock is forgotten once idle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.flows.user_locks import UserLocks

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PerUserOrderMiddleware(BaseMiddleware):
    def __init__(self) -> None:
        self._locks = UserLocks()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        async with self._locks(user.id):
            return await handler(event, data)
