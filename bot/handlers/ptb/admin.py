"""The admins' private chat under PTB: updates in, `AdminRunner.feed` out, as the aiogram
admin router. The handlers sit in a group before the citizens': an update the admin runner
takes stops there (`ApplicationHandlerStop`); one it does not take (anyone who is not an
admin, a text while no broadcast waits, /cancel with nothing to cancel, a citizen's command)
goes on to the
citizen handlers, so an admin is a citizen too."""

from __future__ import annotations

from typing import Any

from telegram import Message, MessageOriginHiddenUser, MessageOriginUser, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
)

from bot.flows.admin import AdminCommand, AdminPressed, AdminText, Forwarded
from bot.flows.admin_runner import AdminRunner
from bot.flows.callbacks import AdminTap, parse
from bot.flows.menus import ADMIN_COMMANDS
from bot.handlers.ptb.citizen import AS_TYPED, PRIVATE, command_of

GROUP = -1
"""The handler group of the admin handlers: before the citizens' (group 0)."""


def _forwarded(message: Message) -> Forwarded | None:
    """The sender of the forwarded message this command replies to."""
    reply = message.reply_to_message
    origin = reply.forward_origin if reply is not None else None
    if isinstance(origin, MessageOriginUser):
        return Forwarded(origin.sender_user.id, origin.sender_user.full_name)
    if isinstance(origin, MessageOriginHiddenUser):
        return Forwarded(None, origin.sender_user_name)
    return None


def build_handlers(admin: AdminRunner) -> list[BaseHandler[Any, Any, Any]]:
    async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.from_user is not None and message.text
        if not await admin.is_admin(message.from_user.id):
            return
        name, args = command_of(message.text)
        handled = await admin.feed(
            user_id=message.from_user.id,
            event=AdminCommand(name, args, _forwarded(message)),
            language_code=message.from_user.language_code,
        )
        if handled is not None:
            raise ApplicationHandlerStop

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.from_user is not None
        command = message.text is not None and message.text.startswith("/")
        if command and not AS_TYPED.check_update(update):
            return
        if not await admin.is_admin(message.from_user.id):
            return
        event: AdminCommand | AdminText
        if command:
            # any other command of an admin (/menu, /start...): the dialogue drops a
            # half-made broadcast, then passes it on to the citizen handlers
            name, args = command_of(message.text or "")
            event = AdminCommand(name, args, _forwarded(message))
        else:
            event = AdminText(message.text_html if message.text else "")
        handled = await admin.feed(
            user_id=message.from_user.id,
            event=event,
            language_code=message.from_user.language_code,
        )
        if handled is not None:
            raise ApplicationHandlerStop

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        if query.message is None or query.message.chat.type != "private":
            return
        tap = parse(query.data)
        if not isinstance(tap, AdminTap) or not await admin.is_admin(query.from_user.id):
            return
        handled = await admin.feed(
            user_id=query.from_user.id,
            event=AdminPressed(tap.action, tap.value, query.message.message_id),
            language_code=query.from_user.language_code,
        )
        if handled is None:
            return
        toast = handled.toast
        if toast is None or not toast.text:
            await query.answer()
        else:
            await query.answer(toast.text, show_alert=toast.alert)
        raise ApplicationHandlerStop

    return [
        CommandHandler([*ADMIN_COMMANDS, "cancel"], on_command, filters=PRIVATE & AS_TYPED),
        MessageHandler(PRIVATE, on_message),
        CallbackQueryHandler(on_button, pattern=r"^adm:"),
    ]
