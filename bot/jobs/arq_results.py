"""The bot's side of the results stream: reads the workers' results through a consumer group,
hands each to `on_done`, and acknowledges it only after `on_done` returned.

Entries left unacknowledged by a dead or failing consumer are claimed (`XAUTOCLAIM`) after
`claim_idle_s` and delivered again, at most `max_deliveries` times; the failure behaviour as a
whole is described in `bot.jobs.arq_queue`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from arq.connections import ArqRedis
from redis.exceptions import RedisError, ResponseError

from bot.jobs.arq_wire import RESULTS_GROUP, Keys, decode_result
from bot.jobs.local import OnDone

log = logging.getLogger(__name__)

Connection = Callable[[], Awaitable[ArqRedis]]


class ResultsReader:
    """One consumer of the results stream, and the jobs this bot process still waits for."""

    def __init__(
        self,
        keys: Keys,
        consumer: str,
        connection: Connection,
        *,
        claim_idle_s: float,
        block_s: float,
        batch: int,
        max_deliveries: int,
    ) -> None:
        self.keys = keys
        self.consumer = consumer
        self._connection = connection
        self._claim_idle_ms = int(claim_idle_s * 1000)
        self._claim_every_s = max(0.1, claim_idle_s / 2)
        self._block_ms = max(1, int(block_s * 1000))
        self._batch = batch
        self._max_deliveries = max_deliveries
        self.on_done: OnDone | None = None
        """Where results go; reading starts once it is set."""
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._reading = False
        self._in_flight: set[str] = set()
        self._settled = asyncio.Event()

    async def ensure_group(self) -> None:
        redis = await self._connection()
        try:
            # id 0: results published before any bot process created the group count too
            await redis.xgroup_create(self.keys.results, RESULTS_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def start(self) -> None:
        """Starts reading for `on_done`, unless already reading or `on_done` is not set yet."""
        if self.on_done is not None and self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(
                self._consume(), name=f"analysis-results-{self.consumer}"
            )

    def expect(self, job_id: str) -> None:
        """Counts `job_id` as submitted here, so that `drain` waits for its result."""
        self._in_flight.add(job_id)
        self._settled.clear()

    async def drain(self, timeout_s: float | None = None) -> None:
        """Waits until every job expected here had its result delivered (by this process).
        Raises `TimeoutError` after `timeout_s`."""
        async with asyncio.timeout(timeout_s):
            while self._in_flight:
                await self._settled.wait()
                self._settled.clear()

    async def stop(self) -> None:
        """Stops reading; an entry being delivered is finished first when it can be."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            if self._reading:
                task.cancel()  # only blocked on XREADGROUP: nothing half-delivered
            _done, pending = await asyncio.wait({task}, timeout=self._block_ms / 1000 + 10)
            if pending:
                task.cancel()  # the entry in delivery stays pending for another consumer
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def forget_consumer(self, redis: ArqRedis) -> None:
        """Removes this consumer from the group when it holds nothing (deleting one that
        holds pending entries would lose them)."""
        mine = await redis.xpending_range(
            self.keys.results, RESULTS_GROUP, min="-", max="+", count=1, consumername=self.consumer
        )
        if not mine:
            await redis.xgroup_delconsumer(self.keys.results, RESULTS_GROUP, self.consumer)

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
                await self.ensure_group()  # the stream was deleted under us
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
        assert self.on_done is not None
        try:
            await self.on_done(result)
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
