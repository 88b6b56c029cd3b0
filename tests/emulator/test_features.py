"""Files, keyboards, callbacks, topics, commands and webhooks against the real aiogram bot."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.emulator import ButtonNotFoundError, Emulator
from bot.handlers.aiogram.testing import polling


async def test_bot_uploads_a_file_then_downloads_it_by_get_file(
    emulator: Emulator, bot: Bot
) -> None:
    user = emulator.user(1001)
    sent = await bot.send_document(
        user.id,
        BufferedInputFile(b"%PDF-1.4 test", "form.pdf"),
        caption="<i>your form</i>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "form.pdf"
    record = user.last_bot_message
    assert record is not None
    assert (record.media_kind, record.text, record.media_bytes) == (
        "document",
        "your form",
        b"%PDF-1.4 test",
    )
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert isinstance(downloaded, io.BytesIO) and downloaded.getvalue() == b"%PDF-1.4 test"
    # Re-sent by file_id: the same bytes, no upload.
    again = await bot.send_video(user.id, sent.document.file_id)
    assert again.video is not None
    assert user.bot_messages[-1].media_bytes == b"%PDF-1.4 test"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_photo(user.id, "no-such-file-id")


async def test_user_video_note_is_downloaded_by_the_bot(emulator: Emulator, bot: Bot) -> None:
    router = Router()
    received: list[bytes] = []

    @router.message(F.video_note)
    async def on_video_note(message: Message, bot: Bot) -> None:
        assert message.video_note is not None
        assert message.video_note.length == 384 and message.video_note.duration == 4
        buffer = await bot.download(message.video_note.file_id)
        assert isinstance(buffer, io.BytesIO)
        received.append(buffer.getvalue())
        await message.answer("got it")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    user = emulator.user(1001)
    async with polling(dispatcher, bot):
        reply = await user.send_video_note(b"\x00\x00\x00\x18ftypmp42 round", duration=4)
    assert reply.text == "got it"
    assert received == [b"\x00\x00\x00\x18ftypmp42 round"]
    assert user.messages[0].media_kind == "video_note"


async def test_copy_message_into_a_topic_and_forward(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001, "Li")
    agents = emulator.supergroup(-1001234, "Agents", is_forum=True)
    topic = await bot.create_forum_topic(agents.id, "Li · case 7", icon_color=16766590)
    assert [t.name for t in agents.topics] == ["Li · case 7"]
    assert agents.topics[0].icon_color == 16766590

    router = Router()

    @router.message(F.photo)
    async def relay(message: Message, bot: Bot) -> None:
        copied = await bot.copy_message(
            agents.id,
            message.chat.id,
            message.message_id,
            message_thread_id=topic.message_thread_id,
        )
        assert copied.message_id > topic.message_thread_id

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    async with polling(dispatcher, bot):
        reply = await user.send_photo(b"jpeg-bytes", width=10, height=20, caption="my child")
    assert reply.messages == []
    [copy] = reply.elsewhere
    assert (copy.chat_id, copy.message_thread_id) == (agents.id, topic.message_thread_id)
    assert (copy.media_kind, copy.text, copy.media_bytes) == ("photo", "my child", b"jpeg-bytes")
    assert agents.bot_messages(topic.message_thread_id) == [agents.chat.by_id[copy.message_id]]

    forwarded = await bot.forward_message(
        agents.id, user.id, user.messages[0].message_id, message_thread_id=topic.message_thread_id
    )
    assert forwarded.forward_origin is not None
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(agents.id, user.id, 999)


async def test_media_group(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    photos = [
        InputMediaPhoto(
            media=BufferedInputFile(bytes([i]) * 5, f"{i}.jpg"),
            caption="three photos" if i == 0 else None,
        )
        for i in range(3)
    ]
    messages = await bot.send_media_group(user.id, photos)
    assert len(messages) == 3
    assert len({m.media_group_id for m in messages}) == 1
    assert [m.media_bytes for m in user.bot_messages] == [b"\x00" * 5, b"\x01" * 5, b"\x02" * 5]
    assert user.bot_messages[0].text == "three photos"
    with pytest.raises(TelegramBadRequest, match="2-10 items"):
        await bot.send_media_group(user.id, photos[:1])


async def test_commands_per_scope_and_language(emulator: Emulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Empezar")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="es",
    )
    assert emulator.commands() == [("start", "Start")]
    assert emulator.commands("all_private_chats", "es") == [("start", "Empezar")]
    assert emulator.commands("all_private_chats") == []
    fetched = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="es")
    assert [(c.command, c.description) for c in fetched] == [("start", "Empezar")]
    with pytest.raises(TelegramBadRequest, match="invalid language code specified"):
        await bot.set_my_commands(
            [BotCommand(command="start", description="x")], language_code="zh-hans"
        )
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start Now", description="x")])
    await bot.delete_my_commands()
    assert emulator.commands() == []


def keyboard_bot() -> Dispatcher:
    router = Router()

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        await message.answer(
            "Share your phone",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[
                    [KeyboardButton(text="📱 Share", request_contact=True)],
                    [KeyboardButton(text="Help")],
                ],
                one_time_keyboard=True,
            ),
        )

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None and message.from_user is not None
        own = message.contact.user_id == message.from_user.id
        await message.answer(
            f"{message.contact.phone_number} own={own}", reply_markup=ReplyKeyboardRemove()
        )
        await message.answer(
            "Choose",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(text="Accept", callback_data="accept"),
                        InlineKeyboardButton(text="Docs", url="https://example.org/"),
                    ]
                ]
            ),
        )

    @router.message(F.text == "Help")
    async def help_(message: Message) -> None:
        await message.answer("help text")

    @router.callback_query(F.data == "accept")
    async def accept(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.answer("Accepted!", show_alert=True)
        await query.message.edit_text("Accepted")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_reply_keyboard_contact_and_inline_press(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001, "Li", phone_number="8613800138000")
    async with polling(keyboard_bot(), bot):
        await user.send_text("/menu")
        assert user.reply_keyboard is not None
        assert user.reply_keyboard.labels == ["📱 Share", "Help"]
        assert user.reply_keyboard.rows[0][0].request_contact

        reply = await user.press("📱 Share")
        assert reply.texts == ["8613800138000 own=True", "Choose"]
        assert user.reply_keyboard is None  # removed (and it was one-time anyway)

        reply = await user.send_contact("+8613900000000", user_id=2002)
        assert reply.texts[0] == "+8613900000000 own=False"
        newest_choice = reply.last.message_id

        reply = await user.press("Accept")
        assert reply.callback_answer is not None
        assert (reply.callback_answer.text, reply.callback_answer.show_alert) == ("Accepted!", True)
        assert reply.text == "Accepted" and reply.last.edited == 1
        assert reply.last.message_id == newest_choice  # the newest message with that button
        assert reply.last.inline_keyboard == []
        assert emulator.callback_answers[-1].text == "Accepted!"

        with pytest.raises(ButtonNotFoundError, match=r"no button 'Decline'.*offers \['Accept'"):
            await user.press("Decline")
        with pytest.raises(Exception, match="nothing reaches the bot"):
            await user.press("Docs")

        await user.send_text("/menu")
        reply = await user.press("Help")
        assert reply.text == "help text"
        assert user.reply_keyboard is None  # one-time keyboards hide after a press


async def test_answering_a_callback_twice_fails(emulator: Emulator, bot: Bot) -> None:
    router = Router()
    errors: list[str] = []

    @router.callback_query()
    async def answer_twice(query: CallbackQuery) -> None:
        await query.answer("ok")
        try:
            await query.answer("again")
        except TelegramBadRequest as error:
            errors.append(error.message)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    user = emulator.user(1001)
    message = await bot.send_message(user.id, "x")
    async with polling(dispatcher, bot):
        reply = await user.press_callback(message.message_id, "forged:data")
    assert reply.callback_answer is not None and reply.callback_answer.text == "ok"
    assert errors == [
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    ]


async def test_agent_writes_in_a_topic(emulator: Emulator, bot: Bot) -> None:
    agent = emulator.user(5005, "Agent Wu")
    agents = emulator.supergroup(-1001234, "Agents", is_forum=True)
    agents.add_member(agent)
    topic = await bot.create_forum_topic(agents.id, "Case 1")

    router = Router()

    @router.message(F.chat.id == agents.id)
    async def in_topic(message: Message) -> None:
        assert message.is_topic_message and message.message_thread_id == topic.message_thread_id
        await message.answer(f"noted: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    async with polling(dispatcher, bot):
        reply = await agents.send_text(agent, "approve", message_thread_id=topic.message_thread_id)
    assert reply.text == "noted: approve"
    assert reply.last.message_thread_id == topic.message_thread_id
    assert [m.text for m in agents.messages(topic.message_thread_id)] == [
        "",
        "approve",
        "noted: approve",
    ]


@pytest.fixture
async def webhook_echo(emulator: Emulator) -> AsyncIterator[tuple[Bot, str]]:
    """A real aiogram webhook server on 127.0.0.1, processing updates before it answers."""
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(f"hook: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    from bot.handlers.aiogram.testing import make_bot

    bot = make_bot(emulator)
    app = web.Application()
    SimpleRequestHandler(
        dispatcher, bot, secret_token="s3cret", handle_in_background=False
    ).register(app, "/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield bot, f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()
        await bot.session.close()


async def test_webhook_delivery_with_secret(
    emulator: Emulator, webhook_echo: tuple[Bot, str]
) -> None:
    bot, url = webhook_echo
    await bot.set_webhook(url, secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == url
    user = emulator.user(1001)
    reply = await user.send_text("ping")
    assert reply.text == "hook: ping"
    await bot.delete_webhook()


async def test_webhook_retries_until_the_bot_accepts(emulator: Emulator, bot: Bot) -> None:
    seen: list[tuple[str | None, int]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body["update_id"]))
        return web.Response(status=500 if len(seen) < 3 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        emulator.webhook_retry_delay = 0.01
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="abc")
        user = emulator.user(1001)
        await asyncio.wait_for(user.send_text("hello"), 5)
        assert seen == [("abc", 1)] * 3
        info = await bot.get_webhook_info()
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


async def test_a_person_deletes_a_message_and_the_bot_can_no_longer_edit_it(
    emulator: Emulator, bot: Bot
) -> None:
    user = emulator.user(1001)
    message = await bot.send_message(user.id, "menu")
    user.delete_message(message.message_id)
    assert user.last_bot_message is None
    assert emulator.events[-1].kind == "delete"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("family", chat_id=user.id, message_id=message.message_id)
    with pytest.raises(Exception, match="no message"):
        user.delete_message(message.message_id)  # gone already
