"""The snapshot of a citizen the conversation reads on every update (`load_context`): the
citizen, their members and recent applications, in as few statements as the data allows,
and on SQLite none at all while nothing was written since (`ContextCache`)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper

from bot.flows.core import (
    ApplicationEventView,
    ApplicationView,
    CitizenView,
    Context,
    FlowConfig,
    MemberView,
)
from bot.security import Vault
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    Citizen,
    FamilyMember,
)

RECENT_APPLICATIONS = 20  # the applications the flow sees
# The citizen and whether there are members and applications to read, in one statement
# written out once: tortoise builds an annotated query anew on every call (about a tenth of
# an update's CPU time in bench/throughput). {p} is the driver's placeholder.
_CITIZEN_ROW = (
    'SELECT "id", "full_name", "id_masked", "birth_date", "id_hash", '
    '"biometric_consent_at" IS NOT NULL AS "consent", '
    'EXISTS (SELECT 1 FROM "family_member" WHERE "family_member"."citizen_id" = "citizen"."id")'
    ' AS "has_members", '
    'EXISTS (SELECT 1 FROM "application" WHERE "application"."citizen_id" = "citizen"."id")'
    ' AS "has_applications" '
    'FROM "citizen" WHERE "id" = {p} LIMIT 1'
)
_CITIZEN_ROW_BY_DIALECT = {
    "sqlite": _CITIZEN_ROW.format(p="?"),
    "postgres": _CITIZEN_ROW.format(p="$1"),
}


@dataclass(frozen=True)
class _CitizenRow:
    id: int
    full_name: str
    id_masked: str
    birth_date: date
    id_hash: str
    consent: bool
    has_members: bool
    has_applications: bool


async def _citizen_row(citizen_id: int) -> _CitizenRow | None:
    db = Citizen._meta.db
    sql = _CITIZEN_ROW_BY_DIALECT[db.capabilities.dialect]
    rows = await db.execute_query_dict(sql, [citizen_id])
    if not rows:
        return None
    row = rows[0]
    born = row["birth_date"]
    return _CitizenRow(
        id=int(row["id"]),
        full_name=row["full_name"],
        id_masked=row["id_masked"],
        birth_date=born if isinstance(born, date) else date.fromisoformat(born),
        id_hash=row["id_hash"],
        consent=bool(row["consent"]),
        has_members=bool(row["has_members"]),
        has_applications=bool(row["has_applications"]),
    )


def _is_stale(app: Application, now: datetime) -> bool:
    return app.state is ApplicationState.SUBMITTED and app.expires_at < now


@dataclass(frozen=True)
class _Rows:
    """What the database holds of one citizen (None: no such citizen), before `now` is
    applied (locks, today's attempts and expiry are decided on every update)."""

    citizen: _CitizenRow | None
    members: tuple[FamilyMember, ...] = ()
    applications: tuple[Application, ...] = ()


class ContextCache:
    """The rows of recently active citizens, kept while the database did not change.

    Only on SQLite, which one bot process owns: its single connection counts every row any
    statement inserted, updated or deleted (`total_changes`), whoever made it (a service,
    an agent's decision, the expiry, an admin), so any write at all makes every entry old.
    The count is read under tortoise's lock of the connection, which a transaction holds
    until it ends: what is cached was committed. PostgreSQL is shared by several bot
    processes and workers: there every update reads the rows."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[Any, int, _Rows]] = OrderedDict()

    @staticmethod
    async def version() -> tuple[Any, int] | None:
        """The connection and its count of changes; None where nothing may be cached."""
        db = Citizen._meta.db
        if not isinstance(db, SqliteClient) or isinstance(db, SqliteTransactionWrapper):
            return None
        async with db.acquire_connection() as connection:
            return connection, connection.total_changes

    def get(self, citizen_id: int, version: tuple[Any, int]) -> _Rows | None:
        entry = self._entries.get(citizen_id)
        if entry is None or entry[0] is not version[0] or entry[1] != version[1]:
            return None
        self._entries.move_to_end(citizen_id)
        return entry[2]

    def put(self, citizen_id: int, version: tuple[Any, int], rows: _Rows) -> None:
        self._entries[citizen_id] = (version[0], version[1], rows)
        self._entries.move_to_end(citizen_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


async def _rows(citizen_id: int) -> _Rows:
    citizen = await _citizen_row(citizen_id)
    if citizen is None:
        return _Rows(None)
    members: list[FamilyMember] = []
    if citizen.has_members:
        members = list(await FamilyMember.filter(citizen_id=citizen.id).order_by("id"))
    apps: list[Application] = []
    if citizen.has_applications:
        apps = await recent_applications(citizen.id)
    return _Rows(citizen, tuple(members), tuple(apps))


async def _cached_rows(citizen_id: int, cache: ContextCache | None) -> _Rows:
    version = await cache.version() if cache is not None else None
    if cache is None or version is None:
        return await _rows(citizen_id)
    rows = cache.get(citizen_id, version)
    if rows is None:
        rows = await _rows(citizen_id)
        # kept under the count taken before reading: a write during the reads outdates it
        cache.put(citizen_id, version, rows)
    return rows


async def load_context(
    config: FlowConfig,
    vault: Vault,
    citizen_id: int | None,
    *,
    now: datetime,
    entropy: int,
    cache: ContextCache | None = None,
) -> Context:
    """The citizen, members and recent applications as the flow sees them, on every
    update: one query, which also says whether there are members and applications to
    read (one query each, and one for the applications' events); from `cache` while the
    database did not change."""
    base = Context(now=now, config=config, entropy=entropy, hash_id=vault.keyed_hash)
    if citizen_id is None:
        return base
    rows = await _cached_rows(citizen_id, cache)
    citizen = rows.citizen
    if citizen is None:
        return base
    members, apps = list(rows.members), list(rows.applications)
    # Expiry needs no query of its own: every application is among the recent ones
    # unless the list is full, and only a stale one found there costs the writes.
    maybe_stale = len(apps) == RECENT_APPLICATIONS or any(_is_stale(a, now) for a in apps)
    if maybe_stale and await expire_stale(now=now, citizen_id=citizen.id):
        apps = await recent_applications(citizen.id)
    names = {m.id: m.full_name for m in members}
    today = now.date()
    return Context(
        now=now,
        config=config,
        entropy=entropy,
        hash_id=vault.keyed_hash,
        citizen=CitizenView(
            id=citizen.id,
            name=citizen.full_name,
            id_masked=citizen.id_masked,
            birth_date=citizen.birth_date,
            id_hash=citizen.id_hash,
            biometric_consent=citizen.consent,
            member_id_hashes=tuple(m.id_hash for m in members),
        ),
        members=tuple(
            MemberView(
                id=m.id,
                name=m.full_name,
                id_masked=m.id_masked,
                birth_date=m.birth_date,
                relationship=m.relationship.value,
                status=m.status.value,
                failed_attempts_today=m.failed_attempts if m.attempts_day == today else 0,
                locked=m.locked_until is not None and m.locked_until > now,
                consent=m.consent_at is not None,
            )
            for m in members
        ),
        applications=tuple(
            ApplicationView(
                id=a.id,
                member_id=a.member_id,
                member_name=names.get(a.member_id, ""),
                kind=a.kind.value,
                state=a.state.value,
                created_at=a.created_at,
                reasons=tuple(a.reasons or ()),
                timeline=tuple(ApplicationEventView(ev.state.value, ev.at) for ev in a.events),
            )
            for a in apps
        ),
    )


async def recent_applications(citizen_id: int) -> list[Application]:
    # an application's member is always one of the citizen's members (loaded already)
    return list(
        await Application.filter(citizen_id=citizen_id)
        .order_by("-id")
        .limit(RECENT_APPLICATIONS)
        .prefetch_related("events")
    )


async def expire_stale(*, now: datetime, citizen_id: int | None = None) -> int:
    """Unfinished applications past their expiry become expired."""
    query = Application.filter(state=ApplicationState.SUBMITTED, expires_at__lt=now)
    if citizen_id is not None:
        query = query.filter(citizen_id=citizen_id)
    count = 0
    for app in await query:
        app.state = ApplicationState.EXPIRED
        app.decided_at = now
        await app.save(update_fields=["state", "decided_at", "updated_at"])
        await ApplicationEvent.create(
            application=app, state=app.state, actor="system", note="expired"
        )
        count += 1
    return count
