"""Rows that admin tests put straight into the database: a signed-up citizen and a video
application for that citizen's father, with valid ID numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.idnumber import mask_id
from bot.storage.models import (
    Application,
    ApplicationKind,
    ApplicationState,
    Citizen,
    FamilyMember,
    Relationship,
)
from tests.ids import rid


async def citizen(user_id: int, language: str = "en") -> Citizen:
    """A signed-up citizen whose own ID number is stored in clear (an export must never read
    `id_enc`, so a test can look for it)."""
    own = rid(f"44030419850612{user_id % 1000:03d}")
    return await Citizen.create(
        telegram_user_id=user_id,
        phone_hash=f"phone-{user_id}",
        phone_enc="x",
        phone_masked="+86*******0000",
        full_name="Wang Xiaoming",
        id_hash=f"id-{user_id}",
        id_enc=own,
        id_masked=mask_id(own),
        birth_date=date(1985, 6, 12),
        language=language,
    )


async def father_application(
    owner: Citizen,
    state: ApplicationState,
    *,
    number: int = 1,
    reasons: Sequence[str] = (),
    expires_at: datetime | None = None,
    decided: datetime | None = None,
) -> tuple[Application, str]:
    """A video application for `owner`'s father (the `number`th, 0-9), and the father's full
    ID number, stored in clear like the citizen's."""
    full_id = rid(f"4403041956020300{number % 10}")
    member = await FamilyMember.create(
        citizen=owner,
        full_name="Wang Dagang",
        id_hash=f"member-{owner.id}-{number}",
        id_enc=full_id,
        id_masked=mask_id(full_id),
        birth_date=date(1956, 2, 3),
        relationship=Relationship.FATHER,
    )
    app = await Application.create(
        citizen=owner,
        member=member,
        kind=ApplicationKind.VIDEO,
        state=state,
        reasons=list(reasons),
        expires_at=expires_at or datetime.now(UTC) + timedelta(days=3),
        decided_at=decided,
        attempts=1,
    )
    return app, full_id
