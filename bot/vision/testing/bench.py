"""``python -m bot.vision bench``: the engine against a naive reference.

``--source heldout`` (the default): the held-out evaluation set (3D-rendered people and real
footage, ``bot.vision.testing.heldout``), never used for tuning: the ISO 30107-3 style accuracy
report (``evaluate``), per clip, and the speed figures, engine next to the naive checker, in
one run.
``--source tuning``: the older table on the tuning fixtures (``synth``).

Fixtures are generated once (see bot.vision.testing.synth_fixtures) into a cache directory; the
engine and the naive reference each run in a fresh child process pinned to one core, which also
reports its peak memory.

Peak memory is the child's own high-water mark of resident memory (``VmHWM`` in
``/proc/self/status``), reset before each video (``/proc/self/clear_refs``) so that each video
has its own peak: models loaded and warm, as in a worker. ``ru_maxrss`` is not used on Linux:
a spawned child inherits the parent's high-water mark from before its ``exec``, so it reported
the bench process itself (fixture generation included) rather than the analysis.

Times are wall-clock; the CPU time of the child is shown too, as it hardly moves when other
work shares the machine.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.vision.testing import synth_fixtures
from bot.vision.testing.memory import peak_mb, reset_peak
from bot.vision.types import parse_challenge


@dataclass(frozen=True)
class Job:
    """One video to analyse."""

    name: str
    path: str
    challenge: str
    reference: str | None
    genuine: bool
    duration_s: float


@dataclass(frozen=True)
class Outcome:
    """What one analysis gave."""

    name: str
    genuine: bool
    verdict: str
    reasons: tuple[str, ...]
    ms: float
    cpu_ms: float
    frames: int
    duration_s: float
    peak_mb: float


def _run(jobs: list[Job], naive: bool) -> tuple[list[Outcome], float]:
    """In the child: pin to one core, warm the models, analyse every job."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from bot.vision import models
    from bot.vision.engine import analyse_video
    from bot.vision.testing.naive import analyse_video_naive

    models.models()
    warm = jobs[0]  # a worker's steady state: libraries imported, models and caches warm
    analyse_video(warm.path, reference=warm.reference, challenge=parse_challenge(warm.challenge))
    warm_mb = peak_mb()  # imports, model loading and the warm-up analysis
    out: list[Outcome] = []
    for job in jobs:
        reset_peak()
        started = time.perf_counter()
        cpu_started = time.process_time()
        challenge = parse_challenge(job.challenge)
        if naive:
            report = analyse_video_naive(job.path, reference=job.reference, challenge=challenge)
        else:
            report = analyse_video(job.path, reference=job.reference, challenge=challenge)
        ms = (time.perf_counter() - started) * 1000.0
        cpu_ms = (time.process_time() - cpu_started) * 1000.0
        out.append(
            Outcome(
                job.name,
                job.genuine,
                report.verdict,
                tuple(report.reasons),
                ms,
                cpu_ms,
                report.frames,
                job.duration_s,
                peak_mb(),
            )
        )
    return out, max(warm_mb, *(o.peak_mb for o in out))


def _in_child(jobs: list[Job], naive: bool) -> tuple[list[Outcome], float]:
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_run, jobs, naive).result()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def _summary(label: str, outcomes: list[Outcome], process_mb: float) -> dict[str, float]:
    ms = [o.ms for o in outcomes]
    per_s = [o.ms / o.duration_s for o in outcomes]
    attacks = [o for o in outcomes if not o.genuine]
    genuine = [o for o in outcomes if o.genuine]
    apcer = sum(o.verdict == "pass" for o in attacks) / max(1, len(attacks))
    bpcer = sum(o.verdict != "pass" for o in genuine) / max(1, len(genuine))
    row = {
        "median_ms": statistics.median(ms),
        "median_cpu_ms": statistics.median(o.cpu_ms for o in outcomes),
        "p95_ms": _pct(ms, 0.95),
        "median_ms_per_s": statistics.median(per_s),
        "p95_ms_per_s": _pct(per_s, 0.95),
        "frames": float(sum(o.frames for o in outcomes)),
        "apcer": apcer,
        "bpcer": bpcer,
        "peak_mb": max(o.peak_mb for o in outcomes),
        "process_peak_mb": process_mb,
    }
    print(
        f"{label:8s} median {row['median_ms']:7.0f} ms  p95 {row['p95_ms']:7.0f} ms  "
        f"(CPU median {row['median_cpu_ms']:7.0f} ms)  "
        f"per s of video: median {row['median_ms_per_s']:6.0f} ms  "
        f"p95 {row['p95_ms_per_s']:6.0f} ms  "
        f"frames decoded {row['frames']:5.0f}  APCER {apcer:5.1%} ({len(attacks)} attacks)  "
        f"BPCER {bpcer:5.1%} ({len(genuine)} genuine)  "
        f"peak RSS {row['peak_mb']:4.0f} MB per video ({process_mb:4.0f} MB with model loading)"
    )
    return row


def run_bench(
    *,
    quick: bool = False,
    cache: str | None = None,
    source: str = "heldout",
    naive: bool = True,
    markdown: str | None = None,
    from_logs: bool = False,
) -> int:
    """Generate (or reuse) the fixtures, analyse them with both checkers, print the report."""
    if source != "tuning":
        from bot.vision.testing.heldout_bench import run_heldout

        return run_heldout(
            quick=quick,
            cache=cache,
            naive=naive,
            markdown=markdown,
            source=source,
            from_logs=from_logs,
        )
    return _run_tuning(quick=quick, cache=cache)


def _run_tuning(*, quick: bool, cache: str | None) -> int:
    """Generate (or reuse) the tuning fixtures, analyse them twice, print the table."""
    import av

    size = 384 if quick else 640
    seeds = (0,) if quick else (0, 1, 2)
    directory = Path(cache) if cache else Path(tempfile.gettempdir()) / "ssc-vision-bench"
    directory.mkdir(parents=True, exist_ok=True)
    print(f"fixtures: {directory} ({size} px)", flush=True)
    jobs: list[Job] = []
    for fx in synth_fixtures.bench_fixtures(size=size, seeds=seeds):
        path = fx.build(directory)
        with av.open(str(path)) as c:
            stream = c.streams.video[0]
            tb = stream.time_base
            duration = float(stream.duration * tb) if stream.duration and tb else 5.0
        ref = str(synth_fixtures.reference_image(fx.reference, directory)) if fx.reference else None
        jobs.append(Job(fx.name, str(path), fx.challenge, ref, fx.genuine, duration))
    engine, engine_mb = _in_child(jobs, naive=False)
    naive, naive_mb = _in_child(jobs, naive=True)
    print()
    print(f"{'video':38s} {'engine':>30s}   {'naive':>30s}")
    for e, n in zip(engine, naive, strict=True):
        print(
            f"{e.name:38s} {e.verdict:6s} {e.ms:6.0f} ms {e.frames:4d} fr "
            f"{','.join(e.reasons)[:24]:24s} | {n.verdict:6s} {n.ms:6.0f} ms {n.frames:4d} fr"
        )
    print()
    row_e = _summary("engine", engine, engine_mb)
    row_n = _summary("naive", naive, naive_mb)
    print(
        f"naive/engine: median {row_n['median_ms'] / row_e['median_ms']:.1f}x, "
        f"p95 {row_n['p95_ms'] / row_e['p95_ms']:.1f}x, "
        f"CPU time median {row_n['median_cpu_ms'] / row_e['median_cpu_ms']:.1f}x, "
        f"frames decoded {row_n['frames'] / max(1.0, row_e['frames']):.1f}x"
    )
    sys.stdout.flush()
    return 0
