"""Webhook mode (production): an aiohttp server that receives Telegram's updates.

Routes, all on WEBHOOK_HOST:WEBHOOK_PORT:

- `POST <path of WEBHOOK_URL>`: updates, accepted only with the header
  `X-Telegram-Bot-Api-Secret-Token: <WEBHOOK_SECRET>` (401 otherwise, nothing handled);
- `GET /healthz`: 200 `{"ok": true, "checks": {...}}` when the database answers a trivial query
  and Redis (when REDIS_URL is set) answers PING; 503 with the failing check otherwise;
- `GET /metrics`: the Prometheus text exposition of this process.

Processes are identical and stateless (state lives in PostgreSQL and Redis), so any number of
them can run behind a load balancer; each calls setWebhook on start, which is idempotent.
The update route is the runtime's (aiogram's or PTB's, `Runtime.add_webhook_route`); updates
are handled before the response, so Telegram's delivery waits for a slow process instead of
piling updates on it. Health and metrics are the same for both runtimes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as redis_asyncio
from aiohttp import web
from tortoise import connections

from bot.config import Settings
from bot.metrics import CONTENT_TYPE, Metrics
from bot.wiring import App

__all__ = ["WebhookServer", "run_webhook", "webhook_path"]

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 3.0
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a secret token


def webhook_path(url: str) -> str:
    """The route of the update endpoint: the path of WEBHOOK_URL (`/` when it has none)."""
    return urlsplit(url).path or "/"


def _secret(settings: Settings) -> str:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not _SECRET.fullmatch(secret):
        raise ValueError(
            "WEBHOOK_SECRET must be set in webhook mode: 1 to 256 characters A-Z, a-z, 0-9, _ or -"
        )
    return secret


class WebhookServer:
    """The aiohttp server of one bot process. `start` listens (port 0 picks a free one) and
    `register` calls setWebhook; `run_webhook` does both and serves until cancelled."""

    def __init__(self, app: App, settings: Settings) -> None:
        if not settings.webhook_url:
            raise ValueError("WEBHOOK_URL must be set in webhook mode")
        self.app = app
        self.settings = settings
        self.url = settings.webhook_url
        self.secret = _secret(settings)
        self.host = settings.webhook_host
        self.port = settings.webhook_port
        self.metrics: Metrics = app.metrics
        self._redis: redis_asyncio.Redis | None = None
        if settings.redis_url:
            self._redis = redis_asyncio.Redis.from_url(
                settings.redis_url,
                socket_connect_timeout=CHECK_TIMEOUT_S,
                socket_timeout=CHECK_TIMEOUT_S,
            )
        self._runner: web.AppRunner | None = None
        self.web = self._build()

    def _build(self) -> web.Application:
        web_app = web.Application()
        self.app.runtime.add_webhook_route(web_app, webhook_path(self.url), self.secret)
        web_app.router.add_get("/healthz", self._healthz)
        web_app.router.add_get("/metrics", self._metrics)
        return web_app

    async def start(self) -> int:
        """Listens on WEBHOOK_HOST:WEBHOOK_PORT; returns the port (the chosen one for 0)."""
        self._runner = web.AppRunner(self.web, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # the bound port is only here
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("webhook server listening on %s:%s", self.host, self.port)
        return self.port

    async def register(self) -> None:
        """Points Telegram at WEBHOOK_URL (idempotent: every process may do it)."""
        await self.app.runtime.set_webhook(self.url, self.secret)
        log.info("webhook set to %s", self.url)

    async def stop(self) -> None:
        """Stops listening; requests in progress get `shutdown_timeout` to finish."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        redis, self._redis = self._redis, None
        if redis is not None:
            await redis.aclose()

    # --- health and metrics --------------------------------------------------------------------

    async def check(self) -> dict[str, str]:
        """Each dependency and its state: `ok`, or why it failed (no secrets, no URLs)."""
        checks = {"database": await self._probe(self._check_database())}
        if self._redis is not None:
            checks["redis"] = await self._probe(self._check_redis(self._redis))
        return checks

    @staticmethod
    async def _probe(probe: Any) -> str:
        try:
            await asyncio.wait_for(probe, CHECK_TIMEOUT_S)
        except TimeoutError:
            return "timeout"
        except Exception as exc:  # any failure means "not healthy", and which one
            return f"failed: {type(exc).__name__}"
        return "ok"

    @staticmethod
    async def _check_database() -> None:
        await connections.get("default").execute_query("SELECT 1")

    @staticmethod
    async def _check_redis(redis: redis_asyncio.Redis) -> None:
        if not await redis.ping():
            raise ConnectionError("no PONG")

    async def _healthz(self, request: web.Request) -> web.Response:
        checks = await self.check()
        ok = all(state == "ok" for state in checks.values())
        return web.json_response({"ok": ok, "checks": checks}, status=200 if ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def run_webhook(app: App, settings: Settings) -> None:
    """Serves updates, /healthz and /metrics until cancelled."""
    server = WebhookServer(app, settings)
    await server.start()
    try:
        await server.register()
        await app.runtime.startup()
        try:
            await asyncio.Event().wait()
        finally:
            await app.runtime.shutdown()
    finally:
        await server.stop()
