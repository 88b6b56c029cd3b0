"""Video analysis on real arq workers (`python -m bot worker` subprocesses) over the real Redis:
results through the stream, idempotency, retries, a killed worker, a killed bot consumer."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.jobs.analysis import AnalysisResult
from bot.jobs.arq_wire import RESULTS_GROUP, encode_result
from tests.jobs.conftest import ROOT, Lab, until
from tests.jobs.fake_analysis import BINARY_FRAME, runs

pytestmark = pytest.mark.redis


async def test_a_job_runs_on_a_worker_and_its_result_reaches_on_done(lab: Lab) -> None:
    worker = lab.worker("--timeout", "20", via_bot=True)  # the documented entry point
    queue = lab.queue()
    await queue.start(lab.on_done)
    data = lab.fake_media(lab.run_log())
    job = lab.job(9001, data, challenge=("blink", "turn_left"))
    started = time.monotonic()
    await queue.submit(job, lab.on_done)
    assert not Path(job.path).exists(), "the bot keeps no raw media once Redis has it"
    await lab.ready(worker)
    await queue.drain(timeout_s=60)
    elapsed = time.monotonic() - started
    [result] = lab.delivered
    assert (result.application_id, result.verdict, result.kind) == (9001, "review", "video")
    assert result.key_frames == (("frontal", BINARY_FRAME), ("head", data[:48]))
    assert result.scores == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "challenge": ["blink", "turn_left"],
    }
    # the bytes left Redis with the result, the worker's temp file is gone, the entry is acked
    await lab.settled()
    assert await lab.leftovers() == [lab.keys.results]
    assert await lab.redis.xlen(lab.keys.results) == 0
    assert list(worker.tmp_dir.iterdir()) == []
    assert len(runs(lab.run_log())) == 1
    print(f"submit to delivery, worker start included: {elapsed:.2f} s")


async def test_the_same_submission_twice_runs_once(lab: Lab) -> None:
    queue = lab.queue()
    await queue.start(lab.on_done)
    data = lab.fake_media(lab.run_log())
    first, again = lab.job(9002, data), lab.job(9002, data)
    await queue.submit(first, lab.on_done)
    await queue.submit(again, lab.on_done)  # e.g. a retried upload, before any worker ran
    assert not Path(again.path).exists()
    assert await lab.redis.zcard(lab.keys.queue) == 1
    worker = lab.worker()
    await lab.ready(worker)
    await queue.drain(timeout_s=60)
    await lab.settled()
    assert len(lab.delivered) == 1 and len(runs(lab.run_log())) == 1
    # once finished, the same bytes sent again are a new attempt: analysed again
    await queue.submit(lab.job(9002, data), lab.on_done)
    await queue.drain(timeout_s=60)
    assert len(lab.delivered) == 2 and len(runs(lab.run_log())) == 2


async def test_crashes_are_retried_and_a_run_past_the_limit_is_stopped(lab: Lab) -> None:
    # a run is stopped after timeout + margin = 1 s
    worker = lab.worker("--max-tries", "3", "--timeout", "0.5", "--margin", "0.5")
    queue = lab.queue()
    await queue.start(lab.on_done)
    once, always, slow, after = (lab.run_log(n) for n in ("once", "always", "slow", "after"))
    await queue.submit(lab.job(9003, lab.fake_media(once, crash_runs=1)), lab.on_done)
    await queue.submit(lab.job(9004, lab.fake_media(always, crash_runs=99)), lab.on_done)
    await queue.submit(lab.job(9008, lab.fake_media(slow, sleep_runs=1, sleep_s=30)), lab.on_done)
    await queue.submit(lab.job(9009, lab.fake_media(after)), lab.on_done)
    await lab.ready(worker)
    await queue.drain(timeout_s=60)
    by_app = {r.application_id: r for r in lab.delivered}
    assert len(lab.delivered) == 4
    # crashed once: the second run gives the verdict
    assert by_app[9003].verdict == "review", by_app[9003]
    assert len(runs(once)) == 2
    # crashes every time: three runs, then the bot hears "error"/"internal"
    assert (by_app[9004].verdict, by_app[9004].error_code) == ("error", "internal")
    assert len(runs(always)) == 3
    # past the time limit: stopped after timeout + margin, reported, never retried
    assert (by_app[9008].verdict, by_app[9008].error_code) == ("error", "timeout")
    assert len(runs(slow)) == 1
    # the stopped child was replaced: the next job runs normally
    assert by_app[9009].verdict == "review" and len(runs(after)) == 1
    await lab.settled()
    assert await lab.leftovers() == [lab.keys.results]
    assert list(worker.tmp_dir.iterdir()) == []


async def test_a_job_whose_worker_is_killed_runs_on_another_worker(lab: Lab) -> None:
    # short limits: the killed run is taken up again after timeout + 2 margins + grace = 3 s
    limits = ("--timeout", "1", "--margin", "0.5", "--grace", "1")
    doomed = lab.worker(*limits, name="doomed")
    queue = lab.queue()
    await queue.start(lab.on_done)
    run_log = lab.run_log()
    await queue.submit(
        lab.job(9005, lab.fake_media(run_log, sleep_runs=1, sleep_s=60)), lab.on_done
    )

    async def started() -> bool:
        assert doomed.process.poll() is None, doomed.output()
        return len(runs(run_log)) == 1

    await until(started, 60, "the first run to start")
    doomed.kill()  # kill -9 of the worker and its analysis child, mid-job
    killed = time.monotonic()
    rescuer = lab.worker(*limits, name="rescuer")
    await queue.drain(timeout_s=60)
    recovered = time.monotonic() - killed
    [result] = lab.delivered
    assert result.application_id == 9005 and result.verdict == "review"
    assert len(runs(run_log)) == 2
    assert "try=2" in rescuer.output()
    await lab.settled()
    assert await lab.leftovers() == [lab.keys.results]
    assert list(rescuer.tmp_dir.iterdir()) == []
    print(f"killed worker's job delivered by another worker {recovered:.2f} s after the kill")


async def test_a_bot_killed_before_the_ack_loses_nothing(lab: Lab) -> None:
    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.jobs.consumer_proc",
        lab.redis_url,
        lab.prefix,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert doomed.stdout is not None
        line = await asyncio.wait_for(doomed.stdout.readline(), 20)
        assert line == b"READY\n"
        result = AnalysisResult(9006, False, "video", "fail", reasons=("no_blink",))
        await lab.redis.xadd(lab.keys.results, {"job_id": "j", "result": encode_result(result)})
        line = await asyncio.wait_for(doomed.stdout.readline(), 20)
        assert line == b"DELIVERED 9006\n"
    finally:
        if doomed.returncode is None:
            os.killpg(doomed.pid, signal.SIGKILL)
        await asyncio.wait_for(doomed.wait(), 10)
    pending = await lab.redis.xpending(lab.keys.results, RESULTS_GROUP)
    assert pending["pending"] == 1  # read by the dead consumer, never acknowledged
    killed = time.monotonic()
    survivor = lab.queue(claim_idle_s=1.0)
    await survivor.start(lab.on_done)
    await lab.delivered_count(1, timeout_s=10)
    claimed = time.monotonic() - killed
    assert lab.delivered == [result]
    assert (await lab.redis.xpending(lab.keys.results, RESULTS_GROUP))["pending"] == 0
    assert await lab.redis.xlen(lab.keys.results) == 0
    print(f"result claimed from the killed consumer after {claimed:.2f} s")


async def test_a_failing_delivery_is_retried_then_acknowledged(lab: Lab) -> None:
    calls: list[int] = []

    async def flaky(result: AnalysisResult) -> None:
        calls.append(result.application_id)
        if len(calls) == 1:
            raise RuntimeError("database briefly unavailable")

    queue = lab.queue(claim_idle_s=0.5)
    await queue.start(flaky)
    result = AnalysisResult(9007, True, "video", "pass", live=True)
    await lab.redis.xadd(lab.keys.results, {"job_id": "j", "result": encode_result(result)})

    async def acknowledged() -> bool:
        return await lab.redis.xlen(lab.keys.results) == 0

    await until(acknowledged, 10, "the acknowledgement")
    assert calls == [9007, 9007]
