"""The citizen's snapshot kept between updates on SQLite (`ContextCache`): read once while
nothing changes, read again after any write, whoever made it. PostgreSQL with Redis:
test_context_cache_redis.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from bot.domain.idnumber import check_character
from bot.flows import effects as fx
from bot.flows.core import Context, FlowConfig
from bot.security import Vault, generate_key
from bot.services import citizen_context
from bot.services.audit import Audit
from bot.services.citizens import Actor, CitizenService
from bot.storage.models import Application, ApplicationState, Citizen, FamilyMember

ACTOR = Actor(telegram_user_id=77, language="en")


def rid(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.fixture
def citizens(tmp_path: Path) -> CitizenService:
    vault = Vault([generate_key()], generate_key())
    return CitizenService(
        vault,
        Audit(vault),
        FlowConfig(),
        media_dir=tmp_path / "media",
        application_expiry=timedelta(hours=1),
    )


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The citizens whose rows were read from the database."""
    seen: list[int] = []
    read = citizen_context._rows

    async def counting(citizen_id: int) -> Any:
        seen.append(citizen_id)
        return await read(citizen_id)

    monkeypatch.setattr(citizen_context, "_rows", counting)
    return seen


async def registered(citizens: CitizenService) -> int:
    answer = await citizens.register(
        ACTOR, fx.RegisterCitizen("+8613800138000", "王小明", rid("11010519850612001"))
    )
    assert isinstance(answer, fx.Registered)
    return answer.citizen_id


async def context(citizens: CitizenService, citizen_id: int) -> Context:
    return await citizens.load_context(citizen_id, now=datetime.now(UTC), entropy=1)


async def with_member(citizens: CitizenService, citizen_id: int) -> int:
    added = await citizens.add_member(
        citizen_id, fx.AddMember("王大刚", rid("11010519560203001"), "father")
    )
    assert isinstance(added, fx.MemberAdded)
    return added.member_id


async def test_an_unchanged_database_is_read_once(
    sqlite_db: str, citizens: CitizenService, reads: list[int]
) -> None:
    cid = await registered(citizens)
    first = await context(citizens, cid)
    second = await context(citizens, cid)
    assert reads == [cid]
    assert first.citizen == second.citizen and first.citizen is not None


async def test_a_member_added_is_seen_by_the_next_update(
    sqlite_db: str, citizens: CitizenService, reads: list[int]
) -> None:
    cid = await registered(citizens)
    assert (await context(citizens, cid)).members == ()
    await with_member(citizens, cid)
    assert [m.name for m in (await context(citizens, cid)).members] == ["王大刚"]
    assert reads == [cid, cid]


async def test_writes_outside_the_service_are_seen(
    sqlite_db: str, citizens: CitizenService, reads: list[int]
) -> None:
    """A bulk update (an agent's decision, an admin): no model signal, still seen."""
    cid = await registered(citizens)
    member_id = await with_member(citizens, cid)
    started = await citizens.start_application(cid, fx.StartApplication(member_id, "video"))
    assert isinstance(started, fx.ApplicationStarted)
    assert [a.state for a in (await context(citizens, cid)).applications] == ["submitted"]
    await Application.filter(id=started.application_id).update(state=ApplicationState.APPROVED)
    assert [a.state for a in (await context(citizens, cid)).applications] == ["approved"]
    await FamilyMember.filter(id=member_id).update(full_name="王大")
    assert [m.name for m in (await context(citizens, cid)).members] == ["王大"]


async def test_a_deleted_account_is_seen(sqlite_db: str, citizens: CitizenService) -> None:
    cid = await registered(citizens)
    assert (await context(citizens, cid)).citizen is not None
    await citizens.delete_account(ACTOR, cid)
    assert (await context(citizens, cid)).citizen is None


async def test_a_write_while_the_rows_are_read_is_not_kept(
    sqlite_db: str, citizens: CitizenService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows read may predate a write made while they were read: they are kept under the
    count of changes taken before reading, so the next update reads again."""
    cid = await registered(citizens)
    read = citizen_context._rows
    writes: list[Callable[[], Awaitable[Any]]] = [
        lambda: Citizen.filter(id=cid).update(full_name="李四")
    ]

    async def interrupted(citizen_id: int) -> Any:
        rows = await read(citizen_id)
        while writes:  # another task's write lands after this read, before the next
            await writes.pop()()
        return rows

    monkeypatch.setattr(citizen_context, "_rows", interrupted)
    stale = await context(citizens, cid)
    assert stale.citizen is not None and stale.citizen.name == "王小明"
    fresh = await context(citizens, cid)
    assert fresh.citizen is not None and fresh.citizen.name == "李四"


async def test_a_transaction_is_seen_once_it_committed(
    sqlite_db: str, citizens: CitizenService
) -> None:
    cid = await registered(citizens)
    await context(citizens, cid)
    async with in_transaction():
        await Citizen.filter(id=cid).update(full_name="李四")
    seen = (await context(citizens, cid)).citizen
    assert seen is not None and seen.name == "李四"
