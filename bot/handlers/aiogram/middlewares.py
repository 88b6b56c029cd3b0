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

__all__ = ["GateMiddleware", "error_router", "is_transient"]

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class GateMiddleware(BaseMiddleware):
    """What every update goes through before the routers (`bot.handlers.gate`), in one outer
    middleware (one per duty cost a layer of aiogram's middleware chain each, on every
    update and on every resumption of its handler), in this order:

    - duplicates (`Dedup`): an update seen before is dropped; a transient failure unmarks it
      so that its redelivery is handled;
    - metrics: updates counted by type, their handling timed (failures included);
    - throttle (`Throttle`): the per-user token bucket; over it a tap is answered without
      acting and the first message of a burst gets a "slow down";
    - bans (`BanGate`): a banned user's updates are dropped, the first message or tap after
      the ban answered once.
    """

    def __init__(
        self,
        translator: Translator,
        metrics: Metrics,
        *,
        dedup: Dedup | None = None,
        rate: float = 2.0,
        burst: int = 8,
        gate: BanGate | None = None,
    ) -> None:
        self.dedup = dedup or Dedup(metrics=metrics)
        self.metrics = metrics
        self.throttle = Throttle(translator, rate=rate, burst=burst)
        self.gate = gate or BanGate(translator)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        bot = data.get("bot")
        bot_id = bot.id if bot is not None else 0
        if not await self.dedup.first_time(bot_id, event.update_id):
            self.dedup.dropped(event.update_id)
            return None
        try:
            return await self._measured(handler, event, data)
        except Exception as exc:
            if is_transient(exc):
                await self.dedup.forget(bot_id, event.update_id)  # let the redelivery through
            raise

    async def _measured(self, handler: Handler, event: Update, data: dict[str, Any]) -> Any:
        try:
            kind = event.event_type
        except UpdateTypeLookupError:
            kind = "unknown"
        self.metrics.updates.labels(kind).inc()
        started = time.perf_counter()
        try:
            user = data.get("event_from_user")
            if user is not None and not await self._allowed(user.id, user.language_code, event):
                return None
            text = event.message.text if event.message else None
            try:
                if user is None or user.is_bot:
                    return await handler(event, data)
                if await self._not_banned(user.id, user.language_code, event):
                    return await handler(event, data)
                return None
            finally:
                self.gate.handled(text)  # a /ban or /unban counts at once in this process
        finally:
            self.metrics.handler_seconds.labels(kind).observe(time.perf_counter() - started)

    async def _allowed(self, user_id: int, language_code: str | None, event: Update) -> bool:
        allowed, warn = self.throttle.allow(user_id)
        if allowed:
            return True
        text = self.throttle.refusal(language_code)
        if event.callback_query is not None:
            await event.callback_query.answer(text)
        elif warn and event.message is not None:
            await event.message.answer(text)
        return False

    async def _not_banned(self, user_id: int, language_code: str | None, event: Update) -> bool:
        query = event.callback_query
        message = event.message if event.message and event.message.chat.type == "private" else None
        verdict = await self.gate.verdict(
            user_id,
            language_code,
            can_tell=query is not None or message is not None,
            for_html=query is None,
        )
        if verdict is None:
            return True
        try:
            if query is not None:
                await query.answer(verdict.text, show_alert=verdict.text is not None)
            elif message is not None and verdict.text is not None:
                await message.answer(verdict.text)
        except TelegramAPIError as error:
            log.warning("could not answer a banned user: %s", type(error).__name__)
        return False


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
