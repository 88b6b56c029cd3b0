"""Conversation state storage for aiogram's FSM.

With `REDIS_URL` set, aiogram's own `RedisStorage` is used (several bot processes can share
it). Otherwise `SqliteStorage` keeps states and data in `DATA_DIR/state.sqlite3`, so that a
conversation survives a restart of the embedded bot. Data is stored as JSON in both cases.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiosqlite
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.config import Settings

__all__ = ["STATE_FILE_NAME", "SqliteStorage", "make_fsm_storage"]

STATE_FILE_NAME = "state.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fsm (
    key TEXT PRIMARY KEY,
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at REAL NOT NULL
)
"""


def _row_key(key: StorageKey) -> str:
    # Every part of the key, unambiguously: two bots or two topics of a chat never share a row.
    return json.dumps(
        [
            key.bot_id,
            key.chat_id,
            key.thread_id,
            key.user_id,
            key.business_connection_id,
            key.destiny,
        ]
    )


def _dumps(data: Mapping[str, Any]) -> str:
    if not isinstance(data, dict):
        raise DataNotDictLikeError(f"Data must be a dict, got {type(data).__name__}")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class SqliteStorage(BaseStorage):
    """FSM storage in an SQLite file (WAL mode), for a single bot process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()
        self._writing = asyncio.Lock()

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

    async def _fetch(self, db: aiosqlite.Connection, row_key: str) -> tuple[str | None, str]:
        async with db.execute("SELECT state, data FROM fsm WHERE key = ?", (row_key,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None, "{}"
        return row[0], row[1]

    async def _write(
        self, db: aiosqlite.Connection, row_key: str, state: str | None, data: str
    ) -> None:
        if state is None and data == "{}":
            await db.execute("DELETE FROM fsm WHERE key = ?", (row_key,))
            return
        await db.execute(
            "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, "
            "updated_at = excluded.updated_at",
            (row_key, state, data, time.time()),
        )

    async def _modify(
        self, key: StorageKey, *, state: StateType | bool = False, data: str | None = None
    ) -> None:
        """Read, change and write one row in one immediate transaction."""
        db = await self._db()
        row_key = _row_key(key)
        async with self._writing:
            await db.execute("BEGIN IMMEDIATE")
            try:
                old_state, old_data = await self._fetch(db, row_key)
                new_state = old_state if state is False else _state_name(state)
                await self._write(db, row_key, new_state, old_data if data is None else data)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._modify(key, state=state)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._fetch(await self._db(), _row_key(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._modify(key, data=_dumps(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._fetch(await self._db(), _row_key(key))
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge `data` into the stored data atomically (no lost update between handlers)."""
        db = await self._db()
        row_key = _row_key(key)
        async with self._writing:
            await db.execute("BEGIN IMMEDIATE")
            try:
                state, old_data = await self._fetch(db, row_key)
                merged: dict[str, Any] = json.loads(old_data)
                merged.update(data)
                await self._write(db, row_key, state, _dumps(merged))
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")
        return merged.copy()

    async def close(self) -> None:
        async with self._opening:
            if self._connection is not None:
                await self._connection.close()
                self._connection = None


def _state_name(state: StateType | bool) -> str | None:
    if isinstance(state, State):
        return state.state
    if isinstance(state, str) or state is None:
        return state
    raise TypeError("state must be a State, a string or None")


# Bounded waits on every Redis call: without them a connect that never completes during a
# Redis restart held the connection pool's lock, and the whole process hung for good (seen in
# the restart-redis load run). A call now fails after a few seconds; the update fails with it
# (redelivered in webhook mode) and the next one connects afresh.
# After a restart every pooled connection is dead: a command on one is retried on a fresh
# connection (with backoff, about 3 s in all) instead of failing the update.
REDIS_CONNECTION: dict[str, object] = {
    "socket_connect_timeout": 3.0,
    "socket_timeout": 10.0,
    "socket_keepalive": True,
    "health_check_interval": 15,
    "retry": Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=6),
    "retry_on_error": [RedisConnectionError, RedisTimeoutError],
}


def make_fsm_storage(settings: Settings, *, key_prefix: str = "fsm") -> BaseStorage:
    """`RedisStorage` when `REDIS_URL` is set, else `SqliteStorage` in `DATA_DIR`.

    Redis keys include the bot id, so two bots sharing one Redis never see each other's
    conversations; `key_prefix` separates deployments (and tests) further.
    """
    if settings.redis_url:
        return RedisStorage.from_url(
            settings.redis_url,
            connection_kwargs=REDIS_CONNECTION,
            key_builder=DefaultKeyBuilder(prefix=key_prefix, with_bot_id=True, with_destiny=True),
        )
    return SqliteStorage(settings.data_dir / STATE_FILE_NAME)
