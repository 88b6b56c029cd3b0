"""Admin duties: statistics (text figures and a PNG chart), the CSV export, data retention,
the decision thresholds, bans and the broadcast delivery loop.

Nothing here knows Telegram types: the broadcast loop takes an async `send(chat_id)` and reads
the Messenger port's errors to tell "wait and retry", "blocked" and "failed" apart.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import math
import shutil
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError

from bot.config import Settings
from bot.flows.ports import MessengerError, RateLimited, RecipientUnavailable
from bot.services.audit import Audit
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    AuditLog,
    Ban,
    Citizen,
    KeyValue,
    Review,
    ReviewStatus,
    Ticket,
    TicketStatus,
)

log = logging.getLogger(__name__)

THRESHOLDS_KEY = "thresholds"
BAN_NOTICE_KEY = "ban_notice:{user_id}"
BROADCAST_RATE_PER_SECOND = 25.0
"""Telegram allows about 30 messages per second overall: stay below it."""
MAX_AUDIT_LINES = 100
DEFAULT_AUDIT_LINES = 20


def utcnow() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------------- statistics


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
    """Applications created in the period, by their current state (every state listed)."""
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
    created = await Application.filter(created_at__gte=since).values_list("state", "reasons")
    by_state = dict.fromkeys(ApplicationState, 0)
    reasons: Counter[str] = Counter()
    for state, app_reasons in created:
        by_state[ApplicationState(state)] += 1
        if isinstance(app_reasons, list):
            reasons.update(str(r) for r in app_reasons)
    decided = await Application.filter(
        decided_at__gte=since,
        state__in=[ApplicationState.APPROVED, ApplicationState.REJECTED],
    ).values_list("id", "state")
    approved = sum(1 for _, state in decided if state == ApplicationState.APPROVED)
    durations = await _decision_durations([app_id for app_id, _ in decided])
    return Stats(
        period=period,
        since=since,
        by_state=by_state,
        approved=approved,
        rejected=len(decided) - approved,
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


@dataclass(frozen=True)
class ChartText:
    """Titles of the chart, in the admin's language."""

    title: str
    states: str
    reasons: str
    no_data: str


def render_chart(stats: Stats, text: ChartText, fallback: ChartText) -> bytes:
    """A PNG: applications by state, and the most frequent failure reasons.

    Blocking (matplotlib, Agg canvas, no pyplot state): call it with `asyncio.to_thread`.
    A title the installed fonts cannot draw (e.g. Chinese without a CJK font) is taken from
    `fallback` instead of being drawn as empty boxes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def pick(name: str) -> str:
        wanted: str = getattr(text, name)
        return wanted if _drawable(wanted) else getattr(fallback, name)

    figure = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    states_ax, reasons_ax = figure.subplots(2, 1)
    figure.suptitle(pick("title"))
    names = [state.value for state in stats.by_state]
    counts = [stats.by_state[state] for state in stats.by_state]
    colours = ["#9e9e9e", "#64b5f6", "#ffb74d", "#66bb6a", "#e57373", "#bdbdbd"]
    bars = states_ax.bar(names, counts, color=colours[: len(names)])
    states_ax.bar_label(bars)
    states_ax.set_title(pick("states"))
    states_ax.set_ylim(0, max([*counts, 1]) * 1.2)
    top = stats.reasons[:8]
    reasons_ax.set_title(pick("reasons"))
    if top:
        labels = [reason for reason, _ in reversed(top)]
        values = [count for _, count in reversed(top)]
        reason_bars = reasons_ax.barh(labels, values, color="#e57373")
        reasons_ax.bar_label(reason_bars)
        reasons_ax.set_xlim(0, max(values) * 1.2)
    else:
        reasons_ax.text(0.5, 0.5, pick("no_data"), ha="center", va="center")
        reasons_ax.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _drawable(text: str) -> bool:
    """Whether the default font has a glyph for every character of `text`."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(), fallback_to_default=True)
    charmap = FT2Font(path).get_charmap()
    return all(ord(char) in charmap for char in text if not char.isspace())


# ----------------------------------------------------------------------------------- export

EXPORT_COLUMNS = (
    "id",
    "member_id_masked",
    "relationship",
    "state",
    "created",
    "decided",
    "attempts",
    "reasons",
)


async def export_csv() -> tuple[bytes, int]:
    """Every application as CSV (masked ID numbers only, no names): (UTF-8 bytes, rows)."""
    rows = (
        await Application.all()
        .order_by("id")
        .values_list(
            "id",
            "member__id_masked",
            "member__relationship",
            "state",
            "created_at",
            "decided_at",
            "attempts",
            "reasons",
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for app_id, masked, relationship, state, created, decided, attempts, reasons in rows:
        writer.writerow(
            [
                app_id,
                masked,
                _plain(relationship),
                _plain(state),
                _iso(created),
                _iso(decided),
                attempts,
                ";".join(str(r) for r in reasons) if isinstance(reasons, list) else "",
            ]
        )
    return buffer.getvalue().encode("utf-8"), len(rows)


def _plain(value: object) -> str:
    return str(value.value) if isinstance(value, StrEnum) else str(value)


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else ""


# -------------------------------------------------------------------------------- retention


class ReferencePurger(Protocol):
    async def purge_older_than(self, days: int) -> int: ...


@dataclass(frozen=True)
class PurgeReport:
    key_frame_folders: int
    references: int


async def purge(
    media_dir: Path,
    references: ReferencePurger,
    retention_days: int,
    *,
    now: datetime | None = None,
) -> PurgeReport:
    """Deletes the key-frame folders (`media_dir/app_<id>`) of applications decided more than
    `retention_days` ago, and the reference photos older than that."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    folders = 0
    for app in await Application.filter(decided_at__lt=cutoff):
        folder = media_dir / f"app_{app.id}"
        if await asyncio.to_thread(folder.is_dir):
            await asyncio.to_thread(shutil.rmtree, folder, True)
            folders += 1
        if app.media_dir or app.reference_path:
            app.media_dir, app.reference_path = "", None
            await app.save(update_fields=["media_dir", "reference_path"])
    purged = await references.purge_older_than(retention_days)
    return PurgeReport(folders, purged)


# ------------------------------------------------------------------------------- thresholds


class ThresholdError(ValueError):
    """`code`: `format` (not two numbers), `range` (not in (0, 1)) or `order` (pass > review)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_thresholds(text: str) -> tuple[float, float]:
    """Two floats in (0, 1), pass first, pass <= review; `ThresholdError` otherwise."""
    parts = text.replace(",", " ").split()
    if len(parts) != 2:
        raise ThresholdError("format")
    try:
        passing, review = float(parts[0]), float(parts[1])
    except ValueError:
        raise ThresholdError("format") from None
    validate_thresholds(passing, review)
    return passing, review


def validate_thresholds(passing: float, review: float) -> None:
    for value in (passing, review):
        if not math.isfinite(value) or not 0.0 < value < 1.0:
            raise ThresholdError("range")
    if passing > review:
        raise ThresholdError("order")


async def stored_thresholds() -> tuple[float, float] | None:
    """The thresholds an admin set, or None (the settings apply)."""
    row = await KeyValue.get_or_none(key=THRESHOLDS_KEY)
    if row is None:
        return None
    passing, review = row.value.get("match_pass_distance"), row.value.get("match_review_distance")
    if not isinstance(passing, int | float) or not isinstance(review, int | float):
        return None
    try:
        validate_thresholds(float(passing), float(review))
    except ThresholdError:
        log.error("ignoring invalid stored thresholds")
        return None
    return float(passing), float(review)


async def current_thresholds(settings: Settings) -> tuple[float, float]:
    """(match_pass_distance, match_review_distance) in force: an admin's, else the settings'."""
    stored = await stored_thresholds()
    if stored is not None:
        return stored
    return settings.match_pass_distance, settings.match_review_distance


async def set_thresholds(passing: float, review: float) -> None:
    validate_thresholds(passing, review)
    value: dict[str, object] = {"match_pass_distance": passing, "match_review_distance": review}
    updated = await KeyValue.filter(key=THRESHOLDS_KEY).update(value=value)
    if not updated:
        try:
            await KeyValue.create(key=THRESHOLDS_KEY, value=value)
        except IntegrityError:  # another process set them at the same moment
            await KeyValue.filter(key=THRESHOLDS_KEY).update(value=value)


# ------------------------------------------------------------------------------------- bans


class BanService:
    """Banned Telegram users, and whether each was already told (once per ban)."""

    async def ban(self, user_id: int, *, by: int, reason: str = "") -> bool:
        """False when the user was already banned."""
        try:
            _, created = await Ban.get_or_create(
                telegram_user_id=user_id, defaults={"reason": reason[:255], "banned_by": by}
            )
        except IntegrityError:
            return False
        if created:
            await KeyValue.filter(key=BAN_NOTICE_KEY.format(user_id=user_id)).delete()
        return created

    async def unban(self, user_id: int) -> bool:
        removed = await Ban.filter(telegram_user_id=user_id).delete()
        await KeyValue.filter(key=BAN_NOTICE_KEY.format(user_id=user_id)).delete()
        return removed > 0

    async def is_banned(self, user_id: int) -> bool:
        return await Ban.exists(telegram_user_id=user_id)

    async def check(self, user_id: int, *, can_tell: bool = True) -> bool | None:
        """None: not banned. True: banned and not told yet (now marked as told). False: banned
        and already told, or `can_tell` is False (nothing is marked then)."""
        ban = await Ban.get_or_none(telegram_user_id=user_id)
        if ban is None:
            return None
        if not can_tell:
            return False
        key = BAN_NOTICE_KEY.format(user_id=user_id)
        try:
            notice, _ = await KeyValue.get_or_create(key=key, defaults={"value": {}})
        except IntegrityError:  # a concurrent update of the same user got there first
            return False
        if notice.value.get("ban") == ban.id:
            return False
        notice.value = {"ban": ban.id}
        await notice.save(update_fields=["value"])
        return True

    async def language(self, user_id: int) -> str | None:
        """The language the user chose in the bot, if they have an account."""
        citizen = await Citizen.get_or_none(telegram_user_id=user_id)
        return citizen.language if citizen is not None else None


# -------------------------------------------------------------------------------- broadcast


class Delivery(StrEnum):
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass
class BroadcastReport:
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    retries: int = 0
    outcomes: dict[int, Delivery] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.delivered + self.blocked + self.failed


async def broadcast_recipients(language: str | None) -> list[int]:
    """Telegram ids of the signed-up citizens (in `language`, if given), banned ones left out."""
    query = Citizen.filter(telegram_user_id__isnull=False)
    if language is not None:
        query = query.filter(language=language)
    ids: list[Any] = list(await query.order_by("id").values_list("telegram_user_id", flat=True))
    banned: set[Any] = set(await Ban.all().values_list("telegram_user_id", flat=True))
    return [int(i) for i in ids if i not in banned]


async def deliver_broadcast(
    chat_ids: Iterable[int],
    send: Callable[[int], Awaitable[object]],
    *,
    rate: float = BROADCAST_RATE_PER_SECOND,
    max_retries: int = 5,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BroadcastReport:
    """Sends to each chat once, at most `rate` messages a second; on a 429 waits the
    `retry_after` Telegram asks for and tries the same chat again (up to `max_retries`)."""
    report = BroadcastReport()
    interval = 1.0 / rate
    next_slot = clock()
    for chat_id in chat_ids:
        retries = 0
        while True:
            wait = next_slot - clock()
            if wait > 0:
                await sleep(wait)
            next_slot = max(next_slot, clock()) + interval
            try:
                await send(chat_id)
            except RateLimited as error:
                if retries >= max_retries:
                    outcome = Delivery.FAILED
                    break
                retries += 1
                report.retries += 1
                await sleep(float(error.retry_after))
                next_slot = clock()
                continue
            except RecipientUnavailable:
                outcome = Delivery.BLOCKED
            except MessengerError as error:
                log.warning("broadcast to a chat failed: %s", type(error).__name__)
                outcome = Delivery.FAILED
            else:
                outcome = Delivery.DELIVERED
            break
        report.outcomes[chat_id] = outcome
        if outcome is Delivery.DELIVERED:
            report.delivered += 1
        elif outcome is Delivery.BLOCKED:
            report.blocked += 1
        else:
            report.failed += 1
    return report


# ------------------------------------------------------------------------------------ audit


async def audit_lines(count: int = DEFAULT_AUDIT_LINES) -> list[AuditLog]:
    """The newest `count` audit lines (1..100), oldest first."""
    count = max(1, min(MAX_AUDIT_LINES, count))
    newest = await AuditLog.all().order_by("-id").limit(count)
    return list(reversed(newest))


def format_audit_line(entry: AuditLog) -> str:
    details = _details(entry.details)
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    parts = [at, entry.actor, entry.action]
    if entry.target:
        parts.append(entry.target)
    if details:
        parts.append(details)
    return " · ".join(parts)


def _details(details: Mapping[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(details.items()))[:200]


async def record(
    audit: Audit, admin_id: int, action: str, target: str = "", **details: object
) -> None:
    """An admin action in the audit log: who (pseudonymous), what, when, on which target."""
    await audit.record(audit.pseudonym("tg", admin_id), f"admin_{action}", target, **details)
