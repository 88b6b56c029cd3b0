"""The web chat's agents' side (/chat/api/group/...) and several citizens, with a real bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from bot.emulator import Emulator
from bot.emulator.server import DEFAULT_AGENT_ID
from bot.emulator.testing import running_emulator
from bot.handlers.aiogram.testing import make_bot, polling
from tests.emulator.agents_bot import AGENTS, support_bot

EventPredicate = Callable[[dict[str, Any]], bool]


@pytest.fixture
async def agents_emulator() -> AsyncIterator[Emulator]:
    async with running_emulator(reply_timeout=5.0, agents_chat_id=AGENTS) as emulator:
        yield emulator


async def poll(
    http: aiohttp.ClientSession, url: str, params: dict[str, str], until: EventPredicate
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Long-poll an events endpoint until an event matches: (events so far, last response)."""
    collected: list[dict[str, Any]] = []
    since = params.get("since", "0")
    for _ in range(20):
        async with http.get(url, params={**params, "since": since, "timeout": "2"}) as resp:
            assert resp.status == 200, await resp.text()
            data = await resp.json()
        collected.extend(data["events"])
        since = str(data["next"])
        if any(until(event) for event in data["events"]):
            return collected, data
    raise AssertionError(f"no matching event; got {collected}")


def bot_says(text: str) -> EventPredicate:
    return lambda e: (
        bool(e.get("message", {}).get("from_bot"))
        and text in (e.get("message", {}).get("text") or "")
    )


async def test_agent_takes_a_card_and_writes_in_its_topic(agents_emulator: Emulator) -> None:
    emulator = agents_emulator
    base = f"{emulator.base_url}/chat/api"
    agent = {"user_id": 20002, "first_name": "Agent Wu"}
    async with (
        polling(support_bot(), make_bot(emulator)),
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{base}/info") as resp:
            info = await resp.json()
        assert info["agents"] == {
            "chat_id": AGENTS,
            "title": "Agents",
            "agent": {"user_id": DEFAULT_AGENT_ID, "first_name": "Agent"},
        }
        assert emulator.agents is not None
        assert emulator.agents.chat.members == {DEFAULT_AGENT_ID: "member"}

        citizen = {"user_id": 10001, "first_name": "Li"}
        async with http.post(f"{base}/send", json={**citizen, "text": "please check"}) as resp:
            assert resp.status == 200
        _, mine = await poll(http, f"{base}/events", {"user_id": "10001"}, bot_says("an agent"))

        events, data = await poll(
            http, f"{base}/group/events", {}, lambda e: e["message"]["media_group_id"] is not None
        )
        topics = data["topics"]
        assert [(t["name"], t["closed"]) for t in topics] == [
            ("General", False),
            ("Case · Li", False),
        ]
        thread = topics[1]["thread_id"]
        messages = [e["message"] for e in events]
        assert all(m["thread_id"] == thread for m in messages)
        assert (messages[0]["service"], messages[0]["service_name"]) == (
            "forum_topic_created",
            "Case · Li",
        )
        card = messages[1]
        assert (card["media"]["kind"], card["text"]) == ("photo", "Review please check")
        async with http.get(emulator.base_url + card["media"]["url"]) as resp:
            assert (await resp.read()).startswith(b"\x89PNG")
        assert card["entities"] == [{"type": "bold", "offset": 0, "length": 6}]
        assert card["inline_keyboard"] == [[{"text": "Take", "callback_data": "take", "url": None}]]
        album = messages[2:]
        assert len(album) == 2 and len({m["media_group_id"] for m in album}) == 1
        since = str(data["next"])

        # The agent presses Take: the card is edited, the answer is addressed to that agent.
        press = {**agent, "message_id": card["message_id"], "data": "take"}
        async with http.post(f"{base}/group/press", json=press) as resp:
            assert resp.status == 200, await resp.text()
        events, data = await poll(
            http,
            f"{base}/group/events",
            {"since": since},
            lambda e: e["kind"] == "callback_answer",
        )
        edit = next(e for e in events if e["kind"] == "edit")["message"]
        assert (edit["message_id"], edit["text"]) == (card["message_id"], "Taken by Agent Wu")
        answer = events[-1]
        assert (answer["text"], answer["user_id"]) == ("taken", 20002)
        assert emulator.agents.chat.members[20002] == "member"
        since = str(data["next"])

        # The agent writes in the topic; the bot relays it to the citizen.
        say = {**agent, "thread_id": thread, "text": "Hello Li"}
        async with http.post(f"{base}/group/send", json=say) as resp:
            assert resp.status == 200
            assert (await resp.json())["topics"][1]["thread_id"] == thread
        await poll(
            http,
            f"{base}/events",
            {"user_id": "10001", "since": str(mine["next"])},
            bot_says("Agent: Hello Li"),
        )
        events, data = await poll(
            http, f"{base}/group/events", {"since": since}, lambda e: "message" in e
        )
        sent = events[0]["message"]
        assert (sent["text"], sent["thread_id"], sent["from_id"], sent["sender"]) == (
            "Hello Li",
            thread,
            20002,
            "Agent Wu",
        )

        # An upload into the topic, then /close: the topic is listed as closed and a member can
        # no longer write there.
        form = aiohttp.FormData()
        for key, value in {**agent, "thread_id": thread, "kind": "document"}.items():
            form.add_field(key, str(value))
        form.add_field("file", b"%PDF-1.4", filename="note.pdf", content_type="application/pdf")
        async with http.post(f"{base}/group/upload", data=form) as resp:
            assert resp.status == 200, await resp.text()
        close = {**agent, "thread_id": thread, "text": "/close"}
        async with http.post(f"{base}/group/send", json=close) as resp:
            assert resp.status == 200
        events, data = await poll(
            http,
            f"{base}/group/events",
            {"since": str(data["next"])},
            lambda e: e.get("message", {}).get("service") == "forum_topic_closed",
        )
        document = events[0]["message"]
        assert (document["media"]["kind"], document["media"]["file_name"]) == (
            "document",
            "note.pdf",
        )
        assert data["topics"][1]["closed"] is True
        async with http.post(f"{base}/group/send", json={**say, "text": "more"}) as resp:
            assert resp.status == 409 and "closed" in await resp.text()
        # An administrator still can (the header's role), and General takes messages too.
        admin = {**say, "role": "administrator", "text": "admin note"}
        async with http.post(f"{base}/group/send", json=admin) as resp:
            assert resp.status == 200
        general = {**agent, "thread_id": None, "text": "morning all"}
        async with http.post(f"{base}/group/send", json=general) as resp:
            assert resp.status == 200
        async with http.get(f"{base}/group/topics") as resp:
            listed = await resp.json()
        assert (listed["chat_id"], listed["title"], len(listed["topics"])) == (AGENTS, "Agents", 2)


async def test_group_endpoints_reject_bad_input(agents_emulator: Emulator) -> None:
    base = f"{agents_emulator.base_url}/chat/api/group"
    agent = {"user_id": 20002, "first_name": "Agent Wu"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/topics", params={"chat_id": "-100555"}) as resp:
            assert resp.status == 404
        async with http.get(f"{base}/topics", params={"chat_id": "10001"}) as resp:
            assert resp.status == 404
        async with http.post(f"{base}/send", json={**agent, "thread_id": 999, "text": "x"}) as r:
            assert r.status == 409 and "no topic 999" in await r.text()
        async with http.post(f"{base}/send", json={**agent, "text": "x", "role": "king"}) as r:
            assert r.status == 400
        async with http.post(f"{base}/press", json={**agent, "message_id": 999, "data": "x"}) as r:
            assert r.status == 400


async def test_without_an_agents_group(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.base_url}/chat/api/info") as resp:
            assert (await resp.json())["agents"] is None
        async with http.get(f"{emulator.base_url}/chat/api/group/topics") as resp:
            assert resp.status == 404 and "agents_chat_id" in await resp.text()


async def test_two_citizens_each_see_their_own_chat(agents_emulator: Emulator) -> None:
    base = f"{agents_emulator.base_url}/chat/api"
    async with (
        polling(support_bot(), make_bot(agents_emulator)),
        aiohttp.ClientSession() as http,
    ):
        for user_id, text in ((10001, "from one"), (10002, "from two")):
            async with http.post(f"{base}/send", json={"user_id": user_id, "text": text}) as resp:
                assert resp.status == 200
        for user_id, text in ((10001, "from one"), (10002, "from two")):
            events, _ = await poll(
                http, f"{base}/events", {"user_id": str(user_id)}, bot_says("an agent")
            )
            texts = [e["message"]["text"] for e in events]
            assert texts == [text, "an agent will answer"]
            assert {e["message"]["from_id"] for e in events} <= {
                user_id,
                agents_emulator.bot_user.id,
            }
