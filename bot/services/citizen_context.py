"""The snapshot of a citizen the conversation reads on every update (`load_context`): the
citizen, their members and recent applications, in as few statements as the data allows,
and none at all while nothing was written since (`ContextCache`): on SQLite by the
connection's count of changes, on PostgreSQL by a version token per citizen in Redis
(`RedisContextVersions`) that every writer replaces after its write."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from redis.asyncio import Redis
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


class ContextChanges(Protocol):
    """Told after every committed write to what `load_context` reads of a citizen: the
    citizen's row, their members, their applications and those applications' events
    (`CitizenService`, `VerificationService`, `ReviewService`, `expire_stale`). Writes of
    columns the context never shows need not tell: the retention purge's media paths
    (`bot/services/admin/retention.py`), key rotation's ciphertexts (`bot/services/keys.py`)."""

    async def changed(self, citizen_id: int) -> None: ...


# The token read along with the lock of the update running in this task (`RedisLocker`'s
# read along), used by the first `current` of its key and by nothing once the lock is left
# or the citizen changed (a task started during the update copies the variable: `live` is
# shared with the copy).
class _Along:
    __slots__ = ("key", "live", "token")

    def __init__(self, key: str, token: str | None) -> None:
        self.key, self.token, self.live = key, token, True


_READ_ALONG: ContextVar[_Along | None] = ContextVar("ctx_read_along", default=None)


class RedisContextVersions:
    """A version token per citizen, `<prefix>:{<citizen id>}` (one hash tag per citizen for
    Redis Cluster; every operation here is on one key), shared by every bot process.

    A writer calls `changed` once its write committed (after the transaction, never inside
    it): the key gets a new random token, so the next update of any process reads the rows
    again. The token is random rather than a counter, so that a key lost (expired, evicted,
    a flushed Redis) and made again never repeats a token a process still keeps. A process
    keeps rows under the token it read *before* reading them: a write that lands while they
    are read replaces the token, and the next update reads again.

    It is also the citizen runner's `bot.locks.ReadAlong`: the lock's script reads the token
    of the conversation's citizen (`document["c"]["citizen_id"]`) in the round trip that
    takes the lock, and the update's first `current` uses it instead of a GET of its own (a
    token read earlier in the same update, before the rows)."""

    path = ("c", "citizen_id")  # the citizen runner's document (`CitizenRunner._sealed`)

    def __init__(self, redis: Redis, *, prefix: str = "ssc:ctx", ttl_s: int = 7 * 24 * 3600):
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s

    def key(self, citizen_id: int) -> str:
        return f"{self.prefix}:{{{citizen_id}}}"

    def seen(self, key: str, value: bytes | str | None) -> Callable[[], None]:
        """The token at `key` as read with the update's lock (`bot.locks.ReadAlong`)."""
        along = _Along(key, value.decode() if isinstance(value, bytes) else value)
        mark = _READ_ALONG.set(along)

        def forget() -> None:
            along.live = False
            _READ_ALONG.reset(mark)

        return forget

    async def current(self, citizen_id: int) -> str | None:
        """The citizen's token (made when there is none); None when it changed meanwhile."""
        key = self.key(citizen_id)
        token: bytes | str | None
        along = _READ_ALONG.get()
        if along is not None and along.live and along.key == key:
            along.live = False  # once: a later read in the update asks Redis
            token = along.token
        else:
            token = await self.redis.get(key)
        if token is not None:
            return token.decode() if isinstance(token, bytes) else token
        made = secrets.token_hex(8)
        if await self.redis.set(key, made, nx=True, ex=self.ttl_s):
            return made
        return None  # another process made or replaced it since: read, keep nothing

    async def changed(self, citizen_id: int) -> None:
        key = self.key(citizen_id)
        along = _READ_ALONG.get()
        if along is not None and along.key == key:
            along.live = False
        await self.redis.set(key, secrets.token_hex(8), ex=self.ttl_s)


class ContextCache:
    """The rows of recently active citizens, kept while they did not change.

    On SQLite, which one bot process owns, the single connection counts every row any
    statement inserted, updated or deleted (`total_changes`), whoever made it (a service,
    an agent's decision, the expiry, an admin), so any write at all makes every entry old.
    The count is read under tortoise's lock of the connection, which a transaction holds
    until it ends: what is cached was committed.

    PostgreSQL is shared by several bot processes: there an entry is kept under the
    citizen's token in `versions` (`RedisContextVersions`, one GET per update), which every
    writer replaces after its write (`ContextChanges`). Without `versions` nothing is kept.
    An entry is also dropped after `max_age_s`, whatever the version says: a process that
    died between its commit and replacing the token shows old rows that long at most."""

    def __init__(
        self,
        capacity: int = 10_000,
        *,
        versions: RedisContextVersions | None = None,
        max_age_s: float = 300.0,
    ) -> None:
        self.capacity = capacity
        self.versions = versions
        self.max_age_s = max_age_s
        self._entries: OrderedDict[int, tuple[Any, float, _Rows]] = OrderedDict()

    async def version(self, citizen_id: int) -> Any:
        """What the citizen's rows are kept under (compared with ==); None where nothing
        may be cached."""
        db = Citizen._meta.db
        if isinstance(db, SqliteClient):
            if isinstance(db, SqliteTransactionWrapper):
                return None
            async with db.acquire_connection() as connection:
                return connection, connection.total_changes
        if self.versions is None:
            return None
        return await self.versions.current(citizen_id)

    def get(self, citizen_id: int, version: Any) -> _Rows | None:
        entry = self._entries.get(citizen_id)
        if entry is None or entry[0] != version:
            return None
        if time.monotonic() - entry[1] > self.max_age_s:
            del self._entries[citizen_id]
            return None
        self._entries.move_to_end(citizen_id)
        return entry[2]

    def put(self, citizen_id: int, version: Any, rows: _Rows) -> None:
        self._entries[citizen_id] = (version, time.monotonic(), rows)
        self._entries.move_to_end(citizen_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    async def changed(self, citizen_id: int) -> None:
        """A write to the citizen's rows committed (`ContextChanges`)."""
        self._entries.pop(citizen_id, None)
        if self.versions is not None:
            await self.versions.changed(citizen_id)


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
    if cache is None:
        return await _rows(citizen_id)
    version = await cache.version(citizen_id)
    if version is None:
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
    if maybe_stale and await expire_stale(now=now, citizen_id=citizen.id, changes=cache):
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


async def expire_stale(
    *, now: datetime, citizen_id: int | None = None, changes: ContextChanges | None = None
) -> int:
    """Unfinished applications past their expiry become expired; `changes` is told of each
    citizen whose applications changed."""
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
        if changes is not None:
            await changes.changed(app.citizen_id)
    return count
