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
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.exceptions import RedisError, ResponseError

from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.jobs.local import OnDone

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "ssc:analysis"
TASK_NAME = "analyse"
RESULTS_GROUP = "bot"
# job fields that travel with the job; paths are the bot's own and stay behind
_PATH_FIELDS = frozenset({"path", "reference_path", "delete_after"})


@dataclass(frozen=True)
class Keys:
    """The Redis names of one analysis queue."""

    prefix: str = DEFAULT_PREFIX

    @property
    def queue(self) -> str:
        return f"{self.prefix}:queue"

    @property
    def results(self) -> str:
        return f"{self.prefix}:results"

    @property
    def health_check(self) -> str:
        return f"{self.queue}:health-check"  # arq's default for this queue

    def media(self, job_id: str) -> str:
        return f"{self.prefix}:media:{job_id}"

    def reference(self, job_id: str) -> str:
        return f"{self.prefix}:reference:{job_id}"

    def done(self, job_id: str) -> str:
        return f"{self.prefix}:done:{job_id}"


# --- wire formats: JSON only (nothing from Redis is ever unpickled) ----------------------------


def dump_json(value: Any) -> bytes:
    """arq's job serializer: JSON, with anything unexpected (an exception) as its repr."""
    return json.dumps(value, default=repr, separators=(",", ":")).encode()


def load_json(raw: bytes) -> Any:
    return json.loads(raw)


def encode_job(job: AnalysisJob, *, has_reference: bool) -> dict[str, Any]:
    payload = {
        f.name: getattr(job, f.name)
        for f in dataclasses.fields(AnalysisJob)
        if f.name not in _PATH_FIELDS
    }
    payload["challenge"] = list(job.challenge)
    payload["has_reference"] = has_reference
    return payload


def decode_job(payload: Mapping[str, Any], *, path: str, reference_path: str | None) -> AnalysisJob:
    """The job from its JSON form; unknown or missing fields raise `ValueError`."""
    known = {f.name for f in dataclasses.fields(AnalysisJob)} - _PATH_FIELDS
    extra = set(payload) - known - {"has_reference"}
    if extra:
        raise ValueError(f"unknown job fields: {sorted(extra)}")
    values = {name: payload[name] for name in known if name in payload}
    values["challenge"] = tuple(str(a) for a in values.get("challenge", ()))
    try:
        return AnalysisJob(**values, path=path, reference_path=reference_path, delete_after=True)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


def job_id_for(job: AnalysisJob, media: bytes, reference: bytes | None = None) -> str:
    """`analysis:<application id>:<digest of the bytes and the job's parameters>`."""
    digest = hashlib.sha256()
    digest.update(dump_json(encode_job(job, has_reference=reference is not None)))
    digest.update(hashlib.sha256(media).digest())
    if reference is not None:
        digest.update(hashlib.sha256(reference).digest())
    return f"analysis:{job.application_id}:{digest.hexdigest()[:32]}"


def _plain(value: object) -> object:
    """JSON fallback for numpy scalars and arrays in the scores."""
    for method in ("item", "tolist"):
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    return str(value)


def encode_result(result: AnalysisResult) -> bytes:
    data = {
        "application_id": result.application_id,
        "practice": result.practice,
        "kind": result.kind,
        "verdict": result.verdict,
        "live": result.live,
        "reasons": list(result.reasons),
        "scores": result.scores,
        "key_frames": [
            [label, base64.b64encode(jpeg).decode("ascii")] for label, jpeg in result.key_frames
        ],
        "error_code": result.error_code,
    }
    return json.dumps(data, default=_plain, separators=(",", ":")).encode()


def decode_result(raw: bytes) -> AnalysisResult:
    """The result from its JSON form; anything malformed raises `ValueError`."""
    try:
        data = json.loads(raw)
        return AnalysisResult(
            application_id=int(data["application_id"]),
            practice=bool(data["practice"]),
            kind=str(data["kind"]),
            verdict=str(data["verdict"]),
            live=bool(data["live"]),
            reasons=tuple(str(r) for r in data["reasons"]),
            scores=dict(data["scores"]),
            key_frames=tuple(
                (str(label), base64.b64decode(jpeg, validate=True))
                for label, jpeg in data["key_frames"]
            ),
            error_code=None if data["error_code"] is None else str(data["error_code"]),
        )
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError(f"malformed analysis result: {exc!r}") from exc


def error_result(job: AnalysisJob, code: str) -> AnalysisResult:
    return AnalysisResult(job.application_id, job.practice, job.kind, "error", error_code=code)


async def connect(redis_url: str, keys: Keys) -> ArqRedis:
    return await create_pool(
        RedisSettings.from_dsn(redis_url),
        job_serializer=dump_json,
        job_deserializer=load_json,
        default_queue_name=keys.queue,
    )


# --- the queue ---------------------------------------------------------------------------------


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
        self._claim_idle_ms = int(claim_idle_s * 1000)
        self._claim_every_s = max(0.1, claim_idle_s / 2)
        self._block_ms = max(1, int(block_s * 1000))
        self._batch = batch
        self._max_deliveries = max_deliveries
        self._redis: ArqRedis | None = None
        self._on_done: OnDone | None = None
        self._consumer_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._reading = False
        self._in_flight: set[str] = set()
        self._settled = asyncio.Event()

    async def start(self, on_done: OnDone | None = None) -> None:
        """Connects, creates the results group, and starts reading results for `on_done`
        (also those left by a previous or a dead bot process)."""
        if on_done is not None:
            self._on_done = on_done
        await self._connection()
        await self._ensure_group()
        if self._on_done is not None and self._consumer_task is None:
            self._stopping = False
            self._consumer_task = asyncio.create_task(
                self._consume(), name=f"analysis-results-{self.consumer}"
            )

    async def submit(self, job: AnalysisJob, on_done: OnDone) -> None:
        if self._on_done is None:
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
        self._in_flight.add(job_id)
        self._settled.clear()
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
        async with asyncio.timeout(timeout_s):
            while self._in_flight:
                await self._settled.wait()
                self._settled.clear()

    async def close(self) -> None:
        """Stops reading results; jobs in flight finish on the workers and their results wait
        in the stream for the next bot process."""
        self._stopping = True
        task, self._consumer_task = self._consumer_task, None
        if task is not None:
            if self._reading:
                task.cancel()  # only blocked on XREADGROUP: nothing half-delivered
            _done, pending = await asyncio.wait({task}, timeout=self._block_ms / 1000 + 10)
            if pending:
                task.cancel()  # the entry in delivery stays pending for another consumer
            with contextlib.suppress(asyncio.CancelledError):
                await task
        redis, self._redis = self._redis, None
        if redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._forget_consumer(redis)
            await redis.aclose()

    # --- results ---------------------------------------------------------------------------

    async def _connection(self) -> ArqRedis:
        if self._redis is None:
            self._redis = await connect(self._redis_url, self.keys)
        return self._redis

    async def _ensure_group(self) -> None:
        redis = await self._connection()
        try:
            # id 0: results published before any bot process created the group count too
            await redis.xgroup_create(self.keys.results, RESULTS_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        next_claim = 0.0
        while not self._stopping:
            try:
                if loop.time() >= next_claim:
                    next_claim = loop.time() + self._claim_every_s
                    await self._claim()
                if self._stopping:
                    break
                self._reading = True
                try:
                    entries = await (await self._connection()).xreadgroup(
                        RESULTS_GROUP,
                        self.consumer,
                        {self.keys.results: ">"},
                        count=self._batch,
                        block=self._block_ms,
                    )
                finally:
                    self._reading = False
                for _stream, messages in entries or ():
                    for message_id, fields in messages:
                        if self._stopping:
                            break  # left pending: claimed by another consumer
                        await self._deliver(message_id, fields)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    log.exception("reading analysis results failed")
                    await asyncio.sleep(1.0)
                    continue
                await self._ensure_group()  # the stream was deleted under us
            except (RedisError, OSError) as exc:
                log.warning("reading analysis results failed (%r); retrying", exc)
                await asyncio.sleep(1.0)
            except Exception:  # the reader must outlive any single bad entry
                log.exception("reading analysis results failed")
                await asyncio.sleep(1.0)

    async def _claim(self) -> None:
        """Takes over results left unacknowledged too long (a dead or failing consumer)."""
        redis = await self._connection()
        start: bytes | str = "0-0"
        for _ in range(100):  # bounded: at most 100 batches per round
            reply = await redis.xautoclaim(
                self.keys.results,
                RESULTS_GROUP,
                self.consumer,
                min_idle_time=self._claim_idle_ms,
                start_id=start,
                count=self._batch,
            )
            start, messages = reply[0], reply[1]
            for message_id, fields in messages:
                if self._stopping:
                    return
                if fields is None:
                    continue
                if await self._deliveries(message_id) > self._max_deliveries:
                    log.error(
                        "dropping analysis result %s after %d failed deliveries",
                        message_id,
                        self._max_deliveries,
                    )
                    await self._ack(message_id)
                    continue
                log.info("claimed analysis result %s from a stalled consumer", message_id)
                await self._deliver(message_id, fields)
            if start in (b"0-0", "0-0"):
                return

    async def _deliveries(self, message_id: bytes) -> int:
        pending = await (await self._connection()).xpending_range(
            self.keys.results, RESULTS_GROUP, min=message_id, max=message_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 0

    async def _deliver(self, message_id: bytes, fields: Mapping[bytes, bytes]) -> None:
        job_id = fields.get(b"job_id", b"").decode(errors="replace")
        try:
            result = decode_result(fields[b"result"])
        except (KeyError, ValueError) as exc:
            log.error("dropping unreadable analysis result %s: %s", message_id, exc)
            await self._ack(message_id)
            return
        assert self._on_done is not None
        try:
            await self._on_done(result)
        except Exception:
            log.exception(
                "delivering the analysis of application %s failed; retried after %.0f s",
                result.application_id,
                self._claim_idle_ms / 1000,
            )
            return
        await self._ack(message_id)
        self._in_flight.discard(job_id)
        self._settled.set()

    async def _ack(self, message_id: bytes) -> None:
        async with (await self._connection()).pipeline(transaction=True) as pipe:
            pipe.xack(self.keys.results, RESULTS_GROUP, message_id)
            pipe.xdel(self.keys.results, message_id)
            await pipe.execute()

    async def _forget_consumer(self, redis: ArqRedis) -> None:
        """Removes this consumer from the group when it holds nothing (deleting one that
        holds pending entries would lose them)."""
        mine = await redis.xpending_range(
            self.keys.results, RESULTS_GROUP, min="-", max="+", count=1, consumername=self.consumer
        )
        if not mine:
            await redis.xgroup_delconsumer(self.keys.results, RESULTS_GROUP, self.consumer)
