"""One analysis child process, forked from a forkserver that has the engine loaded.

Both queues run their CPU work this way: `bot.worker` (arq) with one pool, `bot.jobs.local`
(the embedded queue of local mode) with one pool per slot. A run past its time limit kills
the child; the next `start` forks a new one, which already has the models in memory.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.jobs.analysis import AnalysisJob, AnalysisResult, warm_up

Analysis = Callable[[AnalysisJob], AnalysisResult]
T = TypeVar("T")

PRELOAD = ("bot.vision.preloaded", "bot.jobs.analysis", "bot.jobs.pool")
"""Imported by the forkserver before it forks a child: the engine with its models loaded and
the jobs' modules. A queue whose process runs as a module's main (`python -m bot.worker`) adds
that module: a child runs the main module again on start, which with its imports already in
memory takes milliseconds."""


def _running(pid: int) -> bool:
    """Whether ``pid`` runs: not gone, not exited and waiting to be reaped (a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the pid was reused by another user's process
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return not stat.read().rsplit(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):  # no /proc (not Linux): the signal check has to do
        return True


def _leave_with(owner: int, every_s: float = 1.0) -> None:
    """In the child: exit when the process that owns the pool is gone.

    A child waits for work on a pipe it holds both ends of, so it never sees its owner die;
    and the forkserver, whose children hold its alive pipe, waits for them. An owner killed
    (or stopped without closing its pools) used to leave both behind, about 200 MB each, for
    ever: after each restart of a bot or worker, or each end-to-end test of local mode."""

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if not _running(owner):
                os._exit(0)

    threading.Thread(target=watch, name="leave-with-owner", daemon=True).start()


class AnalysisPool:
    """One child process for the CPU work; a run past its time limit kills the child.

    The child is forked from a forkserver: a fresh interpreter that the first child start
    launches (nothing of the parent's event loop or threads reaches it) and that, with
    ``preload``, imports the engine and loads its models once. A child replacing one stopped
    for a timeout or a crash then starts in a fork, with the models already in memory.

    The forkserver is one per parent process: the first pool to start it chooses what it
    preloads. Starting a child waits for the forkserver's preload (a second or two the first
    time), so children are started from a thread, never on the event loop.
    """

    def __init__(self, *, preload: Sequence[str] = ()) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._preload = list(preload)

    def _ready(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            if self._preload:
                context.set_forkserver_preload(self._preload)  # counts when it first starts
            self._executor = ProcessPoolExecutor(
                1, mp_context=context, initializer=_leave_with, initargs=(os.getpid(),)
            )
        return self._executor

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        executor = self._ready()
        # submit starts the child if there is none: from a thread (see the class docstring)
        future: Future[T] = await asyncio.to_thread(executor.submit, fn, *args)
        return await asyncio.wrap_future(future)

    async def start(self, *, warm: bool) -> None:
        """Starts the child (and loads the engine in it) between jobs, so that neither counts
        against a job's time limit."""
        await self._call(warm_up if warm else os.getpid)

    async def run(self, analysis: Analysis, job: AnalysisJob, timeout_s: float) -> AnalysisResult:
        try:
            return await asyncio.wait_for(self._call(analysis, job), timeout_s)
        except TimeoutError:
            self.close(kill=True)
            raise
        except BrokenProcessPool:
            self.close(kill=True)
            raise

    def close(self, *, kill: bool = False) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if kill:
            # no public way to stop a running child before Python 3.14's terminate_workers()
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=not kill, cancel_futures=True)
