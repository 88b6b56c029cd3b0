"""The command menus per role, as neutral data every runtime applies the same way."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.flows.menus import (
    ADMIN_COMMANDS,
    CITIZEN_COMMANDS,
    MenuUpdate,
    RoleMenus,
    citizen_menus,
    role_menus,
)
from bot.flows.ports import MessengerError
from bot.i18n import Translator

TR = Translator()


def test_citizens_menu_in_each_language_and_english_by_default() -> None:
    updates = citizen_menus(TR)
    assert [(u.chat_id, u.language_code) for u in updates] == [
        (None, "en"),
        (None, None),
        (None, "es"),
        (None, "zh"),
    ]
    spanish = updates[2].commands
    assert spanish is not None
    assert [name for name, _ in spanish] == list(CITIZEN_COMMANDS)
    assert dict(spanish)["menu"] == TR("es", "cmd-menu", for_html=False)


def test_admins_group_and_withdrawn_menus() -> None:
    updates = role_menus(
        TR, admins=[7, 5], agents_chat_id=-100, agents_language="es", changed=[5, 9]
    )
    admin_five = [u for u in updates if u.chat_id == 5]
    assert [u.language_code for u in admin_five] == ["en", None, "es", "zh"]
    assert admin_five[0].commands is not None
    names = [name for name, _ in admin_five[0].commands]
    assert names == [*CITIZEN_COMMANDS, *ADMIN_COMMANDS]
    group = [u for u in updates if u.chat_id == -100]
    assert [u.language_code for u in group] == ["en", "es", None, "zh"]  # Spanish by default
    assert group[0].commands is not None
    assert [name for name, _ in group[0].commands] == ["close", "note", "approve", "reject"]
    withdrawn = [u for u in updates if u.chat_id == 9]
    assert [(u.language_code, u.commands) for u in withdrawn] == [
        ("en", None),
        (None, None),
        ("es", None),
        ("zh", None),
    ]
    assert all(u.commands is not None for u in admin_five)  # an admin keeps the menu


class RecordingPort:
    """A runtime's menu port that records what it was asked to do; chats in `unreachable`
    fail as Telegram refuses a chat the bot cannot write to."""

    def __init__(self, unreachable: frozenset[int] = frozenset()) -> None:
        self.applied: list[MenuUpdate] = []
        self.unreachable = unreachable

    async def apply(self, update: MenuUpdate) -> None:
        if update.chat_id in self.unreachable:
            raise MessengerError("Bad Request: chat not found")
        self.applied.append(update)


def role_menus_over(port: RecordingPort, admins: set[int], **kwargs: Any) -> RoleMenus:
    async def current_admins() -> set[int]:
        return set(admins)

    return RoleMenus(port, TR, current_admins, **kwargs)


async def test_at_start_the_citizens_menu_then_each_roles() -> None:
    port = RecordingPort()
    menus = role_menus_over(port, {7, 5}, agents_chat_id=-100, agents_language="es")
    await menus.set_all()
    expected = citizen_menus(TR) + role_menus(
        TR, admins=[5, 7], agents_chat_id=-100, agents_language="es"
    )
    assert port.applied == expected
    assert {u.chat_id for u in port.applied} == {None, 5, 7, -100}


async def test_a_role_change_reads_the_admins_again_and_withdraws_the_demoted() -> None:
    port = RecordingPort()
    admins = {5}
    menus = role_menus_over(port, admins, agents_chat_id=None)
    admins.add(8)  # promoted: the list is read on every refresh, not kept from the start
    await menus.refresh([8, 9])
    assert {u.chat_id for u in port.applied if u.commands is not None} == {5, 8}
    withdrawn = [u for u in port.applied if u.commands is None]
    assert [(u.chat_id, u.language_code) for u in withdrawn] == [
        (9, "en"),
        (9, None),
        (9, "es"),
        (9, "zh"),
    ]


async def test_a_chat_the_bot_cannot_reach_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = RecordingPort(unreachable=frozenset({5}))
    menus = role_menus_over(port, {5, 7}, agents_chat_id=-100)
    with caplog.at_level(logging.WARNING, logger="bot.flows.menus"):
        await menus.refresh(())
    assert {u.chat_id for u in port.applied} == {7, -100}  # the others still get theirs
    assert len(port.applied) == 8
    assert caplog.messages == ["could not set a command menu: MessengerError"] * 4
