"""The admin services on a real (SQLite) database: statistics, the chart, the CSV export,
retention, thresholds, bans and the broadcast delivery loop (with a fake clock)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.flows.ports import MessengerError, RateLimited, RecipientUnavailable
from bot.services.admin.bans import BanService
from bot.services.admin.broadcast import Delivery, broadcast_recipients, deliver_broadcast
from bot.services.admin.chart import ChartText, render_chart
from bot.services.admin.export import EXPORT_COLUMNS, export_csv
from bot.services.admin.retention import PurgeReport, purge
from bot.services.admin.stats import Period, Stats, collect_stats, format_duration
from bot.services.admin.thresholds import (
    THRESHOLDS_KEY,
    ThresholdError,
    current_thresholds,
    parse_thresholds,
    set_thresholds,
    stored_thresholds,
)
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    Ban,
    Citizen,
    FamilyMember,
    KeyValue,
    Review,
    Ticket,
)
from tests.records import citizen, father_application

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


async def application(
    owner: Citizen,
    state: ApplicationState,
    *,
    reasons: list[str] | None = None,
    created: datetime = NOW,
    decided: datetime | None = None,
    checking_to_final_s: float | None = None,
    number: int = 1,
) -> Application:
    app, _ = await father_application(
        owner,
        state,
        number=number,
        reasons=reasons or [],
        expires_at=created + timedelta(days=3),
        decided=decided,
    )
    await Application.filter(id=app.id).update(created_at=created)
    if checking_to_final_s is not None:
        start = (decided or created) - timedelta(seconds=checking_to_final_s)
        for at, event_state in (
            (start - timedelta(seconds=5), ApplicationState.SUBMITTED),
            (start, ApplicationState.CHECKING),
            (start + timedelta(seconds=2), ApplicationState.CHECKING),
            (decided or created, state),
        ):
            event = await ApplicationEvent.create(application=app, state=event_state, actor="t")
            await ApplicationEvent.filter(id=event.id).update(at=at)
    return await Application.get(id=app.id)


# ------------------------------------------------------------------------------ statistics


async def test_stats_count_states_rate_median_and_reasons(sqlite_db: str) -> None:
    owner = await citizen(1)
    await application(
        owner,
        ApplicationState.APPROVED,
        decided=NOW - timedelta(hours=1),
        checking_to_final_s=60,
        number=1,
    )
    await application(
        owner,
        ApplicationState.REJECTED,
        reasons=["no_blink", "match_low"],
        decided=NOW - timedelta(hours=2),
        checking_to_final_s=180,
        number=2,
    )
    await application(
        owner,
        ApplicationState.APPROVED,
        decided=NOW - timedelta(hours=3),
        checking_to_final_s=600,
        number=3,
    )
    review_app = await application(
        owner, ApplicationState.IN_REVIEW, reasons=["match_borderline", "no_blink"], number=4
    )
    await Review.create(application=review_app)
    await Ticket.create(telegram_user_id=1)
    # outside the week: counted in 30d only
    await application(
        owner,
        ApplicationState.REJECTED,
        reasons=["too_dark"],
        created=NOW - timedelta(days=20),
        decided=NOW - timedelta(days=20),
        checking_to_final_s=30,
        number=5,
    )

    week = await collect_stats(Period.WEEK, now=NOW)
    assert week.total == 4
    assert week.by_state[ApplicationState.APPROVED] == 2
    assert week.by_state[ApplicationState.IN_REVIEW] == 1
    assert week.by_state[ApplicationState.SUBMITTED] == 0
    assert (week.approved, week.rejected) == (2, 1)
    assert week.approval_rate == pytest.approx(2 / 3)
    assert week.median_decision_seconds == pytest.approx(180)  # 60, 180, 600
    assert week.reasons == [("no_blink", 2), ("match_borderline", 1), ("match_low", 1)]
    assert (week.open_tickets, week.pending_reviews) == (1, 1)

    month = await collect_stats(Period.MONTH, now=NOW)
    assert month.total == 5
    assert month.rejected == 2
    assert ("too_dark", 1) in month.reasons
    assert month.median_decision_seconds == pytest.approx((60 + 180) / 2)

    today = await collect_stats(Period.TODAY, now=NOW)
    assert today.since == datetime(2026, 3, 10, tzinfo=UTC)


async def test_stats_without_data(sqlite_db: str) -> None:
    stats = await collect_stats(Period.TODAY, now=NOW)
    assert stats.total == 0
    assert stats.approval_rate is None
    assert stats.median_decision_seconds is None
    assert stats.reasons == []


def test_duration_format() -> None:
    assert format_duration(5) == "0:05"
    assert format_duration(125.4) == "2:05"
    assert format_duration(3 * 3600 + 61) == "3:01:01"


def test_chart_is_a_png_even_for_titles_the_font_cannot_draw() -> None:
    stats = Stats(
        period=Period.WEEK,
        since=NOW,
        by_state=dict.fromkeys(ApplicationState, 2),
        approved=2,
        rejected=2,
        median_decision_seconds=10.0,
        reasons=[("no_blink", 3), ("match_low", 1)],
        open_tickets=0,
        pending_reviews=0,
    )
    english = ChartText("Applications, last 7 days", "By state", "Failure reasons", "none")
    chinese = ChartText("申请，最近 7 天", "按状态", "失败原因", "没有失败")
    # warnings are errors in this suite: a missing glyph would fail the test
    for text in (english, chinese):
        png = render_chart(stats, text, english)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png) > 5000
    empty = Stats(Period.TODAY, NOW, dict.fromkeys(ApplicationState, 0), 0, 0, None, [], 0, 0)
    assert render_chart(empty, english, english).startswith(b"\x89PNG")


# ---------------------------------------------------------------------------------- export


async def test_export_has_masked_ids_only(sqlite_db: str) -> None:
    owner = await citizen(7)
    app = await application(
        owner, ApplicationState.REJECTED, reasons=["no_blink", "too_dark"], decided=NOW, number=2
    )
    data, rows = await export_csv()
    assert rows == 1
    text = data.decode("utf-8")
    assert not re.search(r"\d{17}[\dX]", text), "a full ID number leaked"
    assert "Wang" not in text
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == EXPORT_COLUMNS
    member = await FamilyMember.get(id=app.member_id)
    assert table[1] == [
        str(app.id),
        member.id_masked,
        "father",
        "rejected",
        table[1][4],
        "2026-03-10T12:00:00+00:00",
        "1",
        "no_blink;too_dark",
    ]
    assert "*" in member.id_masked


# ------------------------------------------------------------------------------- retention


class FakeReferences:
    def __init__(self) -> None:
        self.calls: list[int] = []

    async def purge_older_than(self, days: int) -> int:
        self.calls.append(days)
        return 3


async def test_purge_deletes_old_key_frames_only(sqlite_db: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    owner = await citizen(8)
    old = await application(
        owner, ApplicationState.APPROVED, decided=NOW - timedelta(days=31), number=1
    )
    recent = await application(
        owner, ApplicationState.REJECTED, decided=NOW - timedelta(days=29), number=2
    )
    open_app = await application(owner, ApplicationState.IN_REVIEW, number=3)
    for app in (old, recent, open_app):
        folder = media / f"app_{app.id}"
        folder.mkdir(parents=True)
        (folder / "1_frontal.jpg").write_bytes(b"jpeg")
        await Application.filter(id=app.id).update(media_dir=folder.name)
    references = FakeReferences()

    report = await purge(media, references, 30, now=NOW)

    assert report == PurgeReport(key_frame_folders=1, references=3)
    assert references.calls == [30]
    assert not (media / f"app_{old.id}").exists()
    assert (media / f"app_{recent.id}" / "1_frontal.jpg").exists()
    assert (media / f"app_{open_app.id}").exists()
    assert (await Application.get(id=old.id)).media_dir == ""
    assert (await Application.get(id=recent.id)).media_dir == f"app_{recent.id}"
    again = await purge(media, references, 30, now=NOW)
    assert again.key_frame_folders == 0


# ------------------------------------------------------------------------------ thresholds


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "format"),
        ("0.4", "format"),
        ("0.4 0.5 0.6", "format"),
        ("a b", "format"),
        ("0 0.5", "range"),
        ("0.4 1", "range"),
        ("-0.1 0.5", "range"),
        ("nan 0.5", "range"),
        ("0.4 inf", "range"),
        ("0.6 0.5", "order"),
    ],
)
def test_bad_thresholds_are_refused(text: str, code: str) -> None:
    with pytest.raises(ThresholdError) as caught:
        parse_thresholds(text)
    assert caught.value.code == code


def test_good_thresholds_parse() -> None:
    assert parse_thresholds("0.4 0.5") == (0.4, 0.5)
    assert parse_thresholds("0.45, 0.45") == (0.45, 0.45)


async def test_thresholds_are_shared_through_the_database(sqlite_db: str, tmp_path: Path) -> None:
    config = settings(tmp_path)
    assert await current_thresholds(config) == (0.45, 0.60)
    assert await stored_thresholds() is None
    await set_thresholds(0.4, 0.5)
    assert await current_thresholds(config) == (0.4, 0.5)
    await set_thresholds(0.41, 0.52)
    assert await current_thresholds(config) == (0.41, 0.52)
    with pytest.raises(ThresholdError):
        await set_thresholds(0.6, 0.5)
    assert await current_thresholds(config) == (0.41, 0.52)
    # a corrupt stored value never weakens the decision: the settings apply
    await KeyValue.filter(key=THRESHOLDS_KEY).update(
        value={"match_pass_distance": 0.9, "match_review_distance": 0.2}
    )
    assert await current_thresholds(config) == (0.45, 0.60)


# ------------------------------------------------------------------------------------ bans


async def test_a_ban_is_told_once_per_ban(sqlite_db: str) -> None:
    bans = BanService()
    assert await bans.check(5) is None
    assert await bans.ban(5, by=1, reason="spam")
    assert not await bans.ban(5, by=1)
    assert await bans.check(5, can_tell=False) is False  # a group message: not told, not marked
    assert await bans.check(5) is True
    assert await bans.check(5) is False
    assert await bans.unban(5)
    assert not await bans.unban(5)
    assert await bans.check(5) is None
    assert await bans.ban(5, by=1)
    assert await bans.check(5) is True  # a new ban is told again
    assert (await Ban.get(telegram_user_id=5)).banned_by == 1


async def test_recipients_filter_language_and_leave_banned_out(sqlite_db: str) -> None:
    for user_id, language in ((11, "en"), (12, "es"), (13, "es"), (14, "zh-CN")):
        await citizen(user_id, language)
    await BanService().ban(13, by=1)
    assert await broadcast_recipients(None) == [11, 12, 14]
    assert await broadcast_recipients("es") == [12]
    assert await broadcast_recipients("zh-CN") == [14]


# ------------------------------------------------------------------------------- broadcast


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_broadcast_paces_retries_and_classifies() -> None:
    clock = FakeClock()
    sent: list[tuple[int, float]] = []
    failures = {
        2: [RateLimited(3, "Too Many Requests")] * 2,
        3: [RecipientUnavailable("Forbidden: bot was blocked by the user")],
        4: [MessengerError("Bad Request: chat not found")],
        5: [RateLimited(1, "Too Many Requests")] * 10,
    }

    async def send(chat_id: int) -> None:
        pending = failures.get(chat_id)
        if pending:
            raise pending.pop()
        sent.append((chat_id, clock.now))

    chats = [1, 2, 3, 4, 5, *range(10, 40)]
    report = await deliver_broadcast(
        chats, send, rate=25.0, max_retries=4, sleep=clock.sleep, clock=clock
    )

    assert report.outcomes[1] is Delivery.DELIVERED
    assert report.outcomes[2] is Delivery.DELIVERED
    assert report.outcomes[3] is Delivery.BLOCKED
    assert report.outcomes[4] is Delivery.FAILED
    assert report.outcomes[5] is Delivery.FAILED  # still limited after 4 retries
    assert (report.delivered, report.blocked, report.failed) == (32, 1, 2)
    assert report.total == len(chats)
    assert report.retries == 2 + 4
    assert clock.sleeps.count(3.0) == 2
    assert [chat for chat, _ in sent] == [1, 2, *range(10, 40)]
    times = [at for _, at in sent]
    # never more than 25 sends in any second
    for index in range(len(times) - 25):
        assert times[index + 25] - times[index] >= 1.0 - 1e-9
