"""Video analysis on real arq workers (`python -m bot worker` subprocesses) over the real Redis:
results through the stream, idempotency, retries, a killed worker, a killed bot consumer."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from tests.jobs.conftest import Lab
from tests.jobs.fake_analysis import BINARY_FRAME, runs

pytestmark = pytest.mark.redis


async def test_a_job_runs_on_a_worker_and_its_result_reaches_on_done(lab: Lab) -> None:
    worker = lab.worker("--timeout", "20")
    queue = lab.queue()
    await queue.start(lab.on_done)
    data = lab.fake_media(lab.run_log())
    job = lab.job(9001, data, challenge=("blink", "turn_left"))
    started = time.monotonic()
    await queue.submit(job, lab.on_done)
    assert not Path(job.path).exists(), "the bot keeps no raw media once Redis has it"
    await lab.ready(worker)
    await queue.drain(timeout_s=20)
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
