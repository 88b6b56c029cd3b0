"""The run's PostgreSQL database and Redis keys: create, check, clean."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import redis.asyncio as aioredis

from bench.loadrun.citizens import Citizen
from bench.loadrun.common import DB_PREFIX, TOKEN, with_database


async def create_database(admin_url: str) -> str:
    name = DB_PREFIX + secrets.token_hex(5)
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, db_url: str) -> None:
    name = urlsplit(db_url).path.lstrip("/")
    if not name.startswith(DB_PREFIX):
        raise ValueError(f"refusing to drop {name!r}")
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run_patterns() -> list[str]:
    return ["arq:*", "ssc:*", f"fsm:{TOKEN.split(':', maxsplit=1)[0]}:*"]


async def clean_redis(url: str) -> int:
    client = aioredis.from_url(url, socket_connect_timeout=3)
    try:
        deleted = 0
        for pattern in run_patterns():
            keys = [k async for k in client.scan_iter(match=pattern, count=500)]
            for i in range(0, len(keys), 500):
                deleted += int(await client.delete(*keys[i : i + 500]))
        return deleted
    finally:
        await client.aclose()


async def redis_leftovers(url: str) -> dict[str, Any]:
    """What the run left in Redis before cleaning: queue, stream, pending entries, media."""
    client = aioredis.from_url(url, socket_connect_timeout=3)
    try:
        info: dict[str, Any] = {
            "queue_len": int(await client.zcard("ssc:analysis:queue")),
            "stream_len": int(await client.xlen("ssc:analysis:results")),
            "media_keys": len([k async for k in client.scan_iter("ssc:analysis:media:*")]),
            "in_progress_keys": len([k async for k in client.scan_iter("arq:in-progress:*")]),
        }
        try:
            pending = await client.xpending("ssc:analysis:results", "bot")
            info["stream_pending"] = int(pending["pending"])
            groups = await client.xinfo_consumers("ssc:analysis:results", "bot")
            info["consumers"] = [
                {
                    "name": g["name"].decode() if isinstance(g["name"], bytes) else g["name"],
                    "pending": int(g["pending"]),
                }
                for g in groups
            ]
        except aioredis.ResponseError as exc:
            info["stream_pending"] = f"n/a ({exc})"
        return info
    finally:
        await client.aclose()


async def database_checks(db_url: str, citizens: list[Citizen]) -> dict[str, Any]:
    conn = await asyncpg.connect(db_url, timeout=5)
    try:
        apps = await conn.fetch(
            "SELECT a.id, a.state, a.attempts, c.telegram_user_id AS uid "
            "FROM application a JOIN citizen c ON c.id = a.citizen_id"
        )
        events = await conn.fetch(
            "SELECT application_id, state, actor, note FROM application_event ORDER BY id"
        )
        n_citizens = await conn.fetchval("SELECT count(*) FROM citizen")
        n_members = await conn.fetchval("SELECT count(*) FROM family_member")
        verified = await conn.fetchval(
            "SELECT count(*) FROM family_member WHERE status = 'verified'"
        )
    finally:
        await conn.close()
    by_app: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for event in events:
        by_app[int(event["application_id"])].append(event)
    apps_by_user: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for app in apps:
        apps_by_user[int(app["uid"])].append(app)
    states = Counter(str(a["state"]) for a in apps)
    anomalies: list[dict[str, Any]] = []
    double = 0
    undecided = 0
    for app in apps:
        history = by_app.get(int(app["id"]), [])
        # each video ('checking') must be followed by exactly one decision before the next one
        segments: list[int] = []
        for e in history:
            if str(e["state"]) == "checking":
                segments.append(0)
            elif segments and not str(e["actor"]).startswith("citizen"):
                segments[-1] += 1
        final = str(app["state"]) in ("approved", "rejected", "in_review")
        if any(n > 1 for n in segments):
            double += 1
        elif not final or not segments or segments[-1] == 0:
            undecided += 1
        if any(n != 1 for n in segments) or len(segments) != 1 or not final:
            anomalies.append(
                {
                    "application": int(app["id"]),
                    "user_id": int(app["uid"]),
                    "state": str(app["state"]),
                    "history": [
                        f"{e['state']} by {e['actor']}" + (f" ({e['note']})" if e["note"] else "")
                        for e in history
                    ],
                }
            )
    reached_video = [c for c in citizens if c.video_sent_at is not None]
    no_application = [c.user_id for c in reached_video if not apps_by_user.get(c.user_id)]
    return {
        "citizens": int(n_citizens),
        "members": int(n_members),
        "members_verified": int(verified),
        "applications": len(apps),
        "application_states": dict(states),
        "applications_decided_exactly_once": len(apps) - double - undecided,
        "videos_released_as_lost": sum(1 for e in events if str(e["note"]) == "analysis_lost"),
        "applications_decided_twice_or_more": double,
        "applications_undecided": undecided,
        "citizens_with_video_but_no_application": no_application,
        "anomalies": anomalies[:50],
    }
