"""Every error the emulator answers with, as the real aiogram client sees it."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.emulator import Emulator, RateLimits
from bot.emulator.html_parser import parse_html
from bot.emulator.testing import running_emulator
from bot.handlers.aiogram.testing import make_bot


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a <x>b</x>", 'Unsupported start tag "x" at byte offset 2'),
        ("é <br>", 'Unsupported start tag "br" at byte offset 3'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="big">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_html_parse_errors(emulator: Emulator, bot: Bot, html: str, error: str) -> None:
    user = emulator.user(1001)
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(user.id, html, parse_mode="HTML")
    assert caught.value.message == f"Bad Request: can't parse entities: {error}"


def test_html_entities_and_allowed_tags() -> None:
    text, entities = parse_html(
        '<b>B</b> <a href="https://x.org/?a=1&amp;b=2">L</a> &lt;&gt;&amp;&quot;&#65;&#x42; &nbsp;'
        '<tg-spoiler>S</tg-spoiler><span class="tg-spoiler">T</span><pre><code class="language-py">'
        "p</code></pre><blockquote>Q</blockquote><s>s</s><u>u</u><code>c</code>"
    )
    assert text == 'B L <>&"AB &nbsp;STpQsuc'
    assert [e["type"] for e in entities] == [
        "bold",
        "text_link",
        "spoiler",
        "spoiler",
        "pre",
        "blockquote",
        "strikethrough",
        "underline",
        "code",
    ]
    assert entities[1]["url"] == "https://x.org/?a=1&b=2"
    assert entities[4]["language"] == "py"


def test_entity_offsets_count_utf16_units() -> None:
    text, entities = parse_html("😀 <b>家</b>")
    assert text == "😀 家"
    assert entities == [{"offset": 3, "length": 1, "type": "bold"}]


async def test_length_and_empty_text(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    await bot.send_message(user.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    # The limit applies after parsing: tags do not count.
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(user.id, "  <b> </b> ", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_photo(user.id, BufferedInputFile(b"img", "a.jpg"), caption="c" * 1025)


async def test_button_data_invalid(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    for data in ("x" * 65, "é" * 33):
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=data)]]
        )
        with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
            await bot.send_message(user.id, "hi", reply_markup=markup)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="x" * 64)]]
    )
    await bot.send_message(user.id, "hi", reply_markup=markup)


async def test_edit_errors(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    message = await bot.send_message(user.id, "<b>same</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.edit_message_text(
            text="<b>same</b>", chat_id=user.id, message_id=message.message_id, parse_mode="HTML"
        )
    assert caught.value.message == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    # Same text, other formatting: modified.
    edited = await bot.edit_message_text(
        text="same", chat_id=user.id, message_id=message.message_id
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    assert user.bot_messages[0].edited == 1
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=user.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(user.id, 999)
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(424242, "nobody")


async def test_blocked_user_gets_403(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    user.block()
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(user.id, "hello?")
    updates = await bot.get_updates(timeout=0)
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "kicked"
    user.unblock()
    await bot.send_message(user.id, "hello again")


async def test_injected_429_carries_retry_after(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    other = emulator.user(1002)
    emulator.inject_error("sendMessage", 429, retry_after=7, times=2, chat_id=user.id)
    await bot.send_message(other.id, "other chats are not affected")
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(user.id, "x")
        assert caught.value.retry_after == 7
        assert "Original description: Too Many Requests: retry after 7" in caught.value.message
    await bot.send_message(user.id, "after the injected failures")
    emulator.inject_error("getMe", 500, "Internal Server Error")
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.get_me()


async def test_rate_limits_when_enabled() -> None:
    async with running_emulator(rate_limits=RateLimits(private_per_second=2)) as emulator:
        bot = make_bot(emulator)
        try:
            user = emulator.user(1001)
            await bot.send_message(user.id, "1")
            await bot.send_message(user.id, "2")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(user.id, "3")
            assert caught.value.retry_after == 1
        finally:
            await bot.session.close()


async def test_file_too_big_for_get_file(emulator: Emulator, bot: Bot) -> None:
    user = emulator.user(1001)
    emulator.user(1001)
    big = emulator.store_file(bytes(20 * 1024 * 1024 + 1), "video", "video/mp4")
    with pytest.raises(TelegramBadRequest, match="Bad Request: file is too big"):
        await bot.get_file(big.file_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: invalid file_id"):
        await bot.get_file("nope")
    assert user.id == 1001


async def test_forum_errors(emulator: Emulator, bot: Bot) -> None:
    plain = emulator.supergroup(-100111, "Plain", is_forum=False)
    with pytest.raises(TelegramBadRequest, match="Bad Request: the chat is not a forum"):
        await bot.create_forum_topic(plain.id, "x")
    forum = emulator.supergroup(-100222, "Agents", is_forum=True)
    topic = await bot.create_forum_topic(forum.id, "Case 1")
    await bot.close_forum_topic(forum.id, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: TOPIC_CLOSED"):
        await bot.send_message(forum.id, "late", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(forum.id, topic.message_thread_id)
    await bot.reopen_forum_topic(forum.id, topic.message_thread_id)
    await bot.send_message(forum.id, "on time", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message thread not found"):
        await bot.send_message(forum.id, "lost", message_thread_id=999)


async def test_webhook_conflicts_with_get_updates(emulator: Emulator, bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(TelegramConflictError) as caught:
        await bot.get_updates(timeout=0)
    assert caught.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == []
