"""Review cards in the agents' "Reviews" topic: posted with the reference and the key
frames, moved through `CARD_TABLE` by agents' taps, neutralised when the citizen deletes
their data."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.flows.agents.base import Agent
from bot.flows.agents.cards import CardView
from bot.flows.agents.table import (
    CONFIRM_PREFIX,
    REASONS_STEP,
    CardMove,
    CardState,
    CardTap,
    card_row,
    card_state,
)
from bot.flows.callbacks import ReviewTap
from bot.flows.ports import ForCitizen, Messenger, Notifier, Photo, Toast
from bot.i18n import Translator
from bot.services.erasure import CardTrace
from bot.services.reviews import RejectReason, ReviewError, ReviewService, Verdict
from bot.services.staff import StaffService
from bot.services.tickets import REVIEWS_TOPIC_KEY, TicketService

log = logging.getLogger(__name__)

_VERDICTS = {"ok": Verdict.APPROVE, "rr": Verdict.RETRY}
_TOASTS = {
    CardMove.CLAIM: "agent-taken",
    CardMove.RELEASE: "agent-released",
    CardMove.ASK_TO_CONFIRM: "agent-confirm-toast",
}
_DONE = {
    Verdict.APPROVE: "agent-done-approved",
    Verdict.REJECT: "agent-done-rejected",
    Verdict.RETRY: "agent-done-retry",
}


class ReviewDesk(CardView):
    def __init__(
        self,
        messenger: Messenger,
        chat_id: int,
        translator: Translator,
        language: str,
        *,
        staff: StaffService,
        reviews: ReviewService,
        tickets: TicketService,
        notifier: Notifier,
        reminder_after: timedelta,
    ) -> None:
        super().__init__(messenger, chat_id, translator, language)
        self.staff = staff
        self.reviews = reviews
        self.tickets = tickets
        self.notifier = notifier
        self.reminder_after = reminder_after
        self._topic_lock = asyncio.Lock()

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
        """The reference and the key frames (one album), then the card with its buttons; a
        reminder's card takes the buttons off the card it replaces (they only answer
        "not valid" there now, and two live-looking cards of one item invite a double take)."""
        earlier = await self.reviews.card_message_of(review_id) if reminder else None
        card = await self.reviews.card(review_id)
        reference = await self.reviews.reference(review_id)
        topic = await self.reviews_topic()
        photos = []
        if reference is not None:
            caption = self.label(f"agent-reference-{reference.source}")
            photos.append(Photo(reference.image, "reference.jpg", caption))
        photos += [
            Photo(p.read_bytes(), p.name, self.frame_label(p.name)) for p in card.key_frames[-9:]
        ]
        sent: list[int] = []
        if len(photos) >= 2:
            sent = await self.messenger.send_album(self.chat_id, photos, thread_id=topic)
        elif photos:
            sent = [await self.messenger.send_photo(self.chat_id, photos[0], thread_id=topic)]
        if sent:
            await self.reviews.add_media_messages(review_id, sent)
        state = card_state(card.status, None)
        # a reminder of a taken item: who took it is not kept, only that someone did
        text = self.text(
            card,
            reminder=reminder,
            reference=reference.source if reference else "",
            footer=self.footer(card, state, self.label("agent-someone")),
        )
        message = await self.messenger.send_text(
            self.chat_id, text, markup=self.keyboard(card, state), thread_id=topic
        )
        await self.reviews.set_card_message(review_id, message)
        if earlier is not None:
            await self.edit_markup(earlier, None)

    async def tap(self, agent: Agent, message_id: int | None, data: ReviewTap) -> Toast:
        """An agent tapped a button on a review card (`message_id`: the card it sits on)."""
        if not await self.staff.is_agent(agent.user_id):
            return Toast(self.label("agent-not-allowed"), alert=True)
        try:
            tap = CardTap(data.action)
            if tap is CardTap.REJECT:
                RejectReason(data.code)
            card_message = await self.reviews.card_message_of(data.review_id)
        except (ValueError, ReviewError):
            return Toast(self.label("agent-invalid-button"), alert=True)
        if message_id is None or card_message != message_id:
            return Toast(self.label("agent-invalid-button"), alert=True)
        try:
            return await self._on_card(agent, data.review_id, card_message, tap, data.code)
        except ReviewError as error:
            return Toast(self.label(f"agent-error-{error.code.replace('_', '-')}"), alert=True)

    async def _on_card(
        self, agent: Agent, review_id: int, card_message: int, tap: CardTap, code: str
    ) -> Toast:
        card = await self.reviews.card(review_id)
        state = card_state(card.status, card.card_step)
        if state is CardState.DECIDED:
            raise ReviewError("decided")
        if card.claimed_by not in (None, agent.user_id):
            raise ReviewError("taken")
        row = card_row(state, tap)
        if row is None:
            return Toast(self.label("agent-button-stale"))
        if row.move is CardMove.DECIDE:
            if card.card_step != CONFIRM_PREFIX + code:  # a confirm of an older question
                return Toast(self.label("agent-button-stale"))
            verdict = _VERDICTS.get(code, Verdict.REJECT)
            reason = RejectReason(code) if verdict is Verdict.REJECT else None
            await self.decide(review_id, agent, verdict, reason)
            return Toast(self.label("agent-decided"))
        if row.move is CardMove.CLAIM:
            await self.reviews.claim(review_id, agent.user_id)
        elif row.move is CardMove.RELEASE:
            await self.reviews.release(review_id, agent.user_id)
        else:
            step = {
                CardMove.SHOW_REASONS: REASONS_STEP,
                CardMove.ASK_TO_CONFIRM: CONFIRM_PREFIX + (code or tap),
            }.get(row.move)
            await self._step(review_id, agent, card.card_step, step)
        await self._show(review_id, card_message, agent)
        toast = _TOASTS.get(row.move)
        return Toast(self.label(toast) if toast else "")

    async def _step(self, review_id: int, agent: Agent, was: str | None, step: str | None) -> None:
        """Only the agent who has the card moves its buttons (taking it on the way)."""
        await self.reviews.claim(review_id, agent.user_id)
        if not await self.reviews.set_card_step(review_id, step, was=was):
            raise ReviewError("moved")

    async def _show(self, review_id: int, card_message: int, agent: Agent) -> None:
        card = await self.reviews.card(review_id)
        state = card_state(card.status, card.card_step)
        text = self.text(card, footer=self.footer(card, state, agent.name))
        await self.edit(card_message, text, self.keyboard(card, state))

    async def decide(
        self, review_id: int, agent: Agent, verdict: Verdict, reason: RejectReason | None
    ) -> None:
        decided = await self.reviews.decide(review_id, agent.user_id, verdict, reason)
        reason_label = self.reason_label(f"agent:{reason.value}", "") if reason else ""
        footer = self.say(_DONE[verdict], agent=agent.name, reason=reason_label or "")
        card = await self.reviews.card(review_id)
        card_message = await self.reviews.card_message_of(review_id)
        if card_message is not None:
            await self.edit(card_message, self.text(card, footer=footer), None)
        await self.notifier.publish(ForCitizen(decided.citizen_id, decided.event))

    async def remind_pending(self) -> int:
        """Re-announces items left undecided longer than the reminder delay."""
        due = await self.reviews.due_reminders(self.reminder_after)
        for review in due:
            await self.post_card(review.id, reminder=True)
        return len(due)

    async def erase_card(self, trace: CardTrace) -> None:
        """The card says only that it was deleted; every photo (and older card) goes."""
        for message_id in trace.media_message_ids:
            await self.delete(message_id)
        if trace.card_message_id is not None:
            text = self.say("agent-card-erased", review=str(trace.review_id))
            await self.edit(trace.card_message_id, text, None)
