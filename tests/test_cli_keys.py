"""`python -m bot keys generate|rotate` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.security import Vault


def test_generate_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    Vault([key], key)  # a valid Fernet key and hash key


def test_rotate_reports_what_it_re_encrypted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    assert main(["keys", "rotate", "--json"], settings=settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"ok": True, "citizens": 0, "members": 0, "files": 0}


def test_rotate_refuses_malformed_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", encryption_keys="not-a-key", hash_key="x"
    )
    assert main(["keys", "rotate"], settings=settings) == 2
    assert "ENCRYPTION_KEYS" in capsys.readouterr().err
