"""What deleting a citizen's data involves beyond their own rows: the traces left in the
agents' group (to be neutralised through the Messenger), the figures statistics keep, and
the e-cards that must stop verifying.

Nothing here identifies anyone once the citizen is gone: erased applications keep only their
kind, state, engine reasons and times; revoked e-cards a keyed hash of the member's ID hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Q

from bot.domain.applications import was_sent
from bot.security import Vault
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    ErasedApplication,
    FamilyMember,
    Review,
    RevokedEcard,
    Ticket,
    TicketMessage,
    TicketStatus,
)

_REVOCATION_LABEL = "ssc-family-bot/ecard-revoked/v1:"


@dataclass(frozen=True)
class CardTrace:
    """A review card: the card to neutralise and the messages that show the member."""

    review_id: int
    card_message_id: int | None
    media_message_ids: tuple[int, ...]


@dataclass(frozen=True)
class TopicTrace:
    """A ticket's topic: its context card and every message relayed or written in it."""

    ticket_id: int
    topic_id: int | None
    context_message_id: int | None
    message_ids: tuple[int, ...]
    open: bool


@dataclass(frozen=True)
class GroupTraces:
    cards: tuple[CardTrace, ...] = ()
    topics: tuple[TopicTrace, ...] = ()


async def card_traces(citizen_id: int, member_id: int | None = None) -> tuple[CardTrace, ...]:
    """The review cards of the citizen's applications (of one member's, when given)."""
    query = Review.filter(application__citizen_id=citizen_id)
    if member_id is not None:
        query = query.filter(application__member_id=member_id)
    return tuple(
        CardTrace(r.id, r.card_message_id, tuple(r.media_message_ids or ()))
        for r in await query.order_by("id")
    )


async def group_traces(citizen_id: int, telegram_user_id: int | None) -> GroupTraces:
    """Every message of this citizen the bot posted or relayed in the agents' group."""
    cards = await card_traces(citizen_id)
    owner = Q(citizen_id=citizen_id)
    if telegram_user_id is not None:
        owner |= Q(telegram_user_id=telegram_user_id)
    topics = []
    for ticket in await Ticket.filter(owner).order_by("id"):
        lines = await TicketMessage.filter(ticket_id=ticket.id, message_id__not_isnull=True)
        topics.append(
            TopicTrace(
                ticket.id,
                ticket.topic_id,
                ticket.context_message_id,
                tuple(line.message_id for line in lines if line.message_id is not None),
                ticket.status is TicketStatus.OPEN,
            )
        )
    return GroupTraces(cards, tuple(topics))


async def forget_tickets(citizen_id: int, telegram_user_id: int | None) -> int:
    """Deletes the citizen's tickets with their transcripts and notes."""
    owner = Q(citizen_id=citizen_id)
    if telegram_user_id is not None:
        owner |= Q(telegram_user_id=telegram_user_id)
    ids = await Ticket.filter(owner).values_list("id", flat=True)
    await TicketMessage.filter(ticket_id__in=list(ids)).delete()
    return await Ticket.filter(id__in=list(ids)).delete()


async def keep_statistics(citizen_id: int, member_id: int | None = None) -> int:
    """Copies what statistics count of the citizen's applications (one member's, when
    given), without any link to them, before the applications are deleted."""
    query = Application.filter(citizen_id=citizen_id)
    if member_id is not None:
        query = query.filter(member_id=member_id)
    apps = await query.order_by("id")
    kept = 0
    for app in apps:
        events = await ApplicationEvent.filter(application_id=app.id).order_by("at", "id")
        checked = next((e.at for e in events if e.state is ApplicationState.CHECKING), None)
        if not was_sent(app.state, checked is not None):
            continue  # nothing was sent: statistics never counted it
        kept += 1
        final = next((e.at for e in reversed(events) if e.state.is_final), None)
        seconds = (
            (final - checked).total_seconds()
            if checked is not None and final is not None and final >= checked
            else None
        )
        await ErasedApplication.create(
            kind=app.kind,
            state=app.state,
            reasons=[str(r) for r in app.reasons or ()],
            created_at=app.created_at,
            decided_at=app.decided_at,
            decision_seconds=seconds,
        )
    return kept


def revocation_key(vault: Vault, member_id_hash: str) -> str:
    return vault.keyed_hash(_REVOCATION_LABEL + member_id_hash)


async def revoke_ecards(
    vault: Vault, citizen_id: int, member_id: int | None = None, *, now: datetime | None = None
) -> int:
    """Every e-card issued so far to the citizen's members (to one, when given) stops
    verifying."""
    when = now or datetime.now(UTC)
    query = FamilyMember.filter(citizen_id=citizen_id)
    if member_id is not None:
        query = query.filter(id=member_id)
    hashes = await query.values_list("id_hash", flat=True)
    for id_hash in hashes:
        await RevokedEcard.update_or_create(
            defaults={"revoked_at": when}, member_key=revocation_key(vault, str(id_hash))
        )
    return len(hashes)


async def revoked_at(vault: Vault, member_id_hash: str) -> datetime | None:
    """When the member's e-cards were revoked (those issued up to then), or None."""
    row = await RevokedEcard.get_or_none(member_key=revocation_key(vault, member_id_hash))
    return row.revoked_at if row is not None else None


@dataclass(frozen=True)
class ErasedFigures:
    by_state: dict[ApplicationState, int]
    reasons: dict[str, int]
    approved: int
    rejected: int
    decision_seconds: list[float]


async def erased_figures(since: datetime) -> ErasedFigures:
    """What erased applications add to the statistics of a period."""
    by_state = dict.fromkeys(ApplicationState, 0)
    reasons: dict[str, int] = {}
    for row in await ErasedApplication.filter(created_at__gte=since):
        by_state[row.state] += 1
        for reason in row.reasons or ():
            reasons[str(reason)] = reasons.get(str(reason), 0) + 1
    decided = await ErasedApplication.filter(
        decided_at__gte=since, state__in=[ApplicationState.APPROVED, ApplicationState.REJECTED]
    )
    approved = sum(1 for row in decided if row.state is ApplicationState.APPROVED)
    return ErasedFigures(
        by_state,
        reasons,
        approved,
        len(decided) - approved,
        [row.decision_seconds for row in decided if row.decision_seconds is not None],
    )
