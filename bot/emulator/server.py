"""The emulator: Bot API routes, file downloads and the web chat on one aiohttp app.

Modules import only downwards: records, errors, state, params, files -> world -> actors,
webhooks, methods -> webchat -> server.
"""

from __future__ import annotations

from typing import Any, Unpack

from aiohttp import web

from bot.emulator.actors import DEFAULT_AGENT_ID, Cast, Supergroup
from bot.emulator.errors import ApiError
from bot.emulator.methods import BotApi
from bot.emulator.params import Params
from bot.emulator.state import WebhookConfig
from bot.emulator.webchat import add_web_chat_routes
from bot.emulator.webhooks import WebhookDelivery
from bot.emulator.world import DEFAULT_TOKEN, World, WorldOptions

__all__ = ["DEFAULT_AGENT_ID", "DEFAULT_TOKEN", "Emulator"]


class Emulator(World):
    """An in-process Telegram Bot API server for one bot, with simulated people and groups."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        agents_chat_id: int | None = None,
        agents_title: str = "Agents",
        **options: Unpack[WorldOptions],
    ) -> None:
        """`agents_chat_id` (e.g. -1001000000001) creates the agents' forum supergroup that the
        web chat's "Agents' group" pane shows, with agent DEFAULT_AGENT_ID already a member.
        `options`: see WorldOptions (token, bot name, rate limits, timeouts, admin ids)."""
        super().__init__(**options)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self.cast = Cast(self)
        self.user = self.cast.user
        self.supergroup = self.cast.supergroup
        self.webhooks = WebhookDelivery(self, self._call)
        self._api = BotApi(self, self.webhooks)
        self.agents_chat_id = agents_chat_id
        self.agents: Supergroup | None = None
        if agents_chat_id is not None:
            self.agents = self.supergroup(agents_chat_id, agents_title, is_forum=True)
            self.agents.add_member(self.user(DEFAULT_AGENT_ID, "Agent"))
        self.cast.agents = self.agents
        self.app = self._build_app()

    async def _call(self, method: str, params: Params) -> Any:
        return await self._api.call(method, params)

    # --- lifecycle -------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        add_web_chat_routes(app, self, self.cast)
        return app

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        self.closing = False
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.closing = True
        self.updates_pulse.fire()
        self.events_pulse.fire()
        await self.webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def web_url(self) -> str:
        return f"{self.base_url}/"

    async def set_webhook(self, config: WebhookConfig | None) -> None:
        await self.webhooks.set(config)

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        method = request.match_info["method"]
        try:
            params = await Params.from_request(request)
            result = await self._api.call(method, params)
        except ApiError as error:
            return web.json_response(error.to_json(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.files_by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
