"""ISO/IEC 30107-3 style report of a checker on the held-out evaluation set.

APCER per attack type (share of that type's attacks accepted, with its count), BPCER overall
and by capture condition (share of genuine people not accepted), blink and head-turn false
positive rates (clips where none truly happened but the checker reported one), the share of
ordered challenges judged right, face-match FRR and FAR (on the clips with a reference) and
crashes (anything but a report or a ``VisionError``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.vision.testing.heldout import ATTACK_TYPES, GENUINE
from bot.vision.testing.memory import peak_mb, reset_peak


@dataclass(frozen=True)
class Job:
    """One video to analyse, with the truth about it."""

    name: str
    path: str
    challenge: str
    reference: str | None
    source: str
    kind: str
    condition: str
    same_person: bool | None
    blink: bool
    turn: bool
    ordered: bool
    size: tuple[int, int]
    fps: float
    duration_s: float

    @property
    def genuine(self) -> bool:
        return self.kind == GENUINE


@dataclass(frozen=True)
class Result:
    """What a checker said about one job."""

    job: Job
    verdict: str  # pass, fail, review, error (a VisionError) or crash
    reasons: tuple[str, ...]
    blinks: int
    turns: tuple[str, ...]
    distance: float | None
    matched: bool | None
    ms: float
    cpu_ms: float
    peak_mb: float
    error: str = ""


@dataclass(frozen=True)
class RunInfo:
    """Process-level figures of one checker's run."""

    load_ms: float  # loading the models, cold, in a fresh process (wall clock)
    process_peak_mb: float
    load_cpu_ms: float | None = None  # the same, CPU time
    reference_ms: float | None = None  # encoding one reference photo, uncached (median, wall)
    reference_cpu_ms: float | None = None  # the same, CPU time


def analyse(
    jobs: Sequence[Job], naive: bool, core: int = 0, log: str | None = None
) -> tuple[list[Result], RunInfo]:
    """In a fresh process: pin to one core (the ``core``-th allowed one), load the models
    (timed), warm up, analyse each job. With ``log``, each result is also appended to that
    JSON-lines file as soon as it is known (a long run can be reported on before it ends)."""
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {allowed[core % len(allowed)]})
    import bot.vision.engine as engine_module
    from bot.vision import models
    from bot.vision.testing.naive import analyse_video_naive
    from bot.vision.types import VisionError, parse_challenge

    started, cpu_started = time.perf_counter(), time.process_time()
    models.models()
    load_ms = (time.perf_counter() - started) * 1000.0
    load_cpu_ms = (time.process_time() - cpu_started) * 1000.0
    warm = jobs[0]
    # warming only: the job itself is analysed and judged below
    with contextlib.suppress(Exception):
        engine_module.analyse_video(
            warm.path, reference=warm.reference, challenge=parse_challenge(warm.challenge)
        )
    ref_ms, ref_cpu_ms = _encode_references(jobs)
    warm_mb = peak_mb()
    out: list[Result] = []
    if log:
        with open(log, "w") as fh:
            head = {
                "load_ms": load_ms, "load_cpu_ms": load_cpu_ms, "warm_mb": warm_mb,
                "reference_ms": ref_ms, "reference_cpu_ms": ref_cpu_ms,
            }  # fmt: skip
            fh.write(json.dumps(head) + "\n")
    for job in jobs:
        if log and out:
            with open(log, "a") as fh:
                fh.write(json.dumps(_to_json(out[-1])) + "\n")
        reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        challenge = parse_challenge(job.challenge)
        try:
            if naive:
                report = analyse_video_naive(job.path, reference=job.reference, challenge=challenge)
            else:
                report = engine_module.analyse_video(
                    job.path, reference=job.reference, challenge=challenge
                )
        except VisionError as exc:
            out.append(_failed(job, "error", exc.code, t0, c0))
            continue
        except Exception as exc:  # a crash is a finding to report, not to hide
            out.append(
                _failed(
                    job, "crash", f"{type(exc).__name__}: {exc}".replace("\n", " ")[:120], t0, c0
                )
            )
            continue
        out.append(
            Result(
                job,
                report.verdict,
                tuple(str(r) for r in report.reasons),
                report.blinks,
                tuple(report.head_turns),
                None if report.match is None else report.match.distance,
                None if report.match is None else report.match.same_person,
                (time.perf_counter() - t0) * 1000.0,
                (time.process_time() - c0) * 1000.0,
                peak_mb(),
            )
        )
    if log and out:
        with open(log, "a") as fh:
            fh.write(json.dumps(_to_json(out[-1])) + "\n")
    peak = max(warm_mb, *(r.peak_mb for r in out))
    return out, RunInfo(load_ms, peak, load_cpu_ms, ref_ms, ref_cpu_ms)


def _encode_references(jobs: Sequence[Job]) -> tuple[float | None, float | None]:
    """Encode every reference photo of ``jobs`` once, timed (median wall and CPU ms per photo).

    A worker keeps a reference's encoding by its content (``reference.reference_encoding``),
    so every video of a member after the first pays nothing for it: the per-video times are
    taken with every reference already encoded, and the encoding is reported apart.
    """
    from bot.vision import reference
    from bot.vision.types import Limits, VisionError

    reference.clear_cache()
    walls: list[float] = []
    cpus: list[float] = []
    for path in sorted({j.reference for j in jobs if j.reference}):
        t0, c0 = time.perf_counter(), time.process_time()
        with contextlib.suppress(VisionError):
            reference.reference_encoding(path, Limits())
        walls.append((time.perf_counter() - t0) * 1000.0)
        cpus.append((time.process_time() - c0) * 1000.0)
    if not walls:
        return None, None
    return statistics.median(walls), statistics.median(cpus)


def _to_json(r: Result) -> dict[str, object]:
    d = dataclasses.asdict(r)
    d["job"] = r.job.name
    return d


def read_log(path: str, jobs: Sequence[Job]) -> tuple[list[Result], RunInfo] | None:
    """Results written by ``analyse(..., log=path)`` so far, in ``jobs`` order (None if none)."""
    try:
        with open(path) as fh:
            lines = [json.loads(line) for line in fh if line.strip()]
    except OSError:
        return None
    if not lines:
        return None
    head, rows = lines[0], lines[1:]
    by_name = {j.name: j for j in jobs}
    found: dict[str, Result] = {}
    for row in rows:
        job = by_name.get(row.pop("job"))
        if job is None:
            continue
        row["reasons"] = tuple(row["reasons"])
        row["turns"] = tuple(row["turns"])
        found[job.name] = Result(job=job, **row)
    results = [found[j.name] for j in jobs if j.name in found]
    peak = max([head["warm_mb"], *(r.peak_mb for r in results)])
    return results, RunInfo(
        head["load_ms"], peak, head.get("load_cpu_ms"), head.get("reference_ms"),
        head.get("reference_cpu_ms"),
    )  # fmt: skip


def _failed(job: Job, verdict: str, error: str, t0: float, c0: float) -> Result:
    return Result(
        job, verdict, (), 0, (), None, None,
        (time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0, peak_mb(),
        error,
    )  # fmt: skip


# ---------------------------------------------------------------- figures


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "   -   (0/0)"


@dataclass(frozen=True)
class Metrics:
    """The report's figures, each as (errors, total)."""

    apcer: dict[str, tuple[int, int]]
    bpcer: tuple[int, int]
    bpcer_by_condition: dict[str, tuple[int, int]]
    bpcer_by_source: dict[str, tuple[int, int]]
    blink_fp: tuple[int, int]
    turn_fp: tuple[int, int]
    order_right: tuple[int, int]
    frr: tuple[int, int]
    far: tuple[int, int]
    crashes: tuple[int, int]
    errors: tuple[int, int]

    @property
    def apcer_all(self) -> tuple[int, int]:
        return (sum(a for a, _ in self.apcer.values()), sum(n for _, n in self.apcer.values()))


def metrics(results: Sequence[Result]) -> Metrics:
    """Count every error kind over ``results``."""
    apcer: dict[str, tuple[int, int]] = {}
    for kind in ATTACK_TYPES:
        of = [r for r in results if r.job.kind == kind]
        if of:
            apcer[kind] = (sum(r.verdict == "pass" for r in of), len(of))
    genuine = [r for r in results if r.job.genuine]
    by_cond: dict[str, tuple[int, int]] = {}
    for cond in dict.fromkeys(r.job.condition for r in genuine):
        of = [r for r in genuine if r.job.condition == cond]
        by_cond[cond] = (sum(r.verdict != "pass" for r in of), len(of))
    by_source: dict[str, tuple[int, int]] = {}
    for src in dict.fromkeys(r.job.source for r in genuine):
        of = [r for r in genuine if r.job.source == src]
        by_source[src] = (sum(r.verdict != "pass" for r in of), len(of))
    ran = [r for r in results if r.verdict not in ("error", "crash")]
    no_blink = [r for r in ran if not r.job.blink]
    no_turn = [r for r in ran if not r.job.turn]
    ordered = [r for r in results if r.job.ordered]
    right = sum((r.verdict == "pass") if r.job.genuine else (r.verdict != "pass") for r in ordered)
    same = [r for r in results if r.job.same_person is True]
    other = [r for r in results if r.job.same_person is False]
    return Metrics(
        apcer=apcer,
        bpcer=(sum(r.verdict != "pass" for r in genuine), len(genuine)),
        bpcer_by_condition=by_cond,
        bpcer_by_source=by_source,
        blink_fp=(sum(r.blinks > 0 for r in no_blink), len(no_blink)),
        turn_fp=(sum(bool(r.turns) for r in no_turn), len(no_turn)),
        order_right=(right, len(ordered)),
        frr=(sum(r.matched is not True for r in same), len(same)),
        far=(sum(r.matched is True for r in other), len(other)),
        crashes=(sum(r.verdict == "crash" for r in results), len(results)),
        errors=(sum(r.verdict == "error" for r in results), len(results)),
    )


def table(
    engine: Sequence[Result], naive: Sequence[Result] | None, naive_label: str = "naive"
) -> list[str]:
    """The report as Markdown table rows: engine next to the naive checker."""
    me = metrics(engine)
    mn = metrics(naive) if naive is not None else None

    def row(label: str, pick: str, key: str | None = None) -> str:
        def get(m: Metrics | None) -> str:
            if m is None:
                return "-"
            value = getattr(m, pick)
            if key is not None:
                value = value.get(key, (0, 0))
            return _rate(*value).strip()

        return f"| {label} | {get(me)} | {get(mn)} |"

    lines = [f"| figure | engine | {naive_label} |", "|---|---|---|"]
    lines.append(row("**APCER, all attacks**", "apcer_all"))
    for kind in me.apcer:
        lines.append(row(f"APCER {kind}", "apcer", kind))
    lines.append(row("**BPCER, all genuine**", "bpcer"))
    for src in me.bpcer_by_source:
        label = {"heldout": "3D-rendered people", "real": "real footage"}.get(src, src)
        lines.append(row(f"BPCER, all {label}", "bpcer_by_source", src))
    for cond in me.bpcer_by_condition:
        lines.append(row(f"BPCER {cond}", "bpcer_by_condition", cond))
    lines.append(row("blink reported on a clip with no live blink", "blink_fp"))
    lines.append(row("head turn reported on a clip with no live turn", "turn_fp"))
    lines.append(row("ordered challenges judged right", "order_right"))
    lines.append(row("face match FRR (same person rejected)", "frr"))
    lines.append(row("face match FAR (other person accepted)", "far"))
    lines.append(row("crashes", "crashes"))
    lines.append(row("refused as unreadable (VisionError)", "errors"))
    return lines


def per_clip(engine: Sequence[Result], naive: Sequence[Result] | None) -> list[str]:
    """One Markdown row per clip: truth, then what each checker said."""
    lines = [
        "| clip | truth | challenge | engine | engine reasons | blinks, turns | naive |",
        "|---|---|---|---|---|---|---|",
    ]
    naive_by = {r.job.name: r for r in naive} if naive is not None else {}
    for r in engine:
        j = r.job
        truth = "genuine" if j.genuine else j.kind
        if j.genuine and j.condition != "standard":
            truth += f" ({j.condition})"
        ok = (r.verdict == "pass") == j.genuine
        mark = "" if ok else " **x**"
        reasons = ",".join(r.reasons) or _short(r.error) or "-"
        if r.distance is not None:
            reasons += f" d={r.distance:.2f}"
        n = naive_by.get(j.name)
        nv = "-" if n is None else n.verdict + ("" if (n.verdict == "pass") == j.genuine else " x")
        lines.append(
            f"| {j.name} | {truth} | {j.challenge} | {r.verdict}{mark} | {reasons} | "
            f"{r.blinks}, {'+'.join(t.replace('turn_', '') for t in r.turns) or '-'} | {nv} |"
        )
    return lines


def failures(results: Sequence[Result]) -> list[str]:
    """Each clip the checker got wrong, and how (for the engine's maintainers)."""
    out = []
    for r in results:
        j = r.job
        wrong = (r.verdict == "pass") != j.genuine
        extra = []
        if not j.blink and r.blinks > 0:
            extra.append(f"{r.blinks} blink(s) reported, none performed")
        if not j.turn and r.turns:
            extra.append(f"turns {','.join(r.turns)} reported, none performed")
        if j.same_person is True and r.matched is False:
            extra.append(f"same person rejected (d={_d(r.distance)})")
        if j.same_person is False and r.matched is True:
            extra.append(f"other person accepted (d={_d(r.distance)})")
        if wrong or extra or r.verdict == "crash":
            what = (
                ("accepted" if r.verdict == "pass" else f"refused ({r.verdict})")
                if wrong
                else "verdict right"
            )
            detail = ",".join(r.reasons) or _short(r.error)
            out.append(
                f"- `{j.name}` ({j.kind if not j.genuine else 'genuine, ' + j.condition}, "
                f"challenge {j.challenge}): {what}; reasons {detail or '-'}"
                + (f"; {'; '.join(extra)}" if extra else "")
            )
    return out


def _d(distance: float | None) -> str:
    return "-" if distance is None else f"{distance:.3f}"


def _short(error: str) -> str:
    """An error message cut to its first sentence, for the tables."""
    return error.split(". ", maxsplit=1)[0][:90]
