"""The processes of a run: start, supervise, restart, stop, wait until ready."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.loadrun.common import LOOPBACK, PERSISTENT_REDIS, ROOT, now


def start_persistent_redis(directory: Path) -> str:
    """A private redis-server with the append-only file on a free loopback port; its URL."""

    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port = sock.getsockname()[1]
    command = [
        "redis-server", "--daemonize", "yes", "--bind", LOOPBACK, "--port", str(port),
        "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", str(directory),
        "--logfile", str(directory / "redis.log"),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=15, capture_output=True)
    PERSISTENT_REDIS[:] = [command]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        ping = subprocess.run(
            ["redis-cli", "-h", LOOPBACK, "-p", str(port), "ping"], capture_output=True, check=False
        )
        if ping.stdout.strip() == b"PONG":
            return f"redis://{LOOPBACK}:{port}/0"
        time.sleep(0.1)
    raise RuntimeError("the private redis-server did not start")


REDIS_RESTART = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    killed_at: float | None = None
    restarts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """The process and its children (it leads its own session: pgid == pid)."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def start_proc(
    name: str, args: list[str], env: dict[str, str], log_dir: Path, cwd: Path = ROOT
) -> Proc:
    log = log_dir / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(  # one session per process: killpg reaches its children
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Proc(name, popen, log, args, env, cwd)


def restart_proc(proc: Proc) -> None:
    """Starts a process that exited again, as a supervisor (compose's restart policy) would."""
    fresh = start_proc(proc.name, proc.args, proc.env, proc.log.parent, proc.cwd)
    proc.restarts.append({"exit_code": proc.popen.poll(), "new_pid": fresh.popen.pid})
    proc.popen = fresh.popen


async def supervise(procs: list[Proc], run_started: float) -> None:
    """Restarts bots and workers that exit by themselves (not those the fault killed)."""
    while True:
        await asyncio.sleep(1.0)
        for proc in procs:
            if not proc.alive and proc.killed_at is None:
                print(f"[supervisor] {proc.name} exited ({proc.popen.poll()}): restarted")
                restart_proc(proc)
                proc.restarts[-1]["at_s"] = round(now() - run_started, 2)


async def stop_procs(procs: list[Proc], grace_s: float = 10.0) -> None:
    for proc in procs:
        proc.kill_group(signal.SIGTERM)
    deadline = now() + grace_s
    for proc in procs:
        remaining = deadline - now()
        if remaining > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(proc.popen.wait, remaining)
    for proc in procs:
        proc.kill_group(signal.SIGKILL)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=5)


async def wait_http(
    session: aiohttp.ClientSession, url: str, proc: Proc | None, timeout_s: float
) -> None:
    deadline = now() + timeout_s
    while now() < deadline:
        if proc is not None and not proc.alive:
            raise RuntimeError(f"{proc.name} exited early; see {proc.log}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


async def wait_log(proc: Proc, pattern: str, timeout_s: float) -> None:
    deadline = now() + timeout_s
    regex = re.compile(pattern)
    while now() < deadline:
        if not proc.alive:
            raise RuntimeError(f"{proc.name} exited early; see {proc.log}")
        if regex.search(proc.log_text()):
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"{proc.name} did not log {pattern!r} within {timeout_s} s")
