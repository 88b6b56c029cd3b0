"""The embedded queue of local mode: warm children, and a stuck job killed and replaced."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.jobs.local import LocalJobQueue
from tests.jobs import fake_analysis


def _job(tmp_path: Path, application_id: int, **header: float) -> AnalysisJob:
    path = tmp_path / f"{application_id}.mp4"
    path.write_bytes(fake_analysis.media(tmp_path / f"{application_id}.log", **header))  # type: ignore[arg-type]
    return AnalysisJob(application_id, "video", str(path))


def _gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


async def _run_all(queue: LocalJobQueue, jobs: list[AnalysisJob]) -> list[AnalysisResult]:
    results: list[AnalysisResult] = []

    async def on_done(result: AnalysisResult) -> None:
        results.append(result)

    await queue.warm_up()  # both slots free, in order: the jobs go to different children
    for job in jobs:
        await queue.submit(job, on_done)
    await asyncio.wait_for(queue.drain(), 60)
    return sorted(results, key=lambda r: r.application_id)


async def test_a_job_past_its_time_limit_is_killed_and_the_next_one_runs(tmp_path: Path) -> None:
    queue = LocalJobQueue(
        1, timeout_s=1.0, analysis=fake_analysis.analyse_reporting_the_child, warm=True
    )
    try:
        stuck = _job(tmp_path, 1, sleep_runs=1, sleep_s=120)
        results = await _run_all(queue, [stuck, _job(tmp_path, 2)])
    finally:
        await queue.close()
    assert [(r.application_id, r.verdict, r.error_code) for r in results] == [
        (1, "error", "timeout"),
        (2, "review", None),
    ]
    stuck_pid = int(fake_analysis.runs(tmp_path / "1.log")[0].split()[0])
    assert _gone(stuck_pid)  # killed, not left sleeping
    # the slot's new child had the models before its first job, as the first one did
    assert results[1].scores["pid"] != stuck_pid
    assert results[1].scores["models_loaded"] == 1


async def test_each_slot_has_its_models_loaded_before_its_first_job(tmp_path: Path) -> None:
    queue = LocalJobQueue(
        2, timeout_s=30.0, analysis=fake_analysis.analyse_reporting_the_child, warm=True
    )
    try:
        results = await _run_all(queue, [_job(tmp_path, 1), _job(tmp_path, 2)])
    finally:
        await queue.close()
    assert [r.scores["models_loaded"] for r in results] == [1, 1]
    assert len({r.scores["pid"] for r in results}) == 2  # two slots, two children
