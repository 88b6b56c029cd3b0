"""Helpers for tests that need a real database or Redis: temporary PostgreSQL databases,
reachability checks that tell "server not running" apart from real errors, and a
dialect-independent description of a database schema (to compare two schemas).

The servers default to the local ones and can be pointed elsewhere with `TEST_POSTGRES_URL`
(a database the test user may connect to, with the right to CREATE DATABASE) and
`TEST_REDIS_URL`.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis.asyncio as redis_asyncio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.backends.base.config_generator import expand_db_url

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEMP_DATABASE_PREFIX = "ssc_test_"
CONNECT_TIMEOUT_SECONDS = 3.0

Schema = dict[str, Any]


def sqlite_url(path: Path) -> str:
    """A Tortoise URL for an SQLite file (absolute path)."""
    return f"sqlite://{path.resolve().as_posix()}"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, "", ""))


async def postgres_unreachable_reason(admin_url: str = POSTGRES_ADMIN_URL) -> str | None:
    """Why PostgreSQL cannot be reached, or None when it answers.

    Only a server that is not there (refused, unresolvable, timing out, starting up) counts as
    unreachable; a server that answers and refuses us (bad password, no such database) raises,
    so that a misconfiguration fails the tests instead of silently skipping them.
    """
    try:
        connection = await asyncpg.connect(admin_url, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, asyncpg.CannotConnectNowError) as error:
        host = urlsplit(admin_url).hostname
        return f"PostgreSQL is unreachable at {host} ({type(error).__name__}: {error})"
    await connection.close()
    return None


async def create_temp_database(admin_url: str = POSTGRES_ADMIN_URL) -> str:
    """Create an empty database `ssc_test_<random>` and return its URL."""
    name = TEMP_DATABASE_PREFIX + secrets.token_hex(6)
    connection = await asyncpg.connect(admin_url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return _with_database(admin_url, name)


async def drop_database(database_url: str, admin_url: str = POSTGRES_ADMIN_URL) -> None:
    """Drop a database made by `create_temp_database`, even with connections left open."""
    name = urlsplit(database_url).path.lstrip("/")
    if not name.startswith(TEMP_DATABASE_PREFIX):
        raise ValueError("refusing to drop a database that is not a temporary test database")
    connection = await asyncpg.connect(admin_url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def redis_unreachable_reason(url: str = REDIS_URL) -> str | None:
    """Why Redis cannot be reached, or None when it answers PING."""
    client = redis_asyncio.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await client.ping()
    except (RedisConnectionError, RedisTimeoutError, OSError) as error:
        host = urlsplit(url).hostname
        return f"Redis is unreachable at {host} ({type(error).__name__})"
    finally:
        await client.aclose()
    return None


async def delete_redis_keys(url: str, pattern: str) -> int:
    """Delete the keys matching `pattern` (e.g. `prefix:*`); return how many there were."""
    client = redis_asyncio.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=pattern, count=500)]
        if keys:
            await client.delete(*keys)
        return len(keys)
    finally:
        await client.aclose()


async def describe_schema(url: str) -> Schema:
    """Tables, columns, indexes and constraints of a database, independent of object names
    and of column order, so that a migrated schema compares equal to a generated one."""
    engine = expand_db_url(url)["engine"]
    if engine == "tortoise.backends.sqlite":
        return await _describe_sqlite(Path(expand_db_url(url)["credentials"]["file_path"]))
    return await _describe_postgres(url)


async def _describe_sqlite(path: Path) -> Schema:
    import aiosqlite

    schema: Schema = {}
    async with aiosqlite.connect(path) as connection:
        cursor = await connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [row[0] for row in await cursor.fetchall()]
        for table in tables:
            columns = {
                row[1]: {
                    "type": row[2].upper(),
                    "not_null": bool(row[3]),
                    "default": row[4],
                    "pk": row[5],
                }
                for row in await (
                    await connection.execute(f'PRAGMA table_info("{table}")')
                ).fetchall()
            }
            indexes = set()
            for row in await (await connection.execute(f'PRAGMA index_list("{table}")')).fetchall():
                index_name, unique, origin = row[1], bool(row[2]), row[3]
                info = await (
                    await connection.execute(f'PRAGMA index_info("{index_name}")')
                ).fetchall()
                indexes.add((unique, origin, tuple(item[2] for item in info)))
            foreign_keys = {
                (row[2], row[3], row[4], row[5], row[6])
                for row in await (
                    await connection.execute(f'PRAGMA foreign_key_list("{table}")')
                ).fetchall()
            }
            schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": foreign_keys}
    return schema


_INDEX_NAME = re.compile(r"INDEX \S+ ON")


async def _describe_postgres(url: str) -> Schema:
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        schema: Schema = {}
        for row in await connection.fetch(
            "SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ):
            schema[row["name"]] = {
                "comment": row["comment"],
                "columns": {},
                "indexes": set(),
                "constraints": set(),
            }
        for row in await connection.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, "
            "character_maximum_length, "
            "col_description(format('%I', table_name)::regclass, ordinal_position) AS comment "
            "FROM information_schema.columns WHERE table_schema = 'public'"
        ):
            schema[row["table_name"]]["columns"][row["column_name"]] = {
                key: row[key]
                for key in (
                    "data_type",
                    "is_nullable",
                    "column_default",
                    "character_maximum_length",
                    "comment",
                )
            }
        for row in await connection.fetch(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ):
            schema[row["tablename"]]["indexes"].add(_INDEX_NAME.sub("INDEX ON", row["indexdef"]))
        for row in await connection.fetch(
            "SELECT t.relname AS table_name, c.contype, pg_get_constraintdef(c.oid) AS definition "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'"
        ):
            schema[row["table_name"]]["constraints"].add((row["contype"], row["definition"]))
        return schema
    finally:
        await connection.close()


def run(coroutine: Any) -> Any:
    """Run a coroutine from synchronous code (session fixtures run outside the event loop)."""
    return asyncio.run(coroutine)
