"""A Redis restart under running workers and a bot: nothing is lost. Uses a private
redis-server on its own loopback port, so the machine's Redis is never touched."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis_asyncio

from tests.jobs.conftest import Lab, until

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_workers_and_the_queue_outlive_a_redis_restart(
    private_redis: PrivateRedis, tmp_path: Path
) -> None:
    lab = Lab(private_redis.url, tmp_path, redis_asyncio.from_url(private_redis.url))
    try:
        worker = lab.worker("--timeout", "20")
        queue = lab.queue(submit_retry_s=20.0)
        await queue.start(lab.on_done)
        await lab.ready(worker)
        first = lab.job(9101, lab.fake_media(lab.run_log()))
        await queue.submit(first, lab.on_done)
        await lab.delivered_count(1, 60)
        # Redis goes away for 2 s (its data too: no persistence); a video arrives meanwhile
        private_redis.stop()
        await lab.redis.aclose()
        second = lab.job(9102, lab.fake_media(lab.run_log("runs2")))
        submitting = asyncio.create_task(queue.submit(second, lab.on_done))
        await asyncio.sleep(2.0)
        assert not submitting.done(), "the submit waits for Redis instead of giving up"
        private_redis.start()
        lab.redis = redis_asyncio.from_url(private_redis.url)
        await submitting
        delivered = await lab.delivered_count(2, 90)
        assert [r.application_id for r in delivered] == [9101, 9102]
        assert all(r.verdict == "review" for r in delivered), [r.error_code for r in delivered]

        async def worker_alive() -> bool:
            return worker.process.poll() is None

        await until(worker_alive, 1, "the worker still running")
    finally:
        await lab.close()
