"""The command line: options, the source tree under test, the run and its clean-up."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import loadrun
from bench.loadrun.common import FAULTS, LOOPBACK, ROOT, require_loopback
from bench.loadrun.procs import start_persistent_redis, stop_procs
from bench.loadrun.report import print_table
from bench.loadrun.run import execute
from bench.loadrun.runstate import Run
from bench.loadrun.storage import clean_redis, drop_database


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True, timeout=60)
    return done.stdout.decode().strip()


def export_rev(rev: str, into: Path) -> str:
    """The tree of `rev` into `into` (git archive); returns 'commit <sha>'."""
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=120)
    return f"commit {sha}"


def describe_tree() -> str:
    sha = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "bot", "locales")
    return f"working tree at {sha}" + (" with uncommitted changes in bot/" if dirty else "")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/load.py", description=(loadrun.__doc__ or "").split("\n", 1)[0]
    )
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--bots", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mode", choices=("webhook", "polling"), default="webhook")
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument(
        "--fault-at", type=float, default=0.4, help="fraction of the videos sent before the fault"
    )
    parser.add_argument("--redis-down-s", type=float, default=2.0)
    parser.add_argument("--redis-url", default=f"redis://{LOOPBACK}:6379/9")
    parser.add_argument(
        "--redis-persistent",
        action="store_true",
        help="run a private redis-server with the append-only file (fsync always) on a free "
        "loopback port instead of the machine's, as production should; restart-redis then "
        "restarts that one and its data survives",
    )
    parser.add_argument("--postgres-admin-url", default=f"postgres://postgres@{LOOPBACK}:5432/test")
    parser.add_argument("--step-timeout", type=float, default=60.0)
    parser.add_argument("--outcome-timeout", type=float, default=420.0)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    parser.add_argument("--warmup-s", type=float, default=5.0)
    parser.add_argument("--settle-s", type=float, default=5.0)
    parser.add_argument(
        "--worker-arg",
        action="append",
        default=[],
        help="extra argument for `python -m bot worker` (repeat), e.g. --worker-arg=--grace=5",
    )
    parser.add_argument(
        "--rev",
        default=None,
        help="run the bot processes from this commit (git archive into a temp dir) instead of "
        "the working tree, e.g. --rev HEAD while others edit the tree",
    )
    parser.add_argument(
        "--error-retries",
        type=int,
        default=2,
        help="times a citizen repeats an action the bot answered with 'something went wrong'",
    )
    parser.add_argument(
        "--resends",
        type=int,
        default=1,
        help="times a citizen sends the video again when asked to ('could not read that file')",
    )
    parser.add_argument(
        "--no-supervise",
        dest="supervise",
        action="store_false",
        help="do not restart bots and workers that exit by themselves (compose would)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)
    if args.citizens < 1 or args.concurrency < 1 or args.bots < 1 or args.workers < 1:
        parser.error("--citizens, --concurrency, --bots and --workers must be at least 1")
    if args.fault == "kill-bot" and (args.mode != "webhook" or args.bots < 2):
        parser.error("--fault kill-bot needs --mode webhook and at least 2 bots")
    if args.fault == "kill-worker" and args.workers < 2:
        parser.error("--fault kill-worker needs at least 2 workers")
    require_loopback(args.redis_url, "--redis-url")
    require_loopback(args.postgres_admin_url, "--postgres-admin-url")
    if (
        args.fault == "restart-redis"
        and not args.redis_persistent
        and urlsplit(args.redis_url).port not in (None, 6379)
    ):
        parser.error("--fault restart-redis restarts the Redis on 127.0.0.1:6379 only")
    return args


async def main_async(args: argparse.Namespace) -> int:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir: Path = args.out
    log_dir = out_dir / f"load-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="ssc-bench-data-"))
    redis_dir: Path | None = None
    if args.redis_persistent:
        redis_dir = Path(tempfile.mkdtemp(prefix="ssc-bench-redis-"))
        args.redis_url = await asyncio.to_thread(start_persistent_redis, redis_dir)
    run = Run(args, out_dir, stamp, log_dir, data_dir)
    result: dict[str, Any] | None = None
    source_dir: Path | None = None
    try:
        if args.rev:
            source_dir = Path(tempfile.mkdtemp(prefix="ssc-bench-src-"))
            run.source, run.source_desc = source_dir, export_rev(args.rev, source_dir)
        else:
            run.source_desc = describe_tree()
        print(f"bot source: {run.source_desc}")
        result = await execute(run)
    finally:
        if run.proxy is not None:
            await run.proxy.close()
        await stop_procs(run.procs)
        if run.db_url:
            with contextlib.suppress(Exception):
                await drop_database(args.postgres_admin_url, run.db_url)
        with contextlib.suppress(Exception):
            await clean_redis(args.redis_url)
        shutil.rmtree(data_dir, ignore_errors=True)
        if redis_dir is not None:
            port = str(urlsplit(args.redis_url).port)
            await asyncio.to_thread(
                subprocess.run,
                ["redis-cli", "-h", LOOPBACK, "-p", port, "shutdown", "nosave"],
                capture_output=True,
                timeout=15,
                check=False,
            )
            shutil.rmtree(redis_dir, ignore_errors=True)
        if source_dir is not None:
            shutil.rmtree(source_dir, ignore_errors=True)
    path = out_dir / f"load-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print_table(result)
    print(f"JSON: {path}\nlogs: {log_dir}")
    return 0 if result["verdict"]["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
