"""Statistics of a period: applications by state, the approval rate, the median time to a
decision, the most frequent failure reasons, and the open queues."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain.applications import was_sent
from bot.services.erasure import erased_figures
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    Review,
    ReviewStatus,
    Ticket,
    TicketStatus,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Period(StrEnum):
    TODAY = "today"
    WEEK = "7d"
    MONTH = "30d"

    def since(self, now: datetime) -> datetime:
        if self is Period.TODAY:
            return now.replace(hour=0, minute=0, second=0, microsecond=0)
        return now - timedelta(days=7 if self is Period.WEEK else 30)


@dataclass(frozen=True)
class Stats:
    period: Period
    since: datetime
    by_state: dict[ApplicationState, int]
    """Applications created in the period, by their current state (every state listed); one
    the citizen sent nothing for is not counted (`bot.domain.applications`)."""
    approved: int
    rejected: int
    """Applications decided (approved or rejected) in the period."""
    median_decision_seconds: float | None
    """Median time from the first `checking` event to the final state, decided in the period."""
    reasons: list[tuple[str, int]]
    """Engine reasons of the period's applications, most frequent first."""
    open_tickets: int
    pending_reviews: int

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.decided if self.decided else None


async def collect_stats(period: Period, *, now: datetime | None = None) -> Stats:
    now = now or utcnow()
    since = period.since(now)
    created = await Application.filter(created_at__gte=since).values_list("id", "state", "reasons")
    checked = set(
        await ApplicationEvent.filter(
            state=ApplicationState.CHECKING, application__created_at__gte=since
        ).values_list("application_id", flat=True)
    )
    by_state = dict.fromkeys(ApplicationState, 0)
    reasons: Counter[str] = Counter()
    for app_id, state, app_reasons in created:
        if not was_sent(ApplicationState(state), app_id in checked):
            continue  # opened by the consent, nothing sent: not an application yet
        by_state[ApplicationState(state)] += 1
        if isinstance(app_reasons, list):
            reasons.update(str(r) for r in app_reasons)
    decided = await Application.filter(
        decided_at__gte=since,
        state__in=[ApplicationState.APPROVED, ApplicationState.REJECTED],
    ).values_list("id", "state")
    approved = sum(1 for _, state in decided if state == ApplicationState.APPROVED)
    durations = await _decision_durations([app_id for app_id, _ in decided])
    erased = await erased_figures(since)  # applications of citizens who deleted their data
    for state, count in erased.by_state.items():
        by_state[state] += count
    reasons.update(erased.reasons)
    durations += erased.decision_seconds
    return Stats(
        period=period,
        since=since,
        by_state=by_state,
        approved=approved + erased.approved,
        rejected=len(decided) - approved + erased.rejected,
        median_decision_seconds=statistics.median(durations) if durations else None,
        reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        open_tickets=await Ticket.filter(status=TicketStatus.OPEN).count(),
        pending_reviews=await Review.filter(
            status__in=[ReviewStatus.OPEN, ReviewStatus.CLAIMED]
        ).count(),
    )


async def _decision_durations(application_ids: Sequence[int]) -> list[float]:
    if not application_ids:
        return []
    first_check: dict[int, datetime] = {}
    final: dict[int, datetime] = {}
    events = await ApplicationEvent.filter(application_id__in=list(application_ids)).values_list(
        "application_id", "state", "at"
    )
    for app_id, state, at in sorted(events, key=lambda e: e[2]):
        if state == ApplicationState.CHECKING:
            first_check.setdefault(app_id, at)
        elif ApplicationState(state).is_final:
            final[app_id] = at
    return [
        (final[app_id] - first_check[app_id]).total_seconds()
        for app_id in application_ids
        if app_id in first_check and app_id in final and final[app_id] >= first_check[app_id]
    ]


def format_duration(seconds: float) -> str:
    """`1:05:20` (h:mm:ss) or `4:07` (m:ss): the same in every language."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
