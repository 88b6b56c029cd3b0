"""The round-robin HTTP proxy standing for the load balancer."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bench.loadrun.common import LOOPBACK, free_port, now

# --- the load balancer -------------------------------------------------------------------------


@dataclass
class Backend:
    url: str
    up: bool = True
    down_until: float = 0.0
    forwarded: int = 0
    connect_errors: int = 0
    broken: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    update_ids: list[int] = field(default_factory=list)
    broken_update_ids: list[int] = field(default_factory=list)


class Proxy:
    """Round robin over the bots' webhook servers; a bot that refuses connections (or fails its
    /healthz) is skipped until it answers again. A request whose bot broke off mid-way gets a
    502, which the emulator (like Telegram) retries."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = [Backend(url) for url in backends]
        self._next = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._health: asyncio.Task[None] | None = None
        self.port = 0
        self.requests = 0
        self.no_backend = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, LOOPBACK, self.port).start()
        self._health = asyncio.create_task(self._check_health())

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def close(self) -> None:
        if self._health is not None:
            self._health.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _pick(self) -> list[Backend]:
        """Backends in round-robin order from the next one, healthy ones first."""
        n = len(self.backends)
        start, self._next = self._next, (self._next + 1) % n
        order = [self.backends[(start + i) % n] for i in range(n)]
        t = now()
        return [b for b in order if b.up and b.down_until <= t] + [
            b for b in order if not (b.up and b.down_until <= t)
        ]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        self.requests += 1
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        update_id = -1
        with contextlib.suppress(ValueError, TypeError, KeyError):
            update_id = int(json.loads(body)["update_id"])
        for backend in self._pick():
            try:
                async with self._session.request(
                    request.method, backend.url + request.path_qs, data=body, headers=headers
                ) as resp:
                    data = await resp.read()
                    backend.forwarded += 1
                    backend.statuses[resp.status] += 1
                    backend.update_ids.append(update_id)
                    return web.Response(
                        status=resp.status,
                        body=data,
                        headers={"Content-Type": resp.headers.get("Content-Type", "text/plain")},
                    )
            except aiohttp.ClientConnectorError:
                backend.connect_errors += 1
                backend.down_until = now() + 2.0
                continue  # nothing reached that bot: the next one may take it
            except (aiohttp.ClientError, TimeoutError):
                backend.broken += 1
                backend.broken_update_ids.append(update_id)
                backend.down_until = now() + 2.0
                return web.Response(status=502, text="bot broke off")
        self.no_backend += 1
        return web.Response(status=502, text="no bot available")

    async def _check_health(self) -> None:
        assert self._session is not None
        while True:
            for backend in self.backends:
                try:
                    async with self._session.get(
                        backend.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        backend.up = resp.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    backend.up = False
            await asyncio.sleep(1.0)
