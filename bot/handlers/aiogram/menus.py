"""The command menus under aiogram: the `MenuPort` that carries out the neutral menu updates
of `bot.flows.menus.RoleMenus`."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.flows.menus import MenuUpdate
from bot.handlers.aiogram.messenger import translated_errors


class AiogramMenus:
    """One menu update as setMyCommands / deleteMyCommands; aiogram's errors as the port's."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def apply(self, update: MenuUpdate) -> None:
        scope = (
            BotCommandScopeAllPrivateChats()
            if update.chat_id is None
            else BotCommandScopeChat(chat_id=update.chat_id)
        )
        async with translated_errors():
            if update.commands is None:
                await self.bot.delete_my_commands(scope=scope, language_code=update.language_code)
            else:
                commands = [BotCommand(command=c, description=d) for c, d in update.commands]
                await self.bot.set_my_commands(
                    commands, scope=scope, language_code=update.language_code
                )
