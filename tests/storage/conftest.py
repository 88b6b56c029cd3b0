"""Database and Redis fixtures, reusable project-wide (import them in a conftest.py).

- `sqlite_db_url`: a URL of a fresh SQLite file; `sqlite_db`: the ORM initialised on it,
  migrations applied.
- `postgres_db_url`: a temporary PostgreSQL database for the whole test session (created
  with a random name, dropped at the end); `postgres_db`: the ORM on it, migrations applied,
  all tables emptied after each test.
- `db`: parametrised over both backends; yields the database URL.
- `redis_url`; `redis_prefix`: a unique key prefix, its keys deleted after the test.

PostgreSQL and Redis tests are skipped only when the server is unreachable (the skip reason
says so); any other failure (refused login, missing rights) is an error.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from tortoise import connections

from bot.storage.db import close_db, init_db
from tests import dbutil

MODEL_TABLES = (
    "revoked_ecard",
    "erased_application",
    "ticket_message",
    "ticket",
    "review",
    "reference_photo",
    "key_value",
    "staff",
    "ban",
    "audit_log",
    "application_event",
    "application",
    "family_member",
    "citizen",
)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    reason = dbutil.run(dbutil.postgres_unreachable_reason(dbutil.POSTGRES_ADMIN_URL))
    if reason:
        pytest.skip(reason)
    return dbutil.POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_db_url(postgres_admin_url: str) -> Iterator[str]:
    url = dbutil.run(dbutil.create_temp_database(postgres_admin_url))
    yield url
    dbutil.run(dbutil.drop_database(url, postgres_admin_url))


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    return dbutil.sqlite_url(tmp_path / "data" / "bot.sqlite3")


@pytest.fixture
async def sqlite_db(sqlite_db_url: str) -> AsyncIterator[str]:
    await init_db(sqlite_db_url)
    yield sqlite_db_url
    await close_db()


@pytest.fixture
async def postgres_db(postgres_db_url: str) -> AsyncIterator[str]:
    await init_db(postgres_db_url)
    yield postgres_db_url
    tables = ", ".join(f'"{table}"' for table in MODEL_TABLES)
    await connections.get("default").execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    await close_db()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> str:
    """The URL of an initialised database, once per backend."""
    return str(request.getfixturevalue(f"{request.param}_db"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    reason = dbutil.run(dbutil.redis_unreachable_reason(dbutil.REDIS_URL))
    if reason:
        pytest.skip(reason)
    return dbutil.REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"ssc_test_{secrets.token_hex(6)}"
    yield prefix
    dbutil.run(dbutil.delete_redis_keys(redis_url, f"{prefix}:*"))
