"""Support tickets: a citizen handed over to the agents, with a stored transcript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.applications import was_sent
from bot.services.audit import Audit
from bot.storage.models import (
    ApplicationState,
    Citizen,
    FamilyMember,
    KeyValue,
    Ticket,
    TicketMessage,
    TicketStatus,
)


@dataclass(frozen=True)
class MemberLine:
    name: str
    relationship: str
    id_masked: str
    status: str
    applications: tuple[tuple[int, str], ...]  # (id, state)


@dataclass(frozen=True)
class CitizenContext:
    """What agents see of a citizen who asked for a person (masked)."""

    name: str
    id_masked: str
    members: tuple[MemberLine, ...]


REVIEWS_TOPIC_KEY = "reviews_topic"
CLOSED_NOTICE = "closed_notice"
"""The transcript line (a note) of the notice that a closed ticket relays nothing."""


class TicketService:
    def __init__(self, audit: Audit) -> None:
        self.audit = audit

    async def citizen_context(self, citizen_id: int | None) -> CitizenContext | None:
        citizen = await Citizen.get_or_none(id=citizen_id) if citizen_id is not None else None
        if citizen is None:
            return None
        members = await FamilyMember.filter(citizen_id=citizen.id).prefetch_related(
            "applications__events"
        )
        return CitizenContext(
            citizen.full_name,
            citizen.id_masked,
            tuple(
                MemberLine(
                    m.full_name,
                    m.relationship.value,
                    m.id_masked,
                    m.status.value,
                    tuple(
                        (a.id, a.state.value)
                        for a in m.applications
                        if was_sent(
                            a.state,
                            any(e.state is ApplicationState.CHECKING for e in a.events),
                        )
                    ),
                )
                for m in members
            ),
        )

    async def open_for(self, telegram_user_id: int) -> Ticket | None:
        return await Ticket.get_or_none(telegram_user_id=telegram_user_id, status=TicketStatus.OPEN)

    async def by_topic(self, topic_id: int) -> Ticket | None:
        return await Ticket.filter(topic_id=topic_id).order_by("-id").first()

    async def create(self, telegram_user_id: int, citizen_id: int | None) -> tuple[Ticket, bool]:
        """The citizen's open ticket, or a new one; (ticket, created)."""
        existing = await self.open_for(telegram_user_id)
        if existing is not None:
            return existing, False
        ticket = await Ticket.create(telegram_user_id=telegram_user_id, citizen_id=citizen_id)
        await self.audit.record(
            self.audit.pseudonym("tg", telegram_user_id), "ticket_opened", f"ticket:{ticket.id}"
        )
        return ticket, True

    async def set_topic(self, ticket_id: int, topic_id: int) -> None:
        await Ticket.filter(id=ticket_id).update(topic_id=topic_id)

    async def set_context_message(self, ticket_id: int, message_id: int) -> None:
        await Ticket.filter(id=ticket_id).update(context_message_id=message_id)

    async def agent_joined(self, ticket_id: int) -> bool:
        """Marks the first agent's reply; True only for that first one."""
        changed = await Ticket.filter(
            id=ticket_id, status=TicketStatus.OPEN, agent_joined_at=None
        ).update(agent_joined_at=datetime.now(UTC))
        return bool(changed)

    async def language_of(self, ticket: Ticket) -> str | None:
        """The citizen's language (None for a citizen who is not signed in)."""
        if ticket.citizen_id is None:
            return None
        citizen = await Citizen.get_or_none(id=ticket.citizen_id).only("id", "language")
        return citizen.language if citizen is not None else None

    async def close(
        self, ticket_id: int, *, by: int, status: TicketStatus = TicketStatus.CLOSED
    ) -> bool:
        """Closes an open ticket; False when it was not open (closed twice, or by both sides)."""
        changed = await Ticket.filter(id=ticket_id, status=TicketStatus.OPEN).update(
            status=status, closed_at=datetime.now(UTC), closed_by=by
        )
        if changed:
            await self.audit.record(
                self.audit.pseudonym("tg", by), f"ticket_{status.value}", f"ticket:{ticket_id}"
            )
        return bool(changed)

    async def log(
        self,
        ticket_id: int,
        *,
        direction: str,
        sender: int,
        kind: str,
        text: str = "",
        message_id: int | None = None,
    ) -> None:
        """One transcript line; `message_id`: its message in the agents' group."""
        await TicketMessage.create(
            ticket_id=ticket_id,
            direction=direction,
            sender=sender,
            kind=kind,
            text=text[:4096],
            message_id=message_id,
        )

    async def closed_notice_due(self, ticket_id: int) -> bool:
        """Whether the agents writing in this closed ticket's topic are still to be told that
        nothing reaches the citizen (once per ticket: the notice is a transcript line)."""
        return not await TicketMessage.exists(ticket_id=ticket_id, kind=CLOSED_NOTICE)

    async def closed_notice_given(self, ticket_id: int, *, agent: int, message_id: int) -> None:
        """The notice was posted (`message_id`, deleted with the topic's messages)."""
        await self.log(
            ticket_id, direction="note", sender=agent, kind=CLOSED_NOTICE, message_id=message_id
        )

    async def transcript(self, ticket_id: int) -> list[TicketMessage]:
        return await TicketMessage.filter(ticket_id=ticket_id).order_by("id")

    async def get_value(self, key: str) -> dict[str, object] | None:
        row = await KeyValue.get_or_none(key=key)
        return row.value if row else None

    async def set_value(self, key: str, value: dict[str, object]) -> None:
        await KeyValue.update_or_create(defaults={"value": value}, key=key)
