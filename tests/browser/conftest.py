"""The real bot and the emulator in a background event loop, a headless Chromium (Selenium)
in front of the web chat, and a screenshot of the page whenever a browser test fails."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from selenium import webdriver

from bot.emulator import Emulator
from tests.browser import chromium
from tests.e2e.harness import BotUnderTest, make_settings

AGENTS_CHAT_ID = -1001000000001
ADMIN_ID = 20001  # as in local mode: the default agent is the administrator
T = TypeVar("T")


class World:
    """The emulator and the real bot, run by an event loop in a thread of their own, so that
    Selenium's blocking calls never stall them."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.emulator: Emulator
        self.bot: BotUnderTest

    def run(self, coroutine: Coroutine[Any, Any, T], within: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(within)

    async def _start(self) -> None:
        self.emulator = Emulator(
            reply_timeout=10.0, agents_chat_id=AGENTS_CHAT_ID, admin_ids=[ADMIN_ID]
        )
        await self.emulator.start()
        settings = make_settings(self.data_dir, agents_chat_id=AGENTS_CHAT_ID, admin_ids=[ADMIN_ID])
        self.bot = BotUnderTest(self.emulator, settings)
        await self.bot.start()

    async def _stop(self) -> None:
        await self.bot.stop()
        await self.emulator.stop()

    def __enter__(self) -> World:
        self.thread.start()
        self.run(self._start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    chromium.require_chromium()
    with World(tmp_path_factory.mktemp("bot") / "data") as running:
        yield running


def write_y4m(path: Path, frames: list[np.ndarray], fps: int) -> Path:
    """Frames (RGB) as a Y4M file, the format Chromium's fake camera plays in a loop."""
    import cv2

    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


@pytest.fixture(scope="session")
def face_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of a real face (the astronaut) blinking, seen by a hand-held phone."""
    from bot.vision.testing.synth import blink_script, genuine_frames

    fps = 15
    frames = list(genuine_frames(blink_script(2.0), size=240, fps=fps, seed=7))
    return write_y4m(tmp_path_factory.mktemp("camera") / "face.y4m", frames, fps)


@pytest.fixture(scope="module")
def browser(
    tmp_path_factory: pytest.TempPathFactory, face_clip: Path
) -> Iterator[webdriver.Chrome]:
    """A phone-sized Chromium whose camera films the generated face, permission granted."""
    driver = chromium.start(
        tmp_path_factory.mktemp("profile"),
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={face_clip}",
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed browser test leaves a screenshot in its tmp dir, its path in the report."""
    report = yield
    driver = getattr(item, "funcargs", {}).get("page")
    folder = getattr(item, "funcargs", {}).get("tmp_path")
    if report.when == "call" and report.failed and driver is not None and folder is not None:
        shot = Path(folder) / "failure.png"
        try:
            driver.save_screenshot(str(shot))
            where = f"screenshot of the page at the failure: {shot}"
        except Exception as error:
            where = f"no screenshot: {error!r}"
        print(where)
        report.sections.append(("screenshot", where))
    return report


@pytest.fixture
def page(browser: webdriver.Chrome, tmp_path: Path) -> webdriver.Chrome:
    """The phone-sized browser (tmp_path is where a failure's screenshot goes)."""
    return browser
