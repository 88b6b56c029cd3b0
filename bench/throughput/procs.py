"""The bot processes under test and their databases, all on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[2]
DB_PREFIX = "ssc_tput_"
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / _TICKS, int(fields[12]) / _TICKS


def cpu_seconds(pid: int) -> float:
    return sum(cpu_times(pid))


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing {url}: only loopback servers are used")


def base_env() -> dict[str, str]:
    """The environment without any of the bot's own settings (they are set explicitly)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("TELEGRAM_", "WEBHOOK_", "DATABASE_", "REDIS_", "ANALYSIS_", "THROTTLE_", "BOT_")
        )
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    return env


@dataclass
class BotProcess:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def cpu_split(self) -> tuple[float, float]:
        return cpu_times(self.pid)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self, grace_s: float = 15.0) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.popen.wait, grace_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                await asyncio.to_thread(self.popen.wait, 5)


def start(
    name: str, argv: list[str], env: dict[str, str], log_dir: Path, source: Path = ROOT
) -> BotProcess:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(  # one process group of its own, for a clean stop
            argv,
            cwd=source,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return BotProcess(name, popen, log_path)


def echo_argv(runtime: str, family_label: str) -> list[str]:
    module = "bench.throughput.echo" if runtime == "aiogram" else f"bench.throughput.echo_{runtime}"
    return [sys.executable, "-m", module, family_label]


def product_argv() -> list[str]:
    return [sys.executable, "-m", "bot"]


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@contextlib.asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[str]:
    """A fresh database for one run, dropped afterwards."""
    require_loopback(admin_url)
    name = DB_PREFIX + secrets.token_hex(5)
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield with_database(admin_url, name)
    finally:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def redis_patterns(bot_id: int) -> list[str]:
    """Every key a bot with this id writes: conversations, locks, update marks."""
    return [f"conv:{bot_id}:*", f"ssc:*:{bot_id}:*", f"fsm:{bot_id}:*"]


async def clean_redis(url: str, bot_id: int) -> int:
    require_loopback(url)
    client = aioredis.from_url(url, socket_connect_timeout=3)
    try:
        deleted = 0
        for pattern in redis_patterns(bot_id):
            keys = [k async for k in client.scan_iter(match=pattern, count=1000)]
            for i in range(0, len(keys), 500):
                deleted += int(await client.delete(*keys[i : i + 500]))
        return deleted
    finally:
        await client.aclose()


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix)
