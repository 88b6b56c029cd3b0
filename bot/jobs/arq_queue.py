"""The production job queue: analysis jobs on arq workers over Redis.

Same interface as `LocalJobQueue`, but the work happens in `python -m bot worker` processes on
any machine that reaches Redis, and the results come back through a Redis Stream.

Redis keys (`prefix` is `ssc:analysis` unless given; one prefix, one independent queue):

- `{prefix}:queue`: arq's queue (a sorted set of job ids); arq keeps its own `arq:job:<id>`,
  `arq:in-progress:<id>` and `arq:retry:<id>` next to it.
- `{prefix}:media:<job id>` (and `{prefix}:reference:<job id>`): the bytes to analyse, with a
  TTL, so workers need no shared disk; the bot deletes its local copy once they are stored.
- `{prefix}:done:<job id>`: set by the worker together with the result, so that a job re-run
  after its worker died between publishing and arq's bookkeeping publishes nothing twice.
- `{prefix}:results`: the results stream, read by the consumer group `bot` (one consumer per
  bot process); an entry is acknowledged and deleted only after `on_done` returned.

Idempotency: the arq job id is `analysis:<application id>:<digest>`, the digest covering the
media bytes and the job's parameters, so the same submission is never queued twice while it
is queued or running (arq refuses a second job with that id). Workers keep no arq result
(`keep_result=0`), so sending the same bytes again after the first analysis finished is
analysed again, as a new attempt must be.

Failure behaviour:

- a worker killed mid-job: arq runs the job again once its in-progress key expires (the job
  timeout plus a grace); the bytes are still in Redis, deleted only with the result;
- an unexpected error in the analysis is retried (3 runs in all); a `VisionError` is a normal
  `error` verdict and is not retried; a run past the time limit ends as `error`/`timeout`;
  whatever happens, the bot receives one result per job (`error`/`internal` at worst);
- a bot process killed after reading a result and before acknowledging it: the entry stays
  pending and another consumer claims it (`XAUTOCLAIM`) after `claim_idle_s`. A result may
  therefore be delivered twice; `VerificationService.finish` ignores a result whose application
  is no longer CHECKING, which makes that harmless. `claim_idle_s` must exceed the longest
  `on_done` call, or a slow delivery can be claimed and run again concurrently;
- `on_done` raising: the entry is left pending and delivered again after `claim_idle_s`, at
  most `max_deliveries` times, then dropped with an error log;
- Redis unreachable at submit: `on_done` receives `error`/`queue_unavailable` at once.

The key names and the JSON forms are in `bot.jobs.arq_wire`, the reading of the results
stream in `bot.jobs.arq_results`, the workers in `bot.worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from pathlib import Path

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from bot.jobs.analysis import AnalysisJob
from bot.jobs.arq_results import ResultsReader
from bot.jobs.arq_wire import (
    DEFAULT_PREFIX,
    TASK_NAME,
    Keys,
    connect,
    encode_job,
    error_result,
    job_id_for,
)
from bot.jobs.local import OnDone

log = logging.getLogger(__name__)


class ArqJobQueue:
    """Submits analysis jobs to arq workers and hands their results to `on_done`."""

    def __init__(
        self,
        redis_url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        consumer: str | None = None,
        media_ttl_s: float = 3600.0,
        submit_retry_s: float = 20.0,
        claim_idle_s: float = 60.0,
        block_s: float = 2.0,
        batch: int = 10,
        max_deliveries: int = 5,
    ) -> None:
        self.keys = Keys(prefix)
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._redis_url = redis_url
        self._media_ttl_ms = int(media_ttl_s * 1000)
        self.submit_retry_s = submit_retry_s
        self._redis: ArqRedis | None = None
        self._results = ResultsReader(
            self.keys,
            self.consumer,
            self._connection,
            claim_idle_s=claim_idle_s,
            block_s=block_s,
            batch=batch,
            max_deliveries=max_deliveries,
        )

    async def start(self, on_done: OnDone | None = None) -> None:
        """Connects, creates the results group, and starts reading results for `on_done`
        (also those left by a previous or a dead bot process)."""
        if on_done is not None:
            self._results.on_done = on_done
        await self._connection()
        await self._results.ensure_group()
        self._results.start()

    async def submit(self, job: AnalysisJob, on_done: OnDone) -> None:
        if self._results.on_done is None:
            await self.start(on_done)
        media = await asyncio.to_thread(Path(job.path).read_bytes)
        reference = (
            await asyncio.to_thread(Path(job.reference_path).read_bytes)
            if job.reference_path
            else None
        )
        job_id = job_id_for(job, media, reference)
        try:
            queued = await self._enqueue(job, job_id, media, reference)
        except (RedisError, OSError) as exc:
            log.error("could not queue the analysis of application %s: %r", job.application_id, exc)
            await on_done(error_result(job, "queue_unavailable"))
            return
        finally:
            if job.delete_after:
                # the bytes live in Redis now (or the attempt failed): no raw media on disk,
                # nor the decrypted reference made for this job
                await asyncio.to_thread(Path(job.path).unlink, missing_ok=True)
                if job.reference_path:
                    await asyncio.to_thread(Path(job.reference_path).unlink, missing_ok=True)
        self._results.expect(job_id)
        if queued is None:
            log.info("analysis %s is already queued or running: not queued twice", job_id)

    async def _enqueue(
        self, job: AnalysisJob, job_id: str, media: bytes, reference: bytes | None
    ) -> object:
        """Stores the bytes and queues the job, trying again for `submit_retry_s` while Redis
        is unreachable (a restart takes a few seconds) before giving up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.submit_retry_s
        delay = 0.5
        while True:
            try:
                redis = await self._connection()
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.set(self.keys.media(job_id), media, px=self._media_ttl_ms)
                    if reference is not None:
                        pipe.set(self.keys.reference(job_id), reference, px=self._media_ttl_ms)
                    pipe.delete(self.keys.done(job_id))
                    await pipe.execute()
                return await redis.enqueue_job(
                    TASK_NAME,
                    encode_job(job, has_reference=reference is not None),
                    _job_id=job_id,
                    _queue_name=self.keys.queue,
                )
            except (RedisError, OSError) as exc:
                if loop.time() + delay > deadline:
                    raise
                log.warning("queueing application %s: %r; trying again", job.application_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 4.0)

    async def drain(self, timeout_s: float | None = None) -> None:
        """Waits until every job submitted here had its result delivered (by this process).
        Raises `TimeoutError` after `timeout_s`."""
        await self._results.drain(timeout_s)

    async def close(self) -> None:
        """Stops reading results; jobs in flight finish on the workers and their results wait
        in the stream for the next bot process."""
        await self._results.stop()
        redis, self._redis = self._redis, None
        if redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._results.forget_consumer(redis)
            await redis.aclose()

    async def _connection(self) -> ArqRedis:
        if self._redis is None:
            self._redis = await connect(self._redis_url, self.keys)
        return self._redis
