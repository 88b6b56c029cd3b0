"""The bot's Redis client (`redis_client`): commands packed by hiredis and small writes sent
without a timeout task, with redis-py's behaviour otherwise (bounded waits, retries)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError

from bot.config import Settings
from bot.locks import _Script
from bot.storage.conversations import (
    REDIS_CONNECTION,
    RedisConversationStore,
    _LeanConnection,
    make_conversation_store,
    redis_client,
)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("redis://127.0.0.1:6379/3", Connection),
        ("rediss://127.0.0.1:6380/0", SSLConnection),
        ("unix:///tmp/redis.sock?db=2", UnixDomainSocketConnection),
    ],
)
async def test_every_scheme_keeps_its_kind_of_connection_and_the_bounded_waits(
    url: str, kind: type[Connection]
) -> None:
    client = redis_client(url)
    try:
        pool = client.connection_pool
        assert issubclass(pool.connection_class, kind)
        assert pool.connection_class.pack_command is not kind.pack_command  # the lean packer
        assert pool.connection_kwargs["socket_timeout"] == REDIS_CONNECTION["socket_timeout"]
        assert pool.connection_kwargs["retry"] is REDIS_CONNECTION["retry"]
    finally:
        await client.aclose()


def test_commands_are_packed_as_redis_py_packs_them() -> None:
    lean = redis_client("redis://127.0.0.1:6379/0").connection_pool.make_connection()
    plain = Connection()
    for command in [
        ("GET", "k"),
        ("SET", "conv:1:citizen:7", '{"c":{"名":"王小明"}}', "EX", 60),
        ("EVALSHA", "ab" * 20, 2, b"lock", "doc", "token", 30000),
        ("CLIENT SETNAME", "bot"),
        ("SET", "k", b"\x00\xff" * 40_000),
    ]:
        assert b"".join(lean.pack_command(*command)) == b"".join(plain.pack_command(*command))
    with pytest.raises(DataError):
        lean.pack_command("SET", "k", object())


async def test_small_and_large_values_round_trip_and_a_killed_connection_is_made_again(
    redis_url: str, redis_prefix: str
) -> None:
    client = redis_client(redis_url)
    try:
        small, large = "小" * 100, secrets.token_bytes(8 * 2**20)  # past the socket's buffer
        await client.set(f"{redis_prefix}:small", small)
        await client.set(f"{redis_prefix}:large", large)
        assert (await client.get(f"{redis_prefix}:small")).decode() == small
        assert await client.get(f"{redis_prefix}:large") == large
        await client.client_kill_filter(_id=await client.client_id(), skipme=False)
        assert (await client.get(f"{redis_prefix}:small")).decode() == small  # retried
    finally:
        await client.aclose()


async def test_a_script_the_server_does_not_know_is_loaded_and_run(redis_url: str) -> None:
    client = redis_client(redis_url)
    try:
        script = _Script(client, f"return ARGV[1] .. KEYS[1] -- {secrets.token_hex(8)}")
        assert await client.script_exists(script.script.sha) == [False]
        assert await script(keys=["b"], args=["a"]) == b"ab"
        assert await client.script_exists(script.script.sha) == [True]
        assert await script(keys=["d"], args=["c"]) == b"cd"
    finally:
        await client.aclose()


async def test_the_conversation_store_uses_the_lean_client(redis_url: str, tmp_path: Path) -> None:
    """The store's client is the one the locks, the context tokens and dedup share."""
    settings = Settings(_env_file=None, data_dir=tmp_path, redis_url=redis_url)  # type: ignore[call-arg]
    store = make_conversation_store(settings, bot_id=1)
    try:
        assert isinstance(store, RedisConversationStore)
        assert store.redis.connection_pool.connection_class is _LeanConnection
    finally:
        await store.close()


async def test_another_redis_py_series_gets_redis_py_s_own_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lean path reads redis-py internals: a redis-py it was not tested on does not get it."""
    monkeypatch.setattr("bot.storage.conversations.redis_version", "6.0.0")
    client = redis_client("redis://127.0.0.1:6379/3")
    try:
        assert client.connection_pool.connection_class is Connection
    finally:
        await client.aclose()


@pytest.fixture
def unix_redis(tmp_path: Path) -> Iterator[Path]:
    """A Redis server of its own on a unix socket (redis-server also serves the suite's Redis)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is needed for the unix-socket test")
    sock = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield sock
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_a_unix_socket_url_connects(unix_redis: Path) -> None:
    """REDIS_URL=unix:///path: the TCP keepalive option is not handed to the unix connection
    (redis-py refused it: every command failed with a TypeError)."""
    client = redis_client(f"unix://{unix_redis}?db=2")
    try:
        assert await client.set("k", "v")
        assert await client.get("k") == b"v"
    finally:
        await client.aclose()
