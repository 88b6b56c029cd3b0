"""The agents' supergroup: review cards in a "Reviews" topic, one topic per support ticket.

Telegram-neutral: an adapter turns an agent's tap into `AgentDesk.tap`, a message in a
ticket's topic into `topic_message`, a command there into `topic_command`; everything goes
out through the `Messenger`. Only staff (agents, admins) can act; everyone else is refused
and nothing changes. Decisions and closed tickets reach the citizen through the `Notifier`.

A review card moves through `CARD_TABLE`: (card state, tap) -> what the tap does.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.flows import effects as fx
from bot.flows.callbacks import ReviewTap
from bot.flows.core import T, t
from bot.flows.ports import (
    ForCitizen,
    InlineButton,
    InlineMarkup,
    Messenger,
    MessengerError,
    Notification,
    Notifier,
    Photo,
    RecipientUnavailable,
    ReviewNeeded,
    Toast,
)
from bot.i18n import Translator
from bot.services.reviews import RejectReason, ReviewCard, ReviewError, ReviewService, Verdict
from bot.services.staff import StaffService
from bot.services.tickets import REVIEWS_TOPIC_KEY, CitizenContext, TicketService
from bot.storage.models import TicketStatus

log = logging.getLogger(__name__)

TOPIC_COMMANDS = ("close", "note", "approve", "reject")


class CardTap(StrEnum):
    TAKE = "take"
    APPROVE = "ok"
    WHY = "why"  # open the reasons to reject
    REJECT = "rej"
    RETRY = "rr"
    BACK = "back"


_VERDICTS = {CardTap.APPROVE: Verdict.APPROVE, CardTap.REJECT: Verdict.REJECT}
_VERDICTS[CardTap.RETRY] = Verdict.RETRY


@dataclass(frozen=True)
class Agent:
    user_id: int
    name: str


class AgentDesk:
    def __init__(
        self,
        messenger: Messenger,
        chat_id: int,
        staff: StaffService,
        reviews: ReviewService,
        tickets: TicketService,
        translator: Translator,
        notifier: Notifier,
        *,
        language: str = "en",
        reminder_after: timedelta = timedelta(minutes=30),
    ) -> None:
        self.messenger = messenger
        self.chat_id = chat_id
        self.staff = staff
        self.reviews = reviews
        self.tickets = tickets
        self.tr = translator
        self.notifier = notifier
        self.lang = language
        self.reminder_after = reminder_after
        self._topic_lock = asyncio.Lock()

    def say(self, key: str, **params: str | int | T) -> str:
        return self.tr.render(self.lang, t(key, **params))

    def label(self, key: str, **params: str | int | T) -> str:
        return self.tr.render(self.lang, t(key, **params), for_html=False)

    async def notify(self, notification: Notification) -> None:
        if isinstance(notification, ReviewNeeded):
            await self.announce(notification.application_id)

    # ------------------------------------------------------------------------------ reviews

    async def reviews_topic(self) -> int:
        async with self._topic_lock:
            stored = await self.tickets.get_value(REVIEWS_TOPIC_KEY)
            known = stored.get("id") if stored else None
            if isinstance(known, int):
                return known
            topic = await self.messenger.create_topic(
                self.chat_id, self.label("agent-reviews-topic")
            )
            await self.tickets.set_value(REVIEWS_TOPIC_KEY, {"id": topic.thread_id})
            return topic.thread_id

    async def announce(self, application_id: int) -> None:
        """An application entered review: post its card (once per review round)."""
        review, created = await self.reviews.open(application_id)
        if created or review.card_message_id is None:
            await self.post_card(review.id)

    async def post_card(self, review_id: int, *, reminder: bool = False) -> None:
        card = await self.reviews.card(review_id)
        topic = await self.reviews_topic()
        frames = [Photo(p.read_bytes(), p.name, p.stem) for p in card.key_frames[-10:]]
        if len(frames) >= 2:
            await self.messenger.send_album(self.chat_id, frames, thread_id=topic)
        elif frames:
            await self.messenger.send_photo(
                self.chat_id, Photo(frames[0].data, frames[0].filename), thread_id=topic
            )
        sent = await self.messenger.send_text(
            self.chat_id,
            self.card_text(card, reminder=reminder),
            markup=self.card_keyboard(card),
            thread_id=topic,
        )
        await self.reviews.set_card_message(review_id, sent)

    def card_text(self, card: ReviewCard, *, reminder: bool = False, footer: str = "") -> str:
        lines = []
        if reminder:
            lines.append(self.say("agent-reminder"))
        lines += [
            self.say(
                "agent-card-title", review=str(card.review_id), application=str(card.application_id)
            ),
            self.say(
                "agent-card-member",
                name=card.member_name,
                relationship=t(f"rel-{card.relationship}"),
                age=card.age,
            ),
            self.say("agent-card-id", id=card.id_masked),
            self.say("agent-card-kind", kind=card.kind, attempts=card.attempts),
        ]
        if card.reasons:
            lines.append(self.say("agent-card-reasons", reasons=", ".join(card.reasons)))
        if "distance" in card.scores:
            lines.append(self.say("agent-card-distance", distance=str(card.scores["distance"])))
        history = " → ".join(
            f"{state}{f' ({note})' if note else ''}" for state, note in card.history
        )
        lines.append(self.say("agent-card-history", history=history))
        if footer:
            lines.append(footer)
        return "\n".join(lines)

    def _button(self, key: str, tap: CardTap, review_id: int, code: str = "") -> InlineButton:
        return InlineButton(self.label(key), ReviewTap(tap.value, review_id, code).pack())

    def card_keyboard(self, card: ReviewCard) -> InlineMarkup:
        rid = card.review_id
        return InlineMarkup(
            (
                (self._button("agent-btn-take", CardTap.TAKE, rid),),
                (
                    self._button("agent-btn-approve", CardTap.APPROVE, rid),
                    self._button("agent-btn-reject", CardTap.WHY, rid),
                ),
                (self._button("agent-btn-retry", CardTap.RETRY, rid),),
            )
        )

    def reasons_keyboard(self, review_id: int) -> InlineMarkup:
        rows = [
            (
                InlineButton(
                    self.label(f"agent-reason-{reason.value.replace('_', '-')}")
                    + (" ↺" if reason.may_retry else ""),
                    ReviewTap(CardTap.REJECT.value, review_id, reason.value).pack(),
                ),
            )
            for reason in RejectReason
        ]
        rows.append((self._button("agent-btn-back", CardTap.BACK, review_id),))
        return InlineMarkup(tuple(rows))

    async def tap(self, agent: Agent, message_id: int | None, data: ReviewTap) -> Toast:
        """An agent tapped a button on a review card (`message_id`: the card it sits on)."""
        if not await self.staff.is_agent(agent.user_id):
            return Toast(self.label("agent-not-allowed"), alert=True)
        try:
            action = CardTap(data.action)
            card_message = await self.reviews.card_message_of(data.review_id)
        except (ValueError, ReviewError):
            return Toast(self.label("agent-invalid-button"), alert=True)
        if message_id is None or card_message != message_id:
            return Toast(self.label("agent-invalid-button"), alert=True)
        try:
            return await self._on_card(agent, data.review_id, card_message, action, data.code)
        except ReviewError as error:
            return Toast(self.label(f"agent-error-{error.code.replace('_', '-')}"), alert=True)
        except ValueError:
            return Toast(self.label("agent-invalid-button"), alert=True)

    async def _on_card(
        self, agent: Agent, review_id: int, card_message: int, action: CardTap, code: str
    ) -> Toast:
        taken = self.say("agent-taken-by", agent=agent.name)
        match action:
            case CardTap.TAKE:
                await self.reviews.claim(review_id, agent.user_id)
                await self._refresh(review_id, card_message, footer=taken)
                return Toast(self.label("agent-taken"))
            case CardTap.WHY:
                await self.reviews.claim(review_id, agent.user_id)
                await self._edit_markup(card_message, self.reasons_keyboard(review_id))
                return Toast("")
            case CardTap.BACK:
                await self._refresh(review_id, card_message, footer=taken)
                return Toast("")
            case CardTap.APPROVE | CardTap.REJECT | CardTap.RETRY:
                reason = RejectReason(code) if action is CardTap.REJECT else None
                await self.decide(review_id, agent, _VERDICTS[action], reason)
                return Toast(self.label("agent-decided"))

    async def _edit_markup(self, message_id: int, markup: InlineMarkup | None) -> None:
        try:
            await self.messenger.edit_markup(self.chat_id, message_id, markup)
        except MessengerError as error:
            log.info("a review card could not be changed: %s", error.description)

    async def _edit_card(self, message_id: int, text: str, markup: InlineMarkup | None) -> None:
        try:
            await self.messenger.edit_text(self.chat_id, message_id, text, markup=markup)
        except MessengerError as error:
            log.info("a review card could not be changed: %s", error.description)

    async def decide(
        self, review_id: int, agent: Agent, verdict: Verdict, reason: RejectReason | None
    ) -> None:
        decided = await self.reviews.decide(review_id, agent.user_id, verdict, reason)
        key = {
            Verdict.APPROVE: "agent-done-approved",
            Verdict.REJECT: "agent-done-rejected",
            Verdict.RETRY: "agent-done-retry",
        }
        footer = self.say(key[verdict], agent=agent.name, reason=reason.value if reason else "")
        card = await self.reviews.card(review_id)
        card_message = await self.reviews.card_message_of(review_id)
        if card_message is not None:
            await self._edit_card(card_message, self.card_text(card, footer=footer), None)
        await self.notifier.publish(ForCitizen(decided.citizen_id, decided.event))

    async def _refresh(self, review_id: int, card_message: int, *, footer: str) -> None:
        card = await self.reviews.card(review_id)
        await self._edit_card(
            card_message, self.card_text(card, footer=footer), self.card_keyboard(card)
        )

    async def remind_pending(self) -> int:
        """Re-announces items left undecided longer than the reminder delay."""
        due = await self.reviews.due_reminders(self.reminder_after)
        for review in due:
            await self.post_card(review.id, reminder=True)
        return len(due)

    # ------------------------------------------------------------------------------ tickets

    async def open_ticket(
        self, user_id: int, citizen_id: int | None, step: str
    ) -> fx.TicketOpened | fx.TicketUnavailable:
        ticket, created = await self.tickets.create(user_id, citizen_id)
        if not created and ticket.topic_id is not None:
            return fx.TicketOpened(ticket.id)
        context = await self.tickets.citizen_context(citizen_id)
        name = context.name if context is not None else "?"
        try:
            topic = await self.messenger.create_topic(self.chat_id, f"{name} #{ticket.id}")
        except MessengerError as error:
            log.error("could not create a topic for ticket %s: %s", ticket.id, error.description)
            await self.tickets.close(ticket.id, by=user_id)
            return fx.TicketUnavailable("topic")
        await self.tickets.set_topic(ticket.id, topic.thread_id)
        await self.messenger.send_text(
            self.chat_id, self.context_text(ticket.id, context, step), thread_id=topic.thread_id
        )
        return fx.TicketOpened(ticket.id)

    def context_text(self, ticket_id: int, context: CitizenContext | None, step: str) -> str:
        lines = [self.say("agent-ticket-title", ticket=str(ticket_id), step=step)]
        if context is None:
            lines.append(self.say("agent-ticket-anonymous"))
            return "\n".join(lines)
        lines.append(self.say("agent-ticket-citizen", name=context.name, id=context.id_masked))
        for member in context.members:
            states = ", ".join(f"#{app_id} {state}" for app_id, state in member.applications)
            lines.append(
                self.say(
                    "agent-ticket-member",
                    name=member.name,
                    relationship=t(f"rel-{member.relationship}"),
                    id=member.id_masked,
                    status=member.status,
                    applications=states or "-",
                )
            )
        lines.append(self.say("agent-ticket-help"))
        return "\n".join(lines)

    async def relay_from_citizen(self, user_id: int, message_id: int) -> None:
        ticket = await self.tickets.open_for(user_id)
        if ticket is None or ticket.topic_id is None:
            return
        try:
            await self.messenger.copy(self.chat_id, user_id, message_id, thread_id=ticket.topic_id)
        except MessengerError as error:
            log.warning("relay into ticket %s failed: %s", ticket.id, error.description)
            return
        await self.tickets.log(ticket.id, direction="in", sender=user_id, kind="message")

    async def close_from_citizen(self, user_id: int) -> None:
        ticket = await self.tickets.open_for(user_id)
        if ticket is None:
            return
        if await self.tickets.close(ticket.id, by=user_id) and ticket.topic_id is not None:
            await self.messenger.send_text(
                self.chat_id, self.say("agent-ticket-left"), thread_id=ticket.topic_id
            )
            await self._close_topic(ticket.topic_id)

    async def _close_topic(self, thread_id: int) -> None:
        try:
            await self.messenger.close_topic(self.chat_id, thread_id)
        except MessengerError as error:
            log.info("a ticket's topic could not be closed: %s", error.description)

    async def topic_message(
        self, sender: Agent, thread_id: int, message_id: int, *, text: str, kind: str
    ) -> None:
        """An agent wrote in a ticket's topic: copy it to the citizen."""
        ticket = await self.tickets.by_topic(thread_id)
        if ticket is None or ticket.status is not TicketStatus.OPEN:
            return
        if not await self.staff.is_agent(sender.user_id):
            return
        try:
            await self.messenger.copy(ticket.telegram_user_id, self.chat_id, message_id)
        except RecipientUnavailable:
            await self.tickets.close(ticket.id, by=sender.user_id, status=TicketStatus.BLOCKED)
            await self._reply(thread_id, message_id, "agent-citizen-blocked")
            return
        await self.tickets.log(
            ticket.id, direction="out", sender=sender.user_id, kind=kind, text=text
        )

    async def _reply(self, thread_id: int, message_id: int, key: str, **params: str) -> None:
        await self.messenger.send_text(
            self.chat_id, self.say(key, **params), thread_id=thread_id, reply_to=message_id
        )

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
                await self.tickets.log(
                    ticket.id, direction="note", sender=sender.user_id, kind="note", text=args
                )
                await self._reply(thread_id, message_id, "agent-noted")
            case "close":
                if not await self.tickets.close(ticket.id, by=sender.user_id):
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
                await self._decide_in_ticket(
                    sender, thread_id, message_id, ticket.citizen_id, name, args
                )

    async def _decide_in_ticket(
        self,
        sender: Agent,
        thread_id: int,
        message_id: int,
        citizen_id: int | None,
        name: str,
        args: str,
    ) -> None:
        review = (
            await self.reviews.pending_for_citizen(citizen_id) if citizen_id is not None else None
        )
        if review is None:
            await self._reply(thread_id, message_id, "agent-nothing-pending")
            return
        reason = None
        if name == "reject":
            try:
                reason = RejectReason(args.strip() or RejectReason.NOT_SAME_PERSON.value)
            except ValueError:
                codes = ", ".join(r.value for r in RejectReason)
                await self._reply(thread_id, message_id, "agent-reject-usage", reasons=codes)
                return
        verdict = Verdict.APPROVE if name == "approve" else Verdict.REJECT
        try:
            await self.decide(review.id, sender, verdict, reason)
        except ReviewError as error:
            await self._reply(thread_id, message_id, f"agent-error-{error.code.replace('_', '-')}")
            return
        await self._reply(thread_id, message_id, "agent-decided")
