"""One run: start everything, drive the citizens, inject the fault, collect the evidence."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import signal
import subprocess
import sys
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.loadrun.citizens import Citizen, Driver, Progress, make_citizen
from bench.loadrun.common import (
    AGENT_ID,
    AGENTS_CHAT_ID,
    LOOPBACK,
    PERSISTENT_REDIS,
    TOKEN,
    free_port,
    now,
)
from bench.loadrun.procs import REDIS_RESTART, Proc, start_proc, supervise, wait_http, wait_log
from bench.loadrun.proxy import Proxy
from bench.loadrun.report import assemble
from bench.loadrun.runstate import Run
from bench.loadrun.storage import clean_redis, create_database, database_checks, redis_leftovers

# --- the run -----------------------------------------------------------------------------------


async def scrape_metrics(session: aiohttp.ClientSession, urls: list[str]) -> dict[str, Any]:
    wanted = ("ssc_updates_total", "ssc_duplicate_updates_total", "ssc_decisions_total")
    found: dict[str, Any] = {}
    for url in urls:
        values: dict[str, float] = defaultdict(float)
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                text = await resp.text()
        except (aiohttp.ClientError, TimeoutError):
            found[url] = "unreachable"
            continue
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in wanted:
                with contextlib.suppress(ValueError):
                    values[line.split("{", 1)[0].split(" ", 1)[0]] += float(line.rsplit(" ", 1)[1])
        found[url] = dict(values)
    return found


async def inject_fault(run: Run, progress: Progress, total: int) -> None:
    args = run.args
    if args.fault == "none":
        return
    threshold = max(1, math.ceil(args.fault_at * total))
    deadline = now() + args.max_seconds
    while progress.videos_sent < threshold and progress.done < total and now() < deadline:
        progress.video_event.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(progress.video_event.wait(), 1.0)
    t = now()
    entry: dict[str, Any] = {"fault": args.fault, "videos_sent": progress.videos_sent}
    if args.fault in ("kill-worker", "kill-bot"):
        victim = (run.workers if args.fault == "kill-worker" else run.bots)[0]
        victim.kill_group(signal.SIGKILL)
        victim.killed_at = t
        entry["killed"] = victim.name
        entry["pid"] = victim.popen.pid
    elif args.fault == "restart-redis":
        port = str(urlsplit(args.redis_url).port or 6379)
        down = await asyncio.to_thread(
            subprocess.run,
            ["redis-cli", "-h", LOOPBACK, "-p", port, "shutdown"]
            + ([] if args.redis_persistent else ["nosave"]),
            capture_output=True,
            timeout=15,
            check=False,
        )
        entry["shutdown"] = (down.returncode, down.stdout.decode().strip())
        await asyncio.sleep(args.redis_down_s)
        restart = PERSISTENT_REDIS[0] if args.redis_persistent else REDIS_RESTART
        up = await asyncio.to_thread(
            subprocess.run, restart, capture_output=True, timeout=15, check=False
        )
        entry["restart"] = (up.returncode, up.stderr.decode().strip()[:200])
        limit = now() + 15
        while now() < limit:
            ping = await asyncio.to_thread(
                subprocess.run,
                ["redis-cli", "-h", LOOPBACK, "-p", "6379", "ping"],
                capture_output=True,
                timeout=5,
                check=False,
            )
            if ping.stdout.strip() == b"PONG":
                break
            await asyncio.sleep(0.2)
        entry["down_s"] = round(now() - t, 2)
    entry["at_s"] = round(t - run.started_at, 2)
    run.fault_log.append(entry)
    print(f"[fault] {entry}", flush=True)


def base_env() -> dict[str, str]:
    """The environment without any of the bot's settings (they are set explicitly)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "REDIS_", "ANALYSIS_"))
    }
    keep["PYTHONUNBUFFERED"] = "1"
    return keep


def bot_env(run: Run, emulator_url: str, port: int, secret: str, keys: tuple[str, str]) -> dict:
    env = base_env()
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator_url,
            "DATABASE_URL": run.db_url,
            "REDIS_URL": run.args.redis_url,
            "ANALYSIS_BACKEND": "arq",
            "DATA_DIR": str(run.data_dir),
            "RANDOMISE_CHALLENGE": "false",
            "THROTTLE_RATE": "1000",
            "THROTTLE_BURST": "1000",
            "ENCRYPTION_KEYS": keys[0],
            "HASH_KEY": keys[1],
            "AGENTS_CHAT_ID": str(AGENTS_CHAT_ID),
            "ADMIN_IDS": str(AGENT_ID),
            "LOG_LEVEL": "INFO",
            "LOG_JSON": "false",
        }
    )
    if run.args.mode == "webhook":
        assert run.proxy is not None
        env.update(
            {
                "WEBHOOK_URL": f"{run.proxy.url}/webhook",
                "WEBHOOK_SECRET": secret,
                "WEBHOOK_HOST": LOOPBACK,
                "WEBHOOK_PORT": str(port),
            }
        )
    return env


async def execute(run: Run) -> dict[str, Any]:
    args = run.args
    from bot.security import generate_key
    from tests.vision.fixtures import reference, video

    photo = reference("astronaut").read_bytes()
    clip = video("genuine_shake_left_384_0").read_bytes()
    keys = (generate_key(), generate_key())
    secret = secrets.token_urlsafe(24)
    total_deadline = now() + args.max_seconds

    print(f"cleaned {await clean_redis(args.redis_url)} stale keys in {args.redis_url}")
    run.db_url = await create_database(args.postgres_admin_url)
    print(f"database {urlsplit(run.db_url).path.lstrip('/')}")
    python = sys.executable
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=120),
        connector=aiohttp.TCPConnector(limit=args.concurrency * 2 + 10),
    ) as http:
        emu_port = free_port()
        run.emulator = start_proc(
            "emulator",
            [
                python,
                "-m",
                "bot.emulator",
                "--host",
                LOOPBACK,
                "--port",
                str(emu_port),
                "--token",
                TOKEN,
                "--agents-chat-id",
                str(AGENTS_CHAT_ID),
            ],
            base_env(),
            run.log_dir,
            run.source,
        )
        run.procs.append(run.emulator)
        emulator_url = f"http://{LOOPBACK}:{emu_port}"
        await wait_http(http, f"{emulator_url}/chat/api/info", run.emulator, 30)

        n_bots = args.bots if args.mode == "webhook" else 1
        ports = [free_port() for _ in range(n_bots)]
        if args.mode == "webhook":
            run.proxy = Proxy([f"http://{LOOPBACK}:{p}" for p in ports])
            await run.proxy.start()
        for i in range(args.workers):
            worker = start_proc(
                f"worker{i + 1}",
                [python, "-m", "bot", "worker", *args.worker_arg],
                bot_env(run, emulator_url, 0, secret, keys),
                run.log_dir,
                run.source,
            )
            run.workers.append(worker)
            run.procs.append(worker)
        for i, port in enumerate(ports):
            bot = start_proc(
                f"bot{i + 1}",
                [python, "-m", "bot"],
                bot_env(run, emulator_url, port, secret, keys),
                run.log_dir,
                run.source,
            )
            run.bots.append(bot)
            run.procs.append(bot)
            if i == 0:  # the first one applies the migrations alone
                await _bot_ready(http, args.mode, bot, port)
        for bot, port in zip(run.bots[1:], ports[1:], strict=True):
            await _bot_ready(http, args.mode, bot, port)
        for worker in run.workers:
            await wait_log(worker, r"Starting worker", 60)
        await asyncio.sleep(args.warmup_s)  # the workers warm the engine up in their child

        citizens = [make_citizen(i) for i in range(args.citizens)]
        progress = Progress()
        driver = Driver(
            http,
            emulator_url,
            progress,
            step_timeout_s=args.step_timeout,
            error_retries=args.error_retries,
            resends=args.resends,
            outcome_timeout_s=args.outcome_timeout,
            deadline=total_deadline,
            photo=photo,
            video=clip,
        )
        gate = asyncio.Semaphore(args.concurrency)

        async def one(c: Citizen) -> None:
            async with gate:
                await driver.run(c)

        async def report_progress() -> None:
            while True:
                await asyncio.sleep(10)
                print(
                    f"  t={now() - run.started_at:6.1f}s started={progress.started} "
                    f"videos={progress.videos_sent} outcomes={progress.outcomes} "
                    f"failed={progress.failed} done={progress.done}/{len(citizens)}",
                    flush=True,
                )

        run.started_at = now()
        reporter = asyncio.create_task(report_progress())
        supervisor = asyncio.create_task(
            supervise(run.bots + run.workers if args.supervise else [], run.started_at)
        )
        fault = asyncio.create_task(inject_fault(run, progress, len(citizens)))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        everyone = asyncio.ensure_future(asyncio.gather(*(one(c) for c in citizens)))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait(
            {everyone, stopping},
            timeout=max(1.0, total_deadline - now()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if not everyone.done():
            why = "interrupted" if stop.is_set() else "the run hit --max-seconds"
            run.notes.append(f"{why}: unfinished citizens count as failed")
            everyone.cancel()
            await asyncio.gather(everyone, return_exceptions=True)
            for c in citizens:
                if c.outcome_at is None and c.failed_step is None:
                    c.failed_step, c.failure = "unfinished", why
        stopping.cancel()
        finished_at = now()
        reporter.cancel()
        fault.cancel()
        supervisor.cancel()
        await asyncio.gather(reporter, fault, supervisor, return_exceptions=True)
        # late duplicates: give stray results a moment to show up before counting
        await asyncio.sleep(args.settle_s)

        transcripts = {c.user_id: await driver.transcript(c) for c in citizens}
        metrics_urls = (
            [f"http://{LOOPBACK}:{p}/metrics" for p in ports] if args.mode == "webhook" else []
        )
        metrics = await scrape_metrics(http, metrics_urls)
    db = await database_checks(run.db_url, citizens)
    leftovers = await redis_leftovers(args.redis_url)
    return assemble(run, citizens, progress, transcripts, db, leftovers, metrics, finished_at)


async def _bot_ready(http: aiohttp.ClientSession, mode: str, bot: Proc, port: int) -> None:
    if mode == "webhook":
        await wait_http(http, f"http://{LOOPBACK}:{port}/healthz", bot, 90)
    else:
        await wait_log(bot, r"Start polling|Run polling", 90)
