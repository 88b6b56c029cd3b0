"""Settings: embedded defaults, `.env.example` complete and loadable, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_need_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.local_mode
    assert settings.effective_database_url.startswith("sqlite://")
    assert settings.redis_url is None


def test_env_example_lists_every_setting_and_loads() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert listed == {name.upper() for name in Settings.model_fields}
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.local_mode and settings.max_family_members == 8


def test_admin_ids_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    assert Settings(_env_file=None).admin_ids == [12, 34]  # type: ignore[call-arg]


def test_bot_runtime_defaults_to_aiogram_and_reads_ptb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_RUNTIME", raising=False)
    assert Settings(_env_file=None).bot_runtime == "aiogram"  # type: ignore[call-arg]
    monkeypatch.setenv("BOT_RUNTIME", " PTB ")
    assert Settings(_env_file=None).bot_runtime == "ptb"  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("DEFAULT_LANGUAGE", "fr", "default_language"),
        ("MATCH_REVIEW_DISTANCE", "0.1", "MATCH_REVIEW_DISTANCE"),
        ("MAX_FAMILY_MEMBERS", "many", "max_family_members"),
        ("BOT_RUNTIME", "telethon", "bot_runtime"),
        ("STAFF_REFRESH_SECONDS", "-1", "staff_refresh_seconds"),
        ("STAFF_REFRESH_SECONDS", "301", "staff_refresh_seconds"),
        ("STAFF_REFRESH_SECONDS", "soon", "staff_refresh_seconds"),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, named: str
) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as error:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert named in str(error.value)
