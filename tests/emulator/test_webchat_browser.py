"""The page itself in a headless Chromium (skipped when chromium is not installed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import Emulator, UserMessage
from bot.emulator.testing import running_emulator
from bot.handlers.aiogram.testing import make_bot, polling
from tests.emulator.agents_bot import AGENTS, support_bot
from tests.emulator.headless import CHROMIUM, FAKE_CAMERA, chromium

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium): no headless page check",
)
WEBM_MAGIC = b"\x1a\x45\xdf\xa3"


async def until(condition: Callable[[], bool], what: str, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"no {what} within {within} s")
        await asyncio.sleep(0.05)


async def test_agents_pane_and_video_note_in_headless_chromium(tmp_path: Path) -> None:
    async with (
        running_emulator(reply_timeout=5.0, agents_chat_id=AGENTS) as emulator,
        polling(support_bot(), make_bot(emulator)),
    ):
        await open_a_case(emulator)
        async with chromium(tmp_path / "profile", *FAKE_CAMERA) as page:
            # A narrow window: one pane at a time, the tabs switch between them.
            await page.open(emulator.web_url + "?user_id=10001", 700, 900)
            await page.wait_for("!document.querySelector('.tabs').hidden")
            await page.evaluate("document.querySelector('[data-tab=agents]').click()")
            assert await page.evaluate(
                "getComputedStyle(document.getElementById('citizen-pane')).display"
            ) == ("none")
            await page.wait_for("document.querySelectorAll('#agents-pane .topic').length === 2")
            await page.evaluate("document.querySelectorAll('#agents-pane .topic')[1].click()")
            await page.wait_for("document.querySelector('#agents-pane .inline-keyboard button')")
            await page.evaluate(
                "document.querySelector('#agents-pane .inline-keyboard button').click()"
            )
            await page.wait_for(
                "document.querySelector('#agents-pane .messages').textContent"
                ".includes('Taken by Agent')"
            )
            await page.evaluate(
                """(() => {
                const form = document.querySelector('#agents-pane .composer');
                form.elements.text.value = 'Hello from the page';
                form.requestSubmit();
            })()"""
            )
            citizen = emulator.user(10001)
            await until(
                lambda: any(m.text == "Agent: Hello from the page" for m in citizen.bot_messages),
                "relayed agent message",
            )
            screenshot = await page.screenshot(tmp_path / "agents.png")
            assert screenshot.startswith(b"\x89PNG")
            assert await page.evaluate(
                "document.querySelectorAll('#agents-pane .album img').length"
            )

            # The citizen records a one-second video note with Chromium's fake camera.
            await page.evaluate("document.querySelector('[data-tab=citizen]').click()")
            await page.wait_for("!document.querySelector('.record-controls').hidden")
            await page.evaluate(
                """(() => {
                document.querySelector('input[name=record_seconds]').value = '1';
                document.querySelector('button.record').click();
            })()"""
            )
            await page.wait_for("!document.querySelector('.recorder [data-action=send]').hidden")
            await page.evaluate("document.querySelector('.recorder [data-action=send]').click()")

            def recorded() -> bool:
                return any(
                    isinstance(m, UserMessage)
                    and m.media_kind == "video_note"
                    and (m.media_bytes or b"").startswith(WEBM_MAGIC)
                    for m in citizen.messages
                )

            await until(recorded, "recorded WebM video note")
            await page.wait_for("document.querySelector('.recorder').hidden")


async def open_a_case(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        person = {"user_id": 10001, "first_name": "Li", "text": "please check"}
        async with http.post(f"{emulator.base_url}/chat/api/send", json=person) as resp:
            assert resp.status == 200
    agents = emulator.agents
    assert agents is not None
    await until(lambda: len(agents.bot_messages()) == 3, "review card and album")
