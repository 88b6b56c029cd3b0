"""The verification and citizen services on a real (SQLite) database: attempt counting,
locking, expiry, approval rules, media clean-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.flows import effects as fx
from bot.flows.core import FlowConfig
from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.security import Vault, generate_key
from bot.services.audit import Audit
from bot.services.citizens import Actor, CitizenService
from bot.services.verification import VerificationService
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    FamilyMember,
    MemberStatus,
)
from tests.fakes import FixedFiles, RecordingNotifier
from tests.ids import rid


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[AnalysisJob] = []

    async def submit(self, job: AnalysisJob, on_done: object) -> None:
        self.jobs.append(job)


@pytest.fixture
async def world(
    sqlite_db: str, tmp_path: Path
) -> tuple[CitizenService, VerificationService, RecordingQueue]:
    vault = Vault([generate_key()], generate_key())
    audit = Audit(vault)
    citizens = CitizenService(
        vault,
        audit,
        FlowConfig(),
        media_dir=tmp_path / "media",
        application_expiry=timedelta(hours=1),
    )
    queue = RecordingQueue()
    verification = VerificationService(
        queue,
        audit,
        files=FixedFiles(b"video"),
        notifier=RecordingNotifier(),
        media_dir=tmp_path / "media",
        max_attempts_per_day=3,
        child_age=16,
        job_defaults={},
    )
    return citizens, verification, queue


async def open_application(citizens: CitizenService) -> tuple[int, int]:
    actor = Actor(telegram_user_id=77, language="en")
    registered = await citizens.register(
        actor, fx.RegisterCitizen("+8613800138000", "王小明", rid("11010519850612001"))
    )
    assert isinstance(registered, fx.Registered)
    added = await citizens.add_member(
        registered.citizen_id, fx.AddMember("王大刚", rid("11010519560203001"), "father")
    )
    assert isinstance(added, fx.MemberAdded)
    started = await citizens.start_application(
        registered.citizen_id, fx.StartApplication(added.member_id, "video")
    )
    assert isinstance(started, fx.ApplicationStarted)
    return registered.citizen_id, started.application_id


async def submit(verification: VerificationService, citizen_id: int, app_id: int) -> None:
    answer = await verification.submit(
        citizen_id, fx.SubmitMedia(app_id, "f", "video", ("blink",), False)
    )
    assert answer is None


def failed(app_id: int, *reasons: str) -> AnalysisResult:
    return AnalysisResult(
        app_id, False, "video", "fail", reasons=reasons, key_frames=(("frontal", b"\xff\xd8x"),)
    )


async def test_three_failures_lock_the_member_until_tomorrow(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, queue = world
    citizen_id, app_id = await open_application(citizens)
    outcomes = []
    for _ in range(3):
        await submit(verification, citizen_id, app_id)
        event = await verification.record(failed(app_id, "no_blink"))
        assert event is not None
        outcomes.append((event.outcome, event.attempts_left))
    assert outcomes == [("retry", 2), ("retry", 1), ("locked", 0)]
    member = await FamilyMember.get(citizen_id=citizen_id)
    assert member.locked_until is not None and member.locked_until > datetime.now(UTC)
    refused = await citizens.start_application(citizen_id, fx.StartApplication(member.id, "video"))
    assert refused == fx.ApplicationRefused("locked")
    assert len(queue.jobs) == 3
    app = await Application.get(id=app_id)
    assert app.attempts == 3 and app.state is ApplicationState.SUBMITTED
    assert len(list((verification.media_dir / app.media_dir).glob("*.jpg"))) == 3
    await verification.request_human_review(citizen_id, app_id)
    await app.refresh_from_db()
    assert app.state is ApplicationState.IN_REVIEW


async def test_pass_without_a_match_goes_to_review_never_approval(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, _ = world
    citizen_id, app_id = await open_application(citizens)
    await submit(verification, citizen_id, app_id)
    event = await verification.record(AnalysisResult(app_id, False, "video", "pass", live=True))
    assert event is not None and event.outcome == "in_review" and "no_reference" in event.reasons
    member = await FamilyMember.get(citizen_id=citizen_id)
    assert member.status is MemberStatus.PENDING_REVIEW


async def test_pass_with_a_clear_match_is_approved(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, _ = world
    citizen_id, app_id = await open_application(citizens)
    await submit(verification, citizen_id, app_id)
    result = AnalysisResult(
        app_id, False, "video", "pass", live=True, scores={"distance": 0.3, "same_person": True}
    )
    event = await verification.record(result)
    assert event is not None and event.outcome == "approved"
    member = await FamilyMember.get(citizen_id=citizen_id)
    assert member.status is MemberStatus.VERIFIED
    states = [e.state for e in await ApplicationEvent.filter(application_id=app_id)]
    assert states == [
        ApplicationState.SUBMITTED,
        ApplicationState.CHECKING,
        ApplicationState.APPROVED,
    ]


async def test_a_result_for_an_application_not_checking_is_ignored(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, _ = world
    _, app_id = await open_application(citizens)
    assert await verification.record(failed(app_id, "no_blink")) is None
    app = await Application.get(id=app_id)
    assert app.attempts == 0


async def test_unfinished_applications_expire(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, _, _ = world
    citizen_id, _ = await open_application(citizens)
    later = datetime.now(UTC) + timedelta(hours=2)
    ctx = await citizens.load_context(citizen_id, now=later, entropy=1)
    assert [a.state for a in ctx.applications] == ["expired"]
    assert [e.state for e in ctx.applications[0].timeline][-1] == "expired"


async def test_practice_results_are_not_counted(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, _ = world
    _, app_id = await open_application(citizens)
    event = await verification.record(
        AnalysisResult(app_id, True, "video", "fail", reasons=("no_blink", "match_low"))
    )
    assert event is not None and event.outcome == "practice" and event.reasons == ("no_blink",)
    member = await FamilyMember.get(applications__id=app_id)
    assert member.failed_attempts == 0


async def test_delete_account_removes_media(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, _ = world
    citizen_id, app_id = await open_application(citizens)
    await submit(verification, citizen_id, app_id)
    await verification.record(failed(app_id, "too_dark"))
    folder = verification.media_dir / f"app_{app_id}"
    assert any(folder.iterdir())
    await citizens.delete_account(Actor(77, "en"), citizen_id)
    assert not folder.exists()
    assert await Application.all().count() == 0


async def test_a_review_card_shows_every_attempt(world: tuple) -> None:  # type: ignore[type-arg]
    from bot.services.reviews import ReviewService

    citizens, verification, _ = world
    citizen_id, app_id = await open_application(citizens)
    for reason in ("no_blink", "too_dark", "flat_image"):
        await submit(verification, citizen_id, app_id)
        await verification.record(failed(app_id, reason))
    await verification.request_human_review(citizen_id, app_id)
    reviews = ReviewService(verification.audit, media_dir=verification.media_dir)
    review, created = await reviews.open(app_id)
    assert created
    card = await reviews.card(review.id)
    assert len(card.key_frames) == 3
    notes = " ".join(note for _, note in card.history)
    assert all(reason in notes for reason in ("no_blink", "too_dark", "flat_image"))
    assert "human_review_requested" in notes


async def test_jobs_use_the_thresholds_an_admin_set(world: tuple) -> None:  # type: ignore[type-arg]
    from bot.config import Settings
    from bot.services.admin.thresholds import current_thresholds, set_thresholds

    citizens, verification, queue = world
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    verification.thresholds = lambda: current_thresholds(settings)
    citizen_id, app_id = await open_application(citizens)
    await submit(verification, citizen_id, app_id)
    assert (queue.jobs[-1].match_pass_distance, queue.jobs[-1].match_review_distance) == (
        0.45,
        0.60,
    )
    await verification.record(failed(app_id, "too_dark"))
    await set_thresholds(0.4, 0.5)
    await submit(verification, citizen_id, app_id)
    assert (queue.jobs[-1].match_pass_distance, queue.jobs[-1].match_review_distance) == (0.4, 0.5)


async def test_applications_stuck_in_checking_are_released(world: tuple) -> None:  # type: ignore[type-arg]
    citizens, verification, _ = world
    notifier = verification.notifier
    assert isinstance(notifier, RecordingNotifier)
    citizen_id, app_id = await open_application(citizens)
    await submit(verification, citizen_id, app_id)
    assert await verification.sweep_stuck(timedelta(hours=1)) == 0
    assert await verification.sweep_stuck(timedelta(seconds=-1)) == 1
    app = await Application.get(id=app_id)
    assert app.state is ApplicationState.SUBMITTED
    delivered = notifier.for_citizens()
    assert [(n.citizen_id, type(n.event).__name__) for n in delivered] == [
        (citizen_id, "AnalysisFinished")
    ]
    assert isinstance(delivered[0].event, fx.AnalysisFinished)
    assert delivered[0].event.outcome == "error"
    # a late result for the released attempt is then ignored
    assert await verification.record(failed(app_id, "no_blink")) is None
