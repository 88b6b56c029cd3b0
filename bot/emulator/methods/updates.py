"""getMe, getUpdates, webhooks and logOut."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.emulator.errors import (
    POLLING_CONFLICT,
    WEBHOOK_CONFLICT,
    ApiError,
    bad_request,
)
from bot.emulator.methods.base import ApiBase
from bot.emulator.params import Params
from bot.emulator.state import WebhookConfig


class UpdateMethods(ApiBase):
    async def get_me(self, params: Params) -> Any:
        return {
            **self.emu.bot_user.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> Any:
        emu = self.emu
        if emu.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.integer("timeout") or 0, 0)
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            emu.allowed_updates = [str(kind) for kind in allowed] or None
        emu.confirm_updates(offset)
        emu.poll_generation += 1
        generation = emu.poll_generation
        emu.updates_pulse.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = emu.deliverable_updates(limit)
            if batch or emu.closing:
                return [update.payload for update in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await emu.updates_pulse.wait(remaining)
            if emu.poll_generation != generation:
                raise ApiError(409, POLLING_CONFLICT)

    async def set_webhook(self, params: Params) -> Any:
        url = params.text("url")
        if not url:
            await self.webhooks.set(None)
            return True
        if not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        secret = params.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            self.emu.allowed_updates = [str(kind) for kind in allowed] or None
        if params.flag("drop_pending_updates"):
            self.emu.drop_pending_updates()
        config = WebhookConfig(url=url, secret_token=secret)
        config.max_connections = params.integer("max_connections") or 40
        await self.webhooks.set(config)
        return True

    async def delete_webhook(self, params: Params) -> Any:
        if params.flag("drop_pending_updates"):
            self.emu.drop_pending_updates()
        await self.webhooks.set(None)
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        webhook = self.emu.webhook
        info: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.emu.update_queue),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        if self.emu.allowed_updates:
            info["allowed_updates"] = list(self.emu.allowed_updates)
        return info

    async def log_out(self, params: Params) -> Any:
        return True

    # --- messages --------------------------------------------------------------------------
