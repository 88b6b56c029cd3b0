"""Models on both backends: CRUD, unique constraints, cascades, enum and JSON round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationState,
    AuditLog,
    Citizen,
    FamilyMember,
    MemberStatus,
    Relationship,
)


async def make_citizen(n: int = 1, **overrides: Any) -> Citizen:
    values: dict[str, Any] = {
        "telegram_user_id": 1000 + n,
        "phone_hash": f"{n:064x}",
        "phone_enc": "token",
        "phone_masked": "+86 138******00",
        "full_name": "张三",
        "id_hash": f"{n + 500:064x}",
        "id_enc": "token",
        "id_masked": "110***********002X",
        "birth_date": date(1980, 1, 2),
    }
    values.update(overrides)
    return await Citizen.create(**values)


async def make_member(citizen: Citizen, n: int = 1, **overrides: Any) -> FamilyMember:
    values: dict[str, Any] = {
        "citizen": citizen,
        "full_name": "李四",
        "id_hash": f"{n + 900:064x}",
        "id_enc": "token",
        "id_masked": "110***********123X",
        "birth_date": date(2015, 5, 6),
        "relationship": Relationship.SON,
    }
    values.update(overrides)
    return await FamilyMember.create(**values)


async def make_application(member: FamilyMember) -> Application:
    return await Application.create(
        citizen_id=member.citizen_id,  # type: ignore[attr-defined]
        member=member,
        kind=ApplicationKind.VIDEO,
        expires_at=datetime.now(UTC) + timedelta(hours=72),
    )


async def test_crud(db: str) -> None:
    citizen = await make_citizen(full_name="María José")
    fetched = await Citizen.get(id=citizen.id)
    assert fetched.full_name == "María José"
    assert fetched.birth_date == date(1980, 1, 2)
    assert fetched.language == "en"
    assert fetched.created_at.tzinfo is not None

    fetched.language = "zh-CN"
    await fetched.save(update_fields=["language"])
    assert (await Citizen.get(id=citizen.id)).language == "zh-CN"

    member = await make_member(citizen)
    assert (await FamilyMember.get(id=member.id)).status is MemberStatus.NOT_VERIFIED
    assert [m.id for m in await citizen.members.all()] == [member.id]

    await Citizen.filter(id=citizen.id).delete()
    assert await Citizen.filter(id=citizen.id).count() == 0


async def test_enums_and_json_round_trip(db: str) -> None:
    member = await make_member(await make_citizen())
    application = await make_application(member)
    application.state = ApplicationState.IN_REVIEW
    application.reasons = ["similarity_low", "需要人工审核"]
    application.scores = {"distance": 0.52, "blinks": 2, "nested": {"ok": True}}
    await application.save()

    fetched = await Application.get(id=application.id)
    assert fetched.state is ApplicationState.IN_REVIEW
    assert fetched.kind is ApplicationKind.VIDEO
    assert fetched.reasons == ["similarity_low", "需要人工审核"]
    assert fetched.scores == {"distance": 0.52, "blinks": 2, "nested": {"ok": True}}
    assert not fetched.state.is_final
    assert await Application.filter(state=ApplicationState.IN_REVIEW).count() == 1


@pytest.mark.parametrize("column", ["phone_hash", "id_hash", "telegram_user_id"])
async def test_citizen_unique_columns(db: str, column: str) -> None:
    first = await make_citizen(1)
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await make_citizen(2, **{column: getattr(first, column)})
    assert await Citizen.all().count() == 1


async def test_citizens_without_telegram_account_may_coexist(db: str) -> None:
    await make_citizen(1, telegram_user_id=None)
    await make_citizen(2, telegram_user_id=None)
    assert await Citizen.filter(telegram_user_id__isnull=True).count() == 2


async def test_a_member_is_unique_per_citizen_not_globally(db: str) -> None:
    alice, bob = await make_citizen(1), await make_citizen(2)
    await make_member(alice, 1)
    await make_member(bob, 1)  # the same person in two families is allowed
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await make_member(alice, 1)
    assert await FamilyMember.filter(citizen=alice).count() == 1


async def test_deleting_a_citizen_cascades(db: str) -> None:
    citizen, other = await make_citizen(1), await make_citizen(2)
    member = await make_member(citizen)
    kept_member = await make_member(other)
    application = await make_application(member)
    kept_application = await make_application(kept_member)
    await ApplicationEvent.create(
        application=application, state=ApplicationState.SUBMITTED, actor="citizen"
    )
    await ApplicationEvent.create(
        application=kept_application, state=ApplicationState.SUBMITTED, actor="citizen"
    )
    await AuditLog.create(actor="c:1", action="member_added")

    await citizen.delete()

    assert await FamilyMember.filter(id=member.id).count() == 0
    assert await Application.filter(id=application.id).count() == 0
    assert await ApplicationEvent.filter(application_id=application.id).count() == 0
    assert await FamilyMember.filter(id=kept_member.id).count() == 1
    assert await ApplicationEvent.filter(application_id=kept_application.id).count() == 1
    assert await AuditLog.all().count() == 1  # the audit trail is not personal data


async def test_deleting_a_member_cascades_to_its_applications(db: str) -> None:
    citizen = await make_citizen()
    member = await make_member(citizen)
    application = await make_application(member)
    await ApplicationEvent.create(
        application=application, state=ApplicationState.CHECKING, actor="job"
    )
    await member.delete()
    assert await Application.all().count() == 0
    assert await ApplicationEvent.all().count() == 0
    assert await Citizen.filter(id=citizen.id).count() == 1


async def test_events_are_ordered(db: str) -> None:
    application = await make_application(await make_member(await make_citizen()))
    for state in (ApplicationState.SUBMITTED, ApplicationState.CHECKING, ApplicationState.APPROVED):
        await ApplicationEvent.create(application=application, state=state, actor="system")
    states = [event.state for event in await application.events.all()]
    assert states == [
        ApplicationState.SUBMITTED,
        ApplicationState.CHECKING,
        ApplicationState.APPROVED,
    ]
