"""What every runtime does to an update before and around its handlers, free of any Telegram
library: throttling (a token bucket per user), dropping updates seen before, deciding whether
a failure was the infrastructure's (so that a webhook update is delivered again), and who is
banned (a list read again every STAFF_REFRESH_SECONDS, as the staff list: no query per update)
and what they are told. The aiogram
middlewares and the PTB update pipeline both call these."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

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


class Throttle:
    """Per-user token bucket: `rate` updates per second on average, bursts of `burst`.

    Over the limit, a message is dropped (the first one of a burst gets a "slow down"
    answer) and a button tap is answered without acting, so nobody waits on a spinner.
    """

    def __init__(self, translator: Translator, *, rate: float = 2.0, burst: int = 8) -> None:
        self.translator = translator
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, tuple[float, float, bool]] = {}

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, warn): warn is True for the first refusal of a burst."""
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

    def refusal(self, language_code: str | None) -> str:
        """The "slow down" text (plain: it goes to a toast or a plain message)."""
        lang = language_from_telegram(language_code)
        return self.translator.render(lang, t("throttled"), for_html=False)


class Dedup:
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

    def dropped(self, update_id: int) -> None:
        log.info("update %s was seen before: dropped", update_id)
        if self.metrics is not None:
            self.metrics.duplicate_updates.inc()

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


@dataclass(frozen=True)
class BanVerdict:
    """A banned user's update: dropped; `text` is what to tell them (None: say nothing, but
    still answer a tap so that no spinner hangs)."""

    text: str | None


class BanList:
    """Who may be banned, without a query per update: the banned users' ids, read again when
    `refresh_s` has passed since the last read. A ban made by any process (an admin's /ban)
    reaches every process within `refresh_s`; a user in the list goes through the full check,
    which reads the ban itself, so an unban counts at once. The composition root gives it the
    staff list's refresh time (STAFF_REFRESH_SECONDS)."""

    def __init__(
        self, *, refresh_s: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.refresh_s = refresh_s
        self._clock = clock
        self._ids: frozenset[int] = frozenset()
        self._read_at: float | None = None
        self._reading = asyncio.Lock()

    def _due(self) -> bool:
        return self._read_at is None or self._clock() - self._read_at >= self.refresh_s

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
                    self._read_at = self._clock()
        return user_id in self._ids


_BAN_COMMANDS = frozenset({"/ban", "/unban"})


def may_change_bans(text: str | None) -> bool:
    """A message that may be an admin's /ban or /unban (`/ban@bot` too): once it is handled,
    this process reads the ban list again before the next update."""
    if not text or text[0] != "/":
        return False
    return text.split(maxsplit=1)[0].split("@", 1)[0].lower() in _BAN_COMMANDS


class BanGate:
    """Every update of a banned user is dropped. The first message or button tap after the ban
    gets one clear answer (once per ban, remembered in the database). Only users in the
    `BanList` cost a query."""

    def __init__(
        self,
        translator: Translator,
        bans: BanService | None = None,
        banned: BanList | None = None,
    ) -> None:
        self.translator = translator
        self.bans = bans or BanService()
        self.banned = banned or BanList()

    async def verdict(
        self, user_id: int, language_code: str | None, *, can_tell: bool, for_html: bool
    ) -> BanVerdict | None:
        """None: not banned, handle the update."""
        if not await self.banned.may_be_banned(user_id):
            return None
        first = await self.bans.check(user_id, can_tell=can_tell)
        if first is None:
            return None
        if not first:
            return BanVerdict(None)
        lang = await self.bans.language(user_id) or language_from_telegram(language_code)
        return BanVerdict(self.translator.render(lang, t("admin-banned-notice"), for_html=for_html))

    def handled(self, text: str | None) -> None:
        """After an update was handled: a /ban or /unban counts at once in this process."""
        if may_change_bans(text):
            self.banned.forget()


def left_for_redelivery(
    update_id: int, error: BaseException, *, redeliver_transient: bool, metrics: Metrics | None
) -> bool:
    """Counts and logs a failed update (type and place only: no personal data). True when it
    is an infrastructure failure in webhook mode (`redeliver_transient`): the webhook answers
    500 and Telegram delivers the update again later, instead of it being lost; False when the
    person should be told."""
    count_error(metrics, error)
    if redeliver_transient and is_transient(error):
        log.warning(
            "update %s failed on %s: left for Telegram to deliver again",
            update_id,
            type(error).__name__,
        )
        return True
    log.error(
        "update %s failed: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__),
    )
    return False


def failure_text(translator: Translator, language_code: str | None, *, for_html: bool) -> str:
    """What a person is told when their update failed."""
    lang = language_from_telegram(language_code)
    return translator.render(lang, t("error-generic"), for_html=for_html)
