"""Locks shared by every bot process: one citizen's updates are handled one at a time, even
when a load balancer sends them to different processes.

`Locker` is what the conversation engine needs; `RedisLocker` implements it with
`redis.asyncio`'s `Lock` (a key with a random token and a TTL, released only by its owner).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

__all__ = ["LockTimeoutError", "Locker", "RedisLocker"]

log = logging.getLogger(__name__)


class Locker(Protocol):
    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Held by one holder at a time, across processes."""
        ...


class LockTimeoutError(Exception):
    """The lock stayed taken longer than the holder may wait."""


class RedisLocker:
    """Redis locks named `<prefix>:<key>`.

    A lock expires `timeout_s` after it was last renewed, so a process that dies holding one
    blocks the citizen for at most that long; while held it is renewed every third of that,
    so a slow update (a large video download) keeps it. Waiting longer than
    `blocking_timeout_s` raises `LockTimeoutError`: the update fails and the person is told.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "ssc:lock",
        timeout_s: float = 30.0,
        blocking_timeout_s: float = 15.0,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.timeout_s = timeout_s
        self.blocking_timeout_s = blocking_timeout_s

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        name = f"{self.prefix}:{key}"
        lock = self.redis.lock(
            name,
            timeout=self.timeout_s,
            blocking_timeout=self.blocking_timeout_s,
            thread_local=False,
        )
        if not await lock.acquire():
            raise LockTimeoutError(f"lock {name} still taken after {self.blocking_timeout_s} s")
        keeper = asyncio.create_task(self._keep(lock, name), name=f"keep-{name}")
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await lock.release()
            except LockError:
                log.warning("lock %s expired before its holder released it", name)
            except (RedisError, OSError) as exc:  # it expires by itself
                log.warning("could not release lock %s: %r", name, exc)

    async def _keep(self, lock: Lock, name: str) -> None:
        while True:
            await asyncio.sleep(self.timeout_s / 3)
            try:
                await lock.reacquire()
            except LockError:
                log.warning("lock %s was lost while held", name)
                return
            except (RedisError, OSError) as exc:
                log.warning("could not renew lock %s: %r", name, exc)
