"""The same scripted journey on aiogram and on python-telegram-bot: what the person saw (every
message and edit, its HTML, its keyboard, the button toasts, the deleted messages) and the
command menus must be equal, since the behaviour is written once in the core."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import Emulator, Reply
from bot.emulator.testing import running_emulator
from tests.e2e.harness import TRANSLATOR, Citizen, make_settings, running
from tests.ids import rid

pytestmark = pytest.mark.slow


OWN_ID = rid("44030419850612001")
FATHER_ID = rid("44030419560203001")
Step = tuple[str, Callable[[Citizen], Awaitable[Reply]]]
_SCREEN = re.compile(r"(?<=:)\d+$")


def _keyboard(markup: dict[str, Any] | None) -> Any:
    """The keyboard as shown; a button's callback data ends with the screen it belongs to,
    which is drawn at random, so only its shape is kept."""
    if not markup:
        return None
    shown = dict(markup)
    if "inline_keyboard" in shown:
        shown["inline_keyboard"] = [
            [
                {**button, "callback_data": _SCREEN.sub("#", str(button.get("callback_data", "")))}
                for button in row
            ]
            for row in shown["inline_keyboard"]
        ]
    return shown


def seen(reply: Reply) -> dict[str, Any]:
    answer = reply.callback_answer
    return {
        "messages": [
            (m.html, m.parse_mode, m.media_kind, _keyboard(m.reply_markup), m.edited)
            for m in reply.messages
        ],
        "toast": (answer.text, answer.show_alert) if answer is not None else None,
        "deleted": len(reply.deleted),
    }


JOURNEY: list[Step] = [
    ("start", lambda p: p.say("/start")),
    ("accept", lambda p: p.tap("btn-accept")),
    ("typed phone", lambda p: p.say("+8613800000001")),
    ("someone else's contact", lambda p: p.share_phone("+8613800000002", of_user=1)),
    ("share phone", lambda p: p.tap("btn-share-phone")),
    ("name", lambda p: p.say("Wang Xiaoming")),
    ("bad id", lambda p: p.say("123")),
    ("own id", lambda p: p.say(OWN_ID)),
    ("sticker", lambda p: p.act(p.user.send_sticker())),
    ("family", lambda p: p.tap("btn-family")),
    ("add member", lambda p: p.tap("btn-add-member")),
    ("member name", lambda p: p.say("Wang Dagang")),
    ("member id", lambda p: p.say(FATHER_ID)),
    ("relation", lambda p: p.tap("rel-father")),
    ("confirm", lambda p: p.tap("btn-confirm")),
    ("forged button", lambda p: p.act(p.user.press_callback(p.newest.message_id, "zz:forged"))),
    ("help", lambda p: p.say("/help")),
    ("unknown command", lambda p: p.say("/nothing here")),
    ("command in capitals", lambda p: p.say("/MENU")),
    ("command for another bot", lambda p: p.say("/menu@another_bot")),
    ("language", lambda p: p.say("/language")),
    ("pick spanish", lambda p: p.tap("language-name-es")),
    ("menu", lambda p: p.say("/menu")),
    ("cancel", lambda p: p.say("/cancel")),
    ("logout", lambda p: p.say("/logout")),
]


async def transcript(emulator: Emulator, tmp_path: Path, runtime: str) -> list[Any]:
    settings = make_settings(tmp_path / runtime, bot_runtime=runtime)
    async with running(emulator, settings):
        user = emulator.user(
            user_id=5001, first_name="Ana", language_code="en", phone_number="+8613800000009"
        )
        person = Citizen(user, "en")
        shown: list[Any] = []
        for name, act in JOURNEY:
            reply = await act(person)
            if name == "pick spanish":
                person.lang = "es"
            shown.append((name, seen(reply)))
        menus = [emulator.commands("all_private_chats", code) for code in ("", "en", "es", "zh")]
        return [shown, menus]


async def test_the_same_journey_shows_the_same_messages_on_both_runtimes(tmp_path: Path) -> None:
    results = {}
    for runtime in ("aiogram", "ptb"):
        async with running_emulator() as emulator:
            results[runtime] = await transcript(emulator, tmp_path, runtime)
    aiogram, ptb = results["aiogram"], results["ptb"]
    assert len(aiogram[0]) == len(JOURNEY)
    steps = dict(aiogram[0])
    assert all(step["messages"] or step["toast"] for step in steps.values())  # it always answered
    assert steps["forged button"]["toast"] is not None
    assert steps["own id"]["deleted"] == 1  # the message with the ID number
    for (name, on_aiogram), (_, on_ptb) in zip(aiogram[0], ptb[0], strict=True):
        assert on_ptb == on_aiogram, name
    assert aiogram[1][0] and ptb[1] == aiogram[1]


@pytest.mark.usefixtures("each_runtime")
async def test_the_gate_bans_and_throttles_on_each_runtime(tmp_path: Path) -> None:
    """Bans and the throttle (bot/handlers/gate.py) in front of either runtime's handlers (the
    ban set through the service; the admin commands are tested in test_admin.py)."""
    from bot.services.admin.bans import BanService

    # STAFF_REFRESH_SECONDS=0: each process reads the ban list again on every update
    settings = make_settings(
        tmp_path / "data", throttle_rate=0.01, throttle_burst=4, staff_refresh_seconds=0.0
    )
    async with running_emulator() as emulator, running(emulator, settings):
        banned = emulator.user(user_id=5101, first_name="B", language_code="es")
        privacy = await banned.send_text("/start")  # four updates: within the burst
        accept = privacy.last.buttons[0]
        assert await BanService().ban(5101, by=1)
        # a ban made elsewhere (here: straight through the service, as another process would)
        # reaches a bot process within STAFF_REFRESH_SECONDS, here at once
        notice = TRANSLATOR("es", "admin-banned-notice", for_html=False)
        assert (await banned.send_text("hola")).texts == [notice]  # told once
        assert not (await banned.send_text("/start")).messages
        tap = await banned.press(accept)
        assert not tap.messages
        assert tap.callback_answer is not None and not tap.callback_answer.text

        hasty = emulator.user(user_id=5102, first_name="H", language_code="en")
        first = await hasty.send_text("/start")
        assert first.messages
        for _ in range(3):
            await hasty.send_text("hello")  # the burst is spent
        slow_down = TRANSLATOR("en", "throttled", for_html=False)
        assert (await hasty.send_text("hello")).texts == [slow_down]
        assert not (await hasty.send_text("hello")).messages  # warned once per burst
        tap = await hasty.press(first.last.buttons[0])
        assert tap.callback_answer is not None and tap.callback_answer.text == slow_down
        assert not tap.messages


AGENTS = -1001000000999


async def ticket_transcript(tmp_path: Path, runtime: str) -> list[Any]:
    """A citizen asks for a person; an agent answers in the topic, notes and closes it."""
    from bot.services.staff import StaffService
    from bot.storage.models import StaffRole

    settings = make_settings(tmp_path / runtime, bot_runtime=runtime, agents_chat_id=AGENTS)
    async with (
        running_emulator(agents_chat_id=AGENTS) as emulator,
        running(emulator, settings),
    ):
        group = emulator.agents
        assert group is not None
        agent = emulator.user(20002, "Agent B")
        group.add_member(agent)
        await StaffService([]).add(20002, StaffRole.AGENT)
        user = emulator.user(
            user_id=5201, first_name="Li", language_code="en", phone_number="+8613800005201"
        )
        p = Citizen(user, "en")
        for act in (
            p.say("/start"),
            p.tap("btn-accept"),
            p.tap("btn-share-phone"),
            p.say("Li Lei"),
            p.say(OWN_ID),
        ):
            await act
        shown: list[Any] = [seen(await p.tap("btn-support"))]
        topic = group.topic("Li Lei #1").message_thread_id
        shown.append(seen(await p.say("Is anyone there?")))
        for text in ("Hello, I can help.", "/note asked about the card", "/close"):
            shown.append(seen(await group.send_text(agent, text, topic)))
        await p.user.wait_for(lambda m: "Hello, I can help." in (m.text or ""), timeout=10)
        shown.append([(m.html, _keyboard(m.reply_markup)) for m in user.bot_messages])
        shown.append([(m.html, m.edited) for m in group.bot_messages(topic)])
        return shown


async def test_a_ticket_shows_the_same_messages_on_both_runtimes(tmp_path: Path) -> None:
    aiogram = await ticket_transcript(tmp_path, "aiogram")
    ptb = await ticket_transcript(tmp_path, "ptb")
    assert aiogram[-1] and aiogram[-2]  # the topic and the chat both have messages
    assert any("Is anyone there?" in html for html, _ in aiogram[-1])  # relayed to agents
    for step, (on_aiogram, on_ptb) in enumerate(zip(aiogram, ptb, strict=True)):
        assert on_ptb == on_aiogram, step
