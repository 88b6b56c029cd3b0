"""Assembles the bot from settings: storage, services, job queue, aiogram bot and dispatcher.

Nothing is created at import: `build_app` makes everything, `App.close` releases it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.config import Settings
from bot.flows.core import FlowConfig
from bot.handlers import admin as admin_handlers
from bot.handlers import citizen as citizen_handlers
from bot.handlers.agents import AgentDesk, build_agents_router
from bot.handlers.engine import ConversationEngine
from bot.handlers.middlewares import (
    BanMiddleware,
    DedupMiddleware,
    MetricsMiddleware,
    ThrottlingMiddleware,
    error_router,
)
from bot.i18n import LANGUAGES, Translator
from bot.jobs.arq_queue import ArqJobQueue
from bot.jobs.local import LocalJobQueue
from bot.locks import RedisLocker
from bot.metrics import Metrics
from bot.security import load_vault
from bot.services.admin import current_thresholds, purge
from bot.services.audit import Audit
from bot.services.citizens import CitizenService
from bot.services.references import LocalReferenceRegistry
from bot.services.reviews import ReviewService
from bot.services.staff import StaffService
from bot.services.tickets import TicketService
from bot.services.verification import VerificationService
from bot.storage.db import close_db, init_db
from bot.storage.fsm import make_fsm_storage

log = logging.getLogger(__name__)

# Telegram's language_code for bot commands is a two-letter ISO 639-1 code.
_COMMAND_LANGUAGE = {"en": "en", "es": "es", "zh-CN": "zh"}


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
    )


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    engine: ConversationEngine
    queue: LocalJobQueue | ArqJobQueue
    storage: BaseStorage
    translator: Translator
    desk: AgentDesk | None = None
    metrics: Metrics = field(default_factory=Metrics)
    _closed: bool = field(default=False, repr=False)
    _background: list[asyncio.Task[None]] = field(default_factory=list, repr=False)

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
        verification = self.engine.verification
        lost_after = timedelta(seconds=3 * self.settings.analysis_timeout_seconds + 120)
        await verification.sweep_stuck(lost_after)
        if purge_due and verification.references is not None:
            report = await purge(
                verification.media_dir, verification.references, self.settings.retention_days
            )
            log.info("daily retention purge: %s", report)

    async def set_commands(self) -> None:
        for lang in LANGUAGES:
            commands = [
                BotCommand(
                    command=name, description=self.translator(lang, f"cmd-{name}", for_html=False)
                )
                for name in citizen_handlers.CITIZEN_COMMANDS
            ]
            scope = BotCommandScopeAllPrivateChats()
            await self.bot.set_my_commands(
                commands, scope=scope, language_code=_COMMAND_LANGUAGE[lang]
            )
            if lang == "en":
                await self.bot.set_my_commands(commands, scope=scope)
        await admin_handlers.set_role_commands(
            self.bot, self.translator, StaffService(self.settings.admin_ids), self.settings
        )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.queue.close()
        await self.storage.close()
        await self.bot.session.close()
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
    vault = load_vault(settings)
    translator = Translator()
    config = flow_config(settings)
    audit = Audit(vault)
    media_dir = settings.data_dir / "media"
    references = LocalReferenceRegistry(vault, settings.data_dir)
    citizens = CitizenService(
        vault,
        audit,
        config,
        media_dir=media_dir,
        application_expiry=timedelta(hours=settings.application_expiry_hours),
        references=references,
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
    )
    verification.vault, verification.references = vault, references
    verification.thresholds = functools.partial(current_thresholds, settings)
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    )
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    storage = make_fsm_storage(settings)
    redis = storage.redis if isinstance(storage, RedisStorage) else None  # locks, dedup
    metrics = verification.metrics = Metrics()
    engine = ConversationEngine(
        bot,
        storage,
        citizens,
        verification,
        translator,
        vault,
        default_language=settings.default_language,
        strict=strict,
        locker=RedisLocker(redis) if redis is not None else None,
    )
    dispatcher = Dispatcher(
        storage=storage, engine=engine, translator=translator, settings=settings, metrics=metrics
    )
    # Across processes with webhooks; a single poller (Telegram allows one) dedups in-process.
    dispatcher.update.outer_middleware(
        DedupMiddleware(redis if settings.webhook_url else None, metrics=metrics)
    )
    dispatcher.update.outer_middleware(MetricsMiddleware(metrics))
    dispatcher.update.outer_middleware(
        ThrottlingMiddleware(translator, rate=settings.throttle_rate, burst=settings.throttle_burst)
    )
    dispatcher.update.outer_middleware(BanMiddleware(translator))
    dispatcher.include_router(admin_handlers.build_router(settings, audit, vault))
    dispatcher.include_router(citizen_handlers.build_router())
    desk: AgentDesk | None = None
    if settings.agents_chat_id is not None:
        desk = AgentDesk(
            bot,
            settings.agents_chat_id,
            StaffService(settings.admin_ids),
            ReviewService(audit, media_dir=media_dir),
            TicketService(audit),
            translator,
            language=settings.agents_language,
            reminder_after=timedelta(minutes=settings.review_reminder_minutes),
        )
        desk.engine = engine
        desk.reviews.metrics = metrics
        engine.desk = desk
        verification.on_review = desk.announce
        dispatcher.include_router(build_agents_router(desk))
    dispatcher.include_router(
        error_router(
            translator, redeliver_transient=bool(settings.webhook_url) and not settings.local_mode
        )
    )
    await queue.start(verification.finish)
    return App(settings, bot, dispatcher, engine, queue, storage, translator, desk, metrics)
