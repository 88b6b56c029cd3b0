"""The aiogram runtime: a `Bot` pointed at Telegram (or a local Bot API server), and a
`Dispatcher` whose routers turn updates into calls on the Telegram-neutral core."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from redis.asyncio import Redis

from bot.config import Settings
from bot.flows.admin_runner import AdminRunner
from bot.flows.agents import AgentDesk
from bot.flows.menus import citizen_menus
from bot.flows.runner import CitizenRunner
from bot.handlers.aiogram import admin as admin_handlers
from bot.handlers.aiogram import citizen as citizen_handlers
from bot.handlers.aiogram.agents import build_agents_router
from bot.handlers.aiogram.messenger import AiogramMessenger
from bot.handlers.aiogram.middlewares import (
    BanMiddleware,
    DedupMiddleware,
    MetricsMiddleware,
    ThrottlingMiddleware,
    error_router,
)
from bot.i18n import Translator
from bot.metrics import Metrics
from bot.services.staff import StaffService


def make_bot(token: str, api_url: str | None) -> Bot:
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    )
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class AiogramRuntime:
    bot: Bot
    messenger: AiogramMessenger
    dispatcher: Dispatcher | None = None

    def build_dispatcher(
        self,
        settings: Settings,
        *,
        runner: CitizenRunner,
        admin: AdminRunner,
        desk: AgentDesk | None,
        redis: Redis | None,
        translator: Translator,
        metrics: Metrics,
    ) -> Dispatcher:
        dispatcher = Dispatcher(
            runner=runner,
            admin=admin,
            translator=translator,
            settings=settings,
            metrics=metrics,
        )
        # Across processes with webhooks; a single poller (Telegram allows one) dedups here.
        dispatcher.update.outer_middleware(
            DedupMiddleware(redis if settings.webhook_url else None, metrics=metrics)
        )
        dispatcher.update.outer_middleware(MetricsMiddleware(metrics))
        dispatcher.update.outer_middleware(
            ThrottlingMiddleware(
                translator, rate=settings.throttle_rate, burst=settings.throttle_burst
            )
        )
        dispatcher.update.outer_middleware(BanMiddleware(translator))
        dispatcher.include_router(admin_handlers.build_router(admin))
        dispatcher.include_router(citizen_handlers.build_router())
        if desk is not None:
            dispatcher.include_router(build_agents_router(desk))
        dispatcher.include_router(
            error_router(
                translator,
                redeliver_transient=bool(settings.webhook_url) and not settings.local_mode,
            )
        )
        self.dispatcher = dispatcher
        return dispatcher

    def role_menus(
        self, settings: Settings, translator: Translator, staff: StaffService
    ) -> admin_handlers.AiogramRoleMenus:
        return admin_handlers.AiogramRoleMenus(self.bot, translator, staff, settings)

    async def set_commands(self, settings: Settings, translator: Translator) -> None:
        await admin_handlers.apply_menus(self.bot, citizen_menus(translator))
        await admin_handlers.set_role_commands(
            self.bot, translator, StaffService(settings.admin_ids), settings
        )

    async def close(self) -> None:
        await self.bot.session.close()


def make_runtime(token: str, api_url: str | None) -> AiogramRuntime:
    bot = make_bot(token, api_url)
    return AiogramRuntime(bot, AiogramMessenger(bot))
