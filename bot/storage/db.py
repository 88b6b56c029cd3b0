"""Database set-up: Tortoise ORM configuration and migrations with aerich.

Aerich migration files hold dialect-specific SQL, and the bot runs on SQLite (embedded
default) and PostgreSQL (production). So there is one migrations folder per dialect, both
generated from the same models and applied by `init_db` at startup with aerich's `Command`:

    migrations/sqlite/models/0_<timestamp>_init.py, 1_<timestamp>_<name>.py, ...
    migrations/postgres/models/0_<timestamp>_init.py, ...

To add a migration after changing `bot/storage/models.py`:

    scripts/makemigrations.sh <short_name>        # e.g. add_member_note

It writes the next migration for both dialects (offline: aerich diffs the models against the
models state stored in the last migration file, no database needed). Review the SQL of both
files (renames are generated as drop + add: edit them by hand into renames), commit them,
and run `uv run pytest tests/storage`: `test_migrations.py` fails while the migrated schema
of either dialect differs from the models. Never edit a migration that was released.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import asyncpg
from aerich import Command
from aerich.migrate import Migrate
from tortoise import Tortoise, connections
from tortoise.backends.base import executor as tortoise_executor
from tortoise.backends.base.config_generator import expand_db_url

__all__ = [
    "APP",
    "MIGRATIONS_ROOT",
    "Dialect",
    "close_db",
    "dialect_of",
    "init_db",
    "make_migration",
    "migrations_location",
    "tortoise_config",
]

logger = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgres"]

APP = "models"
MODEL_MODULES = ["bot.storage.models", "aerich.models"]
MIGRATIONS_ROOT = Path(__file__).resolve().parents[2] / "migrations"
_ENGINES: dict[str, Dialect] = {
    "tortoise.backends.sqlite": "sqlite",
    "tortoise.backends.asyncpg": "postgres",
    "tortoise.backends.psycopg": "postgres",
}
_MIGRATION_LOCK_KEY = 0x55C_FA1  # PostgreSQL advisory lock id shared by all our processes


def dialect_of(url: str) -> Dialect:
    """`sqlite` or `postgres` for a Tortoise database URL; ValueError for anything else."""
    engine = expand_db_url(url)["engine"]
    if engine not in _ENGINES:
        raise ValueError("DATABASE_URL must be a sqlite:// or postgres:// URL")
    return _ENGINES[engine]


def migrations_location(dialect: Dialect) -> Path:
    """The aerich location of a dialect; its files are in `<location>/models/`."""
    return MIGRATIONS_ROOT / dialect


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that the pool hands back as it is.

    asyncpg's pool runs `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on
    every release, and Tortoise releases after every query: a second round trip each time.
    None of it applies here: the code takes no session-level advisory lock it does not
    release itself, opens no cursors outside transactions, never LISTENs and sets no session
    settings. A connection released inside a transaction is still rolled back by asyncpg.
    """

    def get_reset_query(self) -> str:
        return ""


def _connection(url: str) -> str | dict[str, Any]:
    config = expand_db_url(url)
    if config["engine"] != "tortoise.backends.asyncpg":
        return url
    config["credentials"]["connection_class"] = PooledConnection
    return config


def tortoise_config(url: str) -> dict[str, Any]:
    """Tortoise configuration for our models (and aerich's version table) on one database."""
    return {
        "connections": {"default": _connection(url)},
        "apps": {APP: {"models": list(MODEL_MODULES), "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def _sqlite_path(url: str) -> Path | None:
    path = expand_db_url(url)["credentials"]["file_path"]
    return None if path == ":memory:" else Path(path)


@contextlib.asynccontextmanager
async def _migration_lock(url: str, dialect: Dialect) -> AsyncIterator[None]:
    """Serialise migrations between processes that start together (the bot and a worker)."""
    if dialect == "postgres":
        async with connections.get("default").acquire_connection() as raw:
            await raw.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_KEY)
            try:
                yield
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_KEY)
        return
    path = _sqlite_path(url)
    if path is None:
        yield
        return
    with open(path.with_name(path.name + ".migrate.lock"), "a") as lock_file:  # noqa: ASYNC230
        await asyncio.to_thread(fcntl.flock, lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _forget_cached_sql() -> None:
    # Tortoise caches each model's INSERT/DELETE SQL by connection *name*, not by dialect, so
    # a process that reconnects "default" to another dialect (the test suite does, SQLite then
    # PostgreSQL) would reuse SQL with the wrong placeholders. The cache refills on first use.
    tortoise_executor.EXECUTOR_CACHE.clear()


async def init_db(url: str) -> None:
    """Connect Tortoise to `url` and apply the pending migrations of its dialect.

    For SQLite the parent folder of the database file is created first (DATA_DIR on a fresh
    machine). The ORM stays initialised for the whole process; call `close_db` at shutdown.
    """
    dialect = dialect_of(url)
    if dialect == "sqlite" and (path := _sqlite_path(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    config = tortoise_config(url)
    _forget_cached_sql()
    # The global fallback makes the ORM usable from tasks not started by this one.
    await Tortoise.init(config=config, _enable_global_fallback=True)
    command = Command(config, app=APP, location=str(migrations_location(dialect)))
    async with _migration_lock(url, dialect):
        await command.init()
        applied = await command.upgrade(run_in_transaction=True)
    if applied:
        logger.info("Applied %d %s migration(s): %s", len(applied), dialect, ", ".join(applied))


async def close_db() -> None:
    """Close the ORM's connections."""
    await Tortoise.close_connections()
    _forget_cached_sql()


_OFFLINE_URLS: dict[Dialect, str] = {
    "sqlite": "sqlite://:memory:",
    # Never connected to: offline generation only needs the dialect.
    "postgres": "postgres://offline@127.0.0.1:9/offline",
}


async def make_migration(dialect: Dialect, name: str, *, location: Path | None = None) -> str:
    """Write the next migration of `dialect` from the models; return its file name or "".

    "" means the models match the last migration. Offline: no database is used.
    """
    _reset_aerich_diff()
    location = location or migrations_location(dialect)
    config = tortoise_config(_OFFLINE_URLS[dialect])
    command = Command(config, app=APP, location=str(location))
    folder = location / APP
    try:
        if not any(folder.glob("[0-9]*_*.py")):
            await command.init_migrations(safe=True)
            version = max(folder.glob("0_*.py")).name
        else:
            await command.init(offline=True)
            version = await command.migrate(name, no_input=True, offline=True)
    finally:
        await Tortoise.close_connections()
        _reset_aerich_diff()
    if version:
        _keep_sql_verbatim(folder / version)
    return version


def _reset_aerich_diff() -> None:
    # Aerich accumulates the computed diff in class attributes and never clears them, so a
    # second diff in the same process would repeat the first one's statements.
    for name in (
        "upgrade_operators",
        "downgrade_operators",
        "_upgrade_fk_m2m_index_operators",
        "_downgrade_fk_m2m_index_operators",
        "_upgrade_m2m",
        "_downgrade_m2m",
    ):
        getattr(Migrate, name).clear()
    Migrate._rename_fields.clear()
    Migrate._rename_models.clear()


def _keep_sql_verbatim(path: Path) -> None:
    # Aerich writes the SQL into ordinary triple-quoted strings, so Python turns the `\n`
    # of an SQL literal (enum column comments on PostgreSQL) into real newlines and the
    # migrated schema differs from the models'. Raw strings keep the SQL as generated.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('    return """', '    return r"""'), encoding="utf-8")


def _main(argv: list[str]) -> int:
    usage = "usage: python -m bot.storage.db makemigrations sqlite|postgres NAME"
    if len(argv) != 3 or argv[0] != "makemigrations" or argv[1] not in ("sqlite", "postgres"):
        print(usage, file=sys.stderr)
        return 2
    dialect: Dialect = "sqlite" if argv[1] == "sqlite" else "postgres"
    version = asyncio.run(make_migration(dialect, argv[2]))
    print(f"{dialect}: {version or 'no changes'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
