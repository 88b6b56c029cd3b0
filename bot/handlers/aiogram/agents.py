"""The agents' supergroup under aiogram: taps and topic messages in, `AgentDesk` calls out."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User

from bot.flows.agents import TOPIC_COMMANDS, Agent, AgentDesk
from bot.flows.callbacks import ReviewTap, parse


def _agent(user: User) -> Agent:
    return Agent(user.id, user.full_name)


def build_agents_router(desk: AgentDesk) -> Router:
    """Only updates from the agents' chat reach this router."""
    router = Router(name="agents")
    router.message.filter(F.chat.id == desk.chat_id)
    router.callback_query.filter(F.message.chat.id == desk.chat_id)

    async def on_button(query: CallbackQuery) -> None:
        tap = parse(query.data)
        if not isinstance(tap, ReviewTap):
            await query.answer(desk.label("agent-invalid-button"), show_alert=True)
            return
        message_id = query.message.message_id if query.message is not None else None
        toast = await desk.tap(_agent(query.from_user), message_id, tap)
        await query.answer(toast.text or None, show_alert=toast.alert)

    async def on_command(message: Message, command: CommandObject) -> None:
        if message.from_user is None or message.message_thread_id is None:
            return
        await desk.topic_command(
            _agent(message.from_user),
            message.message_thread_id,
            message.message_id,
            command.command.lower(),
            command.args or "",
        )

    async def on_message(message: Message) -> None:
        user = message.from_user
        if message.message_thread_id is None or user is None or user.is_bot:
            return
        await desk.topic_message(
            _agent(user),
            message.message_thread_id,
            message.message_id,
            text=message.text or "",
            kind="text" if message.text else (message.content_type or "message"),
        )

    router.callback_query.register(on_button)
    router.message.register(on_command, Command(*TOPIC_COMMANDS), F.message_thread_id)
    router.message.register(on_message, F.message_thread_id)
    return router
