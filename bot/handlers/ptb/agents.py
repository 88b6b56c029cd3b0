"""The agents' supergroup under PTB: taps and topic messages in, `AgentDesk` calls out."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.flows.agents import TOPIC_COMMANDS, Agent, AgentDesk
from bot.flows.callbacks import ReviewTap, parse
from bot.handlers.ptb.citizen import AS_TYPED, command_of

# What aiogram calls a message's content type, for the messages agents send in a topic.
_CONTENT_TYPES = (
    "text", "animation", "audio", "document", "photo", "sticker", "story", "video",
    "video_note", "voice", "contact", "dice", "game", "poll", "venue", "location",
)  # fmt: skip


class _InThread(filters.MessageFilter):
    """A message with a `message_thread_id` (aiogram's `F.message_thread_id`)."""

    def filter(self, message: Message) -> bool:
        return message.message_thread_id is not None


def _agent(user: User) -> Agent:
    return Agent(user.id, user.full_name)


def content_type(message: Message) -> str:
    for name in _CONTENT_TYPES:
        if getattr(message, name, None):
            return name
    return "message"


def build_handlers(desk: AgentDesk) -> list[BaseHandler[Any, Any, Any]]:
    """Only messages of the agents' chat, in a topic."""
    in_topic = filters.Chat(desk.chat_id) & filters.UpdateType.MESSAGE & _InThread()

    async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.text
        if message.from_user is None or message.message_thread_id is None:
            return
        name, args = command_of(message.text)
        await desk.topic_command(
            _agent(message.from_user), message.message_thread_id, message.message_id, name, args
        )

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        user = message.from_user
        if message.message_thread_id is None or user is None or user.is_bot:
            return
        await desk.topic_message(
            _agent(user),
            message.message_thread_id,
            message.message_id,
            text=message.text or "",
            kind="text" if message.text else content_type(message),
        )

    return [
        CommandHandler(list(TOPIC_COMMANDS), on_command, filters=in_topic & AS_TYPED),
        MessageHandler(in_topic, on_message),
    ]


async def on_button(query: CallbackQuery, desk: AgentDesk) -> None:
    tap = parse(query.data)
    if not isinstance(tap, ReviewTap):
        await query.answer(desk.label("agent-invalid-button"), show_alert=True)
        return
    message_id = query.message.message_id if query.message is not None else None
    toast = await desk.tap(_agent(query.from_user), message_id, tap)
    await query.answer(toast.text or None, show_alert=toast.alert)
