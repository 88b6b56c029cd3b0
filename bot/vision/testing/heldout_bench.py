"""The held-out half of ``python -m bot.vision bench``: accuracy and speed in one run."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from bot.vision.testing import evaluate, heldout
from bot.vision.testing.evaluate import Job, Result, RunInfo

FULL_SIZE = 640
QUICK_SIZE = 288
TARGET_MEDIAN_MS = 400.0
TARGET_P95_MS = 600.0
TARGET_LOAD_MS = 1000.0
TARGET_PEAK_MB = 400.0


def build_jobs(cases: Sequence[heldout.Case], directory: Path, size: int) -> list[Job]:
    """Generate (or reuse) every case's video and reference; describe each as a Job."""
    import av

    jobs: list[Job] = []
    for i, case in enumerate(cases):
        print(f"  [{i + 1}/{len(cases)}] {case.name}", flush=True)
        path = case.build(directory, size)
        with av.open(str(path)) as c:
            stream = c.streams.video[0]
            tb = stream.time_base
            duration = float(stream.duration * tb) if stream.duration and tb else 0.0
            fps = float(stream.average_rate or 0)
            dims = (stream.width, stream.height)
        ref = str(heldout.reference_path(case.reference, directory)) if case.reference else None
        jobs.append(
            Job(
                case.name, str(path), case.challenge, ref, case.source, case.kind,
                case.condition, case.same_person, case.blink, case.turn, case.ordered,
                dims, fps, duration,
            )
        )  # fmt: skip
    return jobs


def in_children(
    jobs: list[Job], naive: bool, logs: tuple[Path, Path]
) -> tuple[tuple[list[Result], RunInfo], tuple[list[Result], RunInfo] | None]:
    """The engine, and the naive checker if asked, each in a fresh spawned process (model
    loading cold, memory its own) pinned to a core of its own, side by side; each result is
    also logged as it comes (``logs``: engine, naive)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        engine = pool.submit(evaluate.analyse, jobs, False, 0, str(logs[0]))
        other = pool.submit(evaluate.analyse, jobs, True, 1, str(logs[1])) if naive else None
        return engine.result(), (other.result() if other is not None else None)


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def speed_set(results: Sequence[Result], size: int) -> list[Result]:
    """The clips the speed targets are about: rendered, square ``size`` px, 30 fps, ~5 s, with
    a reference (so the face match is included), and analysed without an error."""
    return [
        r
        for r in results
        if r.job.source == "heldout"
        and r.job.size == (size, size)
        and abs(r.job.fps - 30.0) < 0.5
        and 4.0 <= r.job.duration_s <= 5.5
        and r.job.reference is not None
        and r.verdict not in ("error", "crash")
    ]


def _warm_up_in_child() -> tuple[dict[str, float], bool]:
    """What ``bot.jobs.analysis.warm_up`` does (bot.vision is below it): the models' loading
    times, and whether they were already in memory when the child began (forked with them)."""
    from bot.vision import models

    forked_with_models = models.models.cache_info().currsize > 0
    return models.models().load_cpu_ms, forked_with_models


class WorkerStart(NamedTuple):
    """What starting ``bot.worker``'s analysis child costs (wall ms), as it does it."""

    ms: float
    """A child replacing one stopped for a timeout or a crash: forked from the forkserver."""
    each: dict[str, float]
    """CPU ms of each model's loading (in the forkserver, once per worker boot)."""
    boot_ms: float | None = None
    """The worker's boot: the forkserver started, the engine imported, the models loaded, the
    first child forked (once, before the worker takes its first job)."""
    forked_with_models: bool = False
    """Whether the child started again found the models in memory (no loading of its own)."""


PRELOAD = ("bot.vision.preloaded", "bot.vision.testing.heldout_bench")
"""What the forkserver imports first (``bot.worker`` preloads the same engine module)."""


def _starts_in_fresh_process() -> tuple[float, float, dict[str, float], bool]:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        each, _ = pool.submit(_warm_up_in_child).result()
        boot = (time.perf_counter() - started) * 1000.0
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        _, forked_with_models = pool.submit(_warm_up_in_child).result()
        again = (time.perf_counter() - started) * 1000.0
    return boot, again, each, forked_with_models


def worker_start() -> WorkerStart:
    """A warm worker start as ``bot.worker`` does it: in a fresh process (whose forkserver is
    not running yet), the boot (the forkserver started with the engine and its models, the
    first child forked), then a child started again as after a timeout or a crash."""
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as helper:
        boot, again, each, forked = helper.submit(_starts_in_fresh_process).result()
    return WorkerStart(again, each, boot, forked)


def speed_lines(
    engine: Sequence[Result], e_info: RunInfo, naive: Sequence[Result] | None,
    n_info: RunInfo | None, size: int, start: WorkerStart | None = None,
) -> list[str]:  # fmt: skip
    """Speed of the engine on the speed set, and of both checkers on the clips both analysed
    (the ratio is taken there), with the engine's targets."""
    es = speed_set(engine, size)
    n_by = {r.job.name: r for r in naive} if naive is not None else {}
    ns = [n_by[r.job.name] for r in es if r.job.name in n_by and n_by[r.job.name].ms > 0]
    common = {r.job.name for r in ns}
    ec = [r for r in es if r.job.name in common]
    lines = [
        f"Speed: warm, in-process, one core each, rendered {size}x{size} 30 fps clips of ~5 s "
        "with a reference; ms per video: decoding, tracking, liveness and the face match of the "
        "video's frames. Not in it, reported apart: loading the models (once per worker, before "
        "its first job) and encoding the reference photo (once per photo: a worker keeps it by "
        "its content). The ratio is taken on the clips both checkers analysed. Wall-clock times "
        "grow with the machine's load; CPU times much less.",
        "",
        f"| | engine ({len(es)} clips) | engine, the same {len(ec)} clips | naive "
        f"({len(ns)} clips) | naive/engine | target (engine, wall) |",
        "|---|---|---|---|---|---|",
    ]
    if not es:
        return [*lines, "| (no clip in the speed set) | | | | | |"]

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f}"

    def row(label: str, e: float, e2: float | None, n: float | None, target: str) -> str:
        ratio = f"{n / e2:.1f}x" if n is not None and e2 else "-"
        return f"| {label} | {fmt(e)} | {fmt(e2)} | {fmt(n)} | {ratio} | {target} |"

    def med(rs: Sequence[Result], cpu: bool = False) -> float | None:
        return statistics.median(r.cpu_ms if cpu else r.ms for r in rs) if rs else None

    def p95(rs: Sequence[Result], cpu: bool = False) -> float | None:
        return _pct([r.cpu_ms if cpu else r.ms for r in rs], 0.95) if rs else None

    def peak(rs: Sequence[Result]) -> float | None:
        return max(r.peak_mb for r in rs) if rs else None

    lines += [
        row("median wall ms", med(es) or 0, med(ec), med(ns), f"<= {TARGET_MEDIAN_MS:.0f}"),
        row("p95 wall ms", p95(es) or 0, p95(ec), p95(ns), f"<= {TARGET_P95_MS:.0f}"),
        row("median CPU ms", med(es, True) or 0, med(ec, True), med(ns, True), ""),
        row("p95 CPU ms", p95(es, True) or 0, p95(ec, True), p95(ns, True), ""),
        row("peak RSS MB per video", peak(es) or 0, peak(ec), peak(ns),
            f"<= {TARGET_PEAK_MB:.0f}"),
        row("model load wall ms (cold, apart)", e_info.load_ms, None,
            n_info.load_ms if n_info else None, f"<= {TARGET_LOAD_MS:.0f} (warm start)"),
    ]  # fmt: skip
    if e_info.load_cpu_ms is not None:
        n_cpu = n_info.load_cpu_ms if n_info else None
        lines.append(row("model load CPU ms", e_info.load_cpu_ms, None, n_cpu, ""))
    if e_info.reference_ms is not None:
        lines.append(
            row("reference photo encoding, once per photo, wall ms", e_info.reference_ms, None,
                n_info.reference_ms if n_info else None, "")
        )  # fmt: skip
    if e_info.reference_cpu_ms is not None:
        lines.append(
            row("reference photo encoding, once per photo, CPU ms", e_info.reference_cpu_ms,
                None, n_info.reference_cpu_ms if n_info else None, "")
        )  # fmt: skip
    lines.append(
        row("peak RSS MB of the process (models, warm-up)", e_info.process_peak_mb, None,
            n_info.process_peak_mb if n_info else None, "")
    )  # fmt: skip
    if start is not None:
        if start.boot_ms is not None:
            lines.append(
                row("worker boot wall ms (forkserver, imports, models, first child; once)",
                    start.boot_ms, None, None, "")
            )  # fmt: skip
        lines.append(
            row("warm worker start wall ms (a child forked, models loaded)", start.ms, None,
                None, f"<= {TARGET_LOAD_MS:.0f}")
        )  # fmt: skip
        lines += [
            "",
            "Model loading, CPU ms, once per worker boot (in its forkserver): "
            + ", ".join(f"{name} {value:.0f}" for name, value in start.each.items())
            + ". A job in a warm worker pays none of it, nor does a child that replaces one "
            "stopped for a timeout or a crash (it is forked with the models in memory).",
        ]
    return lines


def run_heldout(
    *,
    quick: bool,
    cache: str | None,
    naive: bool,
    markdown: str | None,
    source: str,
    from_logs: bool = False,
) -> int:
    """Build the held-out set, run both checkers, print (and optionally save) the report."""
    start: WorkerStart | None = None
    size = QUICK_SIZE if quick else FULL_SIZE
    cases = heldout.all_cases()
    if quick:
        cases = [c for c in cases if c.name in heldout.CI_CASES]
    if source == "real":
        cases = [c for c in cases if c.source == "real"]
    elif source == "rendered":
        cases = [c for c in cases if c.source == "heldout"]
    directory = (
        Path(cache) if cache else Path(tempfile.gettempdir()) / "ssc-vision-heldout"
    ) / f"heldout-v{heldout_version()}"
    print(f"held-out clips: {directory} ({len(cases)} clips, rendered at {size} px)", flush=True)
    jobs = build_jobs(cases, directory, size)
    logs = (directory / f"results-engine-{size}.jsonl", directory / f"results-naive-{size}.jsonl")
    if from_logs:  # report on what an earlier (maybe unfinished) run logged
        e_run = evaluate.read_log(str(logs[0]), jobs)
        if e_run is None:
            print(f"no engine results in {logs[0]}")
            return 1
        engine, e_info = e_run
        naive_run = evaluate.read_log(str(logs[1]), jobs) if naive else None
    else:
        print("a warm worker start ...", flush=True)
        start = worker_start()
        print(f"engine{' and naive checker, side by side' if naive else ''} ...", flush=True)
        print(f"results logged to {logs[0]} and {logs[1]} as they come", flush=True)
        (engine, e_info), naive_run = in_children(jobs, naive, logs)
    n_results, n_info = naive_run if naive_run is not None else (None, None)
    naive_label = "naive"
    if n_results is not None and len(n_results) < len(jobs):
        naive_label = f"naive (first {len(n_results)} of {len(jobs)} clips only)"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    out = [
        f"Machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} at the end of the run "
        "(wall-clock times grow with load; CPU times much less).",
        "",
        f"## Held-out evaluation ({len(engine)} clips: "
        f"{sum(r.job.source == 'heldout' for r in engine)} 3D-rendered, "
        f"{sum(r.job.source == 'real' for r in engine)} real footage; "
        f"{sum(r.job.genuine for r in engine)} genuine, "
        f"{sum(not r.job.genuine for r in engine)} attacks)",
        "",
        *evaluate.table(engine, n_results, naive_label),
        "",
        *speed_lines(engine, e_info, n_results, n_info, size, start),
        "",
        "### Per clip",
        "",
        *evaluate.per_clip(engine, n_results),
        "",
        "### What the engine gets wrong",
        "",
        *(evaluate.failures(engine) or ["- nothing"]),
    ]
    text = "\n".join(out)
    print()
    print(text)
    sys.stdout.flush()
    if markdown:
        Path(markdown).write_text(text + "\n")
    return 0


def heldout_version() -> int:
    """Bump when the generators change, so cached clips are made again."""
    return 3
