"""An analysis child and its forkserver do not outlive the process that owns the pool."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

OWNER = """
import asyncio, os, sys
from multiprocessing import forkserver
from bot.jobs.pool import AnalysisPool

async def main():
    pool = AnalysisPool()
    await pool.start(warm=False)
    child = await pool._call(os.getpid)
    print(child, forkserver._forkserver._forkserver_pid, flush=True)
    os._exit(0)  # gone without closing the pool: a crash, or kill -9

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not reaped by its parent) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


@pytest.mark.slow
def test_the_child_and_the_forkserver_leave_with_the_owner(tmp_path: Path) -> None:
    log = tmp_path / "owner.out"
    with log.open("w") as sink:  # a file: the children inherit it, a pipe would wait for them
        done = subprocess.run(
            [sys.executable, "-c", OWNER],
            cwd=ROOT,
            stdout=sink,
            stderr=sink,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, log.read_text()
    child, server = (int(x) for x in log.read_text().split()[-2:])
    deadline = time.monotonic() + 10
    while (_alive(child) or _alive(server)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the analysis child outlived its owner"
    assert not _alive(server), "the forkserver outlived its owner"
