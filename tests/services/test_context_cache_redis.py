"""The citizen's snapshot kept between updates on PostgreSQL (`ContextCache` with
`RedisContextVersions`): two "processes" (two sets of services, each with its own cache and
its own Redis client, on one database and one Redis) read the rows once while nothing
changes, and every write one of them makes is seen by the other's next update."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.flows import effects as fx
from bot.flows.core import Context, FlowConfig
from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.locks import RedisLocker
from bot.security import Vault, generate_key
from bot.services import citizen_context
from bot.services.audit import Audit
from bot.services.citizens import Actor, CitizenService
from bot.services.reviews import ReviewService, Verdict
from bot.services.verification import VerificationService
from bot.storage.conversations import RedisConversationStore
from bot.storage.models import Application, Citizen
from tests.fakes import FixedFiles, RecordingNotifier
from tests.ids import rid

ACTOR = Actor(telegram_user_id=77, language="en")


class _Queue:
    async def submit(self, job: AnalysisJob, on_done: object) -> None:
        pass


@dataclass
class Process:
    """What one bot process holds: its services, its cache, its Redis client."""

    citizens: CitizenService
    verification: VerificationService
    reviews: ReviewService
    redis: Redis

    async def context(self, citizen_id: int, now: datetime | None = None) -> Context:
        return await self.citizens.load_context(citizen_id, now=now or datetime.now(UTC), entropy=1)


@pytest.fixture
async def processes(
    postgres_db: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[Process, Process]]:
    vault = Vault([generate_key()], generate_key())
    made: list[Process] = []
    for _ in range(2):
        redis = Redis.from_url(redis_url)
        versions = citizen_context.RedisContextVersions(redis, prefix=f"{redis_prefix}:ctx")
        audit = Audit(vault)
        citizens = CitizenService(
            vault,
            audit,
            FlowConfig(),
            media_dir=tmp_path / "media",
            application_expiry=timedelta(hours=1),
            context_versions=versions,
        )
        verification = VerificationService(
            _Queue(),
            audit,
            files=FixedFiles(b"video"),
            notifier=RecordingNotifier(),
            media_dir=tmp_path / "media",
            max_attempts_per_day=3,
            child_age=16,
            job_defaults={},
            changes=citizens.contexts,
        )
        reviews = ReviewService(audit, media_dir=tmp_path / "media", changes=citizens.contexts)
        made.append(Process(citizens, verification, reviews, redis))
    yield made[0], made[1]
    for process in made:
        await process.redis.aclose()


async def registered(p: Process) -> int:
    answer = await p.citizens.register(
        ACTOR, fx.RegisterCitizen("+8613800138000", "王小明", rid("11010519850612001"))
    )
    assert isinstance(answer, fx.Registered)
    return answer.citizen_id


async def with_member(p: Process, citizen_id: int) -> int:
    added = await p.citizens.add_member(
        citizen_id, fx.AddMember("王大刚", rid("11010519560203001"), "father")
    )
    assert isinstance(added, fx.MemberAdded)
    return added.member_id


async def with_application(p: Process, citizen_id: int, member_id: int) -> int:
    start = fx.StartApplication(member_id, "video")
    started = await p.citizens.start_application(citizen_id, start)
    assert isinstance(started, fx.ApplicationStarted)
    return started.application_id


async def checking(p: Process, citizen_id: int, app_id: int) -> None:
    media = fx.SubmitMedia(app_id, "f", "video", ("blink",), False)
    assert await p.verification.submit(citizen_id, media) is None


def states(ctx: Context) -> list[str]:
    return [a.state for a in ctx.applications]


def timeline(ctx: Context) -> list[str]:
    return [event.state for event in ctx.applications[0].timeline]


def statuses(ctx: Context) -> list[str]:
    return [m.status for m in ctx.members]


async def test_an_unchanged_citizen_is_read_once_per_process(
    processes: tuple[Process, Process], reads: list[int]
) -> None:
    a, b = processes
    cid = await registered(a)
    first = await a.context(cid)
    assert (await a.context(cid)).citizen == first.citizen and first.citizen is not None
    await b.context(cid)
    await b.context(cid)
    assert reads == [cid, cid]  # once in each process


Scenario = Callable[[Process, int, int, int], Awaitable[Callable[[Context], bool]]]


async def _member_added(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await p.citizens.add_member(cid, fx.AddMember("王小红", rid("11010520100304002"), "daughter"))
    return lambda ctx: len(ctx.members) == 2


async def _member_removed(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await p.citizens.remove_member(cid, member_id)
    return lambda ctx: ctx.members == () and ctx.applications == ()


async def _consent(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    consent = fx.GiveBiometricConsent(member_id, "bio-consent-adult", "en", 30)
    await p.citizens.give_biometric_consent(cid, consent)
    return lambda ctx: ctx.members[0].consent and ctx.citizen.biometric_consent


async def _application_started(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await p.citizens.start_application(cid, fx.StartApplication(member_id, "photo"))
    return lambda ctx: len(ctx.applications) == 2


async def _account_deleted(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await p.citizens.delete_account(ACTOR, cid)
    return lambda ctx: ctx.citizen is None


async def _media_submitted(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await checking(p, cid, app_id)
    return lambda ctx: states(ctx) == ["checking"]


async def _engine_approved(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await checking(p, cid, app_id)
    scores = {"distance": 0.3, "same_person": True}
    await p.verification.record(AnalysisResult(app_id, False, "video", "pass", scores=scores))
    return lambda ctx: states(ctx) == ["approved"] and statuses(ctx) == ["verified"]


async def _engine_failed(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await checking(p, cid, app_id)
    failed = AnalysisResult(app_id, False, "video", "fail", reasons=("no_blink",))
    await p.verification.record(failed)
    return lambda ctx: ctx.members[0].failed_attempts_today == 1


async def _recording_failed(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await checking(p, cid, app_id)
    # a result that cannot be recorded: the application goes back to submitted
    await p.verification.finish(AnalysisResult(app_id, False, "video", "pass", scores=None))  # type: ignore[arg-type]
    return lambda ctx: timeline(ctx) == ["submitted", "checking", "submitted"]


async def _analysis_lost(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await checking(p, cid, app_id)
    await p.verification.sweep_stuck(timedelta(seconds=-60))
    return lambda ctx: timeline(ctx) == ["submitted", "checking", "submitted"]


async def _human_review_requested(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await p.verification.request_human_review(cid, app_id)
    return lambda ctx: states(ctx) == ["in_review"] and statuses(ctx) == ["pending_review"]


async def _agent_approved(p: Process, cid: int, member_id: int, app_id: int) -> Any:
    await p.verification.request_human_review(cid, app_id)
    assert states(await p.context(cid)) == ["in_review"]  # this process keeps it in review
    review, _ = await p.reviews.open(app_id)
    await p.reviews.decide(review.id, 20001, Verdict.APPROVE)
    return lambda ctx: states(ctx) == ["approved"] and statuses(ctx) == ["verified"]


SCENARIOS: dict[str, Scenario] = {
    "member added": _member_added,
    "member removed": _member_removed,
    "biometric consent": _consent,
    "application started": _application_started,
    "account deleted": _account_deleted,
    "media submitted": _media_submitted,
    "engine approved": _engine_approved,
    "engine failed attempt": _engine_failed,
    "recording failed": _recording_failed,
    "analysis lost": _analysis_lost,
    "human review requested": _human_review_requested,
    "agent approved": _agent_approved,
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_a_write_by_another_process_is_seen_by_the_next_update(
    processes: tuple[Process, Process], name: str
) -> None:
    a, b = processes
    cid = await registered(a)
    member_id = await with_member(a, cid)
    app_id = await with_application(a, cid, member_id)
    before = await a.context(cid)
    assert states(before) == ["submitted"] and len(before.members) == 1
    again = await a.context(cid)  # kept
    assert (again.citizen, again.members, again.applications) == (
        before.citizen,
        before.members,
        before.applications,
    )
    shows = await SCENARIOS[name](b, cid, member_id, app_id)
    assert shows(await a.context(cid)), name
    assert shows(await b.context(cid)), name


async def test_the_expiry_made_by_one_process_is_seen_by_the_other(
    processes: tuple[Process, Process],
) -> None:
    a, b = processes
    cid = await registered(a)
    app_id = await with_application(a, cid, await with_member(a, cid))
    assert states(await a.context(cid)) == ["submitted"]
    await b.citizens.expire_stale(now=datetime.now(UTC) + timedelta(hours=2))
    assert states(await a.context(cid)) == ["expired"]
    assert (await Application.get(id=app_id)).state.value == "expired"


async def test_a_write_while_the_rows_are_read_is_not_kept(
    processes: tuple[Process, Process], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are kept under the token read before reading them: another process's write that
    lands meanwhile replaces the token, and the next update reads again."""
    a, b = processes
    cid = await registered(a)
    read = citizen_context._rows
    writes: list[Callable[[], Awaitable[Any]]] = [lambda: b.citizens.set_language(cid, "es")]

    async def interrupted(citizen_id: int) -> Any:
        rows = await read(citizen_id)
        while writes:
            await Citizen.filter(id=cid).update(full_name="李四")
            await writes.pop()()  # b's write, told after its commit
        return rows

    monkeypatch.setattr(citizen_context, "_rows", interrupted)
    stale = await a.context(cid)
    assert stale.citizen is not None and stale.citizen.name == "王小明"
    fresh = await a.context(cid)
    assert fresh.citizen is not None and fresh.citizen.name == "李四"


async def test_a_lost_token_is_made_again_and_nothing_old_is_kept(
    processes: tuple[Process, Process], reads: list[int]
) -> None:
    """Redis lost the key (expired, evicted, flushed): the next update reads the rows."""
    a, _ = processes
    cid = await registered(a)
    await a.context(cid)
    versions = a.citizens.contexts.versions
    assert versions is not None
    await a.redis.delete(versions.key(cid))
    await Citizen.filter(id=cid).update(full_name="李四")  # a write whose token was lost
    seen = (await a.context(cid)).citizen
    assert seen is not None and seen.name == "李四"
    await a.context(cid)
    assert reads == [cid, cid]


async def test_entries_older_than_the_limit_are_read_again(
    processes: tuple[Process, Process], reads: list[int]
) -> None:
    a, _ = processes
    a.citizens.contexts.max_age_s = -1.0
    cid = await registered(a)
    await a.context(cid)
    await a.context(cid)
    assert reads == [cid, cid]


async def test_keys_of_one_citizen_share_a_hash_tag(redis_url: str) -> None:
    versions = citizen_context.RedisContextVersions(Redis.from_url(redis_url), prefix="p")
    try:
        assert versions.key(42) == "p:{42}"
    finally:
        await versions.redis.aclose()


async def test_without_versions_nothing_is_kept_on_postgres(
    postgres_db: str, tmp_path: Path, reads: list[int]
) -> None:
    vault = Vault([generate_key()], generate_key())
    citizens = CitizenService(
        vault,
        Audit(vault),
        FlowConfig(),
        media_dir=tmp_path / "media",
        application_expiry=timedelta(hours=1),
    )
    assert await citizens.contexts.version(1) is None
    cid = (
        await citizens.register(
            ACTOR, fx.RegisterCitizen("+8613800138000", "王小明", rid("11010519850612001"))
        )
    ).citizen_id  # type: ignore[union-attr]
    await citizens.load_context(cid, now=datetime.now(UTC), entropy=1)
    await citizens.load_context(cid, now=datetime.now(UTC), entropy=1)
    assert reads == [cid, cid]


@contextlib.asynccontextmanager
async def locked(p: Process, redis_prefix: str, cid: int | None) -> AsyncIterator[list[str]]:
    """A citizen runner's update in process p: the conversation (of citizen `cid`) held under
    its lock, with the context token read along; yields the keys p then GETs itself."""
    versions = p.citizens.contexts.versions
    assert versions is not None
    store = RedisConversationStore(p.redis, bot_id=1, prefix=f"{redis_prefix}:conv")
    await store.save("citizen", 77, {"c": {"citizen_id": cid}, "refs": {}})
    locker = RedisLocker(p.redis, prefix=f"{redis_prefix}:lock", read_along=versions)
    gets: list[str] = []
    get = p.redis.get

    async def counting(key: Any) -> Any:
        gets.append(key)
        return await get(key)

    p.redis.get = counting  # type: ignore[method-assign]
    try:
        async with locker.hold("citizen:1:77", store.key("citizen", 77)):
            yield gets
    finally:
        p.redis.get = get  # type: ignore[method-assign]


async def test_the_token_is_read_with_the_lock_and_used_once(
    processes: tuple[Process, Process], redis_prefix: str, reads: list[int]
) -> None:
    """The update's first context uses the token the lock's round trip read (no GET of its
    own); a second context in the same update asks Redis; outside the lock nothing is read
    along."""
    a, _ = processes
    cid = await registered(a)
    async with locked(a, redis_prefix, cid) as gets:
        await a.context(cid)
        assert gets == []
        await a.context(cid)
        assert len(gets) == 1
    async with locked(a, redis_prefix, cid) as gets:
        await a.context(cid)
        assert gets == []
    await a.context(cid)  # not under the lock: its own GET
    assert reads == [cid]  # the token read along keeps the rows as a GET would


async def test_a_token_read_along_is_not_used_after_a_write_or_out_of_the_lock(
    processes: tuple[Process, Process], redis_prefix: str
) -> None:
    """Writes made while the update holds its lock (another process's, then the update's
    own) show in the update's next context; a task started under the lock does not use the
    token once the lock is left (another process's write after that shows in it)."""
    a, b = processes
    cid = await registered(a)
    await a.context(cid)
    async with locked(a, redis_prefix, cid):
        await b.citizens.set_language(cid, "es")
        await Citizen.filter(id=cid).update(full_name="李四")  # told by b's token
        late = asyncio.create_task(asyncio.sleep(0.01))
        await a.citizens.set_language(cid, "zh")  # a's own write, mid-update
        seen = (await a.context(cid)).citizen
        assert seen is not None and seen.name == "李四"
    await late
    await Citizen.filter(id=cid).update(full_name="张三")
    await b.citizens.set_language(cid, "en")
    await a.context(cid)  # kept under the token the lock reads next
    written = asyncio.Event()
    async with locked(a, redis_prefix, cid):
        copied: list[Context] = []

        async def later() -> None:
            await written.wait()  # the lock left, and another process's write made
            copied.append(await a.context(cid))

        task = asyncio.create_task(later())  # started under the lock: its context copied
        await asyncio.sleep(0)
    await Citizen.filter(id=cid).update(full_name="赵六")
    await b.citizens.set_language(cid, "es")
    written.set()
    await task
    assert copied[0].citizen is not None and copied[0].citizen.name == "赵六"


async def test_a_conversation_without_a_citizen_reads_nothing_along(
    processes: tuple[Process, Process], redis_prefix: str
) -> None:
    a, _ = processes
    cid = await registered(a)
    async with locked(a, redis_prefix, None) as gets:
        await a.context(cid)
        assert len(gets) == 1


async def test_the_app_on_postgres_and_redis_wires_the_versions(
    postgres_db_url: str, redis_url: str, tmp_path: Path
) -> None:
    """Every writer of the app tells the one cache, and the cache reads the tokens."""
    from bot.config import Settings
    from bot.wiring import build_app

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=postgres_db_url,
        redis_url=redis_url,
        agents_chat_id=-100123,
    )
    app = await build_app(settings, token="987650002:wiring", api_url="http://127.0.0.1:9")
    try:
        citizens = app.runner.citizens
        assert isinstance(citizens, CitizenService)
        assert citizens.contexts.versions is not None
        # the citizen runner's lock reads the token along (`RedisLocker`'s read along)
        assert isinstance(app.runner.locker, RedisLocker)
        assert app.runner.locker.read_along is citizens.contexts.versions
        assert app.verification.changes is citizens.contexts
        assert app.desk is not None and app.desk.cards.reviews.changes is citizens.contexts
    finally:
        await app.close()


async def test_the_app_on_sqlite_keeps_no_tokens(tmp_path: Path, redis_url: str) -> None:
    """SQLite has one process: the connection's count of changes does, no Redis token."""
    from bot.config import Settings
    from bot.wiring import build_app

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", redis_url=redis_url)  # type: ignore[call-arg]
    app = await build_app(settings, token="987650003:wiring", api_url="http://127.0.0.1:9")
    try:
        citizens = app.runner.citizens
        assert isinstance(citizens, CitizenService)
        assert citizens.contexts.versions is None
    finally:
        await app.close()
