"""The emulator's core: getUpdates, sendMessage, simulated users and Reply synchronisation."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.filters import CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.emulator import Emulator, UpdateNotProcessedError
from bot.handlers.aiogram.testing import make_bot, polling


def greeter() -> Dispatcher:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Accept", callback_data="accept")]]
        )
        await message.answer(
            f"Hello <b>{message.from_user.first_name}</b>", parse_mode="HTML", reply_markup=keyboard
        )

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")
        await message.answer("second")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_get_me_through_the_real_aiogram_client(emulator: Emulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == emulator.bot_user.id
    assert me.is_bot
    assert me.username == "ssc_family_bot"


async def test_bad_token_is_unauthorized(emulator: Emulator) -> None:
    intruder = Bot("42:wrong-token", session=make_bot(emulator).session)
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await intruder.session.close()


async def test_unknown_method_is_not_found(emulator: Emulator, bot: Bot) -> None:
    session = await bot.session.create_session()
    async with session.post(f"{emulator.base_url}/bot{emulator.token}/noSuchMethod") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_json_body_and_query_string_are_accepted(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001, "Li")
    session = await bot.session.create_session()
    url = f"{emulator.base_url}/bot{emulator.token}/sendMessage"
    async with session.post(url, json={"chat_id": user.id, "text": "from json"}) as resp:
        body = await resp.json()
    assert body["ok"] and body["result"]["text"] == "from json"
    async with session.get(url, params={"chat_id": str(user.id), "text": "from query"}) as resp:
        body = await resp.json()
    assert body["result"]["text"] == "from query"
    assert [m.text for m in user.bot_messages] == ["from json", "from query"]


async def test_send_text_returns_the_bots_reply(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001, "Li", language_code="zh-hans")
    async with polling(greeter(), bot):
        reply = await user.send_text("/start")
        assert reply.text == "Hello Li"
        assert reply.last.html == "Hello <b>Li</b>"
        assert reply.last.parse_mode == "HTML"
        assert reply.last.entities == [{"offset": 6, "length": 2, "type": "bold"}]
        assert reply.last.inline_keyboard == [[("Accept", "accept")]]
        assert reply.buttons == ["Accept"]

        reply = await user.send_text("hi there")
        assert reply.texts == ["echo: hi there", "second"]
    assert [m.is_bot for m in user.messages] == [False, True, False, True, True]
    assert user.messages[0].raw["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert user.last_bot_message is not None
    assert user.last_bot_message.text == "second"
    ids = [m.message_id for m in user.messages]
    assert ids == sorted(ids) == list(range(1, 6))


async def test_unprocessed_update_raises_a_clear_timeout(emulator: Emulator) -> None:
    user = emulator.user(1001)
    with pytest.raises(
        UpdateNotProcessedError, match=r"update 1 \(text message '/start'.*never fetched"
    ):
        await user.send_text("/start", timeout=0.2)


async def test_get_updates_offsets_confirm_updates(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    sending = asyncio.create_task(user.send_text("one"))
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates if u.message] == ["one"]
    # Not confirmed yet: fetched again, and the sender still waits.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert not sending.done()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []
    reply = await sending
    assert reply.update_id == updates[0].update_id
    assert reply.messages == []


async def test_get_updates_limit_and_negative_offset(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    senders = [asyncio.create_task(user.send_text(f"m{i}")) for i in range(3)]
    await asyncio.sleep(0)
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in first if u.message] == ["m0", "m1"]
    last = await bot.get_updates(offset=-1, timeout=0)
    assert [u.message.text for u in last if u.message] == ["m2"]
    assert len(emulator.update_queue) == 1  # the negative offset forgot the first two
    await asyncio.wait_for(asyncio.gather(*senders[:2]), 1)
    await bot.get_updates(offset=last[0].update_id + 1, timeout=0)
    await asyncio.gather(*senders)


async def test_long_poll_waits_for_timeout_then_wakes_on_update(
    emulator: Emulator, bot: Bot
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9

    user = emulator.user(1001)
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    sending = asyncio.create_task(user.send_text("wake up"))
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].message is not None and updates[0].message.text == "wake up"
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    await sending


async def test_allowed_updates_filter_what_is_delivered(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    message = await bot.send_message(
        user.id,
        "pick",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
        ),
    )
    pressing = asyncio.create_task(user.press_callback(message.message_id, "a"))
    await asyncio.sleep(0)
    assert await bot.get_updates(allowed_updates=["message"], timeout=0) == []
    reply = await pressing  # dropped by the filter: counts as processed, nothing sent
    assert reply.messages == []
    sending = asyncio.create_task(user.send_text("text"))
    updates = await bot.get_updates(timeout=5)
    assert updates[0].message is not None
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    await sending


async def test_wait_for_sees_messages_sent_later(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(user.id, "first")
        await bot.send_message(user.id, "your result is ready")

    job = asyncio.create_task(later())
    message = await user.wait_for(lambda m: "result" in m.text, timeout=2)
    assert message.text == "your result is ready"
    await job
    with pytest.raises(TimeoutError):
        await user.wait_for(timeout=0.1)
