"""`python -m bench.throughput`: updates/s per bot process and reply latency, for the product
and for a bare echo bot of the same library, on one emulator, in one run.

    uv run python -m bench.throughput               # aiogram and PTB: echo, SQLite, PG+Redis
    uv run python -m bench.throughput --citizens 50,200 --seconds 15
    uv run python -m bench.throughput --runtimes aiogram --storages sqlite

Each phase starts one bot process in long polling against the in-process emulator, signs in
its citizens (the product only: /start, Accept, phone, name, ID number), then measures:
- saturation: every citizen acts again as soon as its reply came (N at a time), for
  `--seconds`: updates/s = replies / time, CPU per update = the process's CPU time / replies;
- below saturation: actions arrive at `--load` x the rate the most citizens (200) saturated
  at (Poisson, from those citizens): reply latency p50/p95/p99 at a rate the process sustains.
An action alternates `/menu` (a new message with the main menu) and a tap on Family Services
(an edited message and the answer to the callback query); its reply latency runs from the
update entering the emulator's queue to the last of those Bot API calls reaching it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

from bench.throughput import procs
from bench.throughput.driver import BenchEmulator
from bench.throughput.phases import new_bot_id, run_all
from bench.throughput.report import OUT_DIR, header, table, write

RUNTIMES = ("aiogram", "ptb")
STORAGES = ("sqlite", "postgres+redis")


async def main_async(args: argparse.Namespace) -> int:
    bot_id = new_bot_id()
    token = f"{bot_id}:bench-throughput"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_dir = OUT_DIR / f"throughput-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    emu = BenchEmulator(host="127.0.0.1", port=0, token=token, agents_chat_id=None)
    await emu.start()
    try:
        phases = await run_all(args, emu, token, bot_id, log_dir)
    finally:
        await emu.stop()
    text = table(phases, os.getloadavg(), header(args))
    print()
    print(text)
    out = write(args, stamp, phases, text)
    print(f"\n{out.relative_to(procs.ROOT)}; logs in {log_dir.relative_to(procs.ROOT)}/")
    return 1 if any(p.notes for p in phases) else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--runtimes", default=",".join(RUNTIMES), type=lambda s: s.split(","))
    parser.add_argument("--storages", default=",".join(STORAGES), type=lambda s: s.split(","))
    parser.add_argument(
        "--bots", default="echo,product", type=lambda s: s.split(","), help="echo, product or both"
    )
    parser.add_argument(
        "--citizens",
        default="50,200",
        type=lambda s: [int(x) for x in s.split(",")],
        help="concurrent citizens of the saturated windows",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each window")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--load", type=float, default=0.5, help="below saturation: this share of the saturated rate"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="per reply")
    parser.add_argument("--py-spy", default="", help='profile with this py-spy, e.g. "uvx py-spy"')
    parser.add_argument(
        "--py-spy-extra", default=[], type=lambda s: s.split(), help='e.g. "--gil --idle"'
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=procs.ROOT,
        help="run the product from this tree (e.g. `git archive REV | tar -x -C DIR`)",
    )
    parser.add_argument("--log-level", default="INFO", help="LOG_LEVEL of the product")
    parser.add_argument(
        "--postgres-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    args = parser.parse_args(argv)
    for runtime in args.runtimes:
        if runtime not in RUNTIMES:
            parser.error(f"--runtimes: one of {', '.join(RUNTIMES)}")
    for storage in args.storages:
        if storage not in STORAGES:
            parser.error(f"--storages: one of {', '.join(STORAGES)}")
    return args


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # asyncio.run cancels the run: bots stopped, database dropped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
