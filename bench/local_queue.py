"""Local mode's first analysis: `uv run python bench/local_queue.py [--runs N]`.

Each run is a fresh process that builds the embedded queue (`bot.jobs.local.LocalJobQueue`)
as `python -m bot` does and times, in wall ms: the warm-up of its child (`warm_up`, done in
the background while the bot starts), then the first and the second analysis of a 640 px
tuning clip with a reference, from `submit` to the result. `cold` is the same queue without
the warm start (no preload, no warm-up: the first job loads the models, as the spawned pool
did before); `warm` is the default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.jobs.analysis import AnalysisResult
    from bot.jobs.local import OnDone

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/local_queue.py` puts bench/ first
    sys.path.insert(0, str(ROOT))


def _clip(directory: Path) -> tuple[Path, Path]:
    from bot.vision.testing import synth_fixtures

    fixture = next(f for f in synth_fixtures.bench_fixtures(size=640, seeds=(0,)) if f.reference)
    assert fixture.reference is not None
    return fixture.build(directory), synth_fixtures.reference_image(fixture.reference, directory)


async def _one_run(warm: bool, directory: Path) -> dict[str, float]:
    from bot.jobs.analysis import AnalysisJob
    from bot.jobs.local import LocalJobQueue

    video, reference = _clip(directory)
    queue = LocalJobQueue(1, timeout_s=120.0, warm=warm)
    out: dict[str, float] = {}
    started = time.perf_counter()
    await queue.warm_up()
    out["warm_up_ms"] = (time.perf_counter() - started) * 1000.0
    results: asyncio.Queue[AnalysisResult] = asyncio.Queue()
    try:
        for name in ("first_job_ms", "second_job_ms"):
            job = AnalysisJob(
                1, "video", str(video), ("blink", "shake"), reference_path=str(reference),
                delete_after=False,
            )  # fmt: skip
            started = time.perf_counter()
            await queue.submit(job, _put(results))
            result = await results.get()
            out[name] = (time.perf_counter() - started) * 1000.0
            assert result.verdict != "error", result
    finally:
        await queue.close()
    return out


def _put(results: asyncio.Queue[AnalysisResult]) -> OnDone:
    async def on_done(result: AnalysisResult) -> None:
        results.put_nowait(result)

    return on_done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ssc-lq")
    parser.add_argument("--child", choices=["warm", "cold"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.child:
        print(json.dumps(asyncio.run(_one_run(args.child == "warm", args.cache))))
        return 0
    _clip(args.cache)  # made once, outside the timings
    rows: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    for _ in range(args.runs):
        for mode, runs in rows.items():
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, "--cache", str(args.cache)],
                capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs each, median wall ms")
    print(f"{'':6s} {'warm_up':>8s} {'1st job':>8s} {'2nd job':>8s}")
    for mode, runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"{mode:6s} {med['warm_up_ms']:8.0f} {med['first_job_ms']:8.0f} "
            f"{med['second_job_ms']:8.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
