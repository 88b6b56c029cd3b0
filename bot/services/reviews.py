"""Human review of applications: the queue, claims, decisions and their effects.

Every change is a conditional update, so two agents (or two bot processes) can never both
claim or decide the same item: the second one finds the row already changed and is refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.domain.idnumber import age_on
from bot.flows import effects as fx
from bot.metrics import Metrics
from bot.security import DecryptionError, Vault
from bot.services.audit import Audit
from bot.services.citizen_context import ContextChanges
from bot.services.references import ReferenceRegistry, open_image
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    FamilyMember,
    MemberStatus,
    Review,
    ReviewStatus,
)

log = logging.getLogger(__name__)


class RejectReason(StrEnum):
    """Why an agent rejects. Each has a citizen-facing text (`reject-<code>`) in every
    language and an agent's label (`agent-reason-<code>`)."""

    NOT_SAME_PERSON = "not_same_person"
    POOR_QUALITY = "poor_quality"
    ACTION_INCOMPLETE = "action_incomplete"
    NOT_LIVE = "not_live"
    DOCUMENT_MISMATCH = "document_mismatch"

    @property
    def may_retry(self) -> bool:
        return self in {RejectReason.POOR_QUALITY, RejectReason.ACTION_INCOMPLETE}


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETRY = "retry"


@dataclass(frozen=True)
class ReviewCard:
    """What an agent sees of a pending item (nothing unmasked)."""

    review_id: int
    application_id: int
    member_name: str
    id_masked: str
    relationship: str
    age: int
    kind: str
    attempts: int
    reasons: tuple[str, ...]
    scores: dict[str, object]
    history: tuple[tuple[str, str], ...]  # (state, note) of each step
    key_frames: tuple[Path, ...]
    status: str
    claimed_by: int | None
    card_step: str | None = None
    """None (the decision buttons), "reasons", or "confirm:<ok|rr|reason>"."""


@dataclass(frozen=True)
class Reference:
    """The face the member is compared with, decrypted only to be shown to agents."""

    image: bytes
    source: str  # "id_card" (sent by the citizen for this application) or "registry"


@dataclass(frozen=True)
class Decided:
    citizen_id: int
    event: fx.ReviewDecided


class ReviewError(Exception):
    """A refused action; `code` names why (taken, decided, not_found, not_claimed)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ReviewService:
    def __init__(
        self,
        audit: Audit,
        *,
        media_dir: Path,
        metrics: Metrics | None = None,
        vault: Vault | None = None,
        references: ReferenceRegistry | None = None,
        changes: ContextChanges | None = None,
    ) -> None:
        self.audit = audit
        self.media_dir = media_dir
        self.metrics = metrics or Metrics()
        self.vault = vault
        self.references = references
        self.changes = changes  # told after a decision changed an application and its member

    async def open(self, application_id: int) -> tuple[Review, bool]:
        """The review of an application entering review; (review, created)."""
        review, created = await Review.get_or_create(application_id=application_id)
        if not created and review.status is ReviewStatus.DECIDED:
            # a new round (e.g. a retry was requested, then the citizen tried again)
            await Review.filter(id=review.id).update(
                status=ReviewStatus.OPEN,
                claimed_by=None,
                claimed_at=None,
                decided_by=None,
                decided_at=None,
                decision="",
                reason_code="",
                card_message_id=None,
                card_step=None,
            )
            await review.refresh_from_db()
            created = True
        return review, created

    async def card(self, review_id: int, *, today: datetime | None = None) -> ReviewCard:
        review = await Review.get_or_none(id=review_id).prefetch_related("application__member")
        if review is None:
            raise ReviewError("not_found")
        app: Application = review.application
        member: FamilyMember = app.member
        now = today or datetime.now(UTC)
        events = await ApplicationEvent.filter(application_id=app.id)
        frames: tuple[Path, ...] = ()
        if app.media_dir:
            frames = tuple(sorted((self.media_dir / app.media_dir).glob("*.jpg")))
        return ReviewCard(
            review_id=review.id,
            application_id=app.id,
            member_name=member.full_name,
            id_masked=member.id_masked,
            relationship=member.relationship.value,
            age=age_on(member.birth_date, now.date()),
            kind=app.kind.value,
            attempts=app.attempts,
            reasons=tuple(app.reasons or ()),
            scores={
                k: v
                for k, v in (app.scores or {}).items()
                if k in ("distance", "same_person", "blinks")
            },
            history=tuple((e.state.value, e.note) for e in events),
            key_frames=frames,
            status=review.status.value,
            claimed_by=review.claimed_by,
            card_step=review.card_step,
        )

    async def reference(self, review_id: int) -> Reference | None:
        """The ID-card photo sent for the application, else the registry's photo of the
        member; None when there is neither (or no keys to open them)."""
        review = await Review.get_or_none(id=review_id).prefetch_related("application__member")
        if review is None or self.vault is None:
            return None
        app: Application = review.application
        try:
            if app.reference_path:
                stored = self.media_dir / app.reference_path
                if stored.exists():
                    return Reference(open_image(self.vault, stored.read_bytes()), "id_card")
            if self.references is not None:
                image = await self.references.get(self.vault.decrypt(app.member.id_enc))
                if image is not None:
                    return Reference(image, "registry")
        except DecryptionError:
            log.warning("the reference of review %s could not be decrypted", review_id)
        return None

    async def set_card_step(self, review_id: int, step: str | None, *, was: str | None) -> bool:
        """Moves the card's buttons from `was` to `step`; False when they had moved already
        (a stale or repeated tap)."""
        changed = await Review.filter(id=review_id, card_step=was).update(card_step=step)
        return bool(changed)

    async def add_media_messages(self, review_id: int, message_ids: list[int]) -> None:
        """Remembers group messages that show the member (deleted when the data is)."""
        review = await Review.get_or_none(id=review_id).only("id", "media_message_ids")
        if review is None:
            return
        known = list(review.media_message_ids or [])
        await Review.filter(id=review_id).update(media_message_ids=known + message_ids)

    async def card_message_of(self, review_id: int) -> int | None:
        """The message id of the review's card in the agents' group (None: never posted)."""
        review = await Review.get_or_none(id=review_id).only("id", "card_message_id")
        if review is None:
            raise ReviewError("not_found")
        return review.card_message_id

    async def set_card_message(self, review_id: int, message_id: int) -> None:
        """The review's newest card; an older one (a reminder replaced it) joins the
        messages deleted with the citizen's data."""
        review = await Review.get_or_none(id=review_id).only("id", "card_message_id")
        if review is not None and review.card_message_id is not None:
            await self.add_media_messages(review_id, [review.card_message_id])
        await Review.filter(id=review_id).update(
            card_message_id=message_id, announced_at=datetime.now(UTC), card_step=None
        )

    async def claim(self, review_id: int, agent_id: int) -> None:
        now = datetime.now(UTC)
        changed = await Review.filter(id=review_id, status=ReviewStatus.OPEN).update(
            status=ReviewStatus.CLAIMED, claimed_by=agent_id, claimed_at=now
        )
        review = await self._claimed(changed, review_id, agent_id, "review_claimed")
        if review is None or (
            review.status is ReviewStatus.CLAIMED and review.claimed_by == agent_id
        ):
            return
        raise ReviewError("decided" if review.status is ReviewStatus.DECIDED else "taken")

    async def release(self, review_id: int, agent_id: int) -> None:
        """The agent who took an item hands it back: open to every agent again."""
        changed = await Review.filter(
            id=review_id, status=ReviewStatus.CLAIMED, claimed_by=agent_id
        ).update(status=ReviewStatus.OPEN, claimed_by=None, claimed_at=None, card_step=None)
        review = await self._claimed(changed, review_id, agent_id, "review_released")
        if review is not None:
            raise ReviewError("decided" if review.status is ReviewStatus.DECIDED else "taken")

    async def _claimed(
        self, changed: int, review_id: int, agent_id: int, action: str
    ) -> Review | None:
        """After a conditional claim or release: audited when it `changed` the review (None),
        else the review as it is now (not found: an error)."""
        if changed:
            pseudonym = self.audit.pseudonym("tg", agent_id)
            await self.audit.record(pseudonym, action, f"review:{review_id}")
            return None
        review = await Review.get_or_none(id=review_id)
        if review is None:
            raise ReviewError("not_found")
        return review

    async def decide(
        self, review_id: int, agent_id: int, verdict: Verdict, reason: RejectReason | None = None
    ) -> Decided:
        """Decides an item claimed by this agent (an open item is claimed on the way)."""
        if verdict is Verdict.REJECT and reason is None:
            raise ReviewError("no_reason")
        now = datetime.now(UTC)
        async with in_transaction():
            changed = await Review.filter(
                Q(id=review_id)
                & (
                    Q(status=ReviewStatus.OPEN)
                    | Q(status=ReviewStatus.CLAIMED, claimed_by=agent_id)
                )
            ).update(
                status=ReviewStatus.DECIDED,
                decided_by=agent_id,
                decided_at=now,
                decision=verdict.value,
                reason_code=reason.value if reason else "",
                card_step=None,
            )
            if not changed:
                review = await Review.get_or_none(id=review_id)
                if review is None:
                    raise ReviewError("not_found")
                raise ReviewError("decided" if review.status is ReviewStatus.DECIDED else "taken")
            review = await Review.get(id=review_id).prefetch_related("application__member")
            app: Application = review.application
            member: FamilyMember = app.member
            actor = self.audit.pseudonym("agent", agent_id)
            if verdict is Verdict.APPROVE:
                app.state, app.decided_at = ApplicationState.APPROVED, now
                member.status, member.verified_at = MemberStatus.VERIFIED, now
                outcome, may_retry = "approved", False
            elif verdict is Verdict.REJECT:
                assert reason is not None
                app.state, app.decided_at = ApplicationState.REJECTED, now
                app.reasons = [f"agent:{reason.value}"]
                member.status = (
                    MemberStatus.NOT_VERIFIED if reason.may_retry else MemberStatus.REJECTED
                )
                outcome, may_retry = "rejected", reason.may_retry
            else:
                app.state = ApplicationState.SUBMITTED
                app.attempts = 0
                app.expires_at = now + timedelta(days=1)
                member.status = MemberStatus.NOT_VERIFIED
                outcome, may_retry = "retry", True
            if verdict is not Verdict.APPROVE:
                member.locked_until, member.failed_attempts = None, 0
            await app.save()
            await member.save()
            await ApplicationEvent.create(
                application=app,
                state=app.state,
                actor=actor,
                note=f"{verdict.value}:{reason.value if reason else ''}",
            )
        if self.changes is not None:
            await self.changes.changed(app.citizen_id)
        await self.audit.record(
            self.audit.pseudonym("tg", agent_id), f"review_{verdict.value}", f"application:{app.id}"
        )
        event = fx.ReviewDecided(
            app.id, member.id, outcome, reason.value if reason else "", may_retry
        )
        self.metrics.decided("agent", outcome)
        return Decided(app.citizen_id, event)

    async def pending_for_citizen(self, citizen_id: int) -> Review | None:
        return (
            await Review.filter(
                application__citizen_id=citizen_id,
                status__in=[ReviewStatus.OPEN, ReviewStatus.CLAIMED],
            )
            .order_by("-id")
            .first()
        )

    async def due_reminders(self, older_than: timedelta) -> list[Review]:
        """Undecided items announced longer ago than `older_than` (re-announced, then reset)."""
        cutoff = datetime.now(UTC) - older_than
        due = await Review.filter(
            status__in=[ReviewStatus.OPEN, ReviewStatus.CLAIMED], announced_at__lt=cutoff
        ).order_by("id")
        return list(due)
