"""The phases of a run: one bot process each (an echo bot, the product on one storage),
started against the in-process emulator, warmed up, measured in windows, stopped."""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import secrets
import time
from pathlib import Path
from typing import Any

from bench.throughput import procs
from bench.throughput.driver import FAMILY, BenchEmulator, Citizen, Driver, StepFailedError
from bench.throughput.report import Phase, Window, fmt_window, percentile


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
    calls0 = driver.emu.api_calls
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
    calls = driver.emu.api_calls - calls0
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
        calls_per_update=round(calls / len(lat_all), 2) if lat_all else None,
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
            # below saturation is measured against the rate all citizens saturate at (fewer
            # citizens at a time can go faster: PTB's HTTP pool costs more with more requests)
            if n == most:
                saturated = window.updates_per_s
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


def product_env(
    args: argparse.Namespace,
    runtime: str,
    token: str,
    api_url: str,
    data_dir: str,
    keys: tuple[str, str],
) -> dict[str, str]:
    return procs.base_env() | {
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


async def run_all(
    args: argparse.Namespace, emu: BenchEmulator, token: str, bot_id: int, log_dir: Path
) -> list[Phase]:
    """For each runtime: its echo bot, then the product on each storage."""
    from bot.security import generate_key

    keys = (generate_key(), generate_key())
    phases: list[Phase] = []
    user = 700_000
    api_url = emu.base_url
    for runtime in args.runtimes:
        if "echo" in args.bots:
            echo = Phase(runtime, "echo", "-")
            env = procs.base_env() | {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url}
            await run_phase(args, emu, echo, env, procs.echo_argv(runtime, FAMILY), log_dir, user)
            phases.append(echo)
            user += 10_000
        for storage in args.storages if "product" in args.bots else ():
            phase = Phase(runtime, "product", storage)
            with procs.temp_dir("ssc-tput-") as data_dir:
                env = product_env(args, runtime, token, api_url, data_dir, keys)
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
    return phases


def new_bot_id() -> int:
    return 9_000_000_000 + secrets.randbelow(10**8)  # its own keys in Redis
