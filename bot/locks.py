"""Locks shared by every bot process: one citizen's updates are handled one at a time, even
when a load balancer sends them to different processes.

`Locker` is what the conversation engine needs; `RedisLocker` implements it with
`redis.asyncio`'s `Lock` (a key with a random token and a TTL, released only by its owner).
`held` gives the conversation engine a document under its lock: with a `RedisLocker` and a
store on the same Redis, taking the lock and reading the document are one round trip (a Lua
script), writing it and releasing the lock another. A `ReadAlong` given to the locker has a
key named after a number in the document (the citizen's context token, `ssc:ctx:{<citizen
id>}`) read in that same first round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, NoScriptError, RedisError

from bot.storage.conversations import RedisConversationStore, dumps_document

__all__ = ["Held", "LockTimeoutError", "Locker", "ReadAlong", "RedisLocker", "held"]

log = logging.getLogger(__name__)


class Locker(Protocol):
    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Held by one holder at a time, across processes."""
        ...


class LockTimeoutError(Exception):
    """The lock stayed taken longer than the holder may wait."""


class DocumentStore(Protocol):
    """The part of `bot.flows.ports.ConversationStore` a held document needs."""

    async def load(self, scope: str, chat_id: int) -> dict[str, Any] | None: ...

    async def save(self, scope: str, chat_id: int, data: Mapping[str, Any] | None) -> None: ...


class ReadAlong(Protocol):
    """A key read in the same round trip as a held document: `<prefix>:{<n>}`, where n is the
    whole number at `document[path[0]][path[1]]` (no such number: nothing is read).

    `seen` is told the key and its value (None: absent) once the lock is taken and returns
    what undoes it when the lock is left: what is read along is valid while the lock is held,
    no longer. The key is not among the script's declared keys (the document names it), so
    this needs a Redis that is not a Cluster, as the lock and the document already do."""

    prefix: str
    path: tuple[str, str]

    def seen(self, key: str, value: bytes | str | None) -> Callable[[], None]: ...


class Held(Protocol):
    """A document read under its lock. `save` writes it (None deletes it; skipped when it is
    unchanged) and may release the lock at once; leaving the block releases it in any case."""

    data: dict[str, Any] | None

    async def save(self, data: Mapping[str, Any] | None) -> None: ...


class _StoreHeld:
    def __init__(self, store: DocumentStore, scope: str, chat_id: int) -> None:
        self.store, self.scope, self.chat_id = store, scope, chat_id
        self.data: dict[str, Any] | None = None

    async def save(self, data: Mapping[str, Any] | None) -> None:
        if data == self.data:
            return  # nothing changed: no write
        await self.store.save(self.scope, self.chat_id, data)


@contextlib.asynccontextmanager
async def held(
    store: DocumentStore, scope: str, chat_id: int, locker: Locker | None, key: str
) -> AsyncIterator[Held]:
    """The document of (scope, chat) under the lock `key` (across processes when `locker` is
    given; else the caller's own lock is all there is)."""
    if isinstance(locker, RedisLocker) and isinstance(store, RedisConversationStore):
        async with locker.hold(key, store.key(scope, chat_id)) as document:
            yield document
        return
    async with locker.lock(key) if locker is not None else contextlib.nullcontext():
        document = _StoreHeld(store, scope, chat_id)
        document.data = await store.load(scope, chat_id)
        yield document


# KEYS: the lock, the document; ARGV: the token, the lock's TTL in ms, and for a read along
# (else nothing) its key prefix and the two names of its number's path in the document.
# {taken, document[, key read along, its value]}
_TAKE_AND_READ = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {0, false}
end
local doc = redis.call('get', KEYS[2])
if doc and ARGV[3] then
    local ok, data = pcall(cjson.decode, doc)
    if ok and type(data) == 'table' and type(data[ARGV[4]]) == 'table' then
        local n = data[ARGV[4]][ARGV[5]]
        if type(n) == 'number' and n == math.floor(n) then
            local key = ARGV[3] .. ':{' .. string.format('%d', n) .. '}'
            return {1, doc, key, redis.call('get', key)}
        end
    end
end
return {1, doc}
"""
# KEYS: the lock, the document; ARGV: the token, "set" | "del" | "keep", the document.
# Whether the lock was still ours (the write happens in any case, as a plain SET would).
_WRITE_AND_RELEASE = """
if ARGV[2] == 'set' then
    redis.call('set', KEYS[2], ARGV[3])
elseif ARGV[2] == 'del' then
    redis.call('del', KEYS[2])
end
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('del', KEYS[1])
    return 1
end
return 0
"""
# KEYS: the lock; ARGV: the token, the TTL in ms. Renews the lock if it is still ours.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class _Script:
    """A Lua script run by its SHA (EVALSHA), loaded when the server does not know it: as
    redis-py's `Script`, less its per-call work (about 10-20 µs of CPU per call measured,
    bench/README.md session 6)."""

    def __init__(self, redis: Redis, source: str) -> None:
        self.redis = redis
        self.script = redis.register_script(source)

    async def __call__(self, *, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.redis.evalsha(self.script.sha, len(keys), *keys, *args)  # type: ignore[misc]
        except NoScriptError:
            return await self.script(keys=keys, args=args)  # loads it, then runs it


class _RedisHeld:
    """A document read with its lock taken (`RedisLocker.hold`)."""

    def __init__(self, locker: RedisLocker, name: str, doc_key: str, token: str) -> None:
        self.locker, self.name, self.doc_key, self.token = locker, name, doc_key, token
        self.raw: bytes | None = None
        self.data: dict[str, Any] | None = None
        self.released = False

    async def save(self, data: Mapping[str, Any] | None) -> None:
        if data is None:
            mode, text = ("del", "") if self.raw is not None else ("keep", "")
        else:
            text = dumps_document(data)
            mode = "keep" if self.raw is not None and text.encode() == self.raw else "set"
        await self._finish(mode, text)

    async def release(self) -> None:
        if not self.released:
            await self._finish("keep", "")

    async def _finish(self, mode: str, text: str) -> None:
        ours = await self.locker._write_and_release(
            keys=[self.name, self.doc_key], args=[self.token, mode, text]
        )
        self.released = True  # a failed write leaves the release to the end of the block
        if not ours:
            log.warning("lock %s expired before its holder released it", self.name)


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
        read_along: ReadAlong | None = None,
    ) -> None:
        self.redis = redis
        self.read_along = read_along
        self.prefix = prefix
        self.timeout_s = timeout_s
        self.blocking_timeout_s = blocking_timeout_s
        self._take_and_read = _Script(redis, _TAKE_AND_READ)
        self._write_and_release = _Script(redis, _WRITE_AND_RELEASE)
        self._renew = _Script(redis, _RENEW)

    @contextlib.asynccontextmanager
    async def hold(self, key: str, doc_key: str) -> AsyncIterator[Held]:
        """The lock `<prefix>:<key>` and the JSON document at `doc_key`, read in the same
        round trip; `Held.save` writes the document and releases the lock in one more. The
        lock is renewed every third of its TTL while held (a timer, no task per update)."""
        name = f"{self.prefix}:{key}"
        token = secrets.token_hex(16)
        ttl_ms = int(self.timeout_s * 1000)
        deadline = time.monotonic() + self.blocking_timeout_s
        pause = 0.005
        args: list[str | int] = [token, ttl_ms]
        if self.read_along is not None:
            args += [self.read_along.prefix, *self.read_along.path]
        while True:
            answer = await self._take_and_read(keys=[name, doc_key], args=args)
            if answer[0]:
                break
            if time.monotonic() + pause > deadline:
                raise LockTimeoutError(f"lock {name} still taken after {self.blocking_timeout_s} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)
        raw = answer[1]
        document = _RedisHeld(self, name, doc_key, token)
        document.raw = raw
        document.data = json.loads(raw) if raw is not None else None
        forget: Callable[[], None] | None = None
        if self.read_along is not None and len(answer) == 4:
            along = answer[2]
            forget = self.read_along.seen(
                along.decode() if isinstance(along, bytes) else along, answer[3]
            )
        renewal = _Renewal(self, name, token, ttl_ms)
        try:
            yield document
        finally:
            if forget is not None:
                forget()
            renewal.stop()
            try:
                await document.release()
            except (RedisError, OSError) as exc:  # it expires by itself
                log.warning("could not release lock %s: %r", name, exc)

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


class _Renewal:
    """Renews a held lock every third of its TTL, from a timer: nothing runs (no task is
    created) unless an update holds the lock that long."""

    def __init__(self, locker: RedisLocker, name: str, token: str, ttl_ms: int) -> None:
        self.locker, self.name, self.token, self.ttl_ms = locker, name, token, ttl_ms
        self.loop = asyncio.get_running_loop()
        self.task: asyncio.Task[None] | None = None
        self.timer: asyncio.TimerHandle | None = self.loop.call_later(ttl_ms / 3000, self._due)

    def _due(self) -> None:
        self.timer = None
        self.task = self.loop.create_task(self._renew(), name=f"renew-{self.name}")

    async def _renew(self) -> None:
        try:
            renewed = await self.locker._renew(keys=[self.name], args=[self.token, self.ttl_ms])
        except (RedisError, OSError) as exc:
            log.warning("could not renew lock %s: %r", self.name, exc)
            renewed = 1  # try again later: it may still be ours
        if not renewed:
            log.warning("lock %s was lost while held", self.name)
            return
        self.timer = self.loop.call_later(self.ttl_ms / 3000, self._due)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.task is not None:
            self.task.cancel()
