"""Conversation store contract on both backends (SQLite file, Redis), restart survival of the
SQLite one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.storage.conversations import (
    STATE_FILE_NAME,
    RedisConversationStore,
    SqliteConversationStore,
    make_conversation_store,
)

BOT = 42


def settings(data_dir: Path, redis_url: str | None = None) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, redis_url=redis_url)  # type: ignore[call-arg]


Store = SqliteConversationStore | RedisConversationStore


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, str]:
    """Settings selecting one backend, and the Redis key prefix (resolved outside the loop)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return settings(tmp_path, url), request.getfixturevalue("redis_prefix")
    return settings(tmp_path), "conv"


@pytest.fixture
async def store(backend: tuple[Settings, str]) -> AsyncIterator[Store]:
    configured, prefix = backend
    made = make_conversation_store(configured, bot_id=BOT, key_prefix=prefix)
    expected = RedisConversationStore if configured.redis_url else SqliteConversationStore
    assert isinstance(made, expected)
    yield made
    await made.close()


async def test_documents_round_trip_and_delete(store: Store) -> None:
    assert await store.load("citizen", 100) is None
    doc = {"c": {"step": "menu", "name": "张三"}, "refs": {"menu": 7}, "ok": True}
    await store.save("citizen", 100, doc)
    got = await store.load("citizen", 100)
    assert got == doc
    assert got is not doc
    await store.save("citizen", 100, None)
    assert await store.load("citizen", 100) is None


async def test_scopes_chats_and_bots_are_isolated(store: Store, tmp_path: Path) -> None:
    await store.save("citizen", 100, {"mine": True})
    assert await store.load("admin", 100) is None
    assert await store.load("citizen", 101) is None
    other_bot = (
        SqliteConversationStore(store.path, bot_id=BOT + 1)
        if isinstance(store, SqliteConversationStore)
        else RedisConversationStore(store.redis, bot_id=BOT + 1, prefix=store.prefix)
    )
    assert await other_bot.load("citizen", 100) is None
    if isinstance(other_bot, SqliteConversationStore):
        await other_bot.close()


async def test_documents_must_be_json_mappings(store: Store) -> None:
    with pytest.raises(TypeError):
        await store.save("citizen", 100, [("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await store.save("citizen", 100, {"when": object()})
    assert await store.load("citizen", 100) is None  # nothing half-written


async def test_sqlite_store_survives_a_restart_and_another_data_dir_shares_nothing(
    tmp_path: Path,
) -> None:
    first = make_conversation_store(settings(tmp_path / "data"), bot_id=BOT)
    await first.save("citizen", 100, {"name": "María-José"})
    await first.close()
    assert (tmp_path / "data" / STATE_FILE_NAME).is_file()
    second = make_conversation_store(settings(tmp_path / "data"), bot_id=BOT)
    elsewhere = make_conversation_store(settings(tmp_path / "other"), bot_id=BOT)
    try:
        assert await second.load("citizen", 100) == {"name": "María-José"}
        assert await elsewhere.load("citizen", 100) is None
    finally:
        await second.close()
        await elsewhere.close()


async def test_sqlite_store_uses_wal_and_forgets_deleted_rows(tmp_path: Path) -> None:
    import aiosqlite

    store = SqliteConversationStore(tmp_path / STATE_FILE_NAME, bot_id=BOT)
    await store.save("citizen", 1, {"a": 1})
    await store.save("citizen", 1, None)
    await store.close()
    async with aiosqlite.connect(tmp_path / STATE_FILE_NAME) as db:
        async with db.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone()) == ("wal",)
        async with db.execute("SELECT count(*) FROM conversations") as cursor:
            assert (await cursor.fetchone()) == (0,)


async def test_redis_keys_carry_the_prefix_and_bot_id(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    store = make_conversation_store(
        settings(tmp_path, redis_url), bot_id=BOT, key_prefix=redis_prefix
    )
    assert isinstance(store, RedisConversationStore)
    try:
        await store.save("citizen", 100, {"a": 1})
        keys = [key async for key in store.redis.scan_iter(match=f"{redis_prefix}:*")]
        assert keys == [f"{redis_prefix}:{BOT}:citizen:100".encode()]
    finally:
        await store.close()


async def test_sqlite_store_reads_what_it_wrote_from_memory_and_writes_only_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteConversationStore(tmp_path / STATE_FILE_NAME, bot_id=BOT)
    await store.save("citizen", 1, {"a": 1})
    assert await store.load("citizen", 2) is None  # absent: remembered too

    async def unreachable() -> None:
        raise OSError("the file was not to be touched")

    opened = store._db
    monkeypatch.setattr(store, "_db", unreachable)
    assert await store.load("citizen", 1) == {"a": 1}
    assert await store.load("citizen", 2) is None
    await store.save("citizen", 1, {"a": 1})  # unchanged: no write
    with pytest.raises(OSError, match="not to be touched"):
        await store.save("citizen", 1, {"a": 2})
    with pytest.raises(OSError, match="not to be touched"):  # a failed write is forgotten
        await store.load("citizen", 1)
    monkeypatch.setattr(store, "_db", opened)
    assert await store.load("citizen", 1) == {"a": 1}  # what the file holds
    await store.save("citizen", 1, {"a": 3})
    await store.close()
    again = SqliteConversationStore(tmp_path / STATE_FILE_NAME, bot_id=BOT)
    try:
        assert await again.load("citizen", 1) == {"a": 3}  # written through
    finally:
        await again.close()


async def test_sqlite_store_does_not_remember_a_read_that_a_write_overtook(
    tmp_path: Path,
) -> None:
    import asyncio

    first = SqliteConversationStore(tmp_path / STATE_FILE_NAME, bot_id=BOT)
    await first.save("citizen", 1, {"v": "old"})
    await first.close()
    store = SqliteConversationStore(tmp_path / STATE_FILE_NAME, bot_id=BOT)
    try:
        await store.load("admin", 1)  # open the file first: the race below is the one that counts
        read, _ = await asyncio.gather(
            store.load("citizen", 1), store.save("citizen", 1, {"v": "new"})
        )
        assert read == {"v": "old"}  # read before the write reached the file
        assert await store.load("citizen", 1) == {"v": "new"}
    finally:
        await store.close()
