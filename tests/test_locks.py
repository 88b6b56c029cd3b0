"""Per-citizen locks across processes: two conversation engines (two bot processes) sharing
one Redis never handle the same citizen's updates at the same time."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, cast

import pytest
import redis.asyncio as redis_asyncio

from bot.flows.citizen import Conversation
from bot.flows.core import CommandSent, Context, FlowConfig, Reply
from bot.flows.runner import CitizenRunner
from bot.i18n import Translator
from bot.locks import LockTimeoutError, RedisLocker, held
from bot.storage.conversations import RedisConversationStore
from tests.storage.conftest import redis_prefix, redis_url

__all__ = ["redis_prefix", "redis_url"]

STEP_SECONDS = 0.15


class SlowCitizens:
    """The only part of the citizen service a `/start` needs, slow, recording who is inside."""

    def __init__(self, journal: list[tuple[str, str]], name: str) -> None:
        self.journal = journal
        self.name = name

    async def load_context(self, citizen_id: int | None, *, now: datetime, entropy: int) -> Context:
        self.journal.append((self.name, "enter"))
        await asyncio.sleep(STEP_SECONDS)
        return Context(now=now, config=FlowConfig(), entropy=entropy)


class RecordingEngine(CitizenRunner):
    """Renders into the journal instead of Telegram: the end of the critical section."""

    name = ""
    journal: list[tuple[str, str]]

    async def _render(
        self, chat_id: int, conv: Conversation, refs: dict[str, int], replies: list[Reply]
    ) -> None:
        await asyncio.sleep(STEP_SECONDS / 3)
        self.journal.append((self.name, "leave"))


@pytest.fixture
async def redis(redis_url: str, redis_prefix: str) -> AsyncIterator[redis_asyncio.Redis]:
    client = redis_asyncio.Redis.from_url(redis_url)
    yield client
    async for key in client.scan_iter(match=f"{redis_prefix}:*"):
        await client.delete(key)
    await client.aclose()


async def make_engines(
    redis_url: str, prefix: str, *, shared_lock: bool
) -> tuple[list[RecordingEngine], list[tuple[str, str]], list[Any]]:
    """Two engines as two processes would have them: own Bot, own storage client, own local
    locks; the same Redis behind them."""
    journal: list[tuple[str, str]] = []
    bot_id = 600_000_000 + secrets.randbelow(99_999_999)
    engines: list[RecordingEngine] = []
    closing: list[Any] = []
    for name in ("A", "B"):
        storage = RedisConversationStore(
            redis_asyncio.Redis.from_url(redis_url), bot_id=bot_id, prefix=f"{prefix}:conv"
        )
        locker = RedisLocker(storage.redis, prefix=f"{prefix}:lock") if shared_lock else None
        engine = RecordingEngine(
            bot_id=bot_id,
            messenger=cast(Any, None),  # replies go to the journal (see _render)
            store=storage,
            citizens=cast(Any, SlowCitizens(journal, name)),
            verification=cast(Any, None),
            translator=Translator(),
            vault=cast(Any, None),  # no phone or ID number in this conversation
            locker=locker,
        )
        engine.name, engine.journal = name, journal
        engines.append(engine)
        closing.append(storage)
    return engines, journal, closing


async def feed_both(engines: list[RecordingEngine], user_id: int) -> None:
    await asyncio.gather(
        *(
            engine.feed(user_id=user_id, event=CommandSent("start", "", i + 1))
            for i, engine in enumerate(engines)
        )
    )


def interleaved(journal: list[tuple[str, str]]) -> bool:
    """Whether one engine entered while the other was inside."""
    inside: str | None = None
    for name, what in journal:
        if what == "enter":
            if inside is not None:
                return True
            inside = name
        else:
            inside = None
    return False


async def screen_of(engine: CitizenRunner, user_id: int) -> int:
    conv, _ = await engine._load(user_id)
    return conv.screen


@pytest.mark.parametrize("shared_lock", [True, False], ids=["redis-lock", "no-shared-lock"])
async def test_two_processes_take_turns_on_one_citizen(
    redis: redis_asyncio.Redis, redis_url: str, redis_prefix: str, shared_lock: bool
) -> None:
    engines, journal, closing = await make_engines(redis_url, redis_prefix, shared_lock=shared_lock)
    try:
        await feed_both(engines, user_id=4301)
        assert sorted(journal) == [("A", "enter"), ("A", "leave"), ("B", "enter"), ("B", "leave")]
        # each /start shows a new screen of buttons: two updates, two screens, unless one
        # overwrote the other's state (a lost update)
        screens = await screen_of(engines[0], 4301)
        if shared_lock:
            assert not interleaved(journal), journal
            assert screens == 2
            assert await redis.keys(f"{redis_prefix}:lock:*") == []  # released
        else:  # the control: without the shared lock the same test sees the race
            assert interleaved(journal), journal
            assert screens == 1
    finally:
        for resource in closing:
            await resource.close()


async def test_different_citizens_do_not_wait_for_each_other(
    redis: redis_asyncio.Redis, redis_url: str, redis_prefix: str
) -> None:
    engines, journal, closing = await make_engines(redis_url, redis_prefix, shared_lock=True)
    try:
        await asyncio.gather(
            engines[0].feed(user_id=4302, event=CommandSent("start", "", 1)),
            engines[1].feed(user_id=4303, event=CommandSent("start", "", 1)),
        )
        assert interleaved(journal), journal  # both inside at once: different keys
    finally:
        for resource in closing:
            await resource.close()


async def test_a_held_lock_is_renewed_and_a_waiter_gives_up(
    redis: redis_asyncio.Redis, redis_prefix: str
) -> None:
    holder = RedisLocker(redis, prefix=redis_prefix, timeout_s=0.3, blocking_timeout_s=0.1)
    waiter = RedisLocker(redis, prefix=redis_prefix, timeout_s=0.3, blocking_timeout_s=0.1)
    async with holder.lock("citizen:1"):
        await asyncio.sleep(0.8)  # well past the lock's TTL: renewed meanwhile
        with pytest.raises(LockTimeoutError):
            async with waiter.lock("citizen:1"):
                pytest.fail("entered a lock held by another")
        assert 0 < await redis.pttl(f"{redis_prefix}:citizen:1") <= 300
    async with waiter.lock("citizen:1"):  # released: free at once
        pass
    assert await redis.exists(f"{redis_prefix}:citizen:1") == 0


async def test_a_held_document_is_read_with_its_lock_renewed_and_written_with_its_release(
    redis: redis_asyncio.Redis, redis_prefix: str
) -> None:
    holder = RedisLocker(redis, prefix=redis_prefix, timeout_s=0.3, blocking_timeout_s=0.1)
    waiter = RedisLocker(redis, prefix=redis_prefix, timeout_s=0.3, blocking_timeout_s=0.1)
    doc_key, lock_key = f"{redis_prefix}:doc", f"{redis_prefix}:citizen:1"
    async with holder.hold("citizen:1", doc_key) as document:
        assert document.data is None
        await asyncio.sleep(0.8)  # well past the lock's TTL: renewed meanwhile
        with pytest.raises(LockTimeoutError):
            async with waiter.hold("citizen:1", doc_key):
                pytest.fail("entered a lock held by another")
        assert 0 < await redis.pttl(lock_key) <= 300
        await document.save({"step": "menu", "name": "张三"})
        assert await redis.exists(lock_key) == 0  # written and released at once
    async with waiter.hold("citizen:1", doc_key) as document:
        assert document.data == {"step": "menu", "name": "张三"}
        await redis.pexpire(doc_key, 60_000)  # a SET would clear this
        await document.save({"step": "menu", "name": "张三"})
    assert await redis.pttl(doc_key) > 0  # unchanged: not written
    async with waiter.hold("citizen:1", doc_key) as document:
        pass  # left without saving (a stale button): released, the document kept
    assert await redis.exists(lock_key) == 0
    assert await redis.exists(doc_key) == 1
    async with waiter.hold("citizen:1", doc_key) as document:
        await document.save(None)
    assert await redis.exists(doc_key) == 0


async def test_a_lock_lost_while_held_is_reported_and_the_write_still_made(
    redis: redis_asyncio.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    locker = RedisLocker(redis, prefix=redis_prefix, timeout_s=30, blocking_timeout_s=0.1)
    doc_key, lock_key = f"{redis_prefix}:doc", f"{redis_prefix}:citizen:2"
    async with locker.hold("citizen:2", doc_key) as document:
        await redis.set(lock_key, "someone else")  # expired and taken meanwhile
        await document.save({"a": 1})
    assert await redis.get(lock_key) == b"someone else"  # not released by the wrong owner
    assert "expired before its holder released it" in caplog.text
    assert await redis.get(doc_key) == b'{"a":1}'


async def test_held_uses_the_combined_scripts_only_on_a_store_of_the_same_kind(
    redis: redis_asyncio.Redis, redis_url: str, redis_prefix: str
) -> None:
    store = RedisConversationStore(redis, bot_id=7, prefix=f"{redis_prefix}:conv")
    locker = RedisLocker(redis, prefix=f"{redis_prefix}:lock")
    async with held(store, "citizen", 5, locker, "citizen:7:5") as document:
        assert document.data is None
        await document.save({"x": 1})
    assert await store.load("citizen", 5) == {"x": 1}
    async with held(store, "citizen", 5, None, "citizen:7:5") as document:  # no shared lock
        assert document.data == {"x": 1}
        await document.save({"x": 2})
    assert await store.load("citizen", 5) == {"x": 2}
    assert await redis.keys(f"{redis_prefix}:lock:*") == []


async def test_a_failed_write_still_releases_the_lock_on_the_way_out(
    redis: redis_asyncio.Redis, redis_prefix: str
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    locker = RedisLocker(redis, prefix=redis_prefix, timeout_s=30, blocking_timeout_s=0.1)
    doc_key, lock_key = f"{redis_prefix}:doc", f"{redis_prefix}:citizen:3"
    script = locker._write_and_release
    calls: list[str] = []

    async def flaky(*, keys: list[str], args: list[Any]) -> Any:
        calls.append(str(args[1]))
        if len(calls) == 1:
            raise RedisConnectionError("the write broke off")
        return await script(keys=keys, args=args)

    locker._write_and_release = flaky  # type: ignore[assignment]
    with pytest.raises(RedisConnectionError):
        async with locker.hold("citizen:3", doc_key) as document:
            await document.save({"a": 1})
    assert calls == ["set", "keep"]  # the write failed; leaving the block released the lock
    assert await redis.exists(lock_key) == 0
    assert await redis.exists(doc_key) == 0
