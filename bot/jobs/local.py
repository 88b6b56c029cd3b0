"""The embedded job queue: analysis jobs in local child processes (local mode, SQLite).

CPU work never runs on the event loop: each job runs `run_analysis` in a child process and its
result is handed to an async callback back on the loop. The children are those of
`bot.worker`: one `AnalysisPool` per slot, forked from a forkserver that loaded the engine's
models once (nothing of the bot's event loop or threads reaches them). `start` starts every
slot's child in the background, so the first analysis does not pay the model load; a job past
`timeout_s` is answered `error`/`timeout` and its child killed, and the slot gets a new child
(a fork, models already loaded) before it takes another job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures.process import BrokenProcessPool

from bot.jobs.analysis import AnalysisJob, AnalysisResult, run_analysis
from bot.jobs.pool import PRELOAD, Analysis, AnalysisPool

log = logging.getLogger(__name__)

OnDone = Callable[[AnalysisResult], Awaitable[None]]


class LocalJobQueue:
    """`workers` slots, each one child process; jobs wait for a free slot.

    ``analysis`` runs in the child (a module-level function, pickled by name): tests inject a
    stand-in. ``warm`` (by default: when the analysis is the real engine) preloads the engine
    in the forkserver and loads its models in each child before its first job."""

    def __init__(
        self,
        workers: int = 1,
        *,
        timeout_s: float = 90.0,
        analysis: Analysis = run_analysis,
        warm: bool | None = None,
    ) -> None:
        self._analysis = analysis
        self._warm = analysis is run_analysis if warm is None else warm
        preload = PRELOAD if self._warm else ()
        self._pools = [AnalysisPool(preload=preload) for _ in range(max(1, workers))]
        self._free: asyncio.Queue[AnalysisPool] = asyncio.Queue()
        self._timeout_s = timeout_s
        self._started = False
        self._tasks: set[asyncio.Task[None]] = set()  # jobs in flight
        self._refills: set[asyncio.Task[None]] = set()  # slots getting a (new) child

    async def start(self, on_done: OnDone | None = None) -> None:
        """Starts each slot's child in the background (results go to the callback given with
        each job)."""
        if self._started:
            return
        self._started = True
        for pool in self._pools:
            self._refill(pool)

    async def warm_up(self) -> None:
        """Waits until every slot has its child, models loaded."""
        await self.start()
        while self._refills:
            await asyncio.gather(*list(self._refills), return_exceptions=True)

    async def submit(self, job: AnalysisJob, on_done: OnDone) -> None:
        await self.start()
        task = asyncio.create_task(self._run(job, on_done), name=f"analysis-{job.application_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _refill(self, pool: AnalysisPool) -> None:
        task = asyncio.create_task(self._start_child(pool), name="analysis-child")
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    async def _start_child(self, pool: AnalysisPool) -> None:
        try:
            await pool.start(warm=self._warm)
        except Exception:
            # the slot stays usable: its next job starts a child and fails there if it must
            log.exception("starting an analysis child failed")
            pool.close(kill=True)
        self._free.put_nowait(pool)

    async def _run(self, job: AnalysisJob, on_done: OnDone) -> None:
        pool = await self._free.get()
        child_lost = False
        try:
            result = await pool.run(self._analysis, job, self._timeout_s)
        except TimeoutError:
            child_lost = True
            log.warning("analysis of application %s timed out: stopped", job.application_id)
            result = self._error(job, "timeout")
        except BrokenProcessPool:
            child_lost = True
            log.error("the child analysing application %s died", job.application_id)
            result = self._error(job, "internal")
        except Exception:
            log.exception("analysis of application %s failed", job.application_id)
            result = self._error(job, "internal")
        finally:
            if child_lost:
                self._refill(pool)
            else:
                self._free.put_nowait(pool)
        try:
            await on_done(result)
        except Exception:
            log.exception("delivering the analysis of application %s failed", job.application_id)

    @staticmethod
    def _error(job: AnalysisJob, code: str) -> AnalysisResult:
        return AnalysisResult(job.application_id, job.practice, job.kind, "error", error_code=code)

    async def drain(self) -> None:
        """Waits for the jobs in flight (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        while self._refills:
            await asyncio.gather(*list(self._refills), return_exceptions=True)
        for pool in self._pools:
            pool.close(kill=True)  # idle children: nothing to wait for
