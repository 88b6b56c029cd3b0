"""The runtime-neutral gate's ban list (bot/handlers/gate.py): no query per update, a ban
made elsewhere seen within the refresh time, an unban at once, /ban and /unban recognised."""

from __future__ import annotations

import pytest

from bot.handlers.gate import BanGate, BanList, may_change_bans
from bot.i18n import Translator
from bot.services.admin.bans import BanService
from bot.storage.models import Ban
from tests.storage.conftest import sqlite_db, sqlite_db_url

__all__ = ["sqlite_db", "sqlite_db_url"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/ban 42", True),
        ("/unban 42 spam", True),
        ("/BAN@ssc_bot 42", True),
        ("/ban", True),
        ("/banana 42", False),
        ("ban 42", False),
        (" /ban 42", False),
        ("/menu", False),
        ("/", False),
        ("", False),
        (None, False),
    ],
)
def test_ban_commands_are_recognised(text: str | None, expected: bool) -> None:
    assert may_change_bans(text) is expected


@pytest.mark.usefixtures("sqlite_db")
async def test_the_ban_list_reads_bans_at_most_once_per_refresh() -> None:
    banned = BanList(refresh_s=3600.0)
    assert not await banned.may_be_banned(7)
    await Ban.create(telegram_user_id=7, banned_by=1)
    assert not await banned.may_be_banned(7)  # not read again before the refresh time
    banned.forget()
    assert await banned.may_be_banned(7)
    assert not await banned.may_be_banned(8)

    due = BanList(refresh_s=0.0)  # every check reads again
    assert await due.may_be_banned(7)
    await Ban.filter(telegram_user_id=7).delete()
    assert not await due.may_be_banned(7)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.usefixtures("sqlite_db")
async def test_a_ban_made_by_another_process_is_seen_within_the_refresh_time() -> None:
    clock = Clock()
    banned = BanList(refresh_s=5.0, clock=clock)
    assert not await banned.may_be_banned(7)  # the list is read: nobody
    await Ban.create(telegram_user_id=7, banned_by=1)  # as another process, same database
    clock.now += 4.9
    assert not await banned.may_be_banned(7)  # not read again before the refresh time
    clock.now += 0.1
    assert await banned.may_be_banned(7)  # read again: seen within the refresh time
    await Ban.create(telegram_user_id=8, banned_by=1)
    clock.now += 1.0
    assert not await banned.may_be_banned(8)  # the last read counts from when it was made


@pytest.mark.usefixtures("sqlite_db")
async def test_the_gate_asks_only_about_listed_users_and_an_unban_counts_at_once() -> None:
    banned = BanList(refresh_s=3600.0)
    gate = BanGate(Translator(), BanService(), banned)
    assert await gate.verdict(7, "en", can_tell=True, for_html=True) is None
    assert await BanService().ban(7, by=1)
    gate.handled("/ban 7")  # the admin's command was handled in this process
    told = await gate.verdict(7, "en", can_tell=True, for_html=True)
    assert told is not None and told.text  # the first update after the ban is told
    again = await gate.verdict(7, "en", can_tell=True, for_html=True)
    assert again is not None and again.text is None  # then dropped in silence
    assert await BanService().unban(7)
    # still in the list until the next read, but the full check finds no ban
    assert await banned.may_be_banned(7)
    assert await gate.verdict(7, "en", can_tell=True, for_html=True) is None
    gate.handled("hello")  # any other text leaves the list as read
    assert await banned.may_be_banned(7)
