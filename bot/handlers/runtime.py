"""What the composition root and the entry points need of a Telegram runtime (aiogram or
python-telegram-bot), as one protocol both adapters satisfy."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from aiohttp import web
from redis.asyncio import Redis

from bot.config import Settings
from bot.flows.admin_runner import AdminRunner
from bot.flows.agents import AgentDesk
from bot.flows.menus import MenuPort
from bot.flows.ports import Messenger
from bot.flows.runner import CitizenRunner
from bot.handlers.gate import BanGate
from bot.i18n import Translator
from bot.metrics import Metrics


class Runtime(Protocol):
    name: str
    bot_id: int

    @property
    def messenger(self) -> Messenger: ...

    @property
    def command_menus(self) -> MenuPort:
        """Carries out the command menus `bot.flows.menus.RoleMenus` decides."""
        ...

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
        """Routes updates to the core; called once, after the core is built. `bans` is the
        gate every update passes (its ban list read as often as the staff list)."""
        ...

    def polling(
        self, *, polling_timeout: int = 10, handle_as_tasks: bool = True
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
        """Long polling in the background while inside; yields the polling task, which ends
        only when polling fails for good. Without `handle_as_tasks` an update is confirmed to
        Telegram only after it was handled (tests and the emulator need that)."""
        ...

    def add_webhook_route(self, web_app: web.Application, path: str, secret: str) -> None:
        """`POST path` receives updates, checked against Telegram's secret header."""
        ...

    async def set_webhook(self, url: str, secret: str) -> None: ...

    async def startup(self) -> None:
        """Before serving webhooks."""
        ...

    async def shutdown(self) -> None: ...

    async def close(self) -> None: ...
