"""`python -m bot worker`: an arq worker that analyses videos and photos (production scale-out).

A job's bytes come from Redis (`bot.jobs.arq_queue` put them there; the key names and the JSON
forms both sides share are in `bot.jobs.arq_wire`), are written to a temp file and analysed in
a child process, so the worker's event loop stays free for arq's heartbeats and health check.
The result goes to the results stream as JSON (key frames in base64); the bytes, the temp file
and the job disappear with it. One job at a time per worker process: analysis is CPU-bound, so
scale by running more workers.

Retries: an unexpected error (a crashed child, a bug) is retried up to `max_tries` runs in all;
a `VisionError` is a verdict (`error` with its code) and is never retried; a run past the time
limit is stopped and reported as `error`/`timeout`. arq is given one try more than `max_tries`:
that last one only reports `error`/`internal` when the previous run died with its worker, so
the bot always hears back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Retry, Worker, async_check_health, func
from redis.exceptions import RedisError

from bot.config import Settings
from bot.jobs import pool
from bot.jobs.analysis import AnalysisResult
from bot.jobs.arq_wire import (
    DEFAULT_PREFIX,
    TASK_NAME,
    Keys,
    decode_job,
    dump_json,
    encode_result,
    error_result,
    load_json,
)
from bot.jobs.pool import Analysis, AnalysisPool

log = logging.getLogger(__name__)

DEFAULT_ANALYSIS = "bot.jobs.analysis:run_analysis"


@dataclass(frozen=True)
class WorkerOptions:
    """What a deployment rarely changes and tests do (names, injected analysis, timings)."""

    prefix: str = DEFAULT_PREFIX
    analysis: str = DEFAULT_ANALYSIS  # "module:function", run in the child process
    max_tries: int = 3
    timeout_s: float | None = None  # None: ANALYSIS_TIMEOUT_SECONDS
    margin_s: float = 15.0  # stop a run at timeout + margin; arq's job timeout is one more margin
    in_progress_grace_s: float = 10.0  # a dead worker's job runs again after job timeout + this
    retry_delay_s: float = 5.0  # times the number of the failed try
    health_check_interval_s: float = 10.0
    poll_delay_s: float = 0.5
    tmp_dir: Path | None = None  # None: a fresh directory in the system's temp dir

    def analysis_timeout(self, settings: Settings) -> float:
        return self.timeout_s if self.timeout_s is not None else settings.analysis_timeout_seconds

    def job_timeout(self, settings: Settings) -> float:
        return self.analysis_timeout(settings) + 2 * self.margin_s


def load_analysis(dotted: str) -> Analysis:
    module, _, name = dotted.partition(":")
    analysis: Analysis = getattr(importlib.import_module(module), name)
    return analysis


PRELOAD = (*pool.PRELOAD, "bot.worker")
"""The forkserver's preload list: the engine and the jobs' modules, and this one (run as
`python -m bot.worker`, a child runs it again on start)."""


@dataclass
class Runtime:
    """What the task needs, kept in arq's ctx."""

    keys: Keys
    analysis: Analysis
    max_tries: int
    run_timeout_s: float
    retry_delay_s: float
    result_ttl_ms: int
    pool: AnalysisPool
    tmp_dir: Path
    own_tmp_dir: bool
    warm_up: bool


async def analyse(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """The arq task: one analysis job, its result published to the results stream."""
    try:
        return await _analyse(ctx, payload)
    except (RedisError, OSError) as exc:  # Redis or the disk failed us: run it again later
        log.warning("analysis %s could not finish (%r); it will be retried", ctx["job_id"], exc)
        raise Retry(defer=ctx["runtime"].retry_delay_s * ctx["job_try"]) from exc


async def _analyse(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    runtime: Runtime = ctx["runtime"]
    redis: ArqRedis = ctx["redis"]
    job_id: str = ctx["job_id"]
    job_try: int = ctx["job_try"]
    keys = runtime.keys
    if await redis.exists(keys.done(job_id)):
        log.info("analysis %s was already published", job_id)
        return "done"
    token = uuid.uuid4().hex
    suffix = ".jpg" if payload.get("kind") == "photo" else ".mp4"
    path = runtime.tmp_dir / f"{token}{suffix}"
    reference_path = runtime.tmp_dir / f"{token}_reference.jpg"
    job = decode_job(
        payload,
        path=str(path),
        reference_path=str(reference_path) if payload.get("has_reference") else None,
    )
    if job_try > runtime.max_tries:  # the last run died with its worker
        log.error("analysis %s: the last of %d runs was lost", job_id, runtime.max_tries)
        return await _publish(redis, keys, job_id, error_result(job, "internal"), runtime)
    media = await redis.get(keys.media(job_id))
    reference = await redis.get(keys.reference(job_id)) if job.reference_path else None
    if media is None or (job.reference_path and reference is None):
        log.warning("analysis %s: the media expired before a worker took the job", job_id)
        return await _publish(redis, keys, job_id, error_result(job, "media_expired"), runtime)
    try:
        await asyncio.to_thread(path.write_bytes, media)
        if reference is not None:
            await asyncio.to_thread(reference_path.write_bytes, reference)
        result = await runtime.pool.run(runtime.analysis, job, runtime.run_timeout_s)
    except TimeoutError:
        log.warning("analysis %s took longer than %.0f s: stopped", job_id, runtime.run_timeout_s)
        result = error_result(job, "timeout")
    except Exception as exc:
        if job_try >= runtime.max_tries:
            log.exception("analysis %s failed on its last try", job_id)
            result = error_result(job, "internal")
        else:
            log.warning("analysis %s failed (%r); it will be retried", job_id, exc)
            raise Retry(defer=runtime.retry_delay_s * job_try) from exc
    finally:
        path.unlink(missing_ok=True)
        reference_path.unlink(missing_ok=True)
    return await _publish(redis, keys, job_id, result, runtime)


async def _publish(
    redis: ArqRedis, keys: Keys, job_id: str, result: AnalysisResult, runtime: Runtime
) -> str:
    """The result into the stream, and the bytes out of Redis, in one transaction."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.results, {"job_id": job_id, "result": encode_result(result)})
        pipe.delete(keys.media(job_id), keys.reference(job_id))
        pipe.set(keys.done(job_id), b"1", px=runtime.result_ttl_ms)
        await pipe.execute()
    return result.verdict


async def _startup(ctx: dict[str, Any]) -> None:
    runtime: Runtime = ctx["runtime"]
    runtime.tmp_dir.mkdir(parents=True, exist_ok=True)
    await runtime.pool.start(warm=runtime.warm_up)


async def _after_job(ctx: dict[str, Any]) -> None:
    """A child stopped for a timeout or a crash is replaced before the next job is taken."""
    runtime: Runtime = ctx["runtime"]
    await runtime.pool.start(warm=runtime.warm_up)


async def _shutdown(ctx: dict[str, Any]) -> None:
    runtime: Runtime = ctx["runtime"]
    runtime.pool.close(kill=True)
    if runtime.own_tmp_dir:
        shutil.rmtree(runtime.tmp_dir, ignore_errors=True)


def worker_settings(settings: Settings, options: WorkerOptions | None = None) -> dict[str, Any]:
    """arq's WorkerSettings for this deployment (arq takes a dict as well as a class)."""
    options = options or WorkerOptions()
    if not settings.redis_url:
        raise ValueError("the analysis worker needs REDIS_URL")
    keys = Keys(options.prefix)
    tmp_dir = options.tmp_dir or Path(tempfile.mkdtemp(prefix="ssc-analysis-"))
    runtime = Runtime(
        keys=keys,
        analysis=load_analysis(options.analysis),
        max_tries=options.max_tries,
        run_timeout_s=options.analysis_timeout(settings) + options.margin_s,
        retry_delay_s=options.retry_delay_s,
        result_ttl_ms=24 * 3600 * 1000,
        pool=AnalysisPool(preload=PRELOAD if options.analysis == DEFAULT_ANALYSIS else ()),
        tmp_dir=tmp_dir,
        own_tmp_dir=options.tmp_dir is None,
        warm_up=options.analysis == DEFAULT_ANALYSIS,
    )
    return {
        "functions": [func(analyse, name=TASK_NAME)],
        "queue_name": keys.queue,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "job_timeout": options.job_timeout(settings),
        "max_tries": options.max_tries + 1,  # the extra try only reports a lost last run
        "max_jobs": 1,  # CPU-bound: one analysis per worker process
        "keep_result": 0,  # results travel by the stream; a finished job can be sent again
        "health_check_interval": options.health_check_interval_s,
        "poll_delay": options.poll_delay_s,
        "job_serializer": dump_json,
        "job_deserializer": load_json,
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "after_job_end": _after_job,  # arq takes no other job before it returns (max_jobs=1)
        "ctx": {"runtime": runtime},
    }


def run_worker(settings: Settings, options: WorkerOptions | None = None) -> None:
    """Runs an arq worker until SIGINT/SIGTERM (a job in progress is then queued again).

    Losing Redis (a restart, a failover) does not end the worker: it starts again, with a
    growing pause, once Redis answers; its job in progress is re-run by arq."""
    options = options or WorkerOptions()
    pause = 1.0
    while True:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            worker = Worker(**worker_settings(settings, options))
            # arq re-runs the job of a dead worker after job_timeout + 10 s; let deployments choose
            worker.in_progress_timeout_s = (
                options.job_timeout(settings) + options.in_progress_grace_s
            )
            worker.run()
            return
        except (RedisError, OSError) as exc:
            log.warning("worker lost Redis (%r): starting again in %.0f s", exc, pause)
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        time.sleep(pause)
        pause = min(pause * 2, 30.0)


def check_health(settings: Settings, options: WorkerOptions | None = None) -> int:
    """0 when a worker of this queue recorded its health recently, else 1."""
    assert settings.redis_url
    keys = Keys((options or WorkerOptions()).prefix)
    return asyncio.run(
        async_check_health(
            RedisSettings.from_dsn(settings.redis_url), keys.health_check, keys.queue
        )
    )


def _parser() -> argparse.ArgumentParser:
    defaults = WorkerOptions()
    parser = argparse.ArgumentParser(
        prog="python -m bot worker", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--prefix", default=defaults.prefix, help="Redis key prefix of the queue")
    parser.add_argument("--analysis", default=defaults.analysis, help="module:function to run")
    parser.add_argument("--max-tries", type=int, default=defaults.max_tries)
    parser.add_argument("--timeout", type=float, default=None, help="default: ANALYSIS_TIMEOUT")
    parser.add_argument("--margin", type=float, default=defaults.margin_s)
    parser.add_argument("--grace", type=float, default=defaults.in_progress_grace_s)
    parser.add_argument("--retry-delay", type=float, default=defaults.retry_delay_s)
    parser.add_argument("--health-interval", type=float, default=defaults.health_check_interval_s)
    parser.add_argument("--poll-delay", type=float, default=defaults.poll_delay_s)
    parser.add_argument("--tmp-dir", type=Path, default=None)
    parser.add_argument("--check", action="store_true", help="health check: exit 0 if alive")
    return parser


def main(settings: Settings, argv: list[str]) -> int:
    """`python -m bot worker [options]`."""
    args = _parser().parse_args(argv)
    if not settings.redis_url:
        print(
            "python -m bot worker needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0).",
            file=sys.stderr,
        )
        return 2
    options = WorkerOptions(
        prefix=args.prefix,
        analysis=args.analysis,
        max_tries=args.max_tries,
        timeout_s=args.timeout,
        margin_s=args.margin,
        in_progress_grace_s=args.grace,
        retry_delay_s=args.retry_delay,
        health_check_interval_s=args.health_interval,
        poll_delay_s=args.poll_delay,
        tmp_dir=args.tmp_dir,
    )
    if args.check:
        return check_health(settings, options)
    with contextlib.suppress(KeyboardInterrupt):
        run_worker(settings, options)
    return 0


if __name__ == "__main__":  # `python -m bot.worker`: the same, without importing the bot
    _settings = Settings()
    logging.basicConfig(
        level=_settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    raise SystemExit(main(_settings, sys.argv[1:]))
