"""The python-telegram-bot runtime: an `ExtBot` pointed at Telegram (or a local Bot API
server, or the emulator), and an `Application` whose handlers turn updates into calls on the
Telegram-neutral core, exactly as the aiogram routers do.

Around the handlers every update goes through the same gate as under aiogram (dedup, metrics,
throttle, bans: `bot.handlers.gate`); PTB's error handler is the last resort. Updates are
handled concurrently (`concurrent_updates` with `PerUserOrder`: one user's updates one after
another, in arrival order). PTB's `Updater` is not used: it confirms a batch of updates to
Telegram (next getUpdates offset) before they are handled; `polling` here confirms a batch
only once it is handled, as aiogram's polling with `handle_as_tasks=False` (an update lost to
a crash is delivered again; the dedup drops a repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from telegram import (
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    ExtBot,
)
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.flows.admin_runner import AdminRunner
from bot.flows.agents import AgentDesk
from bot.flows.runner import CitizenRunner
from bot.handlers.gate import (
    BanGate,
    Dedup,
    Throttle,
    failure_text,
    is_transient,
    left_for_redelivery,
)
from bot.handlers.ptb import admin as admin_handlers
from bot.handlers.ptb import agents as agent_handlers
from bot.handlers.ptb import citizen as citizen_handlers
from bot.handlers.ptb.menus import PtbMenus
from bot.handlers.ptb.messenger import PtbMessenger
from bot.handlers.ptb.order import PerUserOrder
from bot.i18n import Translator
from bot.metrics import Metrics, count_error

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
MAX_CONCURRENT_UPDATES = 256
HTTP_CONNECTIONS = 20
"""Connections to the Bot API. httpx keeps at most 20 alive: with PTB's default pool of 256,
every request past 20 at once opened a new connection and closed it after, and httpcore
looks through every pooled connection on each request (bench/throughput, the bare echo bot
at 200 citizens: 4.4 ms of CPU per update with 256 connections, 3.3-3.8 ms with 16-20).
20 at a time is far above what Telegram's flood limits let a bot send."""
HTTP_POOL_WAIT_S = 30.0
"""How long a request may wait for a free connection (PTB's default is 1 s, then TimedOut)."""


def bot_api_request() -> HTTPXRequest:
    """The HTTP client for Bot API calls (getUpdates has its own)."""
    return HTTPXRequest(connection_pool_size=HTTP_CONNECTIONS, pool_timeout=HTTP_POOL_WAIT_S)


def make_bot(token: str, api_url: str | None) -> ExtBot[None]:
    api = (api_url or "https://api.telegram.org").rstrip("/")
    return ExtBot(
        token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML),
        request=bot_api_request(),
        get_updates_request=HTTPXRequest(connection_pool_size=2),
    )


def update_kind(update: Update) -> str:
    """The update's type, as aiogram's `Update.event_type` names it."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "unknown"


@dataclass
class _Outcome:
    redeliver: bool = False


@dataclass
class PtbRuntime:
    bot: ExtBot[None]
    messenger: PtbMessenger
    bot_id: int
    name: str = "ptb"
    application: Application[Any, Any, Any, Any, Any, Any] | None = None
    translator: Translator | None = None
    metrics: Metrics | None = None
    dedup: Dedup = field(default_factory=Dedup)
    throttle: Throttle | None = None
    bans: BanGate | None = None
    redeliver_transient: bool = False
    _failures: dict[int, BaseException] = field(default_factory=dict)
    _polling: asyncio.Task[None] | None = None

    # --- building ------------------------------------------------------------------------------

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
        """The conversation state stays in our ConversationStore (no PTB persistence)."""
        self.translator = translator
        self.metrics = metrics
        # Across processes with webhooks; a single poller (Telegram allows one) dedups here.
        self.dedup = Dedup(redis if settings.webhook_url else None, metrics=metrics)
        self.throttle = Throttle(
            translator, rate=settings.throttle_rate, burst=settings.throttle_burst
        )
        self.bans = bans
        self.redeliver_transient = bool(settings.webhook_url) and not settings.local_mode
        application = (
            ApplicationBuilder()
            .bot(self.bot)
            .updater(None)
            .concurrent_updates(PerUserOrder(MAX_CONCURRENT_UPDATES))
            .build()
        )
        application.add_handlers(admin_handlers.build_handlers(admin), group=admin_handlers.GROUP)
        application.add_handlers(citizen_handlers.build_handlers(runner, translator))
        if desk is not None:
            application.add_handlers(agent_handlers.build_handlers(desk))

        async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            assert query is not None
            if query.message is None:
                return
            if desk is not None and query.message.chat.id == desk.chat_id:
                await agent_handlers.on_button(query, desk)
            elif query.message.chat.type == "private":
                await citizen_handlers.on_button(query, runner, translator)

        application.add_handler(CallbackQueryHandler(on_callback))
        application.add_error_handler(self._on_error)
        self.application = application

    async def initialize(self) -> None:
        """getMe and the update processor; idempotent."""
        assert self.application is not None
        await self.application.initialize()

    # --- one update ----------------------------------------------------------------------------

    async def handle(self, update: Update) -> bool:
        """Handles one update through the update processor (so in per-user order); False when
        it failed on the infrastructure and should be delivered again (webhook mode)."""
        assert self.application is not None
        outcome = _Outcome()
        await self.application.update_processor.process_update(
            update, self._through_gate(update, outcome)
        )
        return not outcome.redeliver

    async def _through_gate(self, update: Update, outcome: _Outcome) -> None:
        assert self.application is not None and self.metrics is not None
        if not await self.dedup.first_time(self.bot_id, update.update_id):
            self.dedup.dropped(update.update_id)
            return
        kind = update_kind(update)
        self.metrics.updates.labels(kind).inc()
        started = time.perf_counter()
        try:
            try:
                admitted = await self._admitted(update)
            except Exception as exc:  # the gate's own failure goes to the error handler too
                await self.application.process_error(update, exc)
                admitted = False
            if admitted:
                await self.application.process_update(update)
        finally:
            if self.bans is not None:  # an admin's /ban or /unban counts at once here
                self.bans.handled(update.message.text if update.message else None)
            self.metrics.handler_seconds.labels(kind).observe(time.perf_counter() - started)
        failure = self._failures.pop(update.update_id, None)
        if failure is not None and is_transient(failure):
            await self.dedup.forget(self.bot_id, update.update_id)  # let the redelivery through
            outcome.redeliver = self.redeliver_transient

    async def _admitted(self, update: Update) -> bool:
        """The throttle and the ban list, as aiogram's outer middlewares."""
        assert self.throttle is not None and self.bans is not None
        user = update.effective_user
        if user is None:
            return True
        query = update.callback_query
        allowed, warn = self.throttle.allow(user.id)
        if not allowed:
            text = self.throttle.refusal(user.language_code)
            if query is not None:
                await query.answer(text)
            elif warn and update.message is not None:
                await self.bot.send_message(update.message.chat.id, text)
            return False
        if user.is_bot:
            return True
        message = (
            update.message if update.message and update.message.chat.type == "private" else None
        )
        verdict = await self.bans.verdict(
            user.id,
            user.language_code,
            can_tell=query is not None or message is not None,
            for_html=query is None,
        )
        if verdict is None:
            return True
        try:
            if query is not None:
                await query.answer(verdict.text, show_alert=verdict.text is not None)
            elif message is not None and verdict.text is not None:
                await self.bot.send_message(message.chat.id, verdict.text)
        except TelegramError as error:
            log.warning("could not answer a banned user: %s", type(error).__name__)
        return False

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The last resort: log the failure (type and place only: no personal data) and tell
        the person something went wrong, instead of leaving them with silence. In webhook mode
        an infrastructure failure is answered with an error status instead, so that Telegram
        delivers the update again later."""
        error = context.error
        assert error is not None and self.translator is not None
        if not isinstance(update, Update):
            count_error(self.metrics, error)
            log.error("PTB failed outside an update: %s", type(error).__name__, exc_info=error)
            return
        self._failures[update.update_id] = error
        if left_for_redelivery(
            update.update_id,
            error,
            redeliver_transient=self.redeliver_transient,
            metrics=self.metrics,
        ):
            return
        query, message = update.callback_query, update.message
        try:
            if query is not None:
                code = query.from_user.language_code
                await query.answer(failure_text(self.translator, code, for_html=False))
            elif (
                message is not None
                and message.from_user is not None
                and message.chat.type == "private"
            ):
                code = message.from_user.language_code
                text = failure_text(self.translator, code, for_html=True)
                await self.bot.send_message(message.chat.id, text)
        except Exception:
            log.warning("could not tell the user about the failure of update %s", update.update_id)

    # --- long polling --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def polling(
        self, *, polling_timeout: int = 10, handle_as_tasks: bool = True
    ) -> AsyncIterator[asyncio.Task[None]]:
        """Long polling in the background (the task is yielded: it ends only on a rejected
        token). Without `handle_as_tasks` a batch is confirmed (the next getUpdates offset) only
        once every update in it was handled: what makes the emulator's replies complete, and no
        update is lost to a crash. With it, updates are handled as tasks (bounded by the update
        processor) and polling goes on at once."""
        await self.initialize()
        self._polling = asyncio.create_task(self._poll(polling_timeout, handle_as_tasks))
        try:
            yield self._polling
        finally:
            task, self._polling = self._polling, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _poll(self, polling_timeout: int, handle_as_tasks: bool) -> None:
        offset: int | None = None
        pending: set[asyncio.Task[bool]] = set()
        backoff = 0.5
        try:
            while True:
                try:
                    updates = await self.bot.get_updates(
                        offset=offset, timeout=polling_timeout, allowed_updates=ALLOWED_UPDATES
                    )
                except InvalidToken:
                    log.error("getUpdates: the token was rejected; polling stops")
                    raise
                except TelegramError as error:  # Conflict (another poller) included
                    log.warning("getUpdates failed (%s): retrying", type(error).__name__)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.5
                if not updates:
                    continue
                tasks = [asyncio.create_task(self.handle(update)) for update in updates]
                if handle_as_tasks:
                    pending.update(tasks)
                    for task in tasks:
                        task.add_done_callback(pending.discard)
                else:
                    await asyncio.gather(*tasks, return_exceptions=True)
                offset = updates[-1].update_id + 1
        finally:
            for task in pending:
                task.cancel()

    # --- webhook -------------------------------------------------------------------------------

    def add_webhook_route(self, web_app: web.Application, path: str, secret: str) -> None:
        """`POST path`: one update, accepted only with Telegram's secret header; handled before
        the answer (200), or 500 after an infrastructure failure so that it comes again."""

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not secrets.compare_digest(given.encode(), secret.encode()):
                return web.Response(status=401, text="Unauthorized")
            try:
                data = await request.json()
                update = Update.de_json(data, self.bot)
            except (ValueError, TypeError, KeyError):
                return web.Response(status=400, text="Bad Request")
            handled = await self.handle(update)
            return web.Response(status=200 if handled else 500)

        web_app.router.add_post(path, receive)

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.initialize()
        await self.bot.set_webhook(
            url=url,
            secret_token=secret,
            drop_pending_updates=False,
            allowed_updates=ALLOWED_UPDATES,
        )

    async def startup(self) -> None:
        await self.initialize()

    async def shutdown(self) -> None:
        return None

    # --- menus and closing ---------------------------------------------------------------------

    @property
    def command_menus(self) -> PtbMenus:
        return PtbMenus(self.bot, self.initialize)

    async def close(self) -> None:
        if self.application is not None:
            await self.application.shutdown()  # the bot's too, once initialized
        await self.bot.shutdown()  # returns at once when already shut down


def make_runtime(token: str, api_url: str | None, bot_id: int) -> PtbRuntime:
    bot = make_bot(token, api_url)
    return PtbRuntime(bot, PtbMessenger(bot), bot_id)
