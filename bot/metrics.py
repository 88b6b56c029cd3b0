"""Prometheus metrics of one bot process, in its own registry (served at `GET /metrics`).

Nothing is registered globally: each `build_app` makes its own `Metrics`, so several apps in
one process (the tests) never collide. With several bot processes, Prometheus scrapes each
one; sum over processes for the totals (the queue depth too: a result may be recorded by
another process than the one that submitted the job, with arq workers).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

if TYPE_CHECKING:
    from bot.jobs.analysis import AnalysisResult

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_HANDLER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_ANALYSIS_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
_MAX_TRACKED_JOBS = 10_000


class Metrics:
    """The counters, gauges and histograms of the bot, and small helpers to feed them."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "ssc_updates", "Telegram updates received, by type.", ["type"], registry=r
        )
        self.duplicate_updates = Counter(
            "ssc_duplicate_updates", "Updates dropped because they were seen before.", registry=r
        )
        self.handler_seconds = Histogram(
            "ssc_handler_seconds",
            "Time to handle one update, by type.",
            ["type"],
            buckets=_HANDLER_BUCKETS,
            registry=r,
        )
        self.analysis_seconds = Histogram(
            "ssc_analysis_seconds",
            "From submitting a video or photo to its recorded result (jobs submitted here).",
            ["kind", "verdict"],
            buckets=_ANALYSIS_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "ssc_analysis_queue_depth",
            "Analysis jobs submitted and not finished yet (sum over processes).",
            registry=r,
        )
        self.decisions = Counter(
            "ssc_decisions",
            "Decided attempts, by who decided (engine, agent) and outcome.",
            ["source", "outcome"],
            registry=r,
        )
        self.errors = Counter(
            "ssc_errors", "Updates whose handling failed, by exception type.", ["type"], registry=r
        )
        self._submitted: OrderedDict[int, float] = OrderedDict()

    # --- analysis ------------------------------------------------------------------------------

    def analysis_submitted(self, application_id: int) -> None:
        self.queue_depth.inc()
        self._submitted[application_id] = time.monotonic()
        self._submitted.move_to_end(application_id)
        while len(self._submitted) > _MAX_TRACKED_JOBS:
            self._submitted.popitem(last=False)

    def analysis_finished(self, result: AnalysisResult) -> None:
        """A result arrived; its latency is known when this process submitted the job."""
        self.queue_depth.dec()
        started = self._submitted.pop(result.application_id, None)
        if started is not None:
            self.analysis_seconds.labels(result.kind, result.verdict).observe(
                time.monotonic() - started
            )

    # --- decisions and errors ------------------------------------------------------------------

    def decided(self, source: str, outcome: str, *, practice: bool = False) -> None:
        """An attempt decided (`approved`, `in_review`, `retry`, `locked`, `rejected`, `error`);
        practice runs decide nothing and are not counted."""
        if not practice:
            self.decisions.labels(source, outcome).inc()

    def error(self, exception: BaseException) -> None:
        self.errors.labels(type(exception).__name__).inc()

    # --- exposition ----------------------------------------------------------------------------

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric of this registry."""
        return generate_latest(self.registry)


def count_error(metrics: Metrics | None, exception: BaseException) -> None:
    """`metrics.error(exception)` when there are metrics (the error handler may run without)."""
    if metrics is not None:
        metrics.error(exception)
