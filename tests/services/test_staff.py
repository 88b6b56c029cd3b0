"""The staff list of bot/services/staff.py: no query per check, a role removed in this process
refused at once, one removed by another process (a second StaffService over the same database)
within the refresh time, unknown users never staff, and an unreadable database keeps the last
list read (nobody gains a role on an error)."""

from __future__ import annotations

import logging

import pytest
from tortoise import Tortoise

from bot.services.staff import StaffService
from bot.storage.db import close_db, tortoise_config
from bot.storage.models import Staff, StaffRole

pytestmark = pytest.mark.usefixtures("sqlite_db")

CONFIGURED = 1000
ADMIN = 1001
AGENT = 1002


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_checks_read_the_list_at_most_once_per_refresh() -> None:
    clock = Clock()
    staff = StaffService([CONFIGURED], refresh_s=2.0, clock=clock)
    assert not await staff.is_admin(ADMIN)  # the list is read: empty
    await Staff.create(telegram_user_id=ADMIN, role=StaffRole.ADMIN)  # as another process
    clock.now += 1.9
    assert not await staff.is_admin(ADMIN)  # not read again before the refresh time
    assert not await staff.is_agent(ADMIN)
    clock.now += 0.1
    assert await staff.is_admin(ADMIN)
    assert await staff.is_agent(ADMIN)  # an admin works the desk too

    every_time = StaffService([], refresh_s=0.0)
    assert await every_time.is_admin(ADMIN)
    await Staff.filter(telegram_user_id=ADMIN).delete()
    assert not await every_time.is_admin(ADMIN)


async def test_a_removed_admin_is_refused_at_once_here_and_within_the_refresh_elsewhere() -> None:
    clock = Clock()
    here = StaffService([], refresh_s=2.0, clock=clock)
    elsewhere = StaffService([], refresh_s=2.0, clock=clock)  # another process, same database
    assert await here.add(ADMIN, StaffRole.ADMIN, name="A", added_by=CONFIGURED)
    assert await here.is_admin(ADMIN)  # granted at once where the command was handled
    assert await elsewhere.is_admin(ADMIN)

    assert await here.remove(ADMIN)
    assert not await here.is_admin(ADMIN)  # refused at once in this process
    assert not await here.is_agent(ADMIN)
    clock.now += 1.0
    assert await elsewhere.is_admin(ADMIN)  # the other process has not read again yet
    clock.now += 1.0
    assert not await elsewhere.is_admin(ADMIN)  # within the refresh time
    assert not await elsewhere.is_agent(ADMIN)
    assert not await here.remove(ADMIN)  # nothing left to remove


async def test_a_demoted_admin_stays_an_agent_and_an_agent_is_no_admin() -> None:
    staff = StaffService([], refresh_s=3600.0)
    assert await staff.add(AGENT, StaffRole.AGENT)
    assert await staff.is_agent(AGENT)
    assert not await staff.is_admin(AGENT)
    assert await staff.add(AGENT, StaffRole.ADMIN)  # promoted
    assert await staff.is_admin(AGENT)
    assert await staff.add(AGENT, StaffRole.AGENT)  # demoted again
    assert not await staff.is_admin(AGENT)
    assert await staff.is_agent(AGENT)
    assert not await staff.add(AGENT, StaffRole.AGENT)  # no change


@pytest.mark.parametrize("user_id", [0, -1, 999, AGENT, 2**63 - 1])
async def test_an_unknown_user_is_never_admin(user_id: int) -> None:
    await Staff.create(telegram_user_id=AGENT, role=StaffRole.AGENT)
    staff = StaffService([CONFIGURED], refresh_s=0.0)
    assert not await staff.is_admin(user_id)
    assert await staff.is_agent(user_id) is (user_id == AGENT)
    assert await staff.is_admin(CONFIGURED)  # ADMIN_IDS need no row
    assert await staff.is_agent(CONFIGURED)


async def test_the_ban_check_asks_the_database_not_the_list() -> None:
    staff = StaffService([CONFIGURED], refresh_s=3600.0)
    assert not await staff.is_agent(AGENT)  # list read
    await Staff.create(telegram_user_id=AGENT, role=StaffRole.AGENT)  # by another process
    assert not await staff.is_agent(AGENT)
    assert await staff.is_staff_now(AGENT)
    assert await staff.is_staff_now(CONFIGURED)
    assert not await staff.is_staff_now(999)


async def test_an_unreachable_database_keeps_the_last_list_and_grants_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    staff = StaffService([CONFIGURED], refresh_s=2.0, clock=clock)
    await Staff.create(telegram_user_id=ADMIN, role=StaffRole.ADMIN)
    assert await staff.is_admin(ADMIN)
    assert not await staff.is_admin(AGENT)

    # the database goes away: the ORM now points at a PostgreSQL nobody listens on
    await close_db()
    await Tortoise.init(
        config=tortoise_config("postgres://nobody@127.0.0.1:9/gone"), _enable_global_fallback=True
    )
    clock.now += 2.0
    with caplog.at_level(logging.WARNING, logger="bot.services.staff"):
        assert await staff.is_admin(ADMIN)  # the last list read
        assert not await staff.is_admin(AGENT)  # nobody gains a role
        assert await staff.is_admin(CONFIGURED)
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.services.staff"]
    assert len(warnings) == 1  # one failed read per refresh, not one per check
    assert "staff list not read" in warnings[0] and str(ADMIN) not in warnings[0]


async def test_a_first_read_that_fails_grants_only_admin_ids(
    caplog: pytest.LogCaptureFixture,
) -> None:
    await Staff.create(telegram_user_id=ADMIN, role=StaffRole.ADMIN)
    await close_db()
    await Tortoise.init(
        config=tortoise_config("postgres://nobody@127.0.0.1:9/gone"), _enable_global_fallback=True
    )
    staff = StaffService([CONFIGURED], refresh_s=2.0)
    with caplog.at_level(logging.WARNING, logger="bot.services.staff"):
        assert not await staff.is_admin(ADMIN)
        assert not await staff.is_agent(ADMIN)
        assert await staff.is_admin(CONFIGURED)
    assert any("staff list not read" in r.getMessage() for r in caplog.records)
