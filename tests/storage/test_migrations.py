"""The committed migrations build exactly the schema the models describe, on both dialects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tortoise import Tortoise

from bot.storage.db import (
    APP,
    Dialect,
    close_db,
    dialect_of,
    init_db,
    make_migration,
    migrations_location,
    tortoise_config,
)
from tests import dbutil

DIALECTS: list[Dialect] = ["sqlite", "postgres"]


async def _fresh_url(dialect: Dialect, tmp_path: Path, name: str, admin_url: str | None) -> str:
    if dialect == "sqlite":
        return dbutil.sqlite_url(tmp_path / f"{name}.sqlite3")
    assert admin_url is not None
    return await dbutil.create_temp_database(admin_url)


@pytest.fixture(params=DIALECTS)
def dialect_admin(request: pytest.FixtureRequest) -> tuple[Dialect, str | None]:
    if request.param == "postgres":
        return "postgres", request.getfixturevalue("postgres_admin_url")
    return "sqlite", None


async def test_migrated_schema_equals_generated_schema(
    dialect_admin: tuple[Dialect, str | None], tmp_path: Path
) -> None:
    dialect, admin_url = dialect_admin
    migrated_url = await _fresh_url(dialect, tmp_path, "migrated", admin_url)
    generated_url = await _fresh_url(dialect, tmp_path, "generated", admin_url)
    try:
        await init_db(migrated_url)
        await close_db()
        await Tortoise.init(config=tortoise_config(generated_url))
        await Tortoise.generate_schemas(safe=False)
        await Tortoise.close_connections()

        migrated = await dbutil.describe_schema(migrated_url)
        generated = await dbutil.describe_schema(generated_url)
        assert {"citizen", "family_member", "application", "aerich"} <= set(migrated)
        assert migrated == generated
    finally:
        if dialect == "postgres":
            await dbutil.drop_database(migrated_url, admin_url or "")
            await dbutil.drop_database(generated_url, admin_url or "")


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_models_have_no_change_without_a_migration(dialect: Dialect, tmp_path: Path) -> None:
    location = tmp_path / dialect
    shutil.copytree(migrations_location(dialect), location)
    before = sorted(path.name for path in (location / APP).iterdir())
    created = await make_migration(dialect, "pending", location=location)
    if created:
        pending = (location / APP / created).read_text()
        pytest.fail(
            f"models changed without a migration; run scripts/makemigrations.sh:\n{pending}"
        )
    assert sorted(path.name for path in (location / APP).iterdir()) == before


def test_both_dialects_have_the_same_migration_steps() -> None:
    def steps(dialect: Dialect) -> list[str]:
        files = (migrations_location(dialect) / APP).glob("[0-9]*_*.py")
        return sorted(
            (file.name.split("_", 2)[0] + "_" + file.name.split("_", 2)[2] for file in files),
            key=lambda step: int(step.split("_")[0]),
        )

    assert steps("sqlite") == steps("postgres")
    assert steps("sqlite")[0] == "0_init.py"


async def test_init_db_creates_the_data_folder_and_is_idempotent(tmp_path: Path) -> None:
    url = dbutil.sqlite_url(tmp_path / "new" / "data" / "bot.sqlite3")
    await init_db(url)
    await close_db()
    assert (tmp_path / "new" / "data" / "bot.sqlite3").is_file()
    await init_db(url)  # already migrated: nothing to apply, no error
    from aerich.models import Aerich

    versions = await Aerich.filter(app=APP).values_list("version", flat=True)
    await close_db()
    expected = sorted(
        path.name for path in (migrations_location("sqlite") / APP).glob("[0-9]*_*.py")
    )
    assert sorted(str(version) for version in versions) == expected


def test_dialect_of() -> None:
    assert dialect_of("sqlite://data/bot.sqlite3") == "sqlite"
    assert dialect_of("postgres://u@h/db") == "postgres"
    assert dialect_of("postgresql://u@h/db") == "postgres"
    with pytest.raises(ValueError, match="DATABASE_URL"):
        dialect_of("mysql://u@h/db")


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_model_without_migration_is_detected(
    dialect: Dialect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import db as db_module

    monkeypatch.setattr(
        db_module, "MODEL_MODULES", [*db_module.MODEL_MODULES, "tests.storage.extra_models"]
    )
    location = tmp_path / dialect
    shutil.copytree(migrations_location(dialect), location)
    existing = len(list((location / APP).glob("[0-9]*_*.py")))
    created = await make_migration(dialect, "probe", location=location)
    assert created.startswith(f"{existing}_") and created.endswith("_probe.py")
    assert "unmigrated_probe" in (location / APP / created).read_text()
