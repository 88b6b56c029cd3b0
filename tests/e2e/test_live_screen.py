"""One live screen (issue 10, point 3), on both runtimes: a tap on the live screen edits it in
place; a typed message gets its answer at the bottom and the screen it replaced loses its
keyboard; a tap on anything older changes nothing; an edit that fails is sent anew."""

from __future__ import annotations

import pytest

from bot.emulator import BotMessage, Emulator
from bot.flows.core import t
from tests.e2e.harness import BotUnderTest
from tests.e2e.harness import Citizen as Person
from tests.e2e.test_citizen_journey import FATHER_ID, OWN_ID, add_member, person, register

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("each_runtime")]


def shown(p: Person) -> list[BotMessage]:
    """The bot's messages still in the chat."""
    return [m for m in p.user.bot_messages if not m.deleted]


def with_keyboard(p: Person) -> list[int]:
    """The ids of the bot's messages that still show inline buttons."""
    return [m.message_id for m in shown(p) if m.inline_keyboard]


def callback_of(message: BotMessage, label: str) -> str:
    data = next((d for row in message.inline_keyboard for text, d in row if text == label), None)
    assert data is not None, (label, message.inline_keyboard)
    return data


async def signed_in_with_a_member(emulator: Emulator, user_id: int) -> Person:
    p = person(emulator, user_id, "en", f"+86138001{user_id:05d}")
    await register(p, "Wang Xiaoming", OWN_ID)
    await add_member(p, "Wang Dagang", FATHER_ID, "father")
    await p.say("/menu")
    assert p.saw("menu-title", name="Wang Xiaoming")
    return p


async def test_tapping_through_the_menus_edits_one_message(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = await signed_in_with_a_member(emulator, 701)
    menu = p.newest
    count = len(shown(p))
    assert with_keyboard(p) == [menu.message_id]  # every older screen lost its buttons
    member_button = p.label("member-button", name="Wang Dagang", status=t("status-not-verified"))
    journey = [
        (p.tap("btn-family"), "family-title", {"count": 1, "max": 8}),
        (p.user.press(member_button), "member-title", {"name": "Wang Dagang"}),
        (p.tap("btn-back"), "family-title", {"count": 1, "max": 8}),
        (p.tap("btn-back"), "menu-title", {"name": "Wang Xiaoming"}),
    ]
    for edits, key, params in journey:
        reply = await p.act(edits)
        assert [m.message_id for m in reply.messages] == [menu.message_id], reply.texts
        assert p.saw(key, **params), p.texts
        assert len(shown(p)) == count  # no new message
        assert p.newest.message_id == menu.message_id
        assert p.text_of(key, **params) in (p.newest.text or "")
        assert with_keyboard(p) == [menu.message_id]
    assert p.newest.edited == len(journey)


async def test_a_typed_command_answers_at_the_bottom_and_the_old_screen_loses_its_buttons(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = await signed_in_with_a_member(emulator, 702)
    await p.tap("btn-family")
    screen = p.newest
    assert screen.inline_keyboard
    reply = await p.say("/menu")
    # the reply: the family screen stripped first, then the menu; only the menu is news
    assert reply.messages[0].message_id == screen.message_id
    assert p.saw("menu-title", name="Wang Xiaoming")
    assert not p.saw("family-title", count=1, max=8), p.texts
    old = p.user.chat.find(screen.message_id)
    assert isinstance(old, BotMessage)
    assert old.inline_keyboard == [], "the replaced screen still shows buttons"
    assert p.text_of("family-title", count=1, max=8) in (old.text or "")  # its text stays
    newest = p.newest
    assert newest.message_id > screen.message_id and newest.inline_keyboard
    assert p.text_of("menu-title", name="Wang Xiaoming") in (newest.text or "")
    assert with_keyboard(p) == [newest.message_id]
    # a typed name (an input the step does not expect) likewise
    await p.say("hello")
    assert p.saw("unexpected")
    assert with_keyboard(p) == [p.newest.message_id] != [newest.message_id]


async def test_a_tap_on_an_older_screen_changes_nothing(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = await signed_in_with_a_member(emulator, 703)
    menu = p.newest
    family = callback_of(menu, p.label("btn-family"))
    delete = callback_of(menu, p.label("btn-delete-data"))
    await p.tap("btn-family")  # the menu message becomes the family screen
    older = await p.say("/menu")  # a new menu at the bottom; the family screen is stripped
    stripped = p.user.chat.find(menu.message_id)
    assert isinstance(stripped, BotMessage) and not stripped.inline_keyboard
    live = p.newest
    before = (live.text, live.reply_markup, live.edited)
    assert older.last.message_id == live.message_id
    for message_id, data in (
        (menu.message_id, delete),  # the button the message once showed
        (menu.message_id, family),
        (live.message_id, delete),  # an older screen's data on the live message
    ):
        reply = await p.user.press_callback(message_id, data)
        assert reply.callback_answer is not None
        assert reply.callback_answer.text == p.label("button-stale")
        assert reply.messages == [] and reply.deleted == []
    assert (p.newest.text, p.newest.reply_markup, p.newest.edited) == before
    # the live screen still works
    reply = await p.tap("btn-family")
    assert [m.message_id for m in reply.messages] == [live.message_id]


async def test_an_edit_that_fails_is_sent_as_a_new_message(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = await signed_in_with_a_member(emulator, 704)
    menu = p.newest
    edited = await p.tap("btn-family")  # in place while it can be
    assert [m.message_id for m in edited.messages] == [menu.message_id]
    # the person deletes the screen while their tap is on its way
    data = callback_of(p.newest, p.label("btn-back"))
    update, mark, query_id = p.user.submit_callback(p.user.info, menu.message_id, data)
    p.user.delete_message(menu.message_id)
    reply = await emulator.process(update, mark, {p.user.id}, query_id=query_id)
    assert reply.callback_answer is not None and not reply.callback_answer.text
    assert len(reply.messages) == 1
    again = reply.messages[0]
    assert again.message_id > menu.message_id and again.edited == 0
    assert p.text_of("menu-title", name="Wang Xiaoming") in (again.text or "")
    assert with_keyboard(p) == [again.message_id]
    # the next tap edits the new message
    reply = await p.tap("btn-family")
    assert [m.message_id for m in reply.messages] == [again.message_id]
    # a message the bot may no longer edit (too old): shown anew, the old one stripped
    emulator.inject_error("editMessageText", 400, "Bad Request: message can't be edited")
    reply = await p.tap("btn-back")
    assert p.saw("menu-title", name="Wang Xiaoming")
    assert p.newest.message_id > again.message_id
    assert with_keyboard(p) == [p.newest.message_id]
