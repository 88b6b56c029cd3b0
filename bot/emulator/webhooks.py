"""Webhook delivery: POST each update to the bot's URL, retrying with backoff, and run the
method call a webhook response may carry."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.emulator.errors import ApiError
from bot.emulator.params import Params
from bot.emulator.state import PendingUpdate, WebhookConfig
from bot.emulator.world import World

RunMethod = Callable[[str, Params], Awaitable[Any]]


class WebhookDelivery:
    """Delivers the world's updates to its webhook while one is set."""

    def __init__(self, world: World, run_method: RunMethod) -> None:
        self.world = world
        self.run_method = run_method
        self._task: asyncio.Task[None] | None = None

    async def set(self, config: WebhookConfig | None) -> None:
        await self.stop()
        world = self.world
        world.webhook = config
        world.poll_generation += 1
        world.updates_pulse.fire()
        if config is not None:
            self._task = asyncio.create_task(self._deliver(config))

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, config: WebhookConfig) -> None:
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        delay = self.world.webhook_retry_delay
        async with ClientSession(timeout=ClientTimeout(total=60)) as session:
            while not self.world.closing:
                batch = self.world.deliverable_updates(1)
                if not batch:
                    await self.world.updates_pulse.wait(1.0)
                    continue
                update = batch[0]
                error = await self._post_update(session, config, headers, update)
                if error is None:
                    self.world.confirm_updates(update.update_id + 1)
                    delay = self.world.webhook_retry_delay
                    continue
                config.last_error_date = int(time.time())
                config.last_error_message = error
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _post_update(
        self,
        session: ClientSession,
        config: WebhookConfig,
        headers: dict[str, str],
        update: PendingUpdate,
    ) -> str | None:
        """POST one update; returns an error text, or None once the bot accepted it."""
        try:
            async with session.post(
                config.url, data=json.dumps(update.payload), headers=headers
            ) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (ClientError, TimeoutError) as exc:
            return f"Connection failed: {type(exc).__name__}"
        await self._run_webhook_reply(body)
        return None

    async def _run_webhook_reply(self, body: bytes) -> None:
        """A webhook response may carry one method call, which Telegram then executes."""
        try:
            call = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError):
            return
        if isinstance(call, dict) and isinstance(call.get("method"), str):
            method = call.pop("method")
            with contextlib.suppress(ApiError):
                await self.run_method(method, Params(call))
