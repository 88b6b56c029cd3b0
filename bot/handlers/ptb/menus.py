"""The command menus under PTB, from the neutral menus of `bot.flows.menus`: the citizens'
(every private chat) and the menus per role (admins, the agents' group)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import Settings
from bot.flows.menus import MenuUpdate, citizen_menus, role_menus
from bot.i18n import Translator
from bot.services.staff import StaffService

log = logging.getLogger(__name__)


async def apply_menus(bot: Bot, updates: Iterable[MenuUpdate]) -> None:
    """Each neutral menu update as setMyCommands / deleteMyCommands; a chat the bot cannot
    reach (never started) is skipped with a warning."""
    for update in updates:
        scope = (
            BotCommandScopeAllPrivateChats()
            if update.chat_id is None
            else BotCommandScopeChat(update.chat_id)
        )
        try:
            if update.commands is None:
                await bot.delete_my_commands(scope=scope, language_code=update.language_code)
            else:
                commands = [BotCommand(name, text) for name, text in update.commands]
                await bot.set_my_commands(commands, scope=scope, language_code=update.language_code)
        except TelegramError as error:
            log.warning("could not set a command menu: %s", type(error).__name__)


class PtbRoleMenus:
    """The admin runner's `RoleMenus` port over PTB."""

    def __init__(
        self, bot: Bot, translator: Translator, staff: StaffService, settings: Settings
    ) -> None:
        self.bot = bot
        self.translator = translator
        self.staff = staff
        self.settings = settings

    async def refresh(self, changed: Iterable[int]) -> None:
        updates = role_menus(
            self.translator,
            admins=await self.staff.admins(),
            agents_chat_id=self.settings.agents_chat_id,
            agents_language=self.settings.agents_language,
            changed=changed,
        )
        await apply_menus(self.bot, updates)


async def set_menus(bot: Bot, settings: Settings, translator: Translator) -> None:
    await apply_menus(bot, citizen_menus(translator))
    await PtbRoleMenus(bot, translator, StaffService(settings.admin_ids), settings).refresh(())
