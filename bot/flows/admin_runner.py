"""Runs the admin dialogue for one admin's private chat: check the sender is an admin, load
the dialogue (scope "admin" of the ConversationStore, apart from the citizen conversation of
the same chat), step it, carry out its commands through the services, feed their results
back, show the replies, save it.

Telegram-neutral: an adapter turns updates into `AdminEvent`s and calls `AdminRunner.feed`;
when it answers None the event is not the admin dialogue's (not an admin, a text while no
broadcast waits for one, /cancel with nothing to cancel, a citizen's command, which drops a
half-made broadcast first) and the adapter gives it to the citizen runner. The broadcast's
delivery runs beside the chat; its end is fed back as `BroadcastDelivered`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import assert_never

from bot.config import Settings
from bot.flows import admin as flow
from bot.flows.admin import effects as fx
from bot.flows.admin.state import AdminContext, Reply
from bot.flows.admin_screen import AdminScreen
from bot.flows.menus import RoleMenus
from bot.flows.ports import (
    ConversationStore,
    Messenger,
    MessengerError,
    Toast,
)
from bot.flows.user_locks import UserLocks
from bot.i18n import Translator
from bot.locks import Locker
from bot.services.admin import auditlog, bans, broadcast, export, retention, thresholds
from bot.services.admin.stats import Period, Stats, collect_stats, format_duration, utcnow
from bot.services.audit import Audit
from bot.services.staff import StaffService
from bot.storage.models import StaffRole

log = logging.getLogger(__name__)

SCOPE = "admin"
_MAX_RESULT_CHAIN = 4
LanguageOf = Callable[[int, str | None], Awaitable[str]]


@dataclass(frozen=True)
class Handled:
    """The event was the admin dialogue's; `toast` answers a button tap."""

    toast: Toast | None = None


class AdminRunner:
    def __init__(
        self,
        *,
        bot_id: int,
        messenger: Messenger,
        store: ConversationStore,
        staff: StaffService,
        audit: Audit,
        translator: Translator,
        settings: Settings,
        references: retention.ReferencePurger,
        media_dir: Path,
        language_of: LanguageOf,
        menus: RoleMenus | None = None,
        locker: Locker | None = None,
        clock: Callable[[], datetime] = utcnow,
        deliver: Callable[..., Awaitable[broadcast.BroadcastReport]] = (
            broadcast.deliver_broadcast
        ),
    ) -> None:
        self.bot_id = bot_id
        self.messenger = messenger
        self.store = store
        self.staff = staff
        self.audit = audit
        self.tr = translator
        self.settings = settings
        self.references = references
        self.media_dir = media_dir
        self.language_of = language_of
        self.menus = menus
        self.locker = locker  # shared by every bot process (Redis); None: this process only
        self.clock = clock
        self.deliver = deliver
        self.bans = bans.BanService()
        self.screen = AdminScreen(messenger, translator)
        self._lock = UserLocks()
        self._deliveries: set[asyncio.Task[None]] = set()

    async def is_admin(self, user_id: int) -> bool:
        return await self.staff.is_admin(user_id)

    async def feed(
        self, *, user_id: int, event: flow.AdminEvent, language_code: str | None = None
    ) -> Handled | None:
        """Processes one event of a private chat. None: not the admin dialogue's (the sender
        is no admin, or no row takes the event): give it to the citizen conversation."""
        if not await self.staff.is_admin(user_id):
            return None
        return await self._run(user_id, event, language_code=language_code)

    async def join(self) -> None:
        """Waits until the broadcasts under way are delivered and reported."""
        while self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def close(self) -> None:
        """Stops the deliveries still running (their reports are not sent)."""
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)

    # ------------------------------------------------------------------------------ running

    async def _run(
        self,
        user_id: int,
        event: flow.state.Event,
        *,
        lang: str | None = None,
        language_code: str | None = None,
    ) -> Handled | None:
        """Steps the dialogue; the admin's language is looked up only for an event it takes."""
        key = f"admin:{self.bot_id}:{user_id}"
        shared = self.locker.lock(key) if self.locker else contextlib.nullcontext()
        async with self._lock(user_id), shared:
            data = await self.store.load(SCOPE, user_id) or {}
            dialogue = flow.Dialogue.from_dict(data.get("d"))
            refs: dict[str, int] = dict(data.get("refs") or {})
            first = flow.step(dialogue, event, self._context(refs))
            if first is None:
                return None
            lang = lang or await self.language_of(user_id, language_code)
            outcomes = [first]
            replies: list[Reply] = []
            notice = None
            chain = 0
            while outcomes:
                outcome = outcomes.pop(0)
                dialogue = outcome.state
                replies += outcome.replies
                notice = notice or outcome.notice
                for command in outcome.commands:
                    answer = await self._execute(command, user_id, lang)
                    if answer is None:
                        continue
                    chain += 1
                    following = flow.step(dialogue, answer, self._context(refs))
                    if following is None or chain > _MAX_RESULT_CHAIN:
                        log.error("no row took %s in %s", type(answer).__name__, dialogue.step)
                        continue
                    outcomes.append(following)
            try:
                await self.screen.render(user_id, lang, refs, replies)
            finally:
                # the commands ran: the new state is kept even if showing it failed
                doc = {"d": dialogue.to_dict(), "refs": refs}
                idle = dialogue.step is flow.Step.IDLE
                await self.store.save(SCOPE, user_id, None if idle else doc)
        if first.passed_on:  # the broadcast is dropped; the command is the citizen's
            return None
        toast = self.tr.render(lang, notice.text, for_html=False) if notice else None
        return Handled(Toast(toast, notice.alert) if notice and toast is not None else None)

    def _context(self, refs: dict[str, int]) -> AdminContext:
        return AdminContext(
            now=self.clock(),
            admin_ids=self.staff.admin_ids,
            retention_days=self.settings.retention_days,
            refs=dict(refs),
        )

    # ----------------------------------------------------------------------------- commands

    async def _execute(self, command: fx.Command, admin_id: int, lang: str) -> fx.Result | None:
        match command:
            case fx.CollectStats(period=period):
                return fx.StatsCollected(_stats_view(await collect_stats(Period(period))))
            case fx.ListStaff():
                members = await self.staff.agents()
                return fx.StaffListed(
                    tuple(
                        fx.StaffView(
                            m.telegram_user_id,
                            m.role.value,
                            m.name,
                            m.added_at.strftime("%Y-%m-%d"),
                        )
                        for m in members
                    )
                )
            case fx.AddStaff(user_id=user_id, role=role, name=name):
                changed = await self.staff.add(
                    user_id, StaffRole(role), name=name, added_by=admin_id
                )
                return fx.StaffAdded(user_id, role, changed)
            case fx.RemoveStaff(user_id=user_id):
                return fx.StaffRemoved(user_id, await self.staff.remove(user_id))
            case fx.RefreshMenus(user_ids=user_ids):
                if self.menus is not None:
                    await self.menus.refresh(user_ids)
            case fx.Ban(user_id=user_id, reason=reason):
                outcome = await bans.ban_unless_staff(
                    self.bans, self.staff, user_id, by=admin_id, reason=reason
                )
                return fx.BanDone(user_id, outcome.value)
            case fx.Unban(user_id=user_id):
                return fx.Unbanned(user_id, await self.bans.unban(user_id))
            case fx.ExportApplications():
                data, rows = await export.export_csv()
                return fx.Exported(data, rows)
            case fx.ReadThresholds():
                stored = await thresholds.stored_thresholds()
                passing, review = await thresholds.current_thresholds(self.settings)
                return fx.ThresholdsRead(passing, review, by_admin=stored is not None)
            case fx.SetThresholds(passing=passing, review=review):
                old = await thresholds.current_thresholds(self.settings)
                await thresholds.set_thresholds(passing, review)
                return fx.ThresholdsSet(old, (passing, review))
            case fx.Purge():
                report = await retention.purge(
                    self.media_dir, self.references, self.settings.retention_days
                )
                return fx.Purged(report.key_frame_folders, report.references)
            case fx.ReadAudit(count=count):
                entries = await auditlog.audit_lines(count)
                return fx.AuditRead(count, tuple(auditlog.format_audit_line(e) for e in entries))
            case fx.CountRecipients(language=language):
                recipients = await broadcast.broadcast_recipients(_filter(language))
                return fx.RecipientsCounted(language, len(recipients))
            case fx.DropButtons(message_id=message_id):
                try:
                    await self.messenger.edit_markup(admin_id, message_id, None)
                except MessengerError as error:
                    log.info("could not take the buttons off: %s", error.description)
            case fx.Deliver(html=html, language=language):
                recipients = await broadcast.broadcast_recipients(_filter(language))
                self._start_delivery(admin_id, recipients, html, language, lang)
                return fx.DeliveryStarted(len(recipients))
            case fx.Record(action=action, subject=subject, target=target, details=details):
                if subject is not None:
                    target = self.audit.pseudonym("tg", subject)
                await auditlog.record(self.audit, admin_id, action, target, **details)
            case _:
                assert_never(command)
        return None

    # ---------------------------------------------------------------------------- broadcast

    def _start_delivery(
        self, admin_id: int, recipients: list[int], html: str, language: str, lang: str
    ) -> None:
        """Delivery can take minutes (25 messages a second): it runs beside the update, so a
        webhook request is answered at once; its report comes through the dialogue."""
        task = asyncio.create_task(self._deliver(admin_id, recipients, html, language, lang))
        self._deliveries.add(task)
        task.add_done_callback(self._delivery_done)

    def _delivery_done(self, task: asyncio.Task[None]) -> None:
        self._deliveries.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("a broadcast failed", exc_info=error)

    async def _deliver(
        self, admin_id: int, recipients: list[int], html: str, language: str, lang: str
    ) -> None:
        async def send(chat_id: int) -> None:
            await self.messenger.send_text(chat_id, html)

        report = await self.deliver(recipients, send)
        done = fx.BroadcastDelivered(language, report.delivered, report.blocked, report.failed)
        await self._run(admin_id, done, lang=lang)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _filter(language: str) -> str | None:
    return None if language == "all" else language


def _stats_view(stats: Stats) -> fx.StatsView:
    median = stats.median_decision_seconds
    return fx.StatsView(
        period=stats.period.value,
        since=stats.since.strftime("%Y-%m-%d"),
        by_state=tuple((state.value, count) for state, count in stats.by_state.items()),
        approved=stats.approved,
        rejected=stats.rejected,
        median=format_duration(median) if median is not None else None,
        reasons=tuple(stats.reasons),
        open_tickets=stats.open_tickets,
        pending_reviews=stats.pending_reviews,
    )
