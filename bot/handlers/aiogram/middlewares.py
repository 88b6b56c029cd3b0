"""Outer middlewares and the error handler shared by every router."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.flows.core import t
from bot.flows.ports import Unreachable
from bot.i18n import Translator, language_from_telegram
from bot.metrics import Metrics, count_error
from bot.services.admin.bans import BanService

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


class DedupMiddleware(BaseMiddleware):
    """Drops an update seen before (same bot, same update_id): Telegram retrying a webhook, or
    the same update reaching two processes.

    With Redis, `SET <prefix>:<bot id>:<update_id> 1 NX EX <ttl_s>` decides across processes;
    without, a bounded in-process set. At most once: an update whose handling fails is not
    handled again. If Redis cannot be reached the update is handled (a rare duplicate is
    better than a lost message; the conversation state needs Redis anyway).
    """

    def __init__(
        self,
        redis: Redis | None = None,
        *,
        metrics: Metrics | None = None,
        prefix: str = "ssc:update",
        ttl_s: int = 3600,
        capacity: int = 10_000,
    ) -> None:
        self.redis = redis
        self.metrics = metrics
        self.prefix = prefix
        self.ttl_s = ttl_s
        self.capacity = capacity
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._unmarking: set[asyncio.Task[None]] = set()

    async def first_time(self, bot_id: int, update_id: int) -> bool:
        """Marks the update as seen; whether it was new."""
        if self.redis is not None:
            key = f"{self.prefix}:{bot_id}:{update_id}"
            try:
                return bool(await self.redis.set(key, 1, nx=True, ex=self.ttl_s))
            except (RedisError, OSError) as exc:
                log.warning("update %s: duplicate check unavailable (%r)", update_id, exc)
                return True
        if (bot_id, update_id) in self._seen:
            return False
        self._seen[(bot_id, update_id)] = None
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    async def forget(self, bot_id: int, update_id: int) -> None:
        """Unmarks an update whose handling failed on the infrastructure, so that its
        redelivery is handled. If Redis is still down, keeps trying in the background for a
        while: a mark left behind would drop the redelivery and lose the update."""
        if self.redis is None:
            self._seen.pop((bot_id, update_id), None)
            return
        if not await self._unmark(bot_id, update_id):
            task = asyncio.create_task(self._unmark_later(bot_id, update_id))
            self._unmarking.add(task)
            task.add_done_callback(self._unmarking.discard)

    async def _unmark(self, bot_id: int, update_id: int) -> bool:
        assert self.redis is not None
        try:
            await self.redis.delete(f"{self.prefix}:{bot_id}:{update_id}")
        except (RedisError, OSError):
            return False
        return True

    async def _unmark_later(self, bot_id: int, update_id: int, *, for_s: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + for_s
        while loop.time() < deadline:
            await asyncio.sleep(0.25)
            if await self._unmark(bot_id, update_id):
                return
        log.warning("update %s: could not unmark it for redelivery", update_id)

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
        log.info("update %s was seen before: dropped", event.update_id)
        if self.metrics is not None:
            self.metrics.duplicate_updates.inc()
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


def is_transient(exc: BaseException) -> bool:
    """A failure of the infrastructure (Redis, the database, the network), not of the update:
    handling the same update again later can succeed."""
    from tortoise.exceptions import DBConnectionError

    return isinstance(
        exc,
        RedisConnectionError
        | RedisTimeoutError
        | DBConnectionError
        | ConnectionError
        | Unreachable,
    )


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
        count_error(metrics, event.exception)
        if redeliver_transient and is_transient(event.exception):
            log.warning(
                "update %s failed on %s: left for Telegram to deliver again",
                update.update_id,
                type(event.exception).__name__,
            )
            return UNHANDLED
        log.error(
            "update %s failed: %s",
            update.update_id,
            type(event.exception).__name__,
            exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
        )
        target: Message | CallbackQuery | None = update.message or update.callback_query
        if target is None or target.from_user is None:
            return None
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
    """Drops every update of a banned user. The first message or button tap after the ban
    gets one clear answer (once per ban, remembered in the database); later taps are answered
    without text so that no spinner hangs; nothing else reaches the routers. Only users in
    the `BanList` cost a query."""

    def __init__(
        self,
        translator: Translator,
        bans: BanService | None = None,
        banned: BanList | None = None,
    ) -> None:
        self.translator = translator
        self.bans = bans or BanService()
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
        first = await self.bans.check(user.id, can_tell=query is not None or message is not None)
        if first is None:
            return await handler(event, data)
        text: str | None = None
        if first:
            lang = await self.bans.language(user.id) or language_from_telegram(user.language_code)
            text = self.translator.render(lang, t("admin-banned-notice"), for_html=query is None)
        try:
            if query is not None:
                await query.answer(text, show_alert=text is not None)
            elif message is not None and text is not None:
                await message.answer(text)
        except TelegramAPIError as error:
            log.warning("could not answer a banned user: %s", type(error).__name__)
        return None
