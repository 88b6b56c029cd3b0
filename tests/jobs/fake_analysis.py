"""A stand-in for `run_analysis` that the tests steer through the media bytes.

The media is a JSON header line, then arbitrary bytes. The header may ask to crash or to
sleep on the first runs, and names a log file that gets one line per run (so a test can see
how often a job really ran, and that it started).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import replace
from pathlib import Path

from bot.jobs.analysis import AnalysisJob, AnalysisResult

BINARY_FRAME = bytes(range(256)) * 8  # every byte value, as a key frame must survive intact


def media(
    run_log: Path,
    *,
    crash_runs: int = 0,
    sleep_runs: int = 0,
    sleep_s: float = 0.0,
    verdict: str = "review",
    nonce: bytes = b"",
) -> bytes:
    header = {
        "run_log": str(run_log),
        "crash_runs": crash_runs,
        "sleep_runs": sleep_runs,
        "sleep_s": sleep_s,
        "verdict": verdict,
    }
    return json.dumps(header).encode() + b"\n" + nonce + os.urandom(64)


def runs(run_log: Path) -> list[str]:
    return run_log.read_text().splitlines() if run_log.exists() else []


def analyse(job: AnalysisJob) -> AnalysisResult:
    data = Path(job.path).read_bytes()
    header = json.loads(data.split(b"\n", 1)[0])
    run_log = Path(header["run_log"])
    before = len(runs(run_log))
    with run_log.open("a") as log:
        log.write(f"{os.getpid()} {job.path}\n")
    if before < header["sleep_runs"]:
        time.sleep(header["sleep_s"])
    if before < header["crash_runs"]:
        raise RuntimeError("the fake analysis crashed on purpose")
    if job.delete_after:
        Path(job.path).unlink(missing_ok=True)
    return AnalysisResult(
        application_id=job.application_id,
        practice=job.practice,
        kind=job.kind,
        verdict=header["verdict"],
        live=True,
        reasons=("fake",),
        scores={"sha256": hashlib.sha256(data).hexdigest(), "challenge": list(job.challenge)},
        key_frames=(("frontal", BINARY_FRAME), ("head", data[:48])),
    )


def analyse_reporting_the_child(job: AnalysisJob) -> AnalysisResult:
    """`analyse`, with the child's pid and whether its engine models were loaded before."""
    from bot.vision import models

    loaded = models.models.cache_info().currsize
    result = analyse(job)
    return replace(result, scores={**result.scores, "pid": os.getpid(), "models_loaded": loaded})
