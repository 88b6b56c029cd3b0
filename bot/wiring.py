"""The one composition root: settings -> storage -> runtime adapter -> services -> runner and
desk -> dispatcher. Nothing is created at import: `build_app` makes everything, in order, and
`App.close` releases it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Settings
from bot.flows.admin_runner import AdminRunner
from bot.flows.agents import AgentDesk
from bot.flows.core import FlowConfig
from bot.flows.menus import RoleMenus
from bot.flows.notify import Hub
from bot.flows.runner import CitizenRunner
from bot.handlers.gate import BanGate, BanList
from bot.handlers.runtime import Runtime
from bot.i18n import Translator
from bot.jobs.arq_queue import ArqJobQueue
from bot.jobs.local import LocalJobQueue
from bot.locks import RedisLocker
from bot.metrics import Metrics
from bot.security import load_vault
from bot.services.admin.retention import purge
from bot.services.admin.thresholds import current_thresholds
from bot.services.audit import Audit
from bot.services.citizen_context import RedisContextVersions
from bot.services.citizens import CitizenService
from bot.services.references import LocalReferenceRegistry
from bot.services.reviews import ReviewService
from bot.services.staff import StaffService
from bot.services.tickets import TicketService
from bot.services.verification import VerificationService
from bot.storage.conversations import (
    RedisConversationStore,
    SqliteConversationStore,
    make_conversation_store,
)
from bot.storage.db import close_db, init_db

log = logging.getLogger(__name__)


def bot_id_of(token: str) -> int:
    """Telegram bot tokens start with the bot's numeric id (`123456:ABC...`)."""
    head = token.split(":", 1)[0]
    if not head.isdigit():
        raise ValueError("TELEGRAM_BOT_TOKEN must look like <bot id>:<secret>")
    return int(head)


def flow_config(settings: Settings) -> FlowConfig:
    return FlowConfig(
        max_members=settings.max_family_members,
        child_age=settings.child_age_years,
        session_idle_minutes=settings.session_idle_minutes,
        max_attempts_per_day=settings.max_face_attempts_per_day,
        challenge=tuple(a.strip() for a in settings.challenge.split(",") if a.strip()),
        randomise_challenge=settings.randomise_challenge,
        agents_configured=settings.agents_chat_id is not None,
        max_video_bytes=settings.max_video_bytes,
        max_video_seconds=settings.max_video_seconds,
        min_video_seconds=settings.min_video_seconds,
        max_photo_bytes=settings.max_photo_bytes,
        retention_days=settings.retention_days,
        ecard_valid_days=settings.ecard_valid_days,
    )


def make_runtime(settings: Settings, token: str, api_url: str | None, bot_id: int) -> Runtime:
    """The Telegram library that runs the bot: BOT_RUNTIME=aiogram (default) or ptb. Each is
    imported only when chosen."""
    if settings.bot_runtime == "ptb":
        from bot.handlers.ptb.runtime import make_runtime as make_ptb

        return make_ptb(token, api_url, bot_id)
    from bot.handlers.aiogram.runtime import make_runtime as make_aiogram

    return make_aiogram(token, api_url, bot_id)


@dataclass
class App:
    settings: Settings
    runtime: Runtime
    runner: CitizenRunner
    admin: AdminRunner
    queue: LocalJobQueue | ArqJobQueue
    store: SqliteConversationStore | RedisConversationStore
    translator: Translator
    verification: VerificationService
    menus: RoleMenus
    desk: AgentDesk | None = None
    metrics: Metrics = field(default_factory=Metrics)
    _closed: bool = field(default=False, repr=False)
    _background: list[asyncio.Task[None]] = field(default_factory=list, repr=False)

    @property
    def bot_id(self) -> int:
        return self.runtime.bot_id

    def start_background(self) -> None:
        """Periodic duties: review reminders, applications whose analysis was lost, and the
        daily retention purge (key frames and reference photos older than RETENTION_DAYS)."""
        self._background.append(asyncio.create_task(self._periodic()))

    async def _periodic(self) -> None:
        last_purge: float | None = None
        while True:
            await asyncio.sleep(60)
            now = asyncio.get_running_loop().time()
            purge_due = last_purge is None or now - last_purge >= 24 * 3600
            try:
                await self.periodic_duties(purge_due=purge_due)
            except Exception:
                log.exception("periodic duties failed")
            if purge_due:
                last_purge = now

    async def periodic_duties(self, *, purge_due: bool) -> None:
        """One round of the periodic duties (every minute; the purge once a day)."""
        if self.desk is not None:
            await self.desk.remind_pending()
        verification = self.verification
        lost_after = timedelta(seconds=3 * self.settings.analysis_timeout_seconds + 120)
        await verification.sweep_stuck(lost_after)
        if purge_due and verification.references is not None:
            report = await purge(
                verification.media_dir, verification.references, self.settings.retention_days
            )
            log.info("daily retention purge: %s", report)

    async def set_commands(self) -> None:
        """The command menus of every role (the citizens', the admins', the agents' group's)."""
        await self.menus.set_all()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.admin.close()
        await self.queue.close()
        await self.store.close()
        await self.runtime.close()
        await close_db()


async def build_app(
    settings: Settings,
    *,
    token: str,
    api_url: str | None,
    strict: bool = False,
    queue: LocalJobQueue | ArqJobQueue | None = None,
) -> App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await init_db(settings.effective_database_url)
    bot_id = bot_id_of(token)
    vault = load_vault(settings)
    translator = Translator()
    config = flow_config(settings)
    audit = Audit(vault)
    metrics = Metrics()
    hub = Hub()
    media_dir = settings.data_dir / "media"
    references = LocalReferenceRegistry(vault, settings.data_dir)
    store = make_conversation_store(settings, bot_id=bot_id)
    redis = store.redis if isinstance(store, RedisConversationStore) else None  # locks, dedup
    runtime = make_runtime(settings, token, api_url, bot_id)
    # several processes share PostgreSQL: a citizen's rows are kept under a version token in
    # Redis, read along with the conversation's lock; on SQLite (one process) the
    # connection's count of changes does
    context_versions = (
        RedisContextVersions(redis)
        if redis is not None and not settings.effective_database_url.startswith("sqlite")
        else None
    )
    citizens = CitizenService(
        vault,
        audit,
        config,
        media_dir=media_dir,
        application_expiry=timedelta(hours=settings.application_expiry_hours),
        references=references,
        context_versions=context_versions,
    )
    queue = queue or (
        ArqJobQueue(settings.redis_url)
        if settings.redis_url and settings.analysis_backend == "arq"
        else LocalJobQueue(
            settings.analysis_workers, timeout_s=settings.analysis_timeout_seconds + 30
        )
    )
    verification = VerificationService(
        queue,
        audit,
        files=runtime.messenger,
        notifier=hub,
        media_dir=media_dir,
        max_attempts_per_day=settings.max_face_attempts_per_day,
        child_age=settings.child_age_years,
        job_defaults={
            "max_bytes": settings.max_video_bytes,
            "max_seconds": float(settings.max_video_seconds),
            "min_seconds": float(settings.min_video_seconds),
            "time_limit_s": settings.analysis_timeout_seconds,
            "match_pass_distance": settings.match_pass_distance,
            "match_review_distance": settings.match_review_distance,
        },
        vault=vault,
        references=references,
        thresholds=functools.partial(current_thresholds, settings),
        metrics=metrics,
        changes=citizens.contexts,
    )
    # one staff list for the desk and the admin runner: a role changed by an admin's command
    # counts at once for both
    staff = StaffService(settings.admin_ids, refresh_s=settings.staff_refresh_seconds)
    desk: AgentDesk | None = None
    if settings.agents_chat_id is not None:
        reviews = ReviewService(
            audit,
            media_dir=media_dir,
            metrics=metrics,
            vault=vault,
            references=references,
            changes=citizens.contexts,
        )
        desk = AgentDesk(
            runtime.messenger,
            settings.agents_chat_id,
            staff,
            reviews,
            TicketService(audit),
            translator,
            hub,
            language=settings.agents_language,
            citizens_language=settings.default_language,
            reminder_after=timedelta(minutes=settings.review_reminder_minutes),
        )
    runner = CitizenRunner(
        bot_id=bot_id,
        messenger=runtime.messenger,
        store=store,
        citizens=citizens,
        verification=verification,
        translator=translator,
        vault=vault,
        desk=desk,
        default_language=settings.default_language,
        strict=strict,
        locker=RedisLocker(redis, read_along=context_versions) if redis is not None else None,
    )
    menus = RoleMenus(
        runtime.command_menus,
        translator,
        staff.admins,
        agents_chat_id=settings.agents_chat_id,
        agents_language=settings.agents_language,
    )
    admin = AdminRunner(
        bot_id=bot_id,
        messenger=runtime.messenger,
        store=store,
        staff=staff,
        audit=audit,
        translator=translator,
        settings=settings,
        references=references,
        media_dir=media_dir,
        language_of=runner.language_of,
        menus=menus,
        locker=RedisLocker(redis) if redis is not None else None,
    )
    if desk is not None:
        hub.subscribe(desk.notify)
    hub.subscribe(runner.notify)
    runtime.build(
        settings,
        runner=runner,
        admin=admin,
        desk=desk,
        redis=redis,
        translator=translator,
        metrics=metrics,
        # who is banned is read again as often as who is staff
        bans=BanGate(translator, banned=BanList(refresh_s=settings.staff_refresh_seconds)),
    )
    await queue.start(verification.finish)
    return App(
        settings,
        runtime,
        runner,
        admin,
        queue,
        store,
        translator,
        verification,
        menus,
        desk,
        metrics,
    )
