"""Outer middlewares and the error handler shared by every router."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from prometheus_client import Counter, Histogram

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
        # each update type's counter and histogram, looked up once (prometheus' `labels` takes
        # a lock and checks the label values on every call); update types are a short list
        self._series: dict[str, tuple[Counter, Histogram]] = {}

    def _of(self, kind: str) -> tuple[Counter, Histogram]:
        series = self._series.get(kind)
        if series is None:
            series = (
                self.metrics.updates.labels(kind),
                self.metrics.handler_seconds.labels(kind),
            )
            self._series[kind] = series
        return series

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = "other"
        if isinstance(event, Update):
            try:
                kind = event.event_type
            except UpdateTypeLookupError:
                kind = "unknown"
        updates, seconds = self._of(kind)
        updates.inc()
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            seconds.observe(time.perf_counter() - started)


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


class BanMiddleware(BaseMiddleware):
    """`bot.handlers.gate.BanGate` in front of every router: a banned user's updates are
    dropped, the first message or tap after the ban answered once."""

    def __init__(self, translator: Translator, gate: BanGate | None = None) -> None:
        self.gate = gate or BanGate(translator)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        text = event.message.text if isinstance(event, Update) and event.message else None
        try:
            return await self._call(handler, event, data)
        finally:
            self.gate.handled(text)

    async def _call(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None or user.is_bot or not isinstance(event, Update):
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
