"""The aiogram runtime's update metrics (`MetricsMiddleware`): counted and timed per update
type, each type's series kept apart."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update

from bot.handlers.aiogram.middlewares import MetricsMiddleware
from bot.metrics import Metrics

_USER = {"id": 5, "is_bot": False, "first_name": "C"}
_CHAT = {"id": 5, "type": "private", "first_name": "C"}


def _message(update_id: int) -> Update:
    message = {"message_id": update_id, "date": 0, "chat": _CHAT, "from": _USER, "text": "hi"}
    return Update.model_validate({"update_id": update_id, "message": message})


def _tap(update_id: int) -> Update:
    query = {"id": str(update_id), "from": _USER, "chat_instance": "1", "data": "x"}
    return Update.model_validate({"update_id": update_id, "callback_query": query})


async def test_each_update_type_is_counted_and_timed_on_its_own() -> None:
    metrics = Metrics()
    middleware = MetricsMiddleware(metrics)

    async def handler(event: Any, data: dict[str, Any]) -> str:
        return "handled"

    for update in (_message(1), _tap(2), _message(3), _message(4), _tap(5)):
        assert await middleware(handler, update, {}) == "handled"

    def sample(name: str, kind: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"type": kind})

    assert sample("ssc_updates_total", "message") == 3
    assert sample("ssc_updates_total", "callback_query") == 2
    assert sample("ssc_handler_seconds_count", "message") == 3
    assert sample("ssc_handler_seconds_count", "callback_query") == 2
