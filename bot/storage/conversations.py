"""Conversation state at rest: one JSON document per (scope, chat).

With `REDIS_URL` set, documents live in Redis (several bot processes share them). Otherwise
`SqliteConversationStore` keeps them in `DATA_DIR/state.sqlite3`, so that a conversation
survives a restart of the embedded bot. Keys carry the bot id: two bots sharing a backend
never see each other's conversations.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import aiosqlite
from redis import __version__ as redis_version
from redis.asyncio import Redis
from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.utils import HIREDIS_AVAILABLE

if HIREDIS_AVAILABLE:
    import hiredis

from bot.config import Settings

__all__ = [
    "REDIS_CONNECTION",
    "STATE_FILE_NAME",
    "RedisConversationStore",
    "SqliteConversationStore",
    "dumps_document",
    "make_conversation_store",
    "redis_client",
]

STATE_FILE_NAME = "state.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at REAL NOT NULL
)
"""

# Bounded waits on every Redis call: without them a connect that never completes during a
# Redis restart held the connection pool's lock, and the whole process hung for good (seen in
# the restart-redis load run). A call now fails after a few seconds; the update fails with it
# (redelivered in webhook mode) and the next one connects afresh.
# After a restart every pooled connection is dead: a command on one is retried on a fresh
# connection (with backoff, about 3 s in all) instead of failing the update.
REDIS_CONNECTION: dict[str, Any] = {
    "socket_connect_timeout": 3.0,
    "socket_timeout": 10.0,
    "socket_keepalive": True,
    "health_check_interval": 15,
    "retry": Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=6),
    "retry_on_error": [RedisConnectionError, RedisTimeoutError],
}


class _Lean:
    """What every Redis command of a bot process pays for, made cheaper (redis-py 5's asyncio
    connection, measured in bench/README.md, session 6):

    - the command is packed by hiredis (as redis-py's own synchronous client does when hiredis
      is installed) instead of redis-py's Python packer;
    - a write that fits in the socket's buffer is not wrapped in `asyncio.wait_for` (a task
      per command): its `drain` returns at once. A write that does not fit, a connection to
      make or a health check due go through redis-py as before, with `socket_timeout`."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if not HIREDIS_AVAILABLE:
            return super().pack_command(*args)  # type: ignore[misc, no-any-return]
        if isinstance(args[0], str):
            args = tuple(args[0].encode().split()) + args[1:]
        elif b" " in args[0]:
            args = tuple(args[0].split()) + args[1:]
        try:
            return [hiredis.pack_command(args)]
        except TypeError as error:
            raise DataError(str(error)) from error

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        me: Any = self
        writer = me._writer
        due = check_health and me.health_check_interval
        if (
            not me.is_connected
            or (due and asyncio.get_running_loop().time() > me.next_health_check)
            or writer.transport.get_write_buffer_size() > 0
        ):
            await super().send_packed_command(command, check_health)  # type: ignore[misc]
            return
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        try:
            writer.writelines(command)
            if (
                writer.transport.get_write_buffer_size()
                > writer.transport.get_write_buffer_limits()[1]
            ):
                await asyncio.wait_for(writer.drain(), me.socket_timeout)
            else:
                await writer.drain()  # not paused: returns at once (raises if the link is lost)
        except TimeoutError:
            await me.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as error:
            await me.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while writing to socket: {error!r}") from error
        except BaseException:
            await me.disconnect(nowait=True)
            raise


class _LeanConnection(_Lean, Connection):
    pass


class _LeanSSLConnection(_Lean, SSLConnection):
    pass


class _LeanUnixConnection(_Lean, UnixDomainSocketConnection):
    pass


_LEAN: dict[type[AbstractConnection], type[AbstractConnection]] = {
    Connection: _LeanConnection,
    SSLConnection: _LeanSSLConnection,
    UnixDomainSocketConnection: _LeanUnixConnection,
}


# `_Lean.send_packed_command` reads redis-py's connection internals (`_writer`,
# `next_health_check`), which are not an API: it is used only on the redis-py series it was
# written and tested against (the lock file pins it); any other gets redis-py's own path.
LEAN_REDIS_SERIES = ("5.3.",)


def redis_client(url: str) -> Redis:
    """The bot's Redis client for `url`: bounded waits (`REDIS_CONNECTION`), lean commands
    on the kind of connection the URL names (redis://, rediss://, unix://)."""
    options = dict(REDIS_CONNECTION)
    if url.startswith("unix:"):
        del options["socket_keepalive"]  # a TCP option: redis-py's unix connection refuses it
    client: Redis = Redis.from_url(url, **options)
    if redis_version.startswith(LEAN_REDIS_SERIES):
        pool = client.connection_pool  # no connection made yet
        pool.connection_class = _LEAN.get(pool.connection_class, pool.connection_class)
    return client


def dumps_document(data: Mapping[str, Any]) -> str:
    """A document as stored: compact JSON."""
    if not isinstance(data, Mapping):
        raise TypeError(f"a conversation must be a mapping, got {type(data).__name__}")
    return json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))


class SqliteConversationStore:
    """Documents in an SQLite file (WAL mode), for a single bot process.

    The process owns the file, so what it wrote last is what the file holds: documents are
    kept in memory as written (up to `cached` of them, the oldest forgotten first) and read
    from there, and a save that changes nothing writes nothing. Every change is written
    through at once: a restart reads the file."""

    def __init__(self, path: Path, *, bot_id: int, cached: int = 10_000) -> None:
        self.path = path
        self.bot_id = bot_id
        self.cached = cached
        self._connection: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()
        self._texts: OrderedDict[str, str | None] = OrderedDict()  # None: known to be absent
        self._writes = 0  # a read that a write overtook is not remembered

    def _key(self, scope: str, chat_id: int) -> str:
        return json.dumps([self.bot_id, scope, chat_id])

    def _remember(self, key: str, text: str | None) -> None:
        self._texts[key] = text
        self._texts.move_to_end(key)
        while len(self._texts) > self.cached:
            self._texts.popitem(last=False)

    async def _db(self) -> aiosqlite.Connection:
        if self._connection is not None:
            return self._connection
        async with self._opening:
            if self._connection is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = await aiosqlite.connect(self.path, isolation_level=None)
                try:
                    await connection.execute("PRAGMA journal_mode=WAL")
                    await connection.execute("PRAGMA synchronous=NORMAL")
                    await connection.execute("PRAGMA busy_timeout=5000")
                    await connection.execute(_SCHEMA)
                except BaseException:
                    await connection.close()
                    raise
                self._connection = connection
        return self._connection

    async def load(self, scope: str, chat_id: int) -> dict[str, Any] | None:
        key = self._key(scope, chat_id)
        if key in self._texts:
            text = self._texts[key]
        else:
            writes = self._writes
            db = await self._db()
            query = "SELECT data FROM conversations WHERE key = ?"
            async with db.execute(query, (key,)) as cursor:
                row = await cursor.fetchone()
            text = None if row is None else str(row[0])
            if writes == self._writes:
                self._remember(key, text)
        if text is None:
            return None
        loaded: dict[str, Any] = json.loads(text)
        return loaded

    async def save(self, scope: str, chat_id: int, data: Mapping[str, Any] | None) -> None:
        key = self._key(scope, chat_id)
        text = None if data is None else dumps_document(data)
        if key in self._texts and self._texts[key] == text:
            return  # the file holds it already
        self._texts.pop(key, None)  # if the write fails, the next load reads the file
        self._writes += 1
        db = await self._db()
        if text is None:
            await db.execute("DELETE FROM conversations WHERE key = ?", (key,))
            self._remember(key, None)
            return
        await db.execute(
            "INSERT INTO conversations (key, data, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (key, text, time.time()),
        )
        self._remember(key, text)

    async def close(self) -> None:
        async with self._opening:
            self._texts.clear()
            if self._connection is not None:
                await self._connection.close()
                self._connection = None


class RedisConversationStore:
    """Documents as JSON strings under `<prefix>:<bot id>:<scope>:<chat id>`."""

    def __init__(self, redis: Redis, *, bot_id: int, prefix: str = "conv") -> None:
        self.redis = redis
        self.bot_id = bot_id
        self.prefix = prefix

    def key(self, scope: str, chat_id: int) -> str:
        """The Redis key of a document."""
        return f"{self.prefix}:{self.bot_id}:{scope}:{chat_id}"

    async def load(self, scope: str, chat_id: int) -> dict[str, Any] | None:
        raw = await self.redis.get(self.key(scope, chat_id))
        if raw is None:
            return None
        loaded: dict[str, Any] = json.loads(raw)
        return loaded

    async def save(self, scope: str, chat_id: int, data: Mapping[str, Any] | None) -> None:
        key = self.key(scope, chat_id)
        if data is None:
            await self.redis.delete(key)
        else:
            await self.redis.set(key, dumps_document(data))

    async def close(self) -> None:
        await self.redis.aclose()


def make_conversation_store(
    settings: Settings, *, bot_id: int, key_prefix: str = "conv"
) -> SqliteConversationStore | RedisConversationStore:
    """Redis when `REDIS_URL` is set, else an SQLite file in `DATA_DIR`."""
    if settings.redis_url:
        return RedisConversationStore(
            redis_client(settings.redis_url), bot_id=bot_id, prefix=key_prefix
        )
    return SqliteConversationStore(settings.data_dir / STATE_FILE_NAME, bot_id=bot_id)
