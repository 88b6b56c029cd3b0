"""The python-telegram-bot runtime's own joints: PTB's errors as the port's, one user's updates
in order under concurrent handling, and webhook redelivery of infrastructure failures."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.emulator.testing import running_emulator
from bot.flows.core import t
from bot.flows.ports import (
    MessageGone,
    MessageUnchanged,
    MessengerError,
    RateLimited,
    RecipientUnavailable,
    Unreachable,
)
from bot.handlers.ptb.messenger import translated_errors
from bot.handlers.ptb.order import PerUserOrder
from bot.handlers.ptb.runtime import make_runtime
from bot.i18n import Translator
from bot.metrics import Metrics
from bot.wiring import bot_id_of
from tests.e2e.harness import make_settings
from tests.test_webhook import start_update


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), RecipientUnavailable),
        (BadRequest("Bad Request: message is not modified"), MessageUnchanged),
        (BadRequest("Bad Request: message to edit not found"), MessageGone),
        (BadRequest("Bad Request: chat not found"), MessengerError),
        (RetryAfter(3), RateLimited),
        (TimedOut(), Unreachable),
        (NetworkError("Bad Gateway"), Unreachable),
    ],
)
async def test_ptb_errors_become_the_ports(raised: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected) as caught:
        async with translated_errors():
            raise raised
    assert type(caught.value) is expected
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 3.0


async def test_one_users_updates_run_in_order_others_alongside() -> None:
    processor = PerUserOrder(64)
    done: list[tuple[int, int]] = []
    running = {"now": 0, "most": 0}

    async def work(user: int, n: int) -> None:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        await asyncio.sleep(random.uniform(0, 0.01))
        done.append((user, n))
        running["now"] -= 1

    def update(user: int, n: int) -> Update:
        sender = {"id": user, "is_bot": False, "first_name": "A"}
        chat = {"id": user, "type": "private"}
        message = {"message_id": n, "date": 0, "chat": chat, "from": sender, "text": "hi"}
        return Update.de_json({"update_id": user * 100 + n, "message": message}, None)

    jobs = [(user, n) for n in range(10) for user in (1, 2, 3)]
    await asyncio.gather(*(processor.process_update(update(u, n), work(u, n)) for u, n in jobs))
    for user in (1, 2, 3):
        assert [n for u, n in done if u == user] == list(range(10))
    assert running["most"] > 1  # different users did run alongside


class FlakyRunner:
    """Fails the first updates with the given errors, then handles."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.fed = 0

    async def feed(self, **kwargs: Any) -> None:
        self.fed += 1
        if self.failures:
            raise self.failures.pop(0)

    async def language_of(self, user_id: int, language_code: str | None) -> str:
        return "en"


class NoAdmins:
    async def is_admin(self, user_id: int) -> bool:
        return False


class NoBans:
    async def verdict(self, *args: Any, **kwargs: Any) -> None:
        return None

    def handled(self, text: str | None) -> None:
        return None


async def test_webhook_mode_has_a_transient_failure_delivered_again(tmp_path: Path) -> None:
    async with running_emulator() as emulator:
        runtime = make_runtime(emulator.token, emulator.base_url, bot_id_of(emulator.token))
        settings = make_settings(
            tmp_path,
            telegram_bot_token=emulator.token,
            webhook_url="http://127.0.0.1:9/hook",
            webhook_secret="s",
        )
        runner = FlakyRunner(RedisConnectionError("restarting"), ValueError("a bug"))
        metrics = Metrics()
        runtime.build(
            settings,
            runner=runner,  # type: ignore[arg-type]
            admin=NoAdmins(),  # type: ignore[arg-type]
            desk=None,
            redis=None,
            translator=Translator(),
            metrics=metrics,
            bans=NoBans(),  # type: ignore[arg-type]
        )
        user = emulator.user(user_id=4301, first_name="Ana", language_code="en")
        try:
            await runtime.startup()
            first = Update.de_json(start_update(1, user.id, "hello"), runtime.bot)
            assert await runtime.handle(first) is False  # answered 500: Telegram retries
            assert user.bot_messages == []  # nobody is told of a failure that will heal
            assert await runtime.handle(first) is True  # the redelivery is handled
            assert await runtime.handle(first) is True and runner.fed == 2  # then a duplicate
            second = Update.de_json(start_update(2, user.id, "hello"), runtime.bot)
            assert await runtime.handle(second) is True  # a bug: not retried, the person told
            assert runner.fed == 3
            told = Translator().render("en", t("error-generic"))
            assert [m.html for m in user.bot_messages] == [told]
            assert await runtime.handle(second) is True and runner.fed == 3
        finally:
            await runtime.close()
        text = metrics.render().decode()
        assert 'ssc_errors_total{type="ConnectionError"}' in text
        assert 'ssc_errors_total{type="ValueError"}' in text
