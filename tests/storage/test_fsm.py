"""FSM storage contract on both backends, and restart survival of the SQLite one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.config import Settings
from bot.storage.fsm import STATE_FILE_NAME, SqliteStorage, make_fsm_storage

KEY = StorageKey(bot_id=42, chat_id=100, user_id=100)


class AddMember(StatesGroup):
    name = State()
    id_number = State()


def settings(data_dir: Path, redis_url: str | None = None) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, redis_url=redis_url)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, str]:
    """Settings selecting one backend, and the Redis key prefix (resolved outside the loop)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return settings(tmp_path, url), request.getfixturevalue("redis_prefix")
    return settings(tmp_path), "fsm"


@pytest.fixture
async def storage(backend: tuple[Settings, str]) -> AsyncIterator[BaseStorage]:
    configured, prefix = backend
    made = make_fsm_storage(configured, key_prefix=prefix)
    expected = RedisStorage if configured.redis_url else SqliteStorage
    assert isinstance(made, expected)
    yield made
    await made.close()


async def test_state(storage: BaseStorage) -> None:
    assert await storage.get_state(KEY) is None
    await storage.set_state(KEY, AddMember.name)
    assert await storage.get_state(KEY) == "AddMember:name"
    await storage.set_state(KEY, "custom:state")
    assert await storage.get_state(KEY) == "custom:state"
    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None


async def test_data(storage: BaseStorage) -> None:
    assert await storage.get_data(KEY) == {}
    data = {"name": "张三", "relationship": "son", "nested": {"attempts": [1, 2]}, "ok": True}
    await storage.set_data(KEY, data)
    got = await storage.get_data(KEY)
    assert got == data
    got["name"] = "changed"  # the caller's copy, not the stored value
    assert (await storage.get_data(KEY))["name"] == "张三"
    assert await storage.get_value(KEY, "relationship") == "son"
    assert await storage.update_data(KEY, {"name": "李四", "step": 2}) == {
        **data,
        "name": "李四",
        "step": 2,
    }
    assert await storage.get_data(KEY) == {**data, "name": "李四", "step": 2}
    await storage.set_data(KEY, {})
    assert await storage.get_data(KEY) == {}


async def test_state_and_data_are_independent(storage: BaseStorage) -> None:
    await storage.set_state(KEY, AddMember.id_number)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, None)
    assert await storage.get_data(KEY) == {"a": 1}
    await storage.set_state(KEY, AddMember.name)
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == "AddMember:name"


@pytest.mark.parametrize(
    "other",
    [
        StorageKey(bot_id=43, chat_id=100, user_id=100),
        StorageKey(bot_id=42, chat_id=101, user_id=100),
        StorageKey(bot_id=42, chat_id=100, user_id=101),
        StorageKey(bot_id=42, chat_id=100, user_id=100, thread_id=7),
        StorageKey(bot_id=42, chat_id=100, user_id=100, destiny="scene"),
    ],
)
async def test_keys_are_isolated(storage: BaseStorage, other: StorageKey) -> None:
    await storage.set_state(KEY, AddMember.name)
    await storage.set_data(KEY, {"mine": True})
    assert await storage.get_state(other) is None
    assert await storage.get_data(other) == {}


async def test_data_must_be_a_json_dict(storage: BaseStorage) -> None:
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await storage.set_data(KEY, {"when": object()})


async def test_sqlite_concurrent_updates_are_not_lost(tmp_path: Path) -> None:
    # aiogram's RedisStorage.update_data is a plain read-modify-write: there the Dispatcher's
    # events isolation must serialise a user's updates. SqliteStorage merges atomically.
    storage = SqliteStorage(tmp_path / STATE_FILE_NAME)
    await asyncio.gather(*(storage.update_data(KEY, {f"k{i}": i}) for i in range(20)))
    assert await storage.get_data(KEY) == {f"k{i}": i for i in range(20)}
    await storage.close()


async def test_sqlite_storage_survives_a_restart(tmp_path: Path) -> None:
    first = make_fsm_storage(settings(tmp_path / "data"))
    await first.set_state(KEY, AddMember.id_number)
    await first.update_data(KEY, {"name": "María-José"})
    await first.close()
    assert (tmp_path / "data" / STATE_FILE_NAME).is_file()

    second = make_fsm_storage(settings(tmp_path / "data"))
    try:
        assert await second.get_state(KEY) == "AddMember:id_number"
        assert await second.get_data(KEY) == {"name": "María-José"}
    finally:
        await second.close()

    elsewhere = make_fsm_storage(settings(tmp_path / "other"))
    try:
        assert await elsewhere.get_state(KEY) is None  # another DATA_DIR shares nothing
    finally:
        await elsewhere.close()


async def test_sqlite_storage_uses_wal_and_forgets_empty_rows(tmp_path: Path) -> None:
    import aiosqlite

    storage = SqliteStorage(tmp_path / STATE_FILE_NAME)
    await storage.set_state(KEY, AddMember.name)
    await storage.set_state(KEY, None)
    await storage.close()
    async with aiosqlite.connect(tmp_path / STATE_FILE_NAME) as db:
        async with db.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone()) == ("wal",)
        async with db.execute("SELECT count(*) FROM fsm") as cursor:
            assert (await cursor.fetchone()) == (0,)


async def test_redis_keys_carry_the_prefix_and_bot_id(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    storage = make_fsm_storage(settings(tmp_path, redis_url), key_prefix=redis_prefix)
    assert isinstance(storage, RedisStorage)
    try:
        await storage.set_state(KEY, AddMember.name)
        keys = [key async for key in storage.redis.scan_iter(match=f"{redis_prefix}:*")]
        assert keys == [f"{redis_prefix}:42:100:100:default:state".encode()]
    finally:
        await storage.close()
