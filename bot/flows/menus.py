"""The command menus Telegram shows, per role: what each audience can type after a slash."""

from __future__ import annotations

from bot.flows.core import T, t

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
