"""A lab for the arq queue tests: a unique Redis prefix per test, real `python -m bot worker`
subprocesses on it, queues that read its results, and clean-up of everything afterwards.

Every wait has a deadline; workers are killed by their own process group at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis_asyncio

from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.jobs.arq_queue import ArqJobQueue
from bot.jobs.arq_wire import Keys, job_id_for
from tests.jobs import fake_analysis
from tests.storage.conftest import redis_url, sqlite_db, sqlite_db_url

__all__ = ["lab", "redis_url", "sqlite_db", "sqlite_db_url"]

ROOT = Path(__file__).resolve().parents[2]
FAKE = "tests.jobs.fake_analysis:analyse"


async def until(
    check: Callable[[], Awaitable[bool]], timeout_s: float, what: str, every_s: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(every_s)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    tmp_dir: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 of the worker and its analysis child (its whole process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Lab:
    redis_url: str
    tmp_path: Path
    redis: redis_asyncio.Redis
    keys: Keys = field(default_factory=lambda: Keys(f"ssc_test_{secrets.token_hex(6)}:analysis"))
    workers: list[Worker] = field(default_factory=list)
    queues: list[ArqJobQueue] = field(default_factory=list)
    job_ids: set[str] = field(default_factory=set)
    delivered: list[AnalysisResult] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return self.keys.prefix

    async def on_done(self, result: AnalysisResult) -> None:
        self.delivered.append(result)

    def worker(
        self, *args: str, analysis: str = FAKE, name: str | None = None, via_bot: bool = False
    ) -> Worker:
        """A worker subprocess: `python -m bot.worker`, or with `via_bot` the documented
        `python -m bot worker` (the same code, but it imports the whole bot first: ~4 s)."""
        name = name or f"worker{len(self.workers)}"
        tmp_dir = self.tmp_path / name
        log = self.tmp_path / f"{name}.log"
        entry = ["bot", "worker"] if via_bot else ["bot.worker"]
        command = [sys.executable, "-m", *entry, "--prefix", self.prefix]
        command += ["--analysis", analysis, "--tmp-dir", str(tmp_dir)]
        command += ["--health-interval", "1", "--poll-delay", "0.1", "--retry-delay", "0.2"]
        command += list(args)
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, "REDIS_URL": self.redis_url, "LOG_LEVEL": "INFO"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, with its analysis child
            )
        worker = Worker(process, log, tmp_dir)
        self.workers.append(worker)
        return worker

    async def ready(self, worker: Worker, timeout_s: float = 60.0) -> None:
        """Waits for the worker's first health record (it polls the queue from then on)."""

        async def alive() -> bool:
            assert worker.process.poll() is None, worker.output()
            return bool(await self.redis.exists(self.keys.health_check))

        await until(alive, timeout_s, "the worker's health check")

    def queue(self, **options: Any) -> ArqJobQueue:
        options.setdefault("block_s", 0.2)
        queue = ArqJobQueue(self.redis_url, prefix=self.prefix, **options)
        self.queues.append(queue)
        return queue

    def job(self, application_id: int, data: bytes, **fields: Any) -> AnalysisJob:
        """A job whose media file (as the bot downloads it) holds `data`."""
        incoming = self.tmp_path / "incoming"
        incoming.mkdir(exist_ok=True)
        path = incoming / f"{secrets.token_hex(4)}.mp4"
        path.write_bytes(data)
        job = AnalysisJob(application_id, fields.pop("kind", "video"), str(path), **fields)
        self.job_ids.add(job_id_for(job, data))
        return job

    def run_log(self, name: str = "runs") -> Path:
        return self.tmp_path / f"{name}.log"

    def fake_media(self, run_log: Path, **steer: Any) -> bytes:
        return fake_analysis.media(run_log, **steer)

    async def delivered_count(self, count: int, timeout_s: float) -> list[AnalysisResult]:
        async def enough() -> bool:
            return len(self.delivered) >= count

        await until(enough, timeout_s, f"{count} delivered result(s)")
        return self.delivered

    async def settled(self, timeout_s: float = 10.0) -> None:
        """Waits until arq finished its bookkeeping: no job queued or running any more."""

        async def idle() -> bool:
            running = [f"arq:in-progress:{job_id}" for job_id in self.job_ids]
            return not await self.redis.exists(self.keys.queue, *running)

        await until(idle, timeout_s, "an idle queue")

    async def leftovers(self) -> list[str]:
        """The prefix's keys besides the queue's own bookkeeping."""
        keys = [k.decode() async for k in self.redis.scan_iter(match=f"{self.prefix}:*")]
        return sorted(k for k in keys if ":done:" not in k and not k.endswith(":health-check"))

    async def close(self) -> None:
        for queue in self.queues:
            await queue.close()
        for worker in self.workers:
            worker.stop()
        keys = [k async for k in self.redis.scan_iter(match=f"{self.prefix}:*")]
        for job_id in self.job_ids:
            keys += [f"arq:{kind}:{job_id}" for kind in ("job", "in-progress", "retry", "result")]
        if keys:
            await self.redis.delete(*keys)
        await self.redis.aclose()


@pytest.fixture
async def lab(redis_url: str, tmp_path: Path) -> AsyncIterator[Lab]:
    lab = Lab(redis_url, tmp_path, redis_asyncio.from_url(redis_url))
    try:
        yield lab
    finally:
        await lab.close()
