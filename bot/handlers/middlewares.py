"""Outer middlewares and the error handler shared by every router."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update

from bot.flows.core import t
from bot.i18n import Translator, language_from_telegram

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ThrottlingMiddleware(BaseMiddleware):
    """Per-user token bucket: `rate` updates per second on average, bursts of `burst`.

    Over the limit, a message is dropped (the first one of a burst gets a "slow down"
    answer) and a button tap is answered without acting, so nobody waits on a spinner.
    """

    def __init__(self, translator: Translator, *, rate: float = 2.0, burst: int = 8) -> None:
        self.translator = translator
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, tuple[float, float, bool]] = {}

    def _allow(self, user_id: int) -> tuple[bool, bool]:
        now = time.monotonic()
        tokens, last, warned = self._buckets.get(user_id, (float(self.burst), now, False))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[user_id] = (tokens - 1.0, now, False)
            return True, False
        self._buckets[user_id] = (tokens, now, True)
        if len(self._buckets) > 100_000:  # forget idle users
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        return False, not warned

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        allowed, warn = self._allow(user.id)
        if allowed:
            return await handler(event, data)
        lang = language_from_telegram(user.language_code)
        text = self.translator.render(lang, t("throttled"), for_html=False)
        if isinstance(event, Update) and event.callback_query is not None:
            await event.callback_query.answer(text)
        elif warn and isinstance(event, Update) and event.message is not None:
            await event.message.answer(text)
        return None


def error_router(translator: Translator) -> Router:
    """The last resort: log the failure (type and place only: no personal data) and tell the
    person something went wrong, instead of leaving them with silence."""
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent) -> None:
        update = event.update
        log.error(
            "update %s failed: %s",
            update.update_id,
            type(event.exception).__name__,
            exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
        )
        target: Message | CallbackQuery | None = update.message or update.callback_query
        if target is None or target.from_user is None:
            return
        lang = language_from_telegram(target.from_user.language_code)
        text = translator.render(lang, t("error-generic"))
        try:
            if isinstance(target, CallbackQuery):
                await target.answer(translator.render(lang, t("error-generic"), for_html=False))
            elif target.chat.type == "private":
                await target.answer(text)
        except Exception:
            log.warning("could not tell the user about the failure of update %s", update.update_id)

    return router
