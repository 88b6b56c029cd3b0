"""Infrastructure failures in webhook mode: the update is left for Telegram to deliver again
(and the duplicate filter lets that redelivery through); other failures are answered."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Chat, ErrorEvent, Message, Update, User
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.handlers.aiogram.middlewares import DedupMiddleware, error_router, is_transient
from bot.i18n import Translator


def update(update_id: int = 7) -> Update:
    user = User(id=5, is_bot=False, first_name="A")
    message = Message(
        message_id=1, date=0, chat=Chat(id=5, type="private"), from_user=user, text="hi"
    )
    return Update(update_id=update_id, message=message)


class FakeBot:
    id = 42


async def test_a_transient_failure_unmarks_the_update_so_its_redelivery_is_handled() -> None:
    dedup = DedupMiddleware()
    calls: list[int] = []

    async def failing(event: Any, data: dict[str, Any]) -> None:
        calls.append(1)
        raise RedisConnectionError("redis restarting")

    async def working(event: Any, data: dict[str, Any]) -> str:
        calls.append(2)
        return "done"

    with pytest.raises(RedisConnectionError):
        await dedup(failing, update(), {"bot": FakeBot()})
    assert await dedup(working, update(), {"bot": FakeBot()}) == "done"
    assert await dedup(working, update(), {"bot": FakeBot()}) is None  # now a real duplicate
    assert calls == [1, 2]


async def test_other_failures_stay_marked() -> None:
    dedup = DedupMiddleware()

    async def broken(event: Any, data: dict[str, Any]) -> None:
        raise ValueError("a bug")

    async def working(event: Any, data: dict[str, Any]) -> str:
        return "done"

    with pytest.raises(ValueError, match="a bug"):
        await dedup(broken, update(8), {"bot": FakeBot()})
    assert await dedup(working, update(8), {"bot": FakeBot()}) is None


@pytest.mark.parametrize(
    ("exc", "transient"),
    [(RedisConnectionError("x"), True), (ConnectionRefusedError(), True), (ValueError("x"), False)],
)
def test_what_counts_as_transient(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


async def test_webhook_mode_leaves_transient_errors_unhandled() -> None:
    router = error_router(Translator(), redeliver_transient=True)
    handler = router.errors.handlers[0]
    event = ErrorEvent(update=update(), exception=RedisConnectionError("down"))
    assert await handler.call(event) is UNHANDLED
