"""The aiogram runtime: a `Bot` pointed at Telegram (or a local Bot API server), and a
`Dispatcher` whose routers turn updates into calls on the Telegram-neutral core."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis

from bot.config import Settings
from bot.flows.admin_runner import AdminRunner
from bot.flows.agents import AgentDesk
from bot.flows.runner import CitizenRunner
from bot.handlers.aiogram import admin as admin_handlers
from bot.handlers.aiogram import citizen as citizen_handlers
from bot.handlers.aiogram.agents import build_agents_router
from bot.handlers.aiogram.menus import AiogramMenus
from bot.handlers.aiogram.messenger import AiogramMessenger
from bot.handlers.aiogram.middlewares import (
    BanMiddleware,
    DedupMiddleware,
    MetricsMiddleware,
    ThrottlingMiddleware,
    error_router,
)
from bot.handlers.aiogram.order import PerUserOrderMiddleware
from bot.handlers.aiogram.session import JsonSession
from bot.handlers.gate import BanGate
from bot.i18n import Translator
from bot.metrics import Metrics

_RESPONSE_TYPES: list[type] = []


def pin_response_types() -> None:
    """Keeps aiogram's `Response[<result type>]` models alive for the process.

    aiogram parses every Bot API answer with `Response[method.__returning__]`, a pydantic
    generic model that pydantic caches only weakly: each full garbage collection drops them
    and the next call builds the model and its validator again (about 10 % of the CPU of an
    update, measured with `bench.throughput`). aiogram's 41 result types and the light
    calls' (`calls.RESULT_TYPES`), built once (~0.15 s).
    """
    if _RESPONSE_TYPES:
        return
    from aiogram import methods
    from aiogram.methods.base import Response, TelegramMethod

    from bot.handlers.aiogram.calls import RESULT_TYPES

    results = set(RESULT_TYPES) | {
        kind.__returning__
        for kind in (getattr(methods, name) for name in methods.__all__)
        if isinstance(kind, type)
        and issubclass(kind, TelegramMethod)
        and kind is not TelegramMethod
    }
    _RESPONSE_TYPES.extend(Response[result] for result in results)  # type: ignore[valid-type]


def quiet_update_log() -> None:
    """aiogram logs every update it handled at INFO ("Update id=... is handled. Duration ...",
    about 4 % of an update's CPU time in bench/throughput): kept for LOG_LEVEL=DEBUG only.
    Its warnings and errors still show."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("aiogram.event").setLevel(logging.WARNING)


def make_bot(token: str, api_url: str | None) -> Bot:
    pin_response_types()
    session = JsonSession(api=TelegramAPIServer.from_base(api_url)) if api_url else JsonSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@contextlib.asynccontextmanager
async def background_polling(
    dispatcher: Dispatcher, bot: Bot, **polling_kwargs: Any
) -> AsyncIterator[asyncio.Task[None]]:
    """`dispatcher.start_polling` as a task while inside (no signal handlers, the session left
    open); stopped and awaited on the way out."""
    task = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, **polling_kwargs
        )
    )
    try:
        yield task
    finally:
        if dispatcher._stop_signal is not None and dispatcher._running_lock.locked():
            await dispatcher.stop_polling()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def filters_on_the_loop(router: Router) -> None:
    """aiogram calls a synchronous filter (a magic filter such as `F.text` or
    `F.chat.type == "private"`) through `asyncio.to_thread`: a round trip through the thread
    pool on every check, several per update. They only read attributes of the update, so
    they are called on the event loop instead (as aiogram does with `Filter` objects)."""
    for each in router.chain_tail:
        for observer in each.observers.values():
            for handler in (observer._handler, *observer.handlers):  # router-level filters too
                for item in handler.filters or ():
                    if not item.awaitable:
                        item.callback = _awaitable(item.callback)
                        item.awaitable = True


def _awaitable(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return call


@dataclass
class AiogramRuntime:
    bot: Bot
    messenger: AiogramMessenger
    bot_id: int
    name: str = "aiogram"
    dispatcher: Dispatcher | None = None

    def build(
        self,
        settings: Settings,
        *,
        runner: CitizenRunner,
        admin: AdminRunner,
        desk: AgentDesk | None,
        redis: Redis | None,
        translator: Translator,
        metrics: Metrics,
        bans: BanGate,
    ) -> None:
        dispatcher = Dispatcher(
            disable_fsm=True,  # no handler uses aiogram's FSM: no state read per update
            runner=runner,
            admin=admin,
            translator=translator,
            settings=settings,
            metrics=metrics,
        )
        # First: one user's updates go through everything below in arrival order.
        dispatcher.update.outer_middleware(PerUserOrderMiddleware())
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
        dispatcher.update.outer_middleware(BanMiddleware(translator, bans))
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
        filters_on_the_loop(dispatcher)
        quiet_update_log()
        self.dispatcher = dispatcher

    def polling(
        self, *, polling_timeout: int = 10, handle_as_tasks: bool = True
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
        """aiogram's long polling in the background (the task is yielded: it ends when polling
        fails for good). With `handle_as_tasks=False` the bot confirms an update (next
        getUpdates offset) only after its handler finished."""
        assert self.dispatcher is not None
        return background_polling(
            self.dispatcher,
            self.bot,
            polling_timeout=polling_timeout,
            handle_as_tasks=handle_as_tasks,
        )

    def add_webhook_route(self, web_app: web.Application, path: str, secret: str) -> None:
        """Updates are handled before the response (aiogram answers early, in the background,
        after 55 s), so Telegram's delivery waits for a slow process instead of piling updates
        on it."""
        assert self.dispatcher is not None
        SimpleRequestHandler(
            self.dispatcher, self.bot, handle_in_background=False, secret_token=secret
        ).register(web_app, path=path)

    async def set_webhook(self, url: str, secret: str) -> None:
        assert self.dispatcher is not None
        await self.bot.set_webhook(
            url=url,
            secret_token=secret,
            drop_pending_updates=False,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    async def startup(self) -> None:
        assert self.dispatcher is not None
        await self.dispatcher.emit_startup(bot=self.bot, **self.dispatcher.workflow_data)

    async def shutdown(self) -> None:
        assert self.dispatcher is not None
        await self.dispatcher.emit_shutdown(bot=self.bot, **self.dispatcher.workflow_data)

    @property
    def command_menus(self) -> AiogramMenus:
        return AiogramMenus(self.bot)

    async def close(self) -> None:
        await self.bot.session.close()


def make_runtime(token: str, api_url: str | None, bot_id: int) -> AiogramRuntime:
    bot = make_bot(token, api_url)
    return AiogramRuntime(bot, AiogramMessenger(bot), bot_id)
