"""The embedded job queue: analysis jobs in a local process pool.

CPU work never runs on the event loop: each job runs `run_analysis` in a worker process
(spawned, not forked, so no event-loop state leaks into it), and its result is handed to an
async callback back on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor

from bot.jobs.analysis import AnalysisJob, AnalysisResult, run_analysis, warm_up

log = logging.getLogger(__name__)

OnDone = Callable[[AnalysisResult], Awaitable[None]]


class LocalJobQueue:
    def __init__(self, workers: int = 1, *, timeout_s: float = 90.0) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn")
        )
        self._timeout_s = timeout_s
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, on_done: OnDone | None = None) -> None:
        """Nothing to start: results come back to the callback given with each job."""

    async def warm_up(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, warm_up)

    async def submit(self, job: AnalysisJob, on_done: OnDone) -> None:
        task = asyncio.create_task(self._run(job, on_done), name=f"analysis-{job.application_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: AnalysisJob, on_done: OnDone) -> None:
        loop = asyncio.get_running_loop()
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(self._executor, run_analysis, job), timeout=self._timeout_s
            )
        except TimeoutError:
            log.warning("analysis of application %s timed out", job.application_id)
            result = AnalysisResult(
                job.application_id, job.practice, job.kind, "error", error_code="timeout"
            )
        except Exception:
            log.exception("analysis of application %s failed", job.application_id)
            result = AnalysisResult(
                job.application_id, job.practice, job.kind, "error", error_code="internal"
            )
        try:
            await on_done(result)
        except Exception:
            log.exception("delivering the analysis of application %s failed", job.application_id)

    async def drain(self) -> None:
        """Waits for the jobs in flight (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        self._executor.shutdown(wait=True, cancel_futures=True)
