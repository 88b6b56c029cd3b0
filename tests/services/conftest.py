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
