"""Webhook mode end to end: the real app behind `run_webhook`, the emulator delivering updates
to it over loopback HTTP (setWebhook), real Redis for the duplicate check and the locks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.emulator import Emulator
from bot.emulator.testing import running_emulator
from bot.flows.core import t
from bot.handlers.webhook import run_webhook
from bot.storage.db import close_db
from bot.wiring import App, build_app
from tests import dbutil
from tests.e2e.harness import RUNTIMES, TRANSLATOR, make_settings
from tests.storage.conftest import redis_url

__all__ = ["redis_url"]

SECRET = "webhook-secret_0123"
ACCEPT = TRANSLATOR.render("en", t("btn-accept"), for_html=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    emulator: Emulator
    app: App
    settings: Settings
    base: str  # http://127.0.0.1:<port>
    http: aiohttp.ClientSession

    @property
    def hook(self) -> str:
        assert self.settings.webhook_url is not None
        return self.settings.webhook_url

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with self.http.post(self.hook, json=update, headers=headers) as resp:
            await resp.read()
            return resp.status

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path) as resp:
            return resp.status, await resp.text()


def start_update(update_id: int, user_id: int, text: str = "/start") -> dict[str, Any]:
    """A raw private-chat message update, as Telegram would POST it."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": sender,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]
            if text.startswith("/")
            else [],
        },
    }


@contextlib.asynccontextmanager
async def serving(
    tmp_path: Path, redis: str, *, reachable: bool = True, runtime: str = "aiogram"
) -> AsyncIterator[Served]:
    """A fresh bot id (its own Redis keys), the emulator, and the app in webhook mode on the
    given runtime."""
    bot_id = 700_000_000 + secrets.randbelow(99_999_999)
    port = free_port()
    settings = make_settings(
        tmp_path / "data",
        redis_url=redis,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret=SECRET,
        webhook_host="127.0.0.1",
        webhook_port=port,
        bot_runtime=runtime,
    )
    try:
        async with running_emulator(token=f"{bot_id}:webhook-test") as emulator:
            app = await build_app(
                settings, token=emulator.token, api_url=emulator.base_url, strict=True
            )
            task = asyncio.create_task(run_webhook(app, settings))
            try:
                async with aiohttp.ClientSession() as http:
                    served = Served(emulator, app, settings, f"http://127.0.0.1:{port}", http)
                    await _until_listening(served, task)
                    yield served
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await app.close()
    finally:
        if reachable:
            for pattern in (f"fsm:{bot_id}:*", f"ssc:update:{bot_id}:*", f"ssc:lock:*:{bot_id}:*"):
                await dbutil.delete_redis_keys(redis, pattern)


async def _until_listening(served: Served, task: asyncio.Task[None]) -> None:
    for _ in range(200):
        if task.done():
            task.result()  # raises what stopped it
        if served.emulator.webhook is not None:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                await served.get("/metrics")
                return
        await asyncio.sleep(0.025)
    raise AssertionError("the webhook server did not start")


@pytest.fixture(params=RUNTIMES)
async def served(
    tmp_path: Path, redis_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[Served]:
    """The app in webhook mode, once per runtime (aiogram, python-telegram-bot)."""
    async with serving(tmp_path, redis_url, runtime=request.param) as value:
        yield value


def metric(text: str, name: str) -> float:
    """The value of one sample line (`name` with its labels, exactly) of an exposition."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_a_citizen_is_answered_through_the_webhook(served: Served) -> None:
    emulator = served.emulator
    assert emulator.webhook is not None
    assert emulator.webhook.url == served.hook
    assert emulator.webhook.secret_token == SECRET
    assert emulator.allowed_updates  # what the dispatcher handles, not everything
    assert "message" in emulator.allowed_updates

    user = emulator.user(user_id=4201, first_name="Ana", language_code="en")
    reply = await user.send_text("/start")
    assert reply.messages, "the bot answered nothing"
    assert any(ACCEPT in m.buttons for m in reply.messages), reply.messages
    # and the conversation goes on: the next update lands in the same conversation
    reply = await user.press(ACCEPT)
    assert reply.messages


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    served: Served, redis_url: str
) -> None:
    user = served.emulator.user(user_id=4202, first_name="Ana", language_code="en")
    update = start_update(9_000_001, user.id)
    assert await served.post(update, secret="not-the-secret") in (401, 403)
    assert await served.post(update, secret=None) in (401, 403)
    assert await served.post(update, secret="") in (401, 403)
    await asyncio.sleep(0.2)
    assert user.bot_messages == []
    redis = dbutil.redis_asyncio.from_url(redis_url)
    try:
        assert await redis.exists(f"ssc:update:{served.app.bot_id}:9000001") == 0
        assert await redis.keys(f"fsm:{served.app.bot_id}:*") == []
    finally:
        await redis.aclose()
    _, text = await served.get("/metrics")
    assert metric(text, 'ssc_updates_total{type="message"}') == 0
    # the right secret on the same update is accepted: the refusals left no trace behind
    assert await served.post(update) == 200
    assert user.bot_messages


async def test_the_same_update_twice_is_handled_once(served: Served, redis_url: str) -> None:
    user = served.emulator.user(user_id=4203, first_name="Ana", language_code="en")
    update = start_update(9_000_002, user.id)
    assert await served.post(update) == 200
    answered = len(user.bot_messages)
    assert answered > 0
    assert await served.post(update) == 200  # Telegram retrying, or a second process
    assert await served.post(json.loads(json.dumps(update))) == 200
    assert len(user.bot_messages) == answered
    # decided in Redis, so every process behind the load balancer agrees
    redis = dbutil.redis_asyncio.from_url(redis_url)
    try:
        key = f"ssc:update:{served.app.bot_id}:9000002"
        assert await redis.get(key) == b"1"
        assert 3500 < await redis.ttl(key) <= 3600
    finally:
        await redis.aclose()
    _, text = await served.get("/metrics")
    assert metric(text, "ssc_duplicate_updates_total") == 2
    assert metric(text, 'ssc_updates_total{type="message"}') == 1


async def test_a_second_process_drops_an_update_the_first_handled(
    served: Served, tmp_path: Path, redis_url: str
) -> None:
    """Two processes (two apps, one Redis): an update handled by one is dropped by the other."""
    from bot.handlers.gate import Dedup
    from bot.storage.conversations import RedisConversationStore, make_conversation_store

    user = served.emulator.user(user_id=4204, first_name="Ana", language_code="en")
    assert await served.post(start_update(9_000_003, user.id)) == 200
    storage = make_conversation_store(served.settings, bot_id=served.app.bot_id)
    assert isinstance(storage, RedisConversationStore)
    try:
        other = Dedup(storage.redis)
        assert not await other.first_time(served.app.bot_id, 9_000_003)
        assert await other.first_time(served.app.bot_id, 9_000_004)
    finally:
        await storage.close()


async def test_healthz_reports_each_dependency(served: Served) -> None:
    status, text = await served.get("/healthz")
    assert status == 200, text
    assert json.loads(text) == {"ok": True, "checks": {"database": "ok", "redis": "ok"}}
    await close_db()
    status, text = await served.get("/healthz")
    body = json.loads(text)
    assert status == 503, text
    assert body["ok"] is False
    assert body["checks"]["database"] != "ok"
    assert body["checks"]["redis"] == "ok"


async def test_healthz_fails_when_redis_is_unreachable(tmp_path: Path) -> None:
    async with serving(tmp_path, f"redis://127.0.0.1:{free_port()}/0", reachable=False) as served:
        status, text = await served.get("/healthz")
        body = json.loads(text)
        assert status == 503, text
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["redis"].startswith(("failed", "timeout"))
        assert "redis://" not in text  # no URLs, no secrets


async def test_metrics_count_updates_latency_and_errors(served: Served) -> None:
    user = served.emulator.user(user_id=4205, first_name="Ana", language_code="en")
    await user.send_text("/start")
    await user.send_text("hello")
    # a failing update: Telegram refuses the bot's answer, the error handler counts it
    served.emulator.inject_error("sendMessage", 400, "Bad Request: chat not found", times=2)
    await user.send_text("/start")
    status, text = await served.get("/metrics")
    assert status == 200
    assert metric(text, 'ssc_updates_total{type="message"}') == 3
    assert metric(text, 'ssc_handler_seconds_count{type="message"}') == 3
    assert metric(text, 'ssc_errors_total{type="MessengerError"}') == 1
    assert "ssc_analysis_queue_depth 0.0" in text
    assert "# TYPE ssc_decisions_total counter" in text


def test_analysis_and_decision_metrics() -> None:
    from bot.jobs.analysis import AnalysisResult
    from bot.metrics import Metrics

    metrics, other = Metrics(), Metrics()  # one registry each: no clash in one process
    metrics.analysis_submitted(7)
    metrics.analysis_submitted(8)
    metrics.analysis_finished(AnalysisResult(7, False, "video", "pass"))
    other.analysis_finished(AnalysisResult(8, False, "video", "fail"))  # another process
    metrics.decided("engine", "approved")
    metrics.decided("engine", "practice", practice=True)
    metrics.decided("agent", "rejected")
    text = metrics.render().decode()
    assert metric(text, "ssc_analysis_queue_depth") == 1
    assert metric(text, 'ssc_analysis_seconds_count{kind="video",verdict="pass"}') == 1
    assert metric(text, 'ssc_decisions_total{outcome="approved",source="engine"}') == 1
    assert metric(text, 'ssc_decisions_total{outcome="rejected",source="agent"}') == 1
    assert 'outcome="practice"' not in text
    assert metric(other.render().decode(), "ssc_analysis_queue_depth") == -1


async def test_the_app_shares_one_metrics_object(served: Served) -> None:
    app = served.app
    assert app.verification.metrics is app.metrics
    if app.runtime.name == "aiogram":
        assert app.runtime.dispatcher["metrics"] is app.metrics  # type: ignore[attr-defined]
    else:
        assert app.runtime.metrics is app.metrics  # type: ignore[attr-defined]
