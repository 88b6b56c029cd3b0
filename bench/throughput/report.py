"""What a run measured: its windows and phases, and the table and JSON that report them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.throughput import procs

OUT_DIR = procs.ROOT / "bench" / "out"


@dataclass
class Window:
    citizens: int
    mode: str  # "saturation" | "below"
    seconds: float
    updates: int
    updates_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    cpu_ms_per_update: float | None
    bench_cpu_share: float
    system_share: float | None  # of the bot's CPU time, in the kernel
    offered_per_s: float | None = None
    skipped: int = 0
    failures: int = 0
    calls_per_update: float | None = None  # Bot API calls the bot made (not getUpdates)


@dataclass
class Phase:
    runtime: str
    bot: str  # "echo" | "product"
    storage: str  # "-" for the echo bot
    windows: list[Window] = field(default_factory=list)
    setup_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def fmt_window(w: Window) -> str:
    what = (
        f"{w.citizens} at a time"
        if w.mode == "saturation"
        else f"{w.offered_per_s}/s offered to {w.citizens}"
    )
    return (
        f"{w.mode:<10} {what}: {w.updates_per_s} updates/s, p50/p95/p99 "
        f"{fmt(w.p50_ms)}/{fmt(w.p95_ms)}/{fmt(w.p99_ms)} ms, "
        f"{fmt(w.cpu_ms_per_update, 2)} ms CPU/update ({w.system_share} in the kernel), "
        f"{fmt(w.calls_per_update, 2)} Bot API calls/update, "
        f"bench CPU {w.bench_cpu_share:.2f}"
        + (f", {w.failures} failed" if w.failures else "")
        + (f", {w.skipped} arrivals found nobody idle" if w.skipped else "")
    )


def table(phases: list[Phase], load: tuple[float, float, float], header: str) -> str:
    lines = [
        header,
        f"load average (1/5/15 min) at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        "",
        "| runtime | bot | storage | citizens | updates/s | × echo | reply p50 / p95 / p99 ms "
        "| CPU ms/update | × echo by CPU | Bot API calls/update "
        "| below saturation: rate → p50 / p95 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    echo: dict[tuple[str, int], float] = {}
    echo_cpu: dict[tuple[str, int], float] = {}
    for phase in phases:
        for w in phase.windows:
            if phase.bot == "echo" and w.mode == "saturation":
                echo[(phase.runtime, w.citizens)] = w.updates_per_s
                if w.cpu_ms_per_update:
                    echo_cpu[(phase.runtime, w.citizens)] = w.cpu_ms_per_update
    for phase in phases:
        below = next((w for w in phase.windows if w.mode == "below"), None)
        below_text = (
            f"{below.updates_per_s}/s → {fmt(below.p50_ms)} / {fmt(below.p95_ms)} / "
            f"{fmt(below.p99_ms)}"
            if below is not None
            else "–"
        )
        for w in (w for w in phase.windows if w.mode == "saturation"):
            ceiling = echo.get((phase.runtime, w.citizens))
            ratio = f"{w.updates_per_s / ceiling:.2f}" if ceiling else "–"
            # what the ratio would be if CPU were all that limited both processes
            cpu_ceiling = echo_cpu.get((phase.runtime, w.citizens))
            by_cpu = (
                f"{cpu_ceiling / w.cpu_ms_per_update:.2f}"
                if cpu_ceiling and w.cpu_ms_per_update
                else "–"
            )
            lines.append(
                f"| {phase.runtime} | {phase.bot} | {phase.storage} | {w.citizens} "
                f"| {w.updates_per_s} | {ratio} | {fmt(w.p50_ms)} / {fmt(w.p95_ms)} / "
                f"{fmt(w.p99_ms)} | {fmt(w.cpu_ms_per_update, 2)} | {by_cpu} "
                f"| {fmt(w.calls_per_update, 2)} | {below_text} |"
            )
        for note in phase.notes:
            lines.append(f"  note ({phase.runtime} {phase.bot} {phase.storage}): {note}")
    return "\n".join(lines)


def describe_tree() -> str:
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=procs.ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=procs.ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + ("+dirty" if dirty else "")


def header(args: Any) -> str:
    return (
        f"Throughput per bot process ({describe_tree()}"
        + ("" if args.source == procs.ROOT else f", the product from {args.source}")
        + f", {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, {args.seconds:.0f} s windows, below saturation = "
        f"{args.load:.0%} of the saturated rate with {max(args.citizens)} citizens)"
    )


def write(args: Any, stamp: str, phases: list[Phase], text: str) -> Path:
    """`bench/out/throughput-<stamp>.json`: every figure, the arguments and the table."""
    result = {
        "stamp": stamp,
        "tree": describe_tree(),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "loadavg": os.getloadavg(),
        "phases": [asdict(p) for p in phases],
        "table": text,
    }
    out = OUT_DIR / f"throughput-{stamp}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return out
