"""The command menus Telegram shows, per role: what each audience can type after a slash.

Which commands each role sees, in which language and in which chat is decided here, once for
every runtime (`RoleMenus`); a runtime only carries out one `MenuUpdate` at a time through its
`MenuPort` (Telegram's setMyCommands / deleteMyCommands with the matching scope)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.flows.core import T, t
from bot.flows.ports import MessengerError
from bot.i18n import LANGUAGES, Translator

log = logging.getLogger(__name__)

CITIZEN_COMMANDS = ("start", "menu", "cancel", "language", "logout", "help")
"""Citizens' commands; each has its description under `cmd-<name>` in locales/."""

ADMIN_COMMANDS: dict[str, T] = {
    "admin": t("admin-cmd-admin"),
    "stats": t("admin-cmd-stats"),
    "agents": t("admin-cmd-agents"),
    "agent_add": t("admin-cmd-agent_add"),
    "agent_remove": t("admin-cmd-agent_remove"),
    "ban": t("admin-cmd-ban"),
    "unban": t("admin-cmd-unban"),
    "broadcast": t("admin-cmd-broadcast"),
    "export": t("admin-cmd-export"),
    "threshold": t("admin-cmd-threshold"),
    "purge": t("admin-cmd-purge"),
    "audit": t("admin-cmd-audit"),
}

AGENT_GROUP_COMMANDS: dict[str, T] = {
    "close": t("admin-cmd-close"),
    "note": t("admin-cmd-note"),
    "approve": t("admin-cmd-approve"),
    "reject": t("admin-cmd-reject"),
}

# Telegram's language_code for bot commands is a two-letter ISO 639-1 code.
COMMAND_LANGUAGE = {"en": "en", "es": "es", "zh-CN": "zh"}


@dataclass(frozen=True)
class MenuUpdate:
    """One call a runtime makes to set (or withdraw) a command menu.

    `chat_id` None: every private chat (the citizens' menu). `language_code` None: the menu
    for users whose language has none of its own. `commands` None: withdraw the chat's own
    menu (the user falls back to the citizens')."""

    chat_id: int | None
    language_code: str | None
    commands: tuple[tuple[str, str], ...] | None


def _codes(lang: str, default: str) -> list[str | None]:
    """The language code(s) to set a menu for: the language, and no code for the default."""
    return [COMMAND_LANGUAGE[lang], None] if lang == default else [COMMAND_LANGUAGE[lang]]


def _citizen_entries(translator: Translator, lang: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, translator(lang, f"cmd-{name}", for_html=False)) for name in CITIZEN_COMMANDS
    )


def citizen_menus(translator: Translator) -> list[MenuUpdate]:
    """The citizens' menu in every private chat, per language (English by default)."""
    return [
        MenuUpdate(None, code, _citizen_entries(translator, lang))
        for lang in LANGUAGES
        for code in _codes(lang, "en")
    ]


def role_menus(
    translator: Translator,
    *,
    admins: Iterable[int],
    agents_chat_id: int | None,
    agents_language: str = "en",
    changed: Iterable[int] = (),
) -> list[MenuUpdate]:
    """Command menus per role and language: admins see the citizen's and the admin commands
    (in their private chat), the agents' group sees /close /note /approve /reject. `changed`:
    users whose role changed (their own menu is withdrawn unless they are admins)."""
    admin_set = set(admins)
    updates: list[MenuUpdate] = []
    for lang in LANGUAGES:
        entries = _citizen_entries(translator, lang) + tuple(
            (name, translator(lang, text, for_html=False)) for name, text in ADMIN_COMMANDS.items()
        )
        updates += [
            MenuUpdate(admin_id, code, entries)
            for admin_id in sorted(admin_set)
            for code in _codes(lang, "en")
        ]
        if agents_chat_id is not None:
            group = tuple(
                (name, translator(lang, text, for_html=False))
                for name, text in AGENT_GROUP_COMMANDS.items()
            )
            updates += [
                MenuUpdate(agents_chat_id, code, group) for code in _codes(lang, agents_language)
            ]
    updates += [
        MenuUpdate(user_id, code, None)
        for user_id in sorted(set(changed) - admin_set)
        for lang in LANGUAGES
        for code in _codes(lang, "en")
    ]
    return updates


class MenuPort(Protocol):
    """A runtime's way to carry out one `MenuUpdate`: setMyCommands with `commands`, or
    deleteMyCommands when they are None; scope `BotCommandScopeChat(chat_id)`, or
    `BotCommandScopeAllPrivateChats` when `chat_id` is None. Raises only `MessengerError`."""

    async def apply(self, update: MenuUpdate) -> None: ...


class RoleMenus:
    """The command menus of every role, kept in step with the staff list: the citizens' (every
    private chat), the admins' (their own chat) and the agents' group's. `admins` reads who
    the admins are now (configured and by role)."""

    def __init__(
        self,
        port: MenuPort,
        translator: Translator,
        admins: Callable[[], Awaitable[Iterable[int]]],
        *,
        agents_chat_id: int | None,
        agents_language: str = "en",
    ) -> None:
        self.port = port
        self.translator = translator
        self.admins = admins
        self.agents_chat_id = agents_chat_id
        self.agents_language = agents_language

    async def set_all(self) -> None:
        """At start: the citizens' menu, then the menus per role."""
        await self._apply(citizen_menus(self.translator))
        await self.refresh(())

    async def refresh(self, changed: Iterable[int]) -> None:
        """After roles changed: the admins' and the group's menus again; the users in `changed`
        who are no admins lose their own menu (they see the citizens')."""
        updates = role_menus(
            self.translator,
            admins=await self.admins(),
            agents_chat_id=self.agents_chat_id,
            agents_language=self.agents_language,
            changed=changed,
        )
        await self._apply(updates)

    async def _apply(self, updates: Iterable[MenuUpdate]) -> None:
        """A chat the bot cannot reach (never started) is skipped with a warning."""
        for update in updates:
            try:
                await self.port.apply(update)
            except MessengerError as error:
                log.warning("could not set a command menu: %s", type(error).__name__)
