"""The operator commands: `python -m bot references ...` and `python -m bot ecard verify`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import __main__ as entry
from bot.cli import main
from bot.config import Settings
from bot.domain.idnumber import mask_id
from bot.security import generate_key, load_vault
from bot.services.ecard import issue_token
from tests.ids import rid
from tests.vision import fixtures

ID_A = rid("11010519491231002")
ID_B = rid("44030619900101123")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=None,
        encryption_keys=None,
        hash_key=None,
    )


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    face = fixtures.reference("astronaut").read_bytes()
    (folder / f"{ID_A}.jpg").write_bytes(face)
    (folder / f"{ID_B}.png").write_bytes(b"not a picture")
    return folder


def test_references_import_folder_and_count(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["references", "count"], settings=settings) == 0
    assert capsys.readouterr().out == "0\n"

    assert main(["references", "import", str(photos)], settings=settings) == 0
    out = capsys.readouterr().out
    assert out == (
        f"Imported 1 reference photo(s); skipped 1.\n  {mask_id(ID_B)}.png: not_an_image\n"
    )
    assert ID_A not in out
    assert ID_B not in out

    assert main(["references", "count", "--json"], settings=settings) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "count": 1}
    assert (settings.data_dir / "keys.json").exists()
    assert len(list((settings.data_dir / "references").iterdir())) == 1


def test_references_import_csv_json(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = photos.parent / "refs.CSV"
    sheet.write_text(
        f"id_number,image_path\n{ID_A},photos/{ID_A}.jpg\n{ID_B},photos/nothing.jpg\n",
        encoding="utf-8",
    )

    assert main(["references", "import", str(sheet), "--json"], settings=settings) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "ok": True,
        "imported": 1,
        "skipped": [{"where": f"line 3 ({mask_id(ID_B)})", "reason": "file_not_found"}],
    }
    assert ID_B not in out


def test_references_unusable_input(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["references", "import", str(tmp_path / "missing")], settings=settings) == 2
    assert capsys.readouterr().err == "error: not a folder\n"

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n", encoding="utf-8")
    assert main(["references", "import", str(bad), "--json"], settings=settings) == 2
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert "id_number,image_path" in result["error"]


def test_usage_errors(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["references"], settings=settings) == 2
    assert "usage:" in capsys.readouterr().err
    assert main(["references", "import"], settings=settings) == 2
    assert "PATH" in capsys.readouterr().err.upper()
    assert main(["ecard", "sign", "x"], settings=settings) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["ecard", "verify", "--help"], settings=settings) == 0
    assert "token" in capsys.readouterr().out


def test_ecard_verify(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ecard", "verify", "abc.def"], settings=settings) == 2
    assert "no keys" in capsys.readouterr().err
    assert not (settings.data_dir / "keys.json").exists()  # verifying never makes keys

    assert main(["references", "count"], settings=settings) == 0  # creates the key file
    capsys.readouterr()
    vault = load_vault(settings)
    token = issue_token(
        vault,
        member_id_hash=vault.keyed_hash(ID_A),
        relationship="son",
        approved_on=date(2025, 5, 2),
        issued_at=datetime(2025, 5, 3, 8, 0, tzinfo=UTC),
    )

    assert main(["ecard", "verify", token], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("Valid e-card\n")
    assert "relationship: son" in out
    assert "approved_on: 2025-05-02" in out

    assert main(["ecard", "verify", token, "--json"], settings=settings) == 0
    claims = json.loads(capsys.readouterr().out)
    assert claims["valid"] is True
    assert claims["member_id_hash"] == vault.keyed_hash(ID_A)

    assert main(["ecard", "verify", token, "--max-age-days", "30"], settings=settings) == 2
    assert capsys.readouterr().err == "error: invalid e-card: the e-card has expired\n"

    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert main(["ecard", "verify", tampered, "--json"], settings=settings) == 2
    assert json.loads(capsys.readouterr().out) == {
        "ok": False,
        "error": "invalid e-card: the signature does not match",
        "valid": False,
    }


def test_ecard_verify_with_keys_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = {"encryption_keys": generate_key(), "hash_key": generate_key()}
    settings = Settings(_env_file=None, data_dir=tmp_path / "empty", **keys)  # type: ignore[call-arg]
    vault = load_vault(settings)
    token = issue_token(
        vault,
        member_id_hash=vault.keyed_hash(ID_A),
        relationship="spouse",
        approved_on=date(2025, 5, 2),
        issued_at=datetime(2025, 5, 3, 8, 0, tzinfo=UTC),
    )
    assert main(["ecard", "verify", token], settings=settings) == 0
    assert "relationship: spouse" in capsys.readouterr().out


def test_dispatch_from_python_m_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for name in ("DATABASE_URL", "ENCRYPTION_KEYS", "HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert entry.main(["references", "count", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "count": 0}


def _no_bot(settings: Settings) -> None:
    raise AssertionError("the bot was started")


def test_help_prints_usage_instead_of_starting_the_bot(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(entry, "run", _no_bot)
    for flag in ("--help", "-h", "help"):
        assert entry.main([flag]) == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: python -m bot")
        for command in ("worker", "references", "keys", "ecard"):
            assert command in out
    assert entry.main(["--bogus"]) == 2
    assert "usage: python -m bot" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["worker", "--help"], "--prefix"),
        (["references", "--help"], "import"),
        (["references", "import", "--help"], "--source"),
        (["references", "count", "--help"], "--json"),
        (["keys", "--help"], "rotate"),
        (["keys", "generate", "--help"], "usage:"),
        (["keys", "rotate", "--help"], "--json"),
        (["ecard", "--help"], "verify"),
        (["ecard", "verify", "--help"], "--max-age-days"),
    ],
)
def test_every_subcommand_has_help(
    argv: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(entry, "run", _no_bot)
    assert entry.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m bot {argv[0]}")
    assert expected in out


def test_python_m_bot_help_exits_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m bot")
    assert not (tmp_path / "data").exists()
