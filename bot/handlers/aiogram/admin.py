"""The admins' private chat under aiogram: updates in, `AdminRunner.feed` out (the command
menus per role are `bot.flows.menus.RoleMenus`, applied through `menus.AiogramMenus`).

Only admins' updates are offered to the admin runner (`IsAdmin`); whatever it does not take
(a text while no broadcast waits for one, /cancel with nothing to cancel, a citizen command)
goes on to the citizen router, so an admin is a citizen too. For anyone else the admin
commands fall through to the citizen router, which answers them as any unexpected input (no
hint that they exist), and an admin button is answered as a stale one.
"""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import (
    CallbackQuery,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.flows.admin import AdminCommand, AdminPressed, AdminText, Forwarded
from bot.flows.admin_runner import AdminRunner
from bot.flows.callbacks import AdminTap, parse
from bot.flows.menus import ADMIN_COMMANDS

_ANY_COMMAND = re.compile(r"[a-z0-9_]+$")
"""A command as typed, in lower case (`/MENU` is a text, as for the citizen router)."""


class IsAdmin(Filter):
    """Private chat, and the sender is an admin (ADMIN_IDS or the admin role)."""

    def __init__(self, admin: AdminRunner) -> None:
        self.admin = admin

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        user = event.from_user
        message = event if isinstance(event, Message) else event.message
        if user is None or message is None or message.chat.type != "private":
            return False
        return await self.admin.is_admin(user.id)


def _forwarded(message: Message) -> Forwarded | None:
    """The sender of the forwarded message this command replies to."""
    reply = message.reply_to_message
    origin = reply.forward_origin if reply is not None else None
    if isinstance(origin, MessageOriginUser):
        return Forwarded(origin.sender_user.id, origin.sender_user.full_name)
    if isinstance(origin, MessageOriginHiddenUser):
        return Forwarded(None, origin.sender_user_name)
    return None


async def on_command(message: Message, command: CommandObject, admin: AdminRunner) -> None:
    assert message.from_user is not None
    event = AdminCommand(command.command.lower(), command.args or "", _forwarded(message))
    handled = await admin.feed(
        user_id=message.from_user.id, event=event, language_code=message.from_user.language_code
    )
    if handled is None:
        raise SkipHandler


async def on_message(message: Message, admin: AdminRunner) -> None:
    assert message.from_user is not None
    event = AdminText(message.html_text if message.text else "")
    handled = await admin.feed(
        user_id=message.from_user.id, event=event, language_code=message.from_user.language_code
    )
    if handled is None:
        raise SkipHandler


async def on_button(query: CallbackQuery, admin: AdminRunner) -> None:
    tap = parse(query.data)
    if not isinstance(tap, AdminTap):
        raise SkipHandler
    message_id = query.message.message_id if query.message is not None else None
    handled = await admin.feed(
        user_id=query.from_user.id,
        event=AdminPressed(tap.action, tap.value, message_id),
        language_code=query.from_user.language_code,
    )
    if handled is None:
        raise SkipHandler
    toast = handled.toast
    if toast is None or not toast.text:
        await query.answer()
    else:
        await query.answer(toast.text, show_alert=toast.alert)


def build_router(admin: AdminRunner) -> Router:
    """The admin router; include it before the citizen router."""
    is_admin = IsAdmin(admin)
    router = Router(name="admin")
    router.message.register(on_command, Command(*ADMIN_COMMANDS, "cancel"), is_admin)
    # any other command of an admin (/menu, /start...): the dialogue drops a half-made
    # broadcast, then passes it on to the citizen router; the cheap check first
    router.message.register(on_command, is_admin, Command(_ANY_COMMAND))
    router.message.register(on_message, ~F.text.startswith("/"), is_admin)
    router.callback_query.register(on_button, F.data.startswith("adm:"), is_admin)
    return router
