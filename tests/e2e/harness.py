"""The real bot (a Telegram runtime, services, storage) polling the in-process emulator.

`BotUnderTest` builds the app exactly as `python -m bot` does, against a temporary DATA_DIR,
and can be stopped and started again on the same data (a restart). `Citizen` wraps a
simulated user and clicks buttons by the labels the bot really shows, in the user's language.

The runtime is aiogram unless a test runs under the `each_runtime` fixture (tests/e2e/
conftest.py), which runs it once per runtime (`RUNTIMES`): `make_settings` then picks the
runtime of the current run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.emulator import BotMessage, Emulator, Reply, SimulatedUser
from bot.i18n import Translator
from bot.jobs.local import LocalJobQueue
from bot.wiring import App, build_app

TRANSLATOR = Translator()
RUNTIMES = ("aiogram", "ptb")
ENGINE_BOUND = pytest.mark.parametrize("each_runtime", ["aiogram"], indirect=True)
"""For a test whose time goes to the video engine (Telegram-neutral, the same under both
runtimes): it runs on aiogram only, to keep the suite's time; PTB's media path (download,
edit of the "checking" message, notifications) is run by the lighter media tests."""
current_runtime = "aiogram"
"""The runtime `make_settings` picks when a test does not name one (set by `each_runtime`)."""


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": None,
        "redis_url": None,
        "agents_chat_id": None,
        "randomise_challenge": False,
        "analysis_workers": 1,
        "throttle_rate": 1000.0,
        "throttle_burst": 1000,
        "bot_runtime": current_runtime,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class BotUnderTest:
    def __init__(
        self, emulator: Emulator, settings: Settings, queue: LocalJobQueue | None = None
    ) -> None:
        self.emulator = emulator
        self.settings = settings
        self.queue = queue
        self.app: App | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def start(self) -> App:
        self.app = await build_app(
            self.settings,
            token=self.emulator.token,
            api_url=self.emulator.base_url,
            strict=True,
            queue=self.queue,
        )
        await self.app.set_commands()
        self._stack = contextlib.AsyncExitStack()
        # an update is confirmed to the emulator only once handled: that completes a Reply
        await self._stack.enter_async_context(
            self.app.runtime.polling(polling_timeout=1, handle_as_tasks=False)
        )
        return self.app

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
        if self.app is not None:
            if self.queue is not None:
                await self.queue.drain()
                # the queue outlives a restart: only the rest of the app is closed
                self.app.queue = _NoQueue()  # type: ignore[assignment]
            await self.app.close()
            self.app = None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()


class _NoQueue:
    async def close(self) -> None:
        return None


@contextlib.asynccontextmanager
async def running(
    emulator: Emulator, settings: Settings, queue: LocalJobQueue | None = None
) -> AsyncIterator[BotUnderTest]:
    under_test = BotUnderTest(emulator, settings, queue)
    await under_test.start()
    try:
        yield under_test
    finally:
        await under_test.stop()


class Citizen:
    """A simulated person who reads and taps in their own language."""

    def __init__(self, user: SimulatedUser, lang: str) -> None:
        self.user = user
        self.lang = lang
        self.last: Reply | None = None

    def label(self, key: str, **params: Any) -> str:
        from bot.flows.core import T

        return TRANSLATOR.render(self.lang, T(key, params), for_html=False)

    def text_of(self, key: str, **params: Any) -> str:
        """A message as the person sees it (HTML tags parsed out)."""
        from bot.emulator.html_parser import parse_html
        from bot.flows.core import T

        html = TRANSLATOR.render(self.lang, T(key, params))
        return parse_html(html)[0]

    async def act(self, sending: Awaitable[Reply]) -> Reply:
        """Any other send of the user (media, stickers...), remembered as the last reply."""
        self.last = await sending
        return self.last

    async def say(self, text: str) -> Reply:
        self.last = await self.user.send_text(text)
        return self.last

    async def tap(self, key: str, **params: Any) -> Reply:
        self.last = await self.user.press(self.label(key, **params))
        return self.last

    async def share_phone(self, phone: str | None = None, *, of_user: int | None = None) -> Reply:
        self.last = await self.user.send_contact(phone or self.user.phone_number, user_id=of_user)
        return self.last

    @property
    def texts(self) -> list[str]:
        """The texts of the messages the last reply sent or changed. A screen that only lost
        its buttons (a newer one replaced it) shows nothing new and is left out."""
        shown = self.last.messages if self.last else []
        return [m.text or "" for m in shown if not self._only_stripped(m)]

    def _only_stripped(self, message: BotMessage) -> bool:
        if not message.edited or message.inline_keyboard:
            return False
        events = self.user.emu.events
        at = next((i for i in range(len(events) - 1, -1, -1) if events[i].message is message), 0)
        before = next(
            (
                e.message
                for e in reversed(events[:at])
                if e.kind in ("message", "edit")
                and e.chat_id == message.chat_id
                and e.message is not None
                and e.message.message_id == message.message_id
            ),
            None,
        )
        return (
            isinstance(before, BotMessage)
            and before.html == message.html
            and bool(before.inline_keyboard)
        )

    def saw(self, key: str, **params: Any) -> bool:
        """Whether the last reply contains that message (as a line of any message)."""
        wanted = self.text_of(key, **params)
        return any(wanted in text for text in self.texts)

    @property
    def newest(self) -> BotMessage:
        message = self.user.last_bot_message
        assert message is not None
        return message


def id_card_photo() -> bytes:
    """A real face (scikit-image's astronaut, cropped like the vision fixtures) standing in
    for the portrait side of an ID card."""
    from tests.vision.fixtures import reference

    return reference("astronaut").read_bytes()


async def send_id_card(p: Citizen) -> None:
    """Answers the ID card photo request with a usable photo."""
    assert p.saw("id-photo-prompt"), p.texts
    await p.act(p.user.send_photo(id_card_photo(), 256, 256))
    assert p.saw("id-photo-accepted"), p.texts
