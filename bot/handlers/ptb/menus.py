"""The command menus under PTB: the `MenuPort` that carries out the neutral menu updates of
`bot.flows.menus.RoleMenus`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.flows.menus import MenuUpdate
from bot.handlers.ptb.messenger import translated_errors


class PtbMenus:
    """One menu update as setMyCommands / deleteMyCommands; PTB's errors as the port's.
    `ready` initializes the application (idempotent) before the first call: the menus are
    set at start, before polling or the webhook did."""

    def __init__(self, bot: Bot, ready: Callable[[], Awaitable[None]]) -> None:
        self.bot = bot
        self.ready = ready
        self._ready = False

    async def apply(self, update: MenuUpdate) -> None:
        if not self._ready:
            await self.ready()
            self._ready = True
        scope = (
            BotCommandScopeAllPrivateChats()
            if update.chat_id is None
            else BotCommandScopeChat(update.chat_id)
        )
        async with translated_errors():
            if update.commands is None:
                await self.bot.delete_my_commands(scope=scope, language_code=update.language_code)
            else:
                commands = [BotCommand(name, text) for name, text in update.commands]
                await self.bot.set_my_commands(
                    commands, scope=scope, language_code=update.language_code
                )
