"""Admin commands in the private chat with the bot.

Every handler is filtered by `IsAdmin`: for anyone else the update falls through to the
citizen router, which answers as it would any unexpected input (no hint that these exist).
The broadcast dialogue keeps its state in aiogram's FSM storage under the destiny "admin",
apart from the citizen conversation (which owns the default destiny of the same chat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.config import Settings
from bot.flows.core import T, t
from bot.flows.menus import ADMIN_COMMANDS, AGENT_GROUP_COMMANDS, CITIZEN_COMMANDS
from bot.flows.runner import CitizenRunner
from bot.handlers.aiogram.messenger import translated_errors
from bot.i18n import LANGUAGES, Translator
from bot.security import Vault
from bot.services import admin as svc
from bot.services.audit import Audit
from bot.services.references import LocalReferenceRegistry
from bot.services.staff import StaffService
from bot.storage.models import StaffRole

log = logging.getLogger(__name__)

ADMIN_DESTINY = "admin"
BROADCAST_IDLE_SECONDS = 15 * 60
"""A broadcast left half-way for this long is forgotten (the next text is not taken for it)."""
MESSAGE_LIMIT = 4000
# Telegram's language_code for bot commands is a two-letter ISO 639-1 code.
_COMMAND_LANGUAGE = {"en": "en", "es": "es", "zh-CN": "zh"}

_PERIODS: dict[svc.Period, T] = {
    svc.Period.TODAY: t("admin-period-today"),
    svc.Period.WEEK: t("admin-period-7d"),
    svc.Period.MONTH: t("admin-period-30d"),
}
_THRESHOLD_ERRORS: dict[str, T] = {
    "format": t("admin-threshold-error-format"),
    "range": t("admin-threshold-error-range"),
    "order": t("admin-threshold-error-order"),
}
_ROLES: dict[StaffRole, T] = {
    StaffRole.AGENT: t("admin-role-agent"),
    StaffRole.ADMIN: t("admin-role-admin"),
}
_BROADCAST_LANGUAGES = ("all", *LANGUAGES)


class BroadcastStates(StatesGroup):
    text = State()
    """Waiting for the message to broadcast."""
    language = State()
    """The message is stored; waiting for the language filter."""
    confirm = State()
    """The preview is shown; waiting for Send or Cancel."""


class AdmAction(StrEnum):
    LANGUAGE = "l"
    SEND = "s"
    CANCEL = "x"


class Adm(CallbackData, prefix="adm"):
    """An admin button: the action and its argument (a language code)."""

    a: AdmAction
    v: str = ""


def admin_fsm(state: FSMContext) -> FSMContext:
    """The admin dialogue's FSM context for the same chat, apart from the citizen's."""
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=ADMIN_DESTINY))


class IsAdmin(Filter):
    """Private chat, and the sender is an admin (ADMIN_IDS or the admin role)."""

    def __init__(self, staff: StaffService) -> None:
        self.staff = staff

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        user = event.from_user
        if user is None:
            return False
        chat = event.chat if isinstance(event, Message) else _chat_of(event)
        if chat is None or chat.type != "private":
            return False
        return await self.staff.is_admin(user.id)


def _chat_of(query: CallbackQuery) -> Chat | None:
    return query.message.chat if query.message is not None else None


class InBroadcast(Filter):
    """The admin dialogue is in one of `states` (and not left idle too long); passes the
    admin FSM context to the handler as `admin_state`."""

    def __init__(self, *states: State) -> None:
        self.states = {s.state for s in states} or {s.state for s in BroadcastStates.__states__}

    async def __call__(
        self, event: Message | CallbackQuery, state: FSMContext
    ) -> bool | dict[str, Any]:
        context = admin_fsm(state)
        current = await context.get_state()
        if current not in self.states:
            return False
        data = await context.get_data()
        if time.time() - float(data.get("at", 0)) > BROADCAST_IDLE_SECONDS:
            await context.clear()
            return False
        return {"admin_state": context}


class AdminDesk:
    """The admin commands' logic; the router below only routes updates here."""

    def __init__(
        self,
        settings: Settings,
        staff: StaffService,
        audit: Audit,
        references: LocalReferenceRegistry,
        *,
        media_dir: Path,
    ) -> None:
        self.settings = settings
        self.staff = staff
        self.audit = audit
        self.bans = svc.BanService()
        self.references = references
        self.media_dir = media_dir
        self._deliveries: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------------------ helpers

    @staticmethod
    async def lang(message_or_query: Message | CallbackQuery, runner: CitizenRunner) -> str:
        user = message_or_query.from_user
        assert user is not None
        return await runner.language_of(user.id, user.language_code)

    @staticmethod
    async def send_lines(message: Message, lines: Sequence[str]) -> None:
        """Sends `lines` in as few messages as Telegram's length limit allows."""
        chunk: list[str] = []
        size = 0
        for line in lines:
            if chunk and size + len(line) + 1 > MESSAGE_LIMIT:
                await message.answer("\n".join(chunk))
                chunk, size = [], 0
            chunk.append(line[:MESSAGE_LIMIT])
            size += len(line) + 1
        if chunk:
            await message.answer("\n".join(chunk))

    async def record(self, admin_id: int, action: str, target: str = "", **details: object) -> None:
        await svc.record(self.audit, admin_id, action, target, **details)

    def who(self, user_id: int) -> str:
        return self.audit.pseudonym("tg", user_id)

    # ------------------------------------------------------------------------------ /admin

    async def help(self, message: Message, lang: str, tr: Translator) -> None:
        lines = [tr(lang, t("admin-help-title"))]
        lines += [
            f"/{name} — {tr(lang, description)}" for name, description in ADMIN_COMMANDS.items()
        ]
        await self.send_lines(message, lines)

    # ------------------------------------------------------------------------------ /stats

    async def stats(self, message: Message, args: str, lang: str, tr: Translator) -> None:
        assert message.from_user is not None
        try:
            period = svc.Period(args.strip().lower() or svc.Period.WEEK.value)
        except ValueError:
            await message.answer(tr(lang, t("admin-stats-usage")))
            return
        stats = await svc.collect_stats(period)
        name = _PERIODS[period]
        lines = [
            tr(lang, t("admin-stats-title", period=name, since=stats.since.strftime("%Y-%m-%d"))),
            tr(lang, t("admin-stats-total", count=stats.total)),
        ]
        lines += [
            tr(lang, t("admin-stats-state", state=t(f"state-{state.value}"), count=count))
            for state, count in stats.by_state.items()
        ]
        rate = stats.approval_rate
        if rate is None:
            lines.append(tr(lang, t("admin-stats-rate-none")))
        else:
            lines.append(
                tr(
                    lang,
                    t(
                        "admin-stats-rate",
                        rate=f"{rate:.0%}",
                        approved=stats.approved,
                        decided=stats.decided,
                    ),
                )
            )
        if stats.median_decision_seconds is None:
            lines.append(tr(lang, t("admin-stats-median-none")))
        else:
            duration = svc.format_duration(stats.median_decision_seconds)
            lines.append(tr(lang, t("admin-stats-median", duration=duration)))
        if stats.reasons:
            lines.append(tr(lang, t("admin-stats-reasons")))
            lines += [
                tr(lang, t("admin-stats-reason", rank=rank, reason=reason, count=count))
                for rank, (reason, count) in enumerate(stats.reasons[:10], start=1)
            ]
        else:
            lines.append(tr(lang, t("admin-stats-reasons-none")))
        lines.append(
            tr(
                lang,
                t("admin-stats-queues", tickets=stats.open_tickets, reviews=stats.pending_reviews),
            )
        )
        await self.send_lines(message, lines)

        def chart_text(language: str) -> svc.ChartText:
            def plain(text: T) -> str:
                return tr(language, text, for_html=False)

            return svc.ChartText(
                title=plain(t("admin-chart-title", period=name)),
                states=plain(t("admin-chart-states")),
                reasons=plain(t("admin-chart-reasons")),
                no_data=plain(t("admin-chart-none")),
            )

        png = await asyncio.to_thread(svc.render_chart, stats, chart_text(lang), chart_text("en"))
        await message.answer_photo(BufferedInputFile(png, f"stats-{period.value}.png"))
        await self.record(message.from_user.id, "stats", period=period.value)

    # ------------------------------------------------------------------------------ staff

    async def agents(self, message: Message, lang: str, tr: Translator) -> None:
        assert message.from_user is not None
        lines = [tr(lang, t("admin-agents-title"))]
        lines += [
            tr(lang, t("admin-agents-config", id=str(user_id)))
            for user_id in sorted(self.settings.admin_ids)
        ]
        staff = await self.staff.agents()
        lines += [
            tr(
                lang,
                t(
                    "admin-agents-row",
                    id=str(member.telegram_user_id),
                    role=_ROLES[member.role],
                    name=member.name or "-",
                    date=member.added_at.strftime("%Y-%m-%d"),
                ),
            )
            for member in staff
        ]
        if not staff:
            lines.append(tr(lang, t("admin-agents-none")))
        await self.send_lines(message, lines)
        await self.record(message.from_user.id, "agents_listed")

    async def agent_add(
        self, message: Message, command: CommandObject, lang: str, tr: Translator, bot: Bot
    ) -> None:
        assert message.from_user is not None
        target = await self._target(message, command, lang, tr)
        if target is None:
            return
        user_id, name, rest = target
        role = StaffRole.ADMIN if rest.strip().lower() == "admin" else StaffRole.AGENT
        changed = await self.staff.add(user_id, role, name=name, added_by=message.from_user.id)
        key = "admin-agent-added" if changed else "admin-agent-unchanged"
        await message.answer(tr(lang, t(key, id=str(user_id), role=_ROLES[role])))
        if changed:
            await self.record(message.from_user.id, "agent_add", self.who(user_id), role=role.value)
            await set_role_commands(bot, tr, self.staff, self.settings, changed=[user_id])

    async def agent_remove(
        self, message: Message, command: CommandObject, lang: str, tr: Translator, bot: Bot
    ) -> None:
        assert message.from_user is not None
        target = await self._target(message, command, lang, tr)
        if target is None:
            return
        user_id = target[0]
        if user_id in self.settings.admin_ids:
            await message.answer(tr(lang, t("admin-agent-config", id=str(user_id))))
            return
        if not await self.staff.remove(user_id):
            await message.answer(tr(lang, t("admin-agent-not-staff", id=str(user_id))))
            return
        await message.answer(tr(lang, t("admin-agent-removed", id=str(user_id))))
        await self.record(message.from_user.id, "agent_remove", self.who(user_id))
        await set_role_commands(bot, tr, self.staff, self.settings, changed=[user_id])

    async def _target(
        self, message: Message, command: CommandObject, lang: str, tr: Translator
    ) -> tuple[int, str, str] | None:
        """(user id, name if known, the remaining arguments) from `/cmd 123 ...` or from a
        reply to a forwarded message; tells the admin how to use the command otherwise."""
        args = (command.args or "").strip()
        first, _, rest = args.partition(" ")
        if first.isdigit() and 0 < int(first) < 2**63:
            return int(first), "", rest
        reply = message.reply_to_message
        origin = reply.forward_origin if reply is not None else None
        if isinstance(origin, MessageOriginUser):
            return origin.sender_user.id, origin.sender_user.full_name, args
        if isinstance(origin, MessageOriginHiddenUser):
            await message.answer(tr(lang, t("admin-target-hidden")))
            return None
        await message.answer(tr(lang, t("admin-target-usage", command=command.command)))
        return None

    # ------------------------------------------------------------------------------ bans

    async def ban(
        self, message: Message, command: CommandObject, lang: str, tr: Translator
    ) -> None:
        assert message.from_user is not None
        target = await self._target(message, command, lang, tr)
        if target is None:
            return
        user_id, _, reason = target
        if await self.staff.is_agent(user_id):
            await message.answer(tr(lang, t("admin-ban-staff", id=str(user_id))))
            return
        if not await self.bans.ban(user_id, by=message.from_user.id, reason=reason.strip()):
            await message.answer(tr(lang, t("admin-ban-already", id=str(user_id))))
            return
        await message.answer(tr(lang, t("admin-banned", id=str(user_id))))
        await self.record(message.from_user.id, "ban", self.who(user_id))

    async def unban(
        self, message: Message, command: CommandObject, lang: str, tr: Translator
    ) -> None:
        assert message.from_user is not None
        target = await self._target(message, command, lang, tr)
        if target is None:
            return
        user_id = target[0]
        if not await self.bans.unban(user_id):
            await message.answer(tr(lang, t("admin-unban-not-banned", id=str(user_id))))
            return
        await message.answer(tr(lang, t("admin-unbanned", id=str(user_id))))
        await self.record(message.from_user.id, "unban", self.who(user_id))

    # ------------------------------------------------------------------------------ export

    async def export(self, message: Message, lang: str, tr: Translator) -> None:
        assert message.from_user is not None
        data, rows = await svc.export_csv()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        await message.answer_document(
            BufferedInputFile(data, f"applications-{stamp}.csv"),
            caption=tr(lang, t("admin-export-caption", count=rows)),
        )
        await self.record(message.from_user.id, "export", rows=rows)

    # ------------------------------------------------------------------------------ /threshold

    async def threshold(
        self, message: Message, command: CommandObject, lang: str, tr: Translator
    ) -> None:
        assert message.from_user is not None
        args = (command.args or "").strip()
        if not args:
            stored = await svc.stored_thresholds()
            passing, review = await svc.current_thresholds(self.settings)
            source = (
                t("admin-threshold-source-admin")
                if stored is not None
                else t("admin-threshold-source-settings")
            )
            await message.answer(
                "\n".join(
                    [
                        tr(
                            lang,
                            t(
                                "admin-threshold-show",
                                **{"pass": f"{passing:g}", "review": f"{review:g}"},
                                source=source,
                            ),
                        ),
                        tr(lang, t("admin-threshold-usage")),
                    ]
                )
            )
            await self.record(message.from_user.id, "threshold_viewed")
            return
        try:
            passing, review = svc.parse_thresholds(args)
        except svc.ThresholdError as error:
            await message.answer(
                "\n".join(
                    [tr(lang, _THRESHOLD_ERRORS[error.code]), tr(lang, t("admin-threshold-usage"))]
                )
            )
            return
        old = await svc.current_thresholds(self.settings)
        await svc.set_thresholds(passing, review)
        await message.answer(
            tr(
                lang,
                t("admin-threshold-set", **{"pass": f"{passing:g}", "review": f"{review:g}"}),
            )
        )
        await self.record(
            message.from_user.id,
            "threshold",
            "thresholds",
            old=f"{old[0]:g}/{old[1]:g}",
            new=f"{passing:g}/{review:g}",
        )

    # ------------------------------------------------------------------------------ /purge

    async def purge(self, message: Message, lang: str, tr: Translator) -> None:
        assert message.from_user is not None
        days = self.settings.retention_days
        report = await svc.purge(self.media_dir, self.references, days)
        await message.answer(
            tr(
                lang,
                t(
                    "admin-purge-done",
                    days=days,
                    frames=report.key_frame_folders,
                    references=report.references,
                ),
            )
        )
        await self.record(
            message.from_user.id,
            "purge",
            frames=report.key_frame_folders,
            references=report.references,
        )

    # ------------------------------------------------------------------------------ /audit

    async def audit_log(
        self, message: Message, command: CommandObject, lang: str, tr: Translator
    ) -> None:
        assert message.from_user is not None
        args = (command.args or "").strip()
        if args and not (args.isdigit() and 1 <= int(args) <= svc.MAX_AUDIT_LINES):
            await message.answer(tr(lang, t("admin-audit-usage")))
            return
        count = int(args) if args else svc.DEFAULT_AUDIT_LINES
        entries = await svc.audit_lines(count)
        if not entries:
            await message.answer(tr(lang, t("admin-audit-empty")))
        else:
            lines = [tr(lang, t("admin-audit-title", count=len(entries)))]
            lines += [
                tr(lang, t("admin-audit-line", line=svc.format_audit_line(entry)))
                for entry in entries
            ]
            await self.send_lines(message, lines)
        await self.record(message.from_user.id, "audit_viewed", count=count)

    # ------------------------------------------------------------------------------ broadcast

    async def broadcast_start(
        self, message: Message, state: FSMContext, lang: str, tr: Translator
    ) -> None:
        context = admin_fsm(state)
        await context.set_state(BroadcastStates.text)
        await context.set_data({"at": time.time()})
        await message.answer(tr(lang, t("admin-broadcast-ask")))

    async def broadcast_text(
        self, message: Message, admin_state: FSMContext, lang: str, tr: Translator
    ) -> None:
        if not message.text:
            await message.answer(tr(lang, t("admin-broadcast-need-text")))
            return
        await admin_state.set_data({"at": time.time(), "html": message.html_text})
        await admin_state.set_state(BroadcastStates.language)
        buttons = [
            InlineKeyboardButton(
                text=tr(lang, t("admin-broadcast-all"), for_html=False) if code == "all" else code,
                callback_data=Adm(a=AdmAction.LANGUAGE, v=code).pack(),
            )
            for code in _BROADCAST_LANGUAGES
        ]
        cancel = InlineKeyboardButton(
            text=tr(lang, t("admin-broadcast-cancel"), for_html=False),
            callback_data=Adm(a=AdmAction.CANCEL).pack(),
        )
        await message.answer(
            tr(lang, t("admin-broadcast-language")),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons, [cancel]]),
        )

    async def broadcast_language(
        self,
        query: CallbackQuery,
        data: Adm,
        admin_state: FSMContext,
        lang: str,
        tr: Translator,
        bot: Bot,
    ) -> None:
        if data.v not in _BROADCAST_LANGUAGES or not isinstance(query.message, Message):
            await query.answer(tr(lang, t("admin-broadcast-stale"), for_html=False))
            return
        stored = await admin_state.get_data()
        language = None if data.v == "all" else data.v
        recipients = await svc.broadcast_recipients(language)
        await query.answer()
        chat = query.message.chat.id
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
        if not recipients:
            await admin_state.clear()
            await query.message.answer(tr(lang, t("admin-broadcast-nobody")))
            return
        await bot.send_message(chat, str(stored["html"]))  # exactly as it will be received
        label = t("admin-broadcast-all") if language is None else language
        confirm = await query.message.answer(
            tr(lang, t("admin-broadcast-preview", count=len(recipients), language=label)),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=tr(lang, t("admin-broadcast-send"), for_html=False),
                            callback_data=Adm(a=AdmAction.SEND).pack(),
                        ),
                        InlineKeyboardButton(
                            text=tr(lang, t("admin-broadcast-cancel"), for_html=False),
                            callback_data=Adm(a=AdmAction.CANCEL).pack(),
                        ),
                    ]
                ]
            ),
        )
        await admin_state.set_data(
            {**stored, "at": time.time(), "lang": data.v, "confirm": confirm.message_id}
        )
        await admin_state.set_state(BroadcastStates.confirm)

    async def broadcast_send(
        self,
        query: CallbackQuery,
        admin_state: FSMContext,
        lang: str,
        tr: Translator,
        bot: Bot,
    ) -> None:
        stored = await admin_state.get_data()
        message = query.message
        if not isinstance(message, Message) or message.message_id != stored.get("confirm"):
            await query.answer(tr(lang, t("admin-broadcast-stale"), for_html=False))
            return
        await admin_state.clear()  # a second tap finds no dialogue: sent once only
        await query.answer()
        language = None if stored.get("lang") == "all" else str(stored.get("lang"))
        recipients = await svc.broadcast_recipients(language)
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text(
                tr(lang, t("admin-broadcast-sending", count=len(recipients))), reply_markup=None
            )
        # Delivery can take minutes (25 messages a second): it runs beside the update, so a
        # webhook request is answered at once; the report comes when it is done.
        task = asyncio.create_task(
            self._deliver(
                bot,
                query.from_user.id,
                message.chat.id,
                recipients,
                str(stored["html"]),
                str(stored.get("lang", "all")),
                lang,
                tr,
            )
        )
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(
        self,
        bot: Bot,
        admin_id: int,
        chat_id: int,
        recipients: list[int],
        html: str,
        language: str,
        lang: str,
        tr: Translator,
    ) -> None:
        async def send(target: int) -> None:
            async with translated_errors():
                await bot.send_message(target, html)

        async def report_to(target: int) -> None:
            async with translated_errors():
                await bot.send_message(target, tr(lang, text))

        try:
            report = await svc.deliver_broadcast(recipients, send)
            await self.record(
                admin_id,
                "broadcast",
                language=language,
                delivered=report.delivered,
                blocked=report.blocked,
                failed=report.failed,
            )
            text = t(
                "admin-broadcast-report",
                delivered=report.delivered,
                blocked=report.blocked,
                failed=report.failed,
            )
            # the report goes through the same loop: it may meet a 429 right after the rest
            await svc.deliver_broadcast([chat_id], report_to)
        except Exception:
            log.exception("the broadcast failed")

    async def broadcast_cancel(
        self, target: Message | CallbackQuery, admin_state: FSMContext, lang: str, tr: Translator
    ) -> None:
        await admin_state.clear()
        text = tr(lang, t("admin-broadcast-cancelled"))
        if isinstance(target, CallbackQuery):
            await target.answer()
            if isinstance(target.message, Message):
                with contextlib.suppress(TelegramBadRequest):
                    await target.message.edit_reply_markup(reply_markup=None)
                await target.message.answer(text)
        else:
            await target.answer(text)


# -------------------------------------------------------------------------------- commands


async def set_role_commands(
    bot: Bot,
    translator: Translator,
    staff: StaffService,
    settings: Settings,
    *,
    changed: Iterable[int] = (),
) -> None:
    """Command menus per role and language: admins see the citizen's and the admin commands
    (in their private chat), the agents' group sees /close /note /approve /reject. `changed`:
    users whose role changed (their own menu is withdrawn unless they are admins).

    A chat the bot cannot reach (never started) is skipped with a warning.
    """
    admins = set(settings.admin_ids) | {
        member.telegram_user_id for member in await staff.agents() if member.role is StaffRole.ADMIN
    }
    for lang in LANGUAGES:
        commands = [
            BotCommand(command=name, description=translator(lang, f"cmd-{name}", for_html=False))
            for name in CITIZEN_COMMANDS
        ]
        commands += [
            BotCommand(command=name, description=translator(lang, text, for_html=False))
            for name, text in ADMIN_COMMANDS.items()
        ]
        for admin_id in sorted(admins):
            for code in _codes(lang, "en"):
                await _call(
                    bot.set_my_commands(
                        commands, scope=BotCommandScopeChat(chat_id=admin_id), language_code=code
                    )
                )
        if settings.agents_chat_id is not None:
            group = [
                BotCommand(command=name, description=translator(lang, text, for_html=False))
                for name, text in AGENT_GROUP_COMMANDS.items()
            ]
            scope = BotCommandScopeChat(chat_id=settings.agents_chat_id)
            for code in _codes(lang, settings.agents_language):
                await _call(bot.set_my_commands(group, scope=scope, language_code=code))
    for user_id in set(changed) - admins:
        for lang in LANGUAGES:
            for code in _codes(lang, "en"):
                await _call(
                    bot.delete_my_commands(
                        scope=BotCommandScopeChat(chat_id=user_id), language_code=code
                    )
                )


def _codes(lang: str, default: str) -> list[str | None]:
    """The language code(s) to set a menu for: the language, and no code for the default."""
    return [_COMMAND_LANGUAGE[lang], None] if lang == default else [_COMMAND_LANGUAGE[lang]]


async def _call(request: Any) -> None:
    try:
        await request
    except TelegramAPIError as error:
        log.warning("could not set a command menu: %s", type(error).__name__)


# -------------------------------------------------------------------------------- router


def build_router(settings: Settings, audit: Audit, vault: Vault) -> Router:
    """The admin router; include it before the citizen router."""
    staff = StaffService(settings.admin_ids)
    desk = AdminDesk(
        settings,
        staff,
        audit,
        LocalReferenceRegistry(vault, settings.data_dir),
        media_dir=settings.data_dir / "media",
    )
    is_admin = IsAdmin(staff)
    router = Router(name="admin")

    async def lang_of(event: Message | CallbackQuery, runner: CitizenRunner) -> str:
        return await desk.lang(event, runner)

    async def on_cancel(
        message: Message,
        admin_state: FSMContext,
        runner: CitizenRunner,
        translator: Translator,
    ) -> None:
        await desk.broadcast_cancel(
            message, admin_state, await lang_of(message, runner), translator
        )

    async def on_command(
        message: Message,
        command: CommandObject,
        state: FSMContext,
        runner: CitizenRunner,
        translator: Translator,
        bot: Bot,
    ) -> None:
        lang = await lang_of(message, runner)
        await admin_fsm(state).clear()  # another command abandons a half-made broadcast
        name = command.command.lower()
        if name == "admin":
            await desk.help(message, lang, translator)
        elif name == "stats":
            await desk.stats(message, command.args or "", lang, translator)
        elif name == "agents":
            await desk.agents(message, lang, translator)
        elif name == "agent_add":
            await desk.agent_add(message, command, lang, translator, bot)
        elif name == "agent_remove":
            await desk.agent_remove(message, command, lang, translator, bot)
        elif name == "ban":
            await desk.ban(message, command, lang, translator)
        elif name == "unban":
            await desk.unban(message, command, lang, translator)
        elif name == "broadcast":
            await desk.broadcast_start(message, state, lang, translator)
        elif name == "export":
            await desk.export(message, lang, translator)
        elif name == "threshold":
            await desk.threshold(message, command, lang, translator)
        elif name == "purge":
            await desk.purge(message, lang, translator)
        elif name == "audit":
            await desk.audit_log(message, command, lang, translator)

    async def on_broadcast_text(
        message: Message,
        admin_state: FSMContext,
        runner: CitizenRunner,
        translator: Translator,
    ) -> None:
        await desk.broadcast_text(message, admin_state, await lang_of(message, runner), translator)

    async def on_button(
        query: CallbackQuery,
        callback_data: Adm,
        state: FSMContext,
        runner: CitizenRunner,
        translator: Translator,
        bot: Bot,
    ) -> None:
        lang = await lang_of(query, runner)
        context = admin_fsm(state)
        current = await context.get_state()
        if callback_data.a is AdmAction.CANCEL and current is not None:
            await desk.broadcast_cancel(query, context, lang, translator)
        elif callback_data.a is AdmAction.LANGUAGE and current == BroadcastStates.language.state:
            await desk.broadcast_language(query, callback_data, context, lang, translator, bot)
        elif callback_data.a is AdmAction.SEND and current == BroadcastStates.confirm.state:
            await desk.broadcast_send(query, context, lang, translator, bot)
        else:
            await query.answer(translator(lang, t("admin-broadcast-stale"), for_html=False))

    router.message.register(on_cancel, Command("cancel"), is_admin, InBroadcast())
    router.message.register(on_command, Command(*ADMIN_COMMANDS), is_admin)
    router.message.register(
        on_broadcast_text,
        ~F.text.startswith("/"),  # citizen commands still reach the citizen's conversation
        is_admin,
        InBroadcast(BroadcastStates.text),
    )
    router.callback_query.register(on_button, Adm.filter(), is_admin)
    return router
