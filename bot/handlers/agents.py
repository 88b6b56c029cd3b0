"""The agents' supergroup: review cards in a "Reviews" topic, one topic per support ticket.

`AgentDesk` does the Telegram side of reviews and tickets (posting cards, creating topics,
copying messages both ways); `build_agents_router` turns agents' taps and messages into
calls on it. Only staff (agents, admins) can act; everyone else is refused and nothing
changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from bot.flows import effects as fx
from bot.flows.core import T, t
from bot.i18n import Translator
from bot.services.reviews import RejectReason, ReviewCard, ReviewError, ReviewService, Verdict
from bot.services.staff import StaffService
from bot.services.tickets import REVIEWS_TOPIC_KEY, TicketService
from bot.storage.models import Citizen, FamilyMember, Review, TicketStatus

if TYPE_CHECKING:
    from bot.handlers.engine import ConversationEngine

log = logging.getLogger(__name__)


class Rv(CallbackData, prefix="rv"):
    """A review card's button: action, review id, and a reject reason where needed."""

    a: str
    r: int
    c: str = ""


_ACTIONS = {"take", "ok", "rej", "why", "rr", "back"}


class AgentDesk:
    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        staff: StaffService,
        reviews: ReviewService,
        tickets: TicketService,
        translator: Translator,
        *,
        language: str = "en",
        reminder_after: timedelta = timedelta(minutes=30),
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.staff = staff
        self.reviews = reviews
        self.tickets = tickets
        self.tr = translator
        self.lang = language
        self.reminder_after = reminder_after
        self.engine: ConversationEngine | None = None
        self._topic_lock = asyncio.Lock()

    def say(self, key: str, **params: str | int | T) -> str:
        return self.tr.render(self.lang, t(key, **params))

    def label(self, key: str, **params: str | int | T) -> str:
        return self.tr.render(self.lang, t(key, **params), for_html=False)

    # ------------------------------------------------------------------------------ reviews

    async def reviews_topic(self) -> int:
        async with self._topic_lock:
            stored = await self.tickets.get_value(REVIEWS_TOPIC_KEY)
            known = stored.get("id") if stored else None
            if isinstance(known, int):
                return known
            topic = await self.bot.create_forum_topic(
                self.chat_id, self.label("agent-reviews-topic")
            )
            await self.tickets.set_value(REVIEWS_TOPIC_KEY, {"id": topic.message_thread_id})
            return topic.message_thread_id

    async def announce(self, application_id: int) -> None:
        """An application entered review: post its card (once per review round)."""
        review, created = await self.reviews.open(application_id)
        if created or review.card_message_id is None:
            await self.post_card(review.id)

    async def post_card(self, review_id: int, *, reminder: bool = False) -> None:
        card = await self.reviews.card(review_id)
        topic = await self.reviews_topic()
        frames = card.key_frames[-10:]
        if len(frames) >= 2:
            media = [
                InputMediaPhoto(
                    media=BufferedInputFile(path.read_bytes(), path.name), caption=path.stem
                )
                for path in frames
            ]
            await self.bot.send_media_group(self.chat_id, media, message_thread_id=topic)  # type: ignore[arg-type]
        elif frames:
            path = frames[0]
            await self.bot.send_photo(
                self.chat_id,
                BufferedInputFile(path.read_bytes(), path.name),
                message_thread_id=topic,
            )
        text = self.card_text(card, reminder=reminder)
        sent = await self.bot.send_message(
            self.chat_id, text, message_thread_id=topic, reply_markup=self.card_keyboard(card)
        )
        await self.reviews.set_card_message(review_id, sent.message_id)

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

    def card_keyboard(self, card: ReviewCard) -> InlineKeyboardMarkup:
        rid = card.review_id
        rows = [
            [
                InlineKeyboardButton(
                    text=self.label("agent-btn-take"), callback_data=Rv(a="take", r=rid).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    text=self.label("agent-btn-approve"), callback_data=Rv(a="ok", r=rid).pack()
                ),
                InlineKeyboardButton(
                    text=self.label("agent-btn-reject"), callback_data=Rv(a="why", r=rid).pack()
                ),
            ],
            [
                InlineKeyboardButton(
                    text=self.label("agent-btn-retry"), callback_data=Rv(a="rr", r=rid).pack()
                )
            ],
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows)

    def reasons_keyboard(self, review_id: int) -> InlineKeyboardMarkup:
        rows = [
            [
                InlineKeyboardButton(
                    text=self.label(f"agent-reason-{reason.value.replace('_', '-')}")
                    + (" ↺" if reason.may_retry else ""),
                    callback_data=Rv(a="rej", r=review_id, c=reason.value).pack(),
                )
            ]
            for reason in RejectReason
        ]
        rows.append(
            [
                InlineKeyboardButton(
                    text=self.label("agent-btn-back"),
                    callback_data=Rv(a="back", r=review_id).pack(),
                )
            ]
        )
        return InlineKeyboardMarkup(inline_keyboard=rows)

    async def handle_button(self, query: CallbackQuery, data: Rv) -> None:
        agent = query.from_user.id
        if not await self.staff.is_agent(agent):
            await query.answer(self.label("agent-not-allowed"), show_alert=True)
            return
        review = await Review.get_or_none(id=data.r)
        message = query.message
        if (
            review is None
            or data.a not in _ACTIONS
            or message is None
            or message.chat.id != self.chat_id
            or review.card_message_id != message.message_id
        ):
            await query.answer(self.label("agent-invalid-button"), show_alert=True)
            return
        try:
            if data.a == "take":
                await self.reviews.claim(review.id, agent)
                await self._refresh(review.id, footer=self.say("agent-taken-by", agent=_who(query)))
                await query.answer(self.label("agent-taken"))
            elif data.a == "why":
                await self.reviews.claim(review.id, agent)
                await self.bot.edit_message_reply_markup(
                    chat_id=self.chat_id,
                    message_id=review.card_message_id,
                    reply_markup=self.reasons_keyboard(review.id),
                )
                await query.answer()
            elif data.a == "back":
                await self._refresh(review.id, footer=self.say("agent-taken-by", agent=_who(query)))
                await query.answer()
            else:
                verdict = {"ok": Verdict.APPROVE, "rej": Verdict.REJECT, "rr": Verdict.RETRY}[
                    data.a
                ]
                reason = RejectReason(data.c) if data.a == "rej" else None
                await self.decide(review.id, agent, verdict, reason, who=_who(query))
                await query.answer(self.label("agent-decided"))
        except ReviewError as error:
            await query.answer(
                self.label(f"agent-error-{error.code.replace('_', '-')}"), show_alert=True
            )
        except ValueError:
            await query.answer(self.label("agent-invalid-button"), show_alert=True)

    async def decide(
        self, review_id: int, agent: int, verdict: Verdict, reason: RejectReason | None, *, who: str
    ) -> None:
        decided = await self.reviews.decide(review_id, agent, verdict, reason)
        key = {
            "approve": "agent-done-approved",
            "reject": "agent-done-rejected",
            "retry": "agent-done-retry",
        }
        footer = self.say(key[verdict.value], agent=who, reason=reason.value if reason else "")
        card = await self.reviews.card(review_id)
        review = await Review.get(id=review_id)
        if review.card_message_id is not None:
            with contextlib.suppress(TelegramBadRequest):
                await self.bot.edit_message_text(
                    text=self.card_text(card, footer=footer),
                    chat_id=self.chat_id,
                    message_id=review.card_message_id,
                    reply_markup=None,
                )
        if self.engine is not None:
            await self.engine.deliver(decided.citizen_id, decided.event)

    async def _refresh(self, review_id: int, *, footer: str) -> None:
        card = await self.reviews.card(review_id)
        review = await Review.get(id=review_id)
        with contextlib.suppress(TelegramBadRequest):
            await self.bot.edit_message_text(
                text=self.card_text(card, footer=footer),
                chat_id=self.chat_id,
                message_id=review.card_message_id,
                reply_markup=self.card_keyboard(card),
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
        name = "?"
        citizen = await Citizen.get_or_none(id=citizen_id) if citizen_id is not None else None
        if citizen is not None:
            name = citizen.full_name
        try:
            topic = await self.bot.create_forum_topic(self.chat_id, f"{name} #{ticket.id}"[:128])
        except TelegramBadRequest as error:
            log.error("could not create a topic for ticket %s: %s", ticket.id, error.message)
            await self.tickets.close(ticket.id, by=user_id)
            return fx.TicketUnavailable("topic")
        await self.tickets.set_topic(ticket.id, topic.message_thread_id)
        await self.bot.send_message(
            self.chat_id,
            await self.context_text(ticket.id, citizen, step),
            message_thread_id=topic.message_thread_id,
        )
        return fx.TicketOpened(ticket.id)

    async def context_text(self, ticket_id: int, citizen: Citizen | None, step: str) -> str:
        lines = [self.say("agent-ticket-title", ticket=str(ticket_id), step=step)]
        if citizen is None:
            lines.append(self.say("agent-ticket-anonymous"))
            return "\n".join(lines)
        lines.append(self.say("agent-ticket-citizen", name=citizen.full_name, id=citizen.id_masked))
        members = await FamilyMember.filter(citizen_id=citizen.id).prefetch_related("applications")
        for member in members:
            states = ", ".join(f"#{a.id} {a.state.value}" for a in member.applications) or "-"
            lines.append(
                self.say(
                    "agent-ticket-member",
                    name=member.full_name,
                    relationship=t(f"rel-{member.relationship.value}"),
                    id=member.id_masked,
                    status=member.status.value,
                    applications=states,
                )
            )
        lines.append(self.say("agent-ticket-help"))
        return "\n".join(lines)

    async def relay_from_citizen(self, user_id: int, message_id: int) -> None:
        ticket = await self.tickets.open_for(user_id)
        if ticket is None or ticket.topic_id is None:
            return
        try:
            await self.bot.copy_message(
                self.chat_id, user_id, message_id, message_thread_id=ticket.topic_id
            )
        except TelegramBadRequest as error:
            log.warning("relay into ticket %s failed: %s", ticket.id, error.message)
            return
        await self.tickets.log(ticket.id, direction="in", sender=user_id, kind="message")

    async def close_from_citizen(self, user_id: int) -> None:
        ticket = await self.tickets.open_for(user_id)
        if ticket is None:
            return
        if await self.tickets.close(ticket.id, by=user_id) and ticket.topic_id is not None:
            await self.bot.send_message(
                self.chat_id, self.say("agent-ticket-left"), message_thread_id=ticket.topic_id
            )
            with contextlib.suppress(TelegramBadRequest):
                await self.bot.close_forum_topic(self.chat_id, ticket.topic_id)

    async def handle_topic_message(self, message: Message) -> None:
        """An agent wrote in a ticket's topic: copy it to the citizen."""
        topic = message.message_thread_id
        if topic is None or message.from_user is None or message.from_user.is_bot:
            return
        ticket = await self.tickets.by_topic(topic)
        if ticket is None or ticket.status is not TicketStatus.OPEN:
            return
        if not await self.staff.is_agent(message.from_user.id):
            return
        try:
            await self.bot.copy_message(ticket.telegram_user_id, self.chat_id, message.message_id)
        except TelegramForbiddenError:
            await self.tickets.close(
                ticket.id, by=message.from_user.id, status=TicketStatus.BLOCKED
            )
            await message.reply(self.say("agent-citizen-blocked"))
            return
        kind = "text" if message.text else (message.content_type or "message")
        await self.tickets.log(
            ticket.id,
            direction="out",
            sender=message.from_user.id,
            kind=kind,
            text=message.text or "",
        )

    async def topic_command(self, message: Message, command: CommandObject) -> None:
        """/close, /note, /approve, /reject inside a ticket's topic."""
        user = message.from_user
        topic = message.message_thread_id
        if user is None or topic is None:
            return
        if not await self.staff.is_agent(user.id):
            await message.reply(self.say("agent-not-allowed"))
            return
        ticket = await self.tickets.by_topic(topic)
        if ticket is None:
            await message.reply(self.say("agent-not-a-ticket"))
            return
        name = command.command.lower()
        if name == "note":
            await self.tickets.log(
                ticket.id, direction="note", sender=user.id, kind="note", text=command.args or ""
            )
            await message.reply(self.say("agent-noted"))
        elif name == "close":
            if await self.tickets.close(ticket.id, by=user.id):
                await message.reply(self.say("agent-ticket-closed"))
                with contextlib.suppress(TelegramBadRequest):
                    await self.bot.close_forum_topic(self.chat_id, topic)
                if self.engine is not None and ticket.citizen_id is not None:
                    await self.engine.deliver(ticket.citizen_id, fx.TicketClosed(ticket.id))
                elif self.engine is not None:
                    await self.engine.feed(
                        user_id=ticket.telegram_user_id, event=fx.TicketClosed(ticket.id)
                    )
            else:
                await message.reply(self.say("agent-ticket-not-open"))
        elif name in ("approve", "reject"):
            await self._decide_in_ticket(
                message, ticket.citizen_id, name, command.args or "", _who_message(message)
            )

    async def _decide_in_ticket(
        self, message: Message, citizen_id: int | None, name: str, args: str, who: str
    ) -> None:
        review = (
            await self.reviews.pending_for_citizen(citizen_id) if citizen_id is not None else None
        )
        if review is None:
            await message.reply(self.say("agent-nothing-pending"))
            return
        assert message.from_user is not None
        reason = None
        if name == "reject":
            try:
                reason = RejectReason(args.strip() or RejectReason.NOT_SAME_PERSON.value)
            except ValueError:
                codes = ", ".join(r.value for r in RejectReason)
                await message.reply(self.say("agent-reject-usage", reasons=codes))
                return
        verdict = Verdict.APPROVE if name == "approve" else Verdict.REJECT
        try:
            await self.decide(review.id, message.from_user.id, verdict, reason, who=who)
        except ReviewError as error:
            await message.reply(self.say(f"agent-error-{error.code.replace('_', '-')}"))
            return
        await message.reply(self.say("agent-decided"))


def _who(query: CallbackQuery) -> str:
    return query.from_user.full_name


def _who_message(message: Message) -> str:
    return message.from_user.full_name if message.from_user else "?"


def build_agents_router(desk: AgentDesk) -> Router:
    """The agents' supergroup router (only updates from that chat reach it)."""
    router = Router(name="agents")
    router.message.filter(F.chat.id == desk.chat_id)
    router.callback_query.filter(F.message.chat.id == desk.chat_id)

    async def on_review_button(query: CallbackQuery, callback_data: Rv) -> None:
        await desk.handle_button(query, callback_data)

    async def on_other_button(query: CallbackQuery) -> None:
        await query.answer(desk.label("agent-invalid-button"), show_alert=True)

    async def on_command(message: Message, command: CommandObject) -> None:
        await desk.topic_command(message, command)

    async def on_message(message: Message) -> None:
        await desk.handle_topic_message(message)

    router.callback_query.register(on_review_button, Rv.filter())
    router.callback_query.register(on_other_button)
    router.message.register(
        on_command, Command("close", "note", "approve", "reject"), F.message_thread_id
    )
    router.message.register(on_message, F.message_thread_id)
    return router


def escape(text: str) -> str:
    return html.escape(text, quote=False)
