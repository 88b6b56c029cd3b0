"""The command menus under PTB: the citizens' (every private chat) and the agents' group's,
per language."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import Settings
from bot.flows.menus import AGENT_GROUP_COMMANDS, CITIZEN_COMMANDS
from bot.i18n import LANGUAGES, Translator

log = logging.getLogger(__name__)

# Telegram's language_code for bot commands is a two-letter ISO 639-1 code.
_COMMAND_LANGUAGE = {"en": "en", "es": "es", "zh-CN": "zh"}


async def set_menus(bot: Bot, settings: Settings, translator: Translator) -> None:
    """As the aiogram runtime sets them (the admins' menus aside: the admin commands are still
    aiogram's)."""
    for lang in LANGUAGES:
        commands = [
            BotCommand(name, translator(lang, f"cmd-{name}", for_html=False))
            for name in CITIZEN_COMMANDS
        ]
        scope = BotCommandScopeAllPrivateChats()
        await bot.set_my_commands(commands, scope=scope, language_code=_COMMAND_LANGUAGE[lang])
        if lang == "en":
            await bot.set_my_commands(commands, scope=scope)
        if settings.agents_chat_id is None:
            continue
        group = [
            BotCommand(name, translator.render(lang, text, for_html=False))
            for name, text in AGENT_GROUP_COMMANDS.items()
        ]
        group_scope = BotCommandScopeChat(settings.agents_chat_id)
        codes: list[str | None] = [_COMMAND_LANGUAGE[lang]]
        if lang == settings.agents_language:
            codes.append(None)
        for code in codes:
            try:
                await bot.set_my_commands(group, scope=group_scope, language_code=code)
            except TelegramError as error:
                log.warning("could not set a command menu: %s", type(error).__name__)
