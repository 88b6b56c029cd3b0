"""Support tickets: one topic per citizen handed over to a person, moved through
`TICKET_TABLE`. The citizen waits for an agent until one replies; agents' replies reach the
citizen marked as a person's; a deleted topic is opened again with its context card, and
the citizen's message that found it gone is relayed into the new one."""

from __future__ import annotations

import html
import logging

from bot.flows import effects as fx
from bot.flows.agents.base import Agent, DeskBase
from bot.flows.agents.reviews import ReviewDesk
from bot.flows.agents.table import TicketEvent, TicketState, ticket_row, ticket_state
from bot.flows.core import t
from bot.flows.ports import (
    ForCitizen,
    MessageGone,
    MessengerError,
    RateLimited,
    RecipientUnavailable,
    Unreachable,
)
from bot.services.erasure import TopicTrace
from bot.services.reviews import RejectReason, ReviewError, Verdict
from bot.services.tickets import CitizenContext
from bot.storage.models import Ticket, TicketStatus

log = logging.getLogger(__name__)

TOPIC_COMMANDS = ("close", "note", "approve", "reject")


def _state(ticket: Ticket) -> TicketState:
    return ticket_state(ticket.status.value, ticket.agent_joined_at is not None)


class TicketDesk(DeskBase):
    def __init__(self, cards: ReviewDesk, *, default_language: str = "en") -> None:
        super().__init__(cards.messenger, cards.chat_id, cards.tr, cards.lang)
        self.cards = cards
        self.staff = cards.staff
        self.reviews = cards.reviews
        self.tickets = cards.tickets
        self.notifier = cards.notifier
        self.default_language = default_language

    # ---------------------------------------------------------------------- the citizen's side

    async def open_ticket(
        self, user_id: int, citizen_id: int | None, step: str
    ) -> fx.TicketOpened | fx.TicketUnavailable:
        ticket, created = await self.tickets.create(user_id, citizen_id)
        if not created and ticket.topic_id is not None:
            return fx.TicketOpened(ticket.id)
        try:
            await self._open_topic(ticket, step)
        except MessengerError as error:
            log.error("could not create a topic for ticket %s: %s", ticket.id, error.description)
            await self.tickets.close(ticket.id, by=user_id)
            return fx.TicketUnavailable("topic")
        return fx.TicketOpened(ticket.id)

    async def _open_topic(self, ticket: Ticket, step: str) -> int:
        """A topic for the ticket with its context card at the top; the topic's id."""
        context = await self.tickets.citizen_context(ticket.citizen_id)
        name = context.name if context is not None else self.label("agent-ticket-nameless")
        topic = await self.messenger.create_topic(self.chat_id, f"{name} #{ticket.id}")
        await self.tickets.set_topic(ticket.id, topic.thread_id)
        card = await self.messenger.send_text(
            self.chat_id, self.context_text(ticket.id, context, step), thread_id=topic.thread_id
        )
        await self.tickets.set_context_message(ticket.id, card)
        ticket.topic_id = topic.thread_id
        return topic.thread_id

    def context_text(self, ticket_id: int, context: CitizenContext | None, step: str) -> str:
        where = t(f"agent-step-{step}") if self.has(f"agent-step-{step}") else step
        lines = [self.say("agent-ticket-title", ticket=str(ticket_id), step=where)]
        if context is None:
            lines.append(self.say("agent-ticket-anonymous"))
            return "\n".join(lines)
        lines.append(self.say("agent-ticket-citizen", name=context.name, id=context.id_masked))
        for member in context.members:
            states = ", ".join(
                f"#{app_id} {self.label(f'state-{state}')}" for app_id, state in member.applications
            )
            lines.append(
                self.say(
                    "agent-ticket-member",
                    name=member.name,
                    relationship=t(f"rel-{member.relationship}"),
                    id=member.id_masked,
                    status=t(f"agent-member-{member.status.replace('_', '-')}"),
                    applications=states or "-",
                )
            )
        lines.append(self.say("agent-ticket-help"))
        return "\n".join(lines)

    async def relay_from_citizen(self, user_id: int, message_id: int) -> None:
        ticket = await self.tickets.open_for(user_id)
        if ticket is None or ticket.topic_id is None:
            return
        if ticket_row(_state(ticket), TicketEvent.CITIZEN_WROTE) is None:
            return
        try:
            copy = await self.messenger.copy(
                self.chat_id, user_id, message_id, thread_id=ticket.topic_id
            )
        except MessageGone:  # an agent deleted the topic: open it again, lose nothing
            log.info("the topic of ticket %s is gone: opening a new one", ticket.id)
            topic = await self._open_topic(ticket, "support_chat")
            copy = await self.messenger.copy(self.chat_id, user_id, message_id, thread_id=topic)
        await self.tickets.log(
            ticket.id, direction="in", sender=user_id, kind="message", message_id=copy
        )

    async def close_from_citizen(self, user_id: int) -> None:
        ticket = await self.tickets.open_for(user_id)
        if ticket is None or ticket_row(_state(ticket), TicketEvent.CITIZEN_LEFT) is None:
            return
        if await self.tickets.close(ticket.id, by=user_id) and ticket.topic_id is not None:
            await self._post(ticket.topic_id, "agent-ticket-left")
            await self._close_topic(ticket.topic_id)

    async def _post(self, thread_id: int, key: str) -> None:
        try:
            await self.messenger.send_text(self.chat_id, self.say(key), thread_id=thread_id)
        except MessageGone:
            log.info("a ticket's topic is gone: the note was not posted")

    async def _close_topic(self, thread_id: int) -> None:
        try:
            await self.messenger.close_topic(self.chat_id, thread_id)
        except (Unreachable, RateLimited):
            raise
        except MessengerError as error:
            log.info("a ticket's topic could not be closed: %s", error.description)

    # ------------------------------------------------------------------------ the agents' side

    async def topic_message(
        self, sender: Agent, thread_id: int, message_id: int, *, text: str, kind: str
    ) -> None:
        """An agent wrote in a ticket's topic: it reaches the citizen marked as theirs."""
        ticket = await self.tickets.by_topic(thread_id)
        if ticket is None:
            return
        row = ticket_row(_state(ticket), TicketEvent.AGENT_REPLIED)
        if row is None or not await self.staff.is_agent(sender.user_id):
            return
        if row.source is TicketState.CLOSED:
            await self._tell_closed(ticket, sender, thread_id, message_id)
            return
        shown = sender.name.strip()
        try:
            if row.source is TicketState.WAITING and await self.tickets.agent_joined(ticket.id):
                await self.notifier.publish(
                    ForCitizen(
                        ticket.citizen_id,
                        fx.AgentJoined(ticket.id, shown or await self._role(ticket)),
                        telegram_user_id=ticket.telegram_user_id,
                    )
                )
            await self._deliver(ticket, sender, message_id, text=text, kind=kind)
        except RecipientUnavailable:  # CITIZEN_BLOCKED: nothing more can reach them
            await self.tickets.close(ticket.id, by=sender.user_id, status=TicketStatus.BLOCKED)
            await self._reply(thread_id, message_id, "agent-citizen-blocked")
            return
        await self.tickets.log(
            ticket.id,
            direction="out",
            sender=sender.user_id,
            kind=kind,
            text=text,
            message_id=message_id,
        )

    async def _tell_closed(
        self, ticket: Ticket, sender: Agent, thread_id: int, message_id: int
    ) -> None:
        """A message in a closed ticket's topic reaches nobody: the first one is answered
        with why and what the citizen can do (in the topic, or, where Telegram lets no one
        but its admins write in a closed topic, in the group's General topic, naming the
        ticket); later ones are left alone (no notice under every line of agents talking)."""
        if not await self.tickets.closed_notice_due(ticket.id):
            return
        text = self.say("agent-ticket-closed-write", ticket=str(ticket.id))
        notice = await self._answer(thread_id, message_id, text)
        await self.tickets.closed_notice_given(ticket.id, agent=sender.user_id, message_id=notice)

    async def _role(self, ticket: Ticket) -> str:
        lang = await self.tickets.language_of(ticket) or self.default_language
        return self.tr.render(lang, t("support-agent-role"), for_html=False)

    async def _deliver(
        self, ticket: Ticket, sender: Agent, message_id: int, *, text: str, kind: str
    ) -> None:
        """A text goes with a header naming the agent; anything else after that header."""
        lang = await self.tickets.language_of(ticket) or self.default_language
        shown = sender.name.strip() or await self._role(ticket)
        header = self.tr.render(lang, t("support-agent-says", agent=shown))
        user = ticket.telegram_user_id
        if kind == "text" and text:
            await self.messenger.send_text(user, f"{header}\n{html.escape(text)}")
            return
        await self.messenger.send_text(user, header)
        await self.messenger.copy(user, self.chat_id, message_id)

    async def _reply(self, thread_id: int, message_id: int, key: str, **params: str) -> None:
        await self._answer(thread_id, message_id, self.say(key, **params))

    async def _answer(self, thread_id: int, message_id: int, text: str) -> int:
        """A reply to an agent's message in its topic; in the General topic where the bot
        may not write in that topic (Telegram's TOPIC_CLOSED once a ticket's topic is closed,
        where agents who are admins still may). The message id."""
        try:
            return await self.messenger.send_text(
                self.chat_id, text, thread_id=thread_id, reply_to=message_id
            )
        except (Unreachable, RateLimited, RecipientUnavailable, MessageGone):
            raise
        except MessengerError as error:
            log.info("a reply in a ticket's topic went to General: %s", error.description)
            return await self.messenger.send_text(self.chat_id, text)

    async def topic_command(
        self, sender: Agent, thread_id: int, message_id: int, name: str, args: str
    ) -> None:
        """/close, /note, /approve, /reject inside a ticket's topic."""
        if not await self.staff.is_agent(sender.user_id):
            await self._reply(thread_id, message_id, "agent-not-allowed")
            return
        ticket = await self.tickets.by_topic(thread_id)
        if ticket is None:
            await self._reply(thread_id, message_id, "agent-not-a-ticket")
            return
        match name:
            case "note":
                if not args.strip():
                    await self._reply(thread_id, message_id, "agent-note-usage")
                    return
                await self.tickets.log(
                    ticket.id,
                    direction="note",
                    sender=sender.user_id,
                    kind="note",
                    text=args,
                    message_id=message_id,
                )
                await self._reply(thread_id, message_id, "agent-noted")
            case "close":
                closing = ticket_row(_state(ticket), TicketEvent.AGENT_CLOSED)
                if closing is None or not await self.tickets.close(ticket.id, by=sender.user_id):
                    await self._reply(thread_id, message_id, "agent-ticket-not-open")
                    return
                await self._reply(thread_id, message_id, "agent-ticket-closed")
                await self._close_topic(thread_id)
                await self.notifier.publish(
                    ForCitizen(
                        ticket.citizen_id,
                        fx.TicketClosed(ticket.id),
                        telegram_user_id=ticket.telegram_user_id,
                    )
                )
            case "approve" | "reject":
                await self._decide_in_ticket(sender, thread_id, message_id, ticket, name, args)

    async def _decide_in_ticket(
        self, sender: Agent, thread_id: int, message_id: int, ticket: Ticket, name: str, args: str
    ) -> None:
        citizen_id = ticket.citizen_id
        review = (
            await self.reviews.pending_for_citizen(citizen_id) if citizen_id is not None else None
        )
        if review is None:
            await self._reply(thread_id, message_id, "agent-nothing-pending")
            return
        reason = None
        if name == "reject":
            # a reason is required (a bare /reject once meant the final "not the same
            # person"); "Poor quality" and "poor-quality" are read as poor_quality
            code = "_".join(args.lower().replace("-", " ").split())
            try:
                reason = RejectReason(code)
            except ValueError:
                codes = ", ".join(r.value for r in RejectReason)
                await self._reply(thread_id, message_id, "agent-reject-usage", reasons=codes)
                return
        verdict = Verdict.APPROVE if name == "approve" else Verdict.REJECT
        try:
            await self.cards.decide(review.id, sender, verdict, reason)
        except ReviewError as error:
            await self._reply(thread_id, message_id, f"agent-error-{error.code.replace('_', '-')}")
            return
        await self._reply(thread_id, message_id, "agent-decided")

    # ------------------------------------------------------------------------------ deletion

    async def erase_topic(self, trace: TopicTrace) -> None:
        """Every message relayed or written in the topic goes; the context card and the
        topic's name say only that the ticket was deleted at the citizen's request."""
        for message_id in trace.message_ids:
            await self.delete(message_id)
        if trace.topic_id is None:
            return
        if trace.context_message_id is not None:
            text = self.say("agent-ticket-erased", ticket=str(trace.ticket_id))
            await self.edit(trace.context_message_id, text, None)
        try:
            name = self.label("agent-ticket-erased-topic", ticket=str(trace.ticket_id))
            await self.messenger.edit_topic(self.chat_id, trace.topic_id, name)
        except (Unreachable, RateLimited):
            raise
        except MessengerError as error:
            log.info("a ticket's topic could not be renamed: %s", error.description)
        if trace.open:
            await self._close_topic(trace.topic_id)
