"""The agents' supergroup: review cards in a "Reviews" topic, one topic per support ticket.

Telegram-neutral: an adapter turns an agent's tap into `AgentDesk.tap`, a message in a
ticket's topic into `topic_message`, a command there into `topic_command`; everything goes
out through the `Messenger`. Only staff (agents, admins) can act; everyone else is refused
and nothing changes. Decisions and closed tickets reach the citizen through the `Notifier`.
Cards follow `CARD_TABLE`, tickets `TICKET_TABLE` (bot/flows/agents/table.py).
"""

from __future__ import annotations

from datetime import timedelta

from bot.flows import effects as fx
from bot.flows.agents.base import Agent
from bot.flows.agents.reviews import ReviewDesk
from bot.flows.agents.tickets import TicketDesk
from bot.flows.callbacks import ReviewTap
from bot.flows.ports import Messenger, Notification, Notifier, ReviewNeeded, Toast
from bot.i18n import Translator
from bot.services.erasure import GroupTraces
from bot.services.reviews import ReviewService
from bot.services.staff import StaffService
from bot.services.tickets import TicketService


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
        citizens_language: str = "en",
        reminder_after: timedelta = timedelta(minutes=30),
    ) -> None:
        self.chat_id = chat_id
        self.cards = ReviewDesk(
            messenger,
            chat_id,
            translator,
            language,
            staff=staff,
            reviews=reviews,
            tickets=tickets,
            notifier=notifier,
            reminder_after=reminder_after,
        )
        self.tickets = TicketDesk(self.cards, default_language=citizens_language)

    @property
    def reminder_after(self) -> timedelta:
        return self.cards.reminder_after

    @reminder_after.setter
    def reminder_after(self, value: timedelta) -> None:
        self.cards.reminder_after = value

    def label(self, key: str) -> str:
        return self.cards.label(key)

    async def notify(self, notification: Notification) -> None:
        if isinstance(notification, ReviewNeeded):
            await self.cards.announce(notification.application_id)

    async def tap(self, agent: Agent, message_id: int | None, data: ReviewTap) -> Toast:
        return await self.cards.tap(agent, message_id, data)

    async def remind_pending(self) -> int:
        return await self.cards.remind_pending()

    async def open_ticket(
        self, user_id: int, citizen_id: int | None, step: str
    ) -> fx.TicketOpened | fx.TicketUnavailable:
        return await self.tickets.open_ticket(user_id, citizen_id, step)

    async def relay_from_citizen(self, user_id: int, message_id: int) -> None:
        await self.tickets.relay_from_citizen(user_id, message_id)

    async def close_from_citizen(self, user_id: int) -> None:
        await self.tickets.close_from_citizen(user_id)

    async def topic_message(
        self, sender: Agent, thread_id: int, message_id: int, *, text: str, kind: str
    ) -> None:
        await self.tickets.topic_message(sender, thread_id, message_id, text=text, kind=kind)

    async def topic_command(
        self, sender: Agent, thread_id: int, message_id: int, name: str, args: str
    ) -> None:
        await self.tickets.topic_command(sender, thread_id, message_id, name, args)

    async def erase_citizen(self, traces: GroupTraces) -> None:
        """The citizen deleted their data: cards and topics keep only a neutral note."""
        for card in traces.cards:
            await self.cards.erase_card(card)
        for topic in traces.topics:
            await self.tickets.erase_topic(topic)
