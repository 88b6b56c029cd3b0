"""The web chat's page and JSON API, with a real aiogram bot polling the emulator."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.emulator import Emulator
from bot.handlers.aiogram.testing import polling


def echo_bot() -> Dispatcher:
    router = Router()

    @router.message(F.text == "keyboard")
    async def keyboard(message: Message) -> None:
        await message.answer(
            "share?",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="Share phone", request_contact=True)]],
                one_time_keyboard=True,
            ),
        )

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"<b>echo</b> {message.text} <x>",
            parse_mode=None,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]]
            ),
        )

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"phone {message.contact.phone_number}")

    @router.message(F.video_note)
    async def video_note(message: Message, bot: Bot) -> None:
        assert message.video_note is not None
        await message.answer_photo(BufferedInputFile(b"fake-jpeg", "frame.jpg"), caption="frame")

    @router.callback_query(F.data == "again")
    async def again(query: CallbackQuery) -> None:
        await query.answer("pressed")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def events(
    http: aiohttp.ClientSession, base: str, since: int, until_kind: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Long-poll the events API until a bot message (or the given event kind) arrives."""
    collected: list[dict[str, Any]] = []
    for _ in range(20):
        params = {"user_id": "10001", "since": str(since), "timeout": "2"}
        async with http.get(f"{base}/chat/api/events", params=params) as resp:
            assert resp.status == 200
            data = await resp.json()
        collected.extend(data["events"])
        since = data["next"]
        if any(
            (e["kind"] == until_kind) if until_kind else e.get("message", {}).get("from_bot")
            for e in data["events"]
        ):
            return collected, since
    raise AssertionError(f"no bot event; got {collected}")


async def test_page_and_static_files_are_served(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(emulator.web_url) as resp:
            page = await resp.text()
            assert resp.status == 200 and "/chat/static/render.js" in page
        async with http.get(f"{emulator.base_url}/chat/static/render.js") as resp:
            assert resp.status == 200 and "function renderMessage" in await resp.text()
            assert resp.headers["Content-Type"].startswith("text/javascript")
        async with http.get(f"{emulator.base_url}/chat/static/..%2Fserver.py") as resp:
            assert resp.status == 404
        async with http.post(f"{emulator.base_url}/chat/api/send", json={"user_id": "x"}) as resp:
            assert resp.status == 400


async def test_chat_api_round_trip(emulator: Emulator, bot: Bot) -> None:
    base = emulator.base_url
    async with polling(echo_bot(), bot), aiohttp.ClientSession() as http:
        person = {"user_id": 10001, "first_name": "You", "language_code": "es"}
        async with http.post(f"{base}/chat/api/send", json={**person, "text": "hola"}) as resp:
            assert resp.status == 200
        got, since = await events(http, base, 0)
        user_side = got[0]["message"]
        assert (user_side["from_bot"], user_side["text"]) == (False, "hola")
        bot_side = next(e["message"] for e in got if e["message"]["from_bot"])
        # Sent without a parse mode: the tags are plain text, shown as such.
        assert bot_side["text"] == "<b>echo</b> hola <x>"
        assert bot_side["inline_keyboard"] == [
            [{"text": "Again", "callback_data": "again", "url": None}]
        ]
        assert emulator.users[10001].language_code == "es"

        press = {**person, "message_id": bot_side["message_id"], "data": "again"}
        async with http.post(f"{base}/chat/api/press", json=press) as resp:
            assert resp.status == 200
        got, since = await events(http, base, since, until_kind="callback_answer")
        assert got[-1]["text"] == "pressed" and got[-1]["show_alert"] is False

        async with http.post(f"{base}/chat/api/send", json={**person, "text": "keyboard"}) as resp:
            assert resp.status == 200
        got, since = await events(http, base, since)
        params = {"user_id": "10001", "since": str(since), "timeout": "0"}
        async with http.get(f"{base}/chat/api/events", params=params) as resp:
            keyboard = (await resp.json())["reply_keyboard"]
        assert keyboard["rows"] == [[{"text": "Share phone", "request_contact": True}]]

        tap = {**person, "phone_number": "+34600000000", "text": "Share phone"}
        async with http.post(f"{base}/chat/api/keyboard", json=tap) as resp:
            assert (await resp.json())["reply_keyboard"] is None  # one-time keyboard
        got, since = await events(http, base, since)
        assert got[0]["message"]["media"] == {"kind": "contact", "phone": "+34600000000"}
        assert got[-1]["message"]["text"] == "phone +34600000000"

        form = aiohttp.FormData()
        form.add_field("user_id", "10001")
        form.add_field("kind", "video_note")
        form.add_field("file", b"round-video", filename="v.mp4", content_type="video/mp4")
        async with http.post(f"{base}/chat/api/upload", data=form) as resp:
            assert resp.status == 200
        got, since = await events(http, base, since)
        assert got[0]["message"]["media"]["kind"] == "video_note"
        photo = got[-1]["message"]
        assert (photo["media"]["kind"], photo["text"]) == ("photo", "frame")
        async with http.get(base + photo["media"]["url"]) as resp:
            assert await resp.read() == b"fake-jpeg"


async def test_events_long_poll_times_out_empty(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        params = {"user_id": "10001", "since": "0", "timeout": "0.2"}
        async with http.get(f"{emulator.base_url}/chat/api/events", params=params) as resp:
            data = await resp.json()
    assert data == {"events": [], "next": 0, "reply_keyboard": None}


def test_every_page_text_is_in_every_locale() -> None:
    """The page's texts come from locales/*/webchat.ftl: every id the page uses is there."""
    import re

    from bot.emulator.webchat import STATIC_DIR, page_texts

    source = "".join(path.read_text() for path in sorted(STATIC_DIR.glob("*.*")))
    used = set(re.findall(r"""(?:data-i18n(?:-[a-z]+)?="|tr\(")(webchat-[a-z-]+)""", source))
    used |= set(re.findall(r'"(webchat-camera-[a-z]+)"', source))
    assert len(used) > 30
    for language in ("en", "es", "zh-CN"):
        texts = page_texts(language)
        assert used <= set(texts), (language, sorted(used - set(texts)))
    assert page_texts("es")["webchat-recording"] == "● Grabando… {seconds} s"


async def test_texts_and_commands_endpoints(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.base_url}/chat/api/texts?lang=zh-hans") as resp:
            data = await resp.json()
        assert data["lang"] == "zh-CN"
        assert data["texts"]["webchat-send"] == "发送"
        emulator.command_sets[('{"chat_id": 7, "type": "chat"}', "es")] = [("stats", "cifras")]
        emulator.command_sets[('{"type": "all_private_chats"}', "")] = [("start", "start")]
        query = "user_id=7&language_code=es"
        async with http.get(f"{emulator.base_url}/chat/api/commands?{query}") as resp:
            assert (await resp.json())["commands"] == [
                {"command": "stats", "description": "cifras"}
            ]
        async with http.get(f"{emulator.base_url}/chat/api/commands?user_id=8") as resp:
            assert (await resp.json())["commands"] == [{"command": "start", "description": "start"}]
