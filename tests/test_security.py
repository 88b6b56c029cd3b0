from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import Settings
from bot.security import (
    KEY_FILE_NAME,
    DecryptionError,
    KeyConfigError,
    Vault,
    generate_key,
    load_vault,
)

ID_NUMBER = "11010519491231002X"


def settings(
    data_dir: Path, encryption_keys: str | None = None, hash_key: str | None = None
) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        encryption_keys=encryption_keys,
        hash_key=hash_key,
    )


@pytest.fixture
def vault() -> Vault:
    return Vault([generate_key()], generate_key())


def test_encrypt_decrypt(vault: Vault) -> None:
    token = vault.encrypt(ID_NUMBER)
    assert ID_NUMBER not in token
    assert token.isascii()
    assert vault.decrypt(token) == ID_NUMBER
    assert vault.encrypt(ID_NUMBER) != token  # random IV: equal values give different tokens
    assert vault.decrypt(vault.encrypt("张三 María")) == "张三 María"


def test_decrypt_refuses_foreign_or_altered_tokens(vault: Vault) -> None:
    other = Vault([generate_key()], generate_key())
    with pytest.raises(DecryptionError):
        vault.decrypt(other.encrypt(ID_NUMBER))
    token = vault.encrypt(ID_NUMBER)
    altered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(DecryptionError):
        vault.decrypt(altered)
    with pytest.raises(DecryptionError):
        vault.decrypt("not a token ✗")


def test_rotation() -> None:
    old_key, new_key, hash_key = generate_key(), generate_key(), generate_key()
    old = Vault([old_key], hash_key)
    token = old.encrypt(ID_NUMBER)

    rotating = Vault([new_key, old_key], hash_key)
    assert rotating.decrypt(token) == ID_NUMBER  # older keys still decrypt
    rotated = rotating.rotate(token)
    assert rotating.decrypt(rotated) == ID_NUMBER

    new_only = Vault([new_key], hash_key)
    assert new_only.decrypt(rotated) == ID_NUMBER  # rotated tokens use the newest key
    assert new_only.decrypt(rotating.encrypt("x")) == "x"  # the first key encrypts
    with pytest.raises(DecryptionError):
        new_only.decrypt(token)
    with pytest.raises(DecryptionError):
        new_only.rotate(token)


def test_keyed_hash_is_stable_and_depends_on_the_hash_key_only() -> None:
    hash_key = generate_key()
    first = Vault([generate_key()], hash_key)
    second = Vault([generate_key()], hash_key)
    digest = first.keyed_hash(ID_NUMBER)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest == first.keyed_hash(ID_NUMBER) == second.keyed_hash(ID_NUMBER)
    assert first.keyed_hash(ID_NUMBER[:-1] + "0") != digest
    assert Vault([generate_key()], generate_key()).keyed_hash(ID_NUMBER) != digest


def test_keyed_hash_known_value() -> None:
    key = "A" * 43 + "="  # 32 zero bytes
    assert Vault([key], key).keyed_hash("abc") == (
        "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351"
    )


def test_repr_hides_keys(vault: Vault) -> None:
    assert repr(vault) == "Vault(<keys hidden>)"


def test_keys_from_settings(tmp_path: Path) -> None:
    old_key, new_key, hash_key = generate_key(), generate_key(), generate_key()
    token = Vault([old_key], hash_key).encrypt(ID_NUMBER)
    vault = load_vault(settings(tmp_path, f" {new_key} , {old_key},", hash_key))
    assert vault.decrypt(token) == ID_NUMBER
    assert Vault([new_key], hash_key).decrypt(vault.encrypt("y")) == "y"
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_key_file_is_created_once_with_mode_0600_and_reused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "nested" / "data"
    with caplog.at_level(logging.WARNING, logger="bot.security"):
        first = load_vault(settings(data_dir))
    path = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert len(stored["encryption_keys"]) == 1
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage()
    for secret in [*stored["encryption_keys"], stored["hash_key"]]:
        assert secret not in caplog.text

    content = path.read_bytes()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.security"):
        second = load_vault(settings(data_dir))
    assert path.read_bytes() == content
    assert not caplog.records
    assert second.decrypt(first.encrypt(ID_NUMBER)) == ID_NUMBER
    assert second.keyed_hash(ID_NUMBER) == first.keyed_hash(ID_NUMBER)
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE_NAME]  # no temporary file left


def test_key_file_readable_by_others_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load_vault(settings(tmp_path))
    (tmp_path / KEY_FILE_NAME).chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="bot.security"):
        load_vault(settings(tmp_path))
    assert "chmod 600" in caplog.text


@pytest.mark.parametrize(
    ("encryption_keys", "hash_key", "message"),
    [
        ("not-a-key", None, "ENCRYPTION_KEYS key 1 of 1"),
        ("{good},c2hvcnQ=", None, "ENCRYPTION_KEYS key 2 of 2 must decode to 32 bytes, not 5"),
        ("{good},!!!***", None, "ENCRYPTION_KEYS key 2 of 2"),
        ("{good}", "too-short", "HASH_KEY"),
        ("{good}", "ключ", "HASH_KEY is not base64"),
        (",", None, "ENCRYPTION_KEYS must contain at least one key"),
        ("{good}", None, "ENCRYPTION_KEYS is set but HASH_KEY is not"),
        (None, "{good}", "HASH_KEY is set but ENCRYPTION_KEYS is not"),
    ],
)
def test_malformed_settings_name_the_setting(
    tmp_path: Path, encryption_keys: str | None, hash_key: str | None, message: str
) -> None:
    good = generate_key()
    if hash_key is None and encryption_keys is not None and "HASH_KEY is not" not in message:
        hash_key = generate_key()
    keys = encryption_keys.format(good=good) if encryption_keys else encryption_keys
    hashing = hash_key.format(good=good) if hash_key else hash_key
    with pytest.raises(KeyConfigError, match=message) as caught:
        load_vault(settings(tmp_path, keys, hashing))
    assert good not in str(caught.value)
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_malformed_key_file(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_text(json.dumps({"encryption_keys": ["bad"], "hash_key": generate_key()}))
    with pytest.raises(KeyConfigError, match=r"key file .*ENCRYPTION_KEYS key 1 of 1"):
        load_vault(settings(tmp_path))
    path.write_text("{not json")
    with pytest.raises(KeyConfigError, match="unreadable"):
        load_vault(settings(tmp_path))
    path.write_text(json.dumps({"encryption_keys": "one", "hash_key": generate_key()}))
    with pytest.raises(KeyConfigError, match="list of strings"):
        load_vault(settings(tmp_path))


def test_fernet_keys_generated_elsewhere_are_accepted() -> None:
    key = Fernet.generate_key().decode()
    assert Vault([key], key).decrypt(Vault([key], key).encrypt("z")) == "z"
