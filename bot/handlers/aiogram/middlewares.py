"""Outer middlewares and the error handler shared by every router."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError

from bot.handlers.gate import (
    BanGate,
    Dedup,
    Throttle,
    failure_text,
    is_transient,
    left_for_redelivery,
)
from bot.i18n import Translator
from bot.metrics import Metrics
from bot.services.admin.bans import BanService

__all__ = [
    "BanMiddleware",
    "DedupMiddleware",
    "MetricsMiddleware",
    "ThrottlingMiddleware",
    "error_router",
    "is_transient",
]

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ThrottlingMiddleware(BaseMiddleware):
    """The per-user token bucket of `bot.handlers.gate.Throttle` in front of every router."""

    def __init__(self, translator: Translator, *, rate: float = 2.0, burst: int = 8) -> None:
        self.throttle = Throttle(translator, rate=rate, burst=burst)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        allowed, warn = self.throttle.allow(user.id)
        if allowed:
            return await handler(event, data)
        text = self.throttle.refusal(user.language_code)
        if isinstance(event, Update) and event.callback_query is not None:
            await event.callback_query.answer(text)
        elif warn and isinstance(event, Update) and event.message is not None:
            await event.message.answer(text)
        return None


class DedupMiddleware(Dedup, BaseMiddleware):
    """`bot.handlers.gate.Dedup` in front of every router; a transient failure unmarks the
    update so that its redelivery is handled."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        bot = data.get("bot")
        bot_id = bot.id if bot is not None else 0
        if await self.first_time(bot_id, event.update_id):
            try:
                return await handler(event, data)
            except Exception as exc:
                if is_transient(exc):
                    await self.forget(bot_id, event.update_id)  # let the redelivery through
                raise
        self.dropped(event.update_id)
        return None


class MetricsMiddleware(BaseMiddleware):
    """Counts updates by type and times their handling (failures included)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = "other"
        if isinstance(event, Update):
            try:
                kind = event.event_type
            except UpdateTypeLookupError:
                kind = "unknown"
        self.metrics.updates.labels(kind).inc()
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self.metrics.handler_seconds.labels(kind).observe(time.perf_counter() - started)


def error_router(translator: Translator, *, redeliver_transient: bool = False) -> Router:
    """The last resort: log the failure (type and place only: no personal data) and tell the
    person something went wrong, instead of leaving them with silence.

    With `redeliver_transient` (webhook mode), an infrastructure failure is left unhandled:
    the webhook then answers 500 and Telegram delivers the update again later, when Redis or
    the database is back, instead of the update being lost."""
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent, metrics: Metrics | None = None) -> Any:
        update = event.update
        if left_for_redelivery(
            update.update_id,
            event.exception,
            redeliver_transient=redeliver_transient,
            metrics=metrics,
        ):
            return UNHANDLED
        target: Message | CallbackQuery | None = update.message or update.callback_query
        if target is None or target.from_user is None:
            return None
        code = target.from_user.language_code
        try:
            if isinstance(target, CallbackQuery):
                await target.answer(failure_text(translator, code, for_html=False))
            elif target.chat.type == "private":
                await target.answer(failure_text(translator, code, for_html=True))
        except Exception:
            log.warning("could not tell the user about the failure of update %s", update.update_id)

    return router


class BanList:
    """Who may be banned, without a query per update: the banned users' ids, read again when
    `refresh_s` has passed since the last read. A ban made by any process (an admin's /ban)
    reaches every process within `refresh_s`; a user in the list goes through the full check,
    which reads the ban itself, so an unban counts at once."""

    def __init__(self, *, refresh_s: float = 2.0) -> None:
        self.refresh_s = refresh_s
        self._ids: frozenset[int] = frozenset()
        self._read_at: float | None = None
        self._reading = asyncio.Lock()

    def _due(self) -> bool:
        return self._read_at is None or time.monotonic() - self._read_at >= self.refresh_s

    def forget(self) -> None:
        """Read the list again before the next check (bans changed in this process)."""
        self._read_at = None

    async def may_be_banned(self, user_id: int) -> bool:
        if self._due():
            async with self._reading:
                if self._due():
                    from bot.storage.models import Ban

                    ids = await Ban.all().values_list("telegram_user_id", flat=True)
                    self._ids = frozenset(int(i) for i in ids)  # type: ignore[call-overload]
                    self._read_at = time.monotonic()
        return user_id in self._ids


_BAN_COMMANDS = ("/ban", "/unban")


def _may_change_bans(event: TelegramObject) -> bool:
    if not isinstance(event, Update) or event.message is None or not event.message.text:
        return False
    command = event.message.text.split(maxsplit=1)[0].split("@", 1)[0].lower()
    return command in _BAN_COMMANDS


class BanMiddleware(BaseMiddleware):
    """`bot.handlers.gate.BanGate` in front of every router: a banned user's updates are
    dropped, the first message or tap after the ban answered once. Only users in the
    `BanList` cost a query."""

    def __init__(
        self,
        translator: Translator,
        bans: BanService | None = None,
        banned: BanList | None = None,
    ) -> None:
        self.gate = BanGate(translator, bans)
        self.banned = banned or BanList()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not _may_change_bans(event):
            return await self._call(handler, event, data)
        try:
            return await self._call(handler, event, data)
        finally:  # an admin's /ban or /unban handled here counts at once in this process
            self.banned.forget()

    async def _call(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None or user.is_bot or not isinstance(event, Update):
            return await handler(event, data)
        if not await self.banned.may_be_banned(user.id):
            return await handler(event, data)
        query = event.callback_query
        message = event.message if event.message and event.message.chat.type == "private" else None
        verdict = await self.gate.verdict(
            user.id,
            user.language_code,
            can_tell=query is not None or message is not None,
            for_html=query is None,
        )
        if verdict is None:
            return await handler(event, data)
        try:
            if query is not None:
                await query.answer(verdict.text, show_alert=verdict.text is not None)
            elif message is not None and verdict.text is not None:
                await message.answer(verdict.text)
        except TelegramAPIError as error:
            log.warning("could not answer a banned user: %s", type(error).__name__)
        return None
