"""`python -m bench.throughput`: updates/s per bot process and reply latency, for the product
and for a bare echo bot of the same library, on one emulator, in one run.

    uv run python -m bench.throughput                          # aiogram; echo, SQLite, PG+Redis
    uv run python -m bench.throughput --citizens 50,200 --seconds 15
    uv run python -m bench.throughput --runtimes aiogram --storages sqlite

Each phase starts one bot process in long polling against the in-process emulator, signs in
its citizens (the product only: /start, Accept, phone, name, ID number), then measures:
- saturation: every citizen acts again as soon as its reply came (N at a time), for
  `--seconds`: updates/s = replies / time, CPU per update = the process's CPU time / replies;
- below saturation: actions arrive at `--load` x the saturated rate (Poisson, 200 citizens):
  reply latency p50/p95/p99 at a rate the process sustains.
An action alternates `/menu` (a new message with the main menu) and a tap on Family Services
(an edited message and the answer to the callback query); its reply latency runs from the
update entering the emulator's queue to the last of those Bot API calls reaching it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.throughput import procs
from bench.throughput.driver import FAMILY, BenchEmulator, Citizen, Driver, StepFailedError

OUT_DIR = procs.ROOT / "bench" / "out"
STORAGES = ("sqlite", "postgres+redis")


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


def bench_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(
    driver: Driver,
    bot: procs.BotProcess,
    citizens: list[Citizen],
    *,
    mode: str,
    seconds: float,
    rate: float | None = None,
) -> Window:
    driver.latencies.clear()
    driver.failures.clear()
    (user0, sys0), own0 = bot.cpu_split(), bench_cpu()
    started = time.perf_counter()
    until = started + seconds
    skipped = 0
    if mode == "saturation":
        await driver.closed_loop(citizens, until)
    else:
        assert rate is not None
        skipped = await driver.open_loop(citizens, rate, until, random.Random(7))
    ended = time.perf_counter()
    (user1, sys1), own1 = bot.cpu_split(), bench_cpu()
    cpu0, cpu1 = user0 + sys0, user1 + sys1
    inside = [lat for done, lat, _ in driver.latencies if done <= until]
    lat_all = [lat for _, lat, _ in driver.latencies]
    n = len(inside)

    def ms(q: float) -> float | None:
        value = percentile(lat_all, q)
        return None if value is None else round(value * 1000, 1)

    return Window(
        citizens=len(citizens),
        mode=mode,
        seconds=round(ended - started, 2),
        updates=n,
        updates_per_s=round(n / seconds, 1),
        p50_ms=ms(0.50),
        p95_ms=ms(0.95),
        p99_ms=ms(0.99),
        cpu_ms_per_update=round((cpu1 - cpu0) * 1000 / len(lat_all), 2) if lat_all else None,
        system_share=round((sys1 - sys0) / (cpu1 - cpu0), 2) if cpu1 > cpu0 else None,
        bench_cpu_share=round((own1 - own0) / (ended - started), 2),
        offered_per_s=round(rate, 1) if rate is not None else None,
        skipped=skipped,
        failures=len(driver.failures),
    )


async def wait_polling(emu: BenchEmulator, bot: procs.BotProcess, timeout_s: float) -> None:
    """Until the bot process asked for updates (twice: its first poll can predate commands)."""
    start = emu.poll_generation
    deadline = time.monotonic() + timeout_s
    while emu.poll_generation < start + 2:
        if not bot.alive():
            raise SystemExit(f"{bot.name} exited:\n{bot.log_tail()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{bot.name} did not start polling:\n{bot.log_tail()}")
        await asyncio.sleep(0.1)


async def gather_limited(n: int, coros: list[Any]) -> None:
    gate = asyncio.Semaphore(n)

    async def one(coro: Any) -> None:
        async with gate:
            await coro

    await asyncio.gather(*(one(c) for c in coros))


async def run_phase(
    args: argparse.Namespace,
    emu: BenchEmulator,
    phase: Phase,
    env: dict[str, str],
    argv: list[str],
    log_dir: Path,
    first_user: int,
) -> None:
    name = f"{phase.runtime}-{phase.bot}-{phase.storage.replace('+', '-')}"
    print(f"== {name}", flush=True)
    emu.drop_pending_updates()
    source = args.source if phase.bot == "product" else procs.ROOT
    if phase.bot == "product":
        env = env | {"PYTHONPATH": str(source)}
    bot = procs.start(name, argv, env, log_dir, source)
    try:
        await wait_polling(emu, bot, 120)
        driver = Driver(emu, timeout_s=args.timeout)
        most = max(args.citizens)
        citizens = [driver.citizen(i, first_user + i) for i in range(most)]
        t0 = time.perf_counter()
        if phase.bot == "product":
            await gather_limited(50, [driver.register(c) for c in citizens])
        phase.setup_s = round(time.perf_counter() - t0, 1)
        # warm-up: every citizen once through both actions, then a short saturated spell
        await gather_limited(most, [driver.act(c) for c in citizens])
        await gather_limited(most, [driver.act(c) for c in citizens])
        await driver.closed_loop(citizens, time.perf_counter() + args.warmup)
        saturated = 0.0
        for n in args.citizens:
            profiler = profile(args, bot, log_dir / f"{name}-{n}.pyspy.txt")
            window = await measure(
                driver, bot, citizens[:n], mode="saturation", seconds=args.seconds
            )
            if profiler is not None:
                await asyncio.to_thread(profiler.wait, 60)
            phase.windows.append(window)
            saturated = max(saturated, window.updates_per_s)
            print(f"   {fmt_window(window)}", flush=True)
        if args.load > 0 and saturated > 0:
            window = await measure(
                driver,
                bot,
                citizens,
                mode="below",
                seconds=args.seconds,
                rate=saturated * args.load,
            )
            phase.windows.append(window)
            print(f"   {fmt_window(window)}", flush=True)
        if driver.failures:
            phase.notes.append(f"{len(driver.failures)} failures, e.g. {driver.failures[0]}")
    except StepFailedError as error:
        phase.notes.append(f"failed: {error}")
        print(f"   failed: {error}\n{bot.log_tail()}", flush=True)
    finally:
        await bot.stop()
        for user_id in range(first_user, first_user + max(args.citizens)):
            emu.watches.pop(user_id, None)


def profile(args: argparse.Namespace, bot: procs.BotProcess, out: Path) -> Any:
    """py-spy (`--py-spy "uvx py-spy"`) on the bot process during a saturated window:
    collapsed stacks in `out`. Profiled windows cost the bot CPU: not for the table."""
    if not args.py_spy:
        return None
    import shlex
    import subprocess

    command = [
        *shlex.split(args.py_spy),
        "record",
        "--pid",
        str(bot.pid),
        "--duration",
        str(max(1, int(args.seconds) - 1)),
        "--rate",
        "200",
        "--format",
        "raw",
        "--nonblocking",
        *args.py_spy_extra,
        "--output",
        str(out),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
        "| CPU ms/update | below saturation: rate → p50 / p95 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    echo: dict[tuple[str, int], float] = {}
    for phase in phases:
        for w in phase.windows:
            if phase.bot == "echo" and w.mode == "saturation":
                echo[(phase.runtime, w.citizens)] = w.updates_per_s
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
            lines.append(
                f"| {phase.runtime} | {phase.bot} | {phase.storage} | {w.citizens} "
                f"| {w.updates_per_s} | {ratio} | {fmt(w.p50_ms)} / {fmt(w.p95_ms)} / "
                f"{fmt(w.p99_ms)} | {fmt(w.cpu_ms_per_update, 2)} | {below_text} |"
            )
        for note in phase.notes:
            lines.append(f"  note ({phase.runtime} {phase.bot} {phase.storage}): {note}")
    return "\n".join(lines)


def describe_tree() -> str:
    import subprocess

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


async def main_async(args: argparse.Namespace) -> int:
    from bot.security import generate_key

    bot_id = 9_000_000_000 + secrets.randbelow(10**8)  # its own keys in Redis
    token = f"{bot_id}:bench-throughput"
    keys = (generate_key(), generate_key())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_dir = OUT_DIR / f"throughput-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    emu = BenchEmulator(host="127.0.0.1", port=0, token=token, agents_chat_id=None)
    await emu.start()
    api_url = emu.base_url
    phases: list[Phase] = []
    user = 700_000
    try:
        for runtime in args.runtimes:
            echo = Phase(runtime, "echo", "-")
            env = procs.base_env() | {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url}
            await run_phase(args, emu, echo, env, procs.echo_argv(runtime, FAMILY), log_dir, user)
            phases.append(echo)
            user += 10_000
            for storage in args.storages:
                phase = Phase(runtime, "product", storage)
                with procs.temp_dir("ssc-tput-") as data_dir:
                    env = procs.base_env() | {
                        "TELEGRAM_BOT_TOKEN": token,
                        "TELEGRAM_API_URL": api_url,
                        "BOT_RUNTIME": runtime,
                        "DATA_DIR": data_dir,
                        "THROTTLE_RATE": "100000",
                        "THROTTLE_BURST": "100000",
                        "ENCRYPTION_KEYS": keys[0],
                        "HASH_KEY": keys[1],
                        "RANDOMISE_CHALLENGE": "false",
                        "LOG_LEVEL": args.log_level,
                    }
                    if storage == "sqlite":
                        await run_phase(args, emu, phase, env, procs.product_argv(), log_dir, user)
                    else:
                        procs.require_loopback(args.redis_url)
                        await procs.clean_redis(args.redis_url, bot_id)
                        async with procs.postgres_database(args.postgres_admin_url) as db_url:
                            env |= {"DATABASE_URL": db_url, "REDIS_URL": args.redis_url}
                            try:
                                await run_phase(
                                    args, emu, phase, env, procs.product_argv(), log_dir, user
                                )
                            finally:
                                await procs.clean_redis(args.redis_url, bot_id)
                phases.append(phase)
                user += 10_000
    finally:
        await emu.stop()
    header = (
        f"Throughput per bot process ({describe_tree()}"
        + ("" if args.source == procs.ROOT else f", the product from {args.source}")
        + f", {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, {args.seconds:.0f} s windows, below saturation = "
        f"{args.load:.0%} of the saturated rate with {max(args.citizens)} citizens)"
    )
    text = table(phases, os.getloadavg(), header)
    print()
    print(text)
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
    print(f"\n{out.relative_to(procs.ROOT)}; logs in {log_dir.relative_to(procs.ROOT)}/")
    failed = any(p.notes for p in phases)
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--runtimes", default="aiogram", type=lambda s: s.split(","))
    parser.add_argument("--storages", default=",".join(STORAGES), type=lambda s: s.split(","))
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
