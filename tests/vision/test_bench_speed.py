"""The bench's speed part says what its times include and reports what is left out apart."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bot.vision.testing import evaluate, heldout_bench
from bot.vision.testing.evaluate import RunInfo
from tests.vision import fixtures
from tests.vision.test_eval_report import _job, _result


def test_speed_lines_show_the_reference_and_the_worker_start_apart() -> None:
    job = _job("g", "genuine", reference="r.jpg", same_person=True)
    engine = [_result(job, "pass", ms=300.0, cpu_ms=280.0)]
    naive = [_result(job, "pass", ms=2400.0, cpu_ms=2300.0)]
    info = RunInfo(500.0, 250.0, 450.0, reference_ms=130.0, reference_cpu_ms=120.0)
    lines = heldout_bench.speed_lines(
        engine,
        info,
        naive,
        RunInfo(600.0, 260.0),
        640,
        heldout_bench.WorkerStart(12.0, {"predictor": 389.0}, 900.0),
    )
    text = "\n".join(lines)
    assert "encoding the reference photo (once per photo" in text
    assert "| median wall ms | 300 | 300 | 2400 | 8.0x | <= 400 |" in lines
    assert "| reference photo encoding, once per photo, wall ms | 130 | - | - | - |  |" in lines
    assert "| reference photo encoding, once per photo, CPU ms | 120 | - | - | - |  |" in lines
    start = [line for line in lines if line.startswith("| warm worker start wall ms")]
    assert len(start) == 1 and "| 12 |" in start[0] and "<= 1000" in start[0]
    boot = [line for line in lines if line.startswith("| worker boot wall ms")]
    assert len(boot) == 1 and "| 900 |" in boot[0]
    assert "predictor 389" in text


def test_speed_lines_without_the_new_figures_still_print() -> None:
    job = _job("g", "genuine", reference="r.jpg", same_person=True)
    info = RunInfo(500.0, 250.0)
    lines = heldout_bench.speed_lines([_result(job, "pass")], info, None, None, 640)
    assert not any("reference photo encoding" in line for line in lines)
    assert not any("warm worker start" in line for line in lines)


def test_references_are_timed_once_each_and_logged(tmp_path: Path) -> None:
    ref = str(fixtures.reference("astronaut"))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")  # refused, still timed, never fatal to the bench
    jobs = [
        _job(n, "genuine", reference=r, path=str(fixtures.video("too_short")))
        for n, r in (("a", ref), ("b", ref), ("c", str(bad)), ("d", None))
    ]
    log = tmp_path / "log.jsonl"
    cores = os.sched_getaffinity(0)
    try:
        results, info = evaluate.analyse(jobs, naive=False, log=str(log))
    finally:
        os.sched_setaffinity(0, cores)  # analyse pins its process to one core
    assert len(results) == 4
    assert info.reference_ms is not None and info.reference_ms > 0
    assert info.reference_cpu_ms is not None and info.reference_cpu_ms > 0
    head = json.loads(log.read_text().splitlines()[0])
    assert head["reference_ms"] == info.reference_ms
    again = evaluate.read_log(str(log), jobs)
    assert again is not None and again[1].reference_cpu_ms == info.reference_cpu_ms


def test_a_warm_worker_start_is_timed_in_a_fresh_process() -> None:
    start = heldout_bench.worker_start()
    assert set(start.each) == {"import", "detector", "predictor", "encoder", "huge_pages"}
    assert start.boot_ms is not None
    assert start.boot_ms > start.each["predictor"] > 0  # the boot holds the loading
    # a child started again is forked with the models in memory: no loading in it (checked
    # from inside the child, not by its wall time, which a loaded machine stretches)
    assert start.forked_with_models
    assert start.ms > 0
