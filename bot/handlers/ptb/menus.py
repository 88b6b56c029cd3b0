"""The command menus under PTB: the citizens' (every private chat) and the agents' group's,
per language, from the neutral menus of `bot.flows.menus`."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import Settings
from bot.flows.menus import MenuUpdate, citizen_menus, role_menus
from bot.i18n import Translator

log = logging.getLogger(__name__)


async def apply_menus(bot: Bot, updates: Iterable[MenuUpdate]) -> None:
    """Each neutral menu update as setMyCommands / deleteMyCommands; a chat the bot cannot
    reach is skipped with a warning."""
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


def _agents_group_menus(translator: Translator, settings: Settings) -> list[MenuUpdate]:
    """The agents' group menu only: the admin commands are not routed under PTB yet, so no
    admin is shown them."""
    return [
        update
        for update in role_menus(
            translator,
            admins=(),
            agents_chat_id=settings.agents_chat_id,
            agents_language=settings.agents_language,
        )
        if update.chat_id == settings.agents_chat_id
    ]


async def set_menus(bot: Bot, settings: Settings, translator: Translator) -> None:
    await apply_menus(bot, citizen_menus(translator) + _agents_group_menus(translator, settings))


class PtbRoleMenus:
    """The admin runner's `RoleMenus` under PTB: the agents' group menu again (no admin menus
    while the admin commands are aiogram's)."""

    def __init__(self, bot: Bot, translator: Translator, settings: Settings) -> None:
        self.bot = bot
        self.translator = translator
        self.settings = settings

    async def refresh(self, changed: Iterable[int]) -> None:
        await apply_menus(self.bot, _agents_group_menus(self.translator, self.settings))
