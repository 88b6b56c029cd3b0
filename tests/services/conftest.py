"""Fixtures of the service tests: the storage ones, and a count of context reads."""

from typing import Any

import pytest

from bot.services import citizen_context
from tests.storage.conftest import (
    postgres_admin_url,
    postgres_db,
    postgres_db_url,
    redis_prefix,
    redis_url,
    sqlite_db,
    sqlite_db_url,
)

__all__ = [
    "postgres_admin_url",
    "postgres_db",
    "postgres_db_url",
    "redis_prefix",
    "redis_url",
    "sqlite_db",
    "sqlite_db_url",
]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The citizens whose context rows were read from the database (by any process)."""
    seen: list[int] = []
    read = citizen_context._rows

    async def counting(citizen_id: int) -> Any:
        seen.append(citizen_id)
        return await read(citizen_id)

    monkeypatch.setattr(citizen_context, "_rows", counting)
    return seen
