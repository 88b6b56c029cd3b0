"""aiogram's runtime keeps one user's updates in arrival order through the gate and the
dispatch (as PTB's update processor does), while other users' updates run alongside."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message, TelegramObject, Update

from bot.handlers.aiogram.order import PerUserOrderMiddleware


def _update(user: int, n: int) -> Update:
    sender = {"id": user, "is_bot": False, "first_name": "A"}
    chat = {"id": user, "type": "private"}
    message = {"message_id": n, "date": 0, "chat": chat, "from": sender, "text": str(n)}
    return Update.model_validate({"update_id": user * 100 + n, "message": message})


async def _handled_order(*, ordered: bool) -> tuple[list[tuple[int, int]], int]:
    random.seed(7)
    dispatcher = Dispatcher()
    if ordered:
        dispatcher.update.outer_middleware(PerUserOrderMiddleware())
    running = {"now": 0, "most": 0}

    async def gate(handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        # what the gate does: a Redis or database round trip of varying length
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        await asyncio.sleep(random.uniform(0, 0.01))
        running["now"] -= 1
        return await handler(event, data)

    dispatcher.update.outer_middleware(gate)
    done: list[tuple[int, int]] = []
    router = Router()

    @router.message()
    async def record(message: Message) -> None:
        assert message.from_user is not None and message.text is not None
        done.append((message.from_user.id, int(message.text)))

    dispatcher.include_router(router)
    bot = Bot("42:TEST")
    try:
        # as aiogram's polling does with a batch: one task per update, in arrival order
        tasks = [
            asyncio.create_task(dispatcher.feed_update(bot, _update(user, n)))
            for n in range(10)
            for user in (1, 2, 3)
        ]
        await asyncio.gather(*tasks)
    finally:
        await bot.session.close()
    return done, running["most"]


async def test_one_users_updates_are_handled_in_arrival_order_others_alongside() -> None:
    done, most = await _handled_order(ordered=True)
    for user in (1, 2, 3):
        assert [n for u, n in done if u == user] == list(range(10))
    assert most > 1  # different users did go through the gate at the same time


async def test_without_it_the_gate_reorders_a_users_updates() -> None:
    """The condition the middleware is for: the same run without it loses the order."""
    done, _ = await _handled_order(ordered=False)
    assert any([n for u, n in done if u == user] != list(range(10)) for user in (1, 2, 3))
