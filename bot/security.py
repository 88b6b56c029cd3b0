"""Encryption at rest for personal data, and keyed hashes to find it without decrypting.

Keys come from `ENCRYPTION_KEYS` (comma-separated Fernet keys, newest first: the first one
encrypts, all of them decrypt, so a new key can be put in front and old tokens re-encrypted
with `Vault.rotate`) and `HASH_KEY` (a separate base64 urlsafe 32-byte key for HMAC-SHA256).
When neither is set, as on a developer's machine, a key file `DATA_DIR/keys.json` (mode 0600)
is created on first run and reused afterwards; the same rotation works by editing its
`encryption_keys` list. Key material is never logged nor put in error messages.

Generate a key with `python -c "import bot.security as s; print(s.generate_key())"`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import Settings

__all__ = [
    "KEY_FILE_NAME",
    "DecryptionError",
    "KeyConfigError",
    "Vault",
    "VaultError",
    "generate_key",
    "load_vault",
]

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "keys.json"
_KEY_BYTES = 32


class VaultError(Exception):
    """Base of the errors of this module."""


class KeyConfigError(VaultError, ValueError):
    """A key setting or the key file is missing, malformed or inconsistent."""


class DecryptionError(VaultError):
    """A token was not made by any of the configured keys, or was altered."""


def _decode_key(value: str, *, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise KeyConfigError(f"{source} is not base64 urlsafe text") from None
    if len(raw) != _KEY_BYTES:
        raise KeyConfigError(f"{source} must decode to {_KEY_BYTES} bytes, not {len(raw)}")
    return raw


class Vault:
    """Fernet encryption with key rotation, and a keyed hash for look-ups."""

    def __init__(self, encryption_keys: Sequence[str], hash_key: str) -> None:
        """`encryption_keys`: Fernet keys, newest first; `hash_key`: base64 urlsafe 32 bytes."""
        if not encryption_keys:
            raise KeyConfigError("ENCRYPTION_KEYS must contain at least one key")
        fernets = []
        for position, key in enumerate(encryption_keys, start=1):
            source = f"ENCRYPTION_KEYS key {position} of {len(encryption_keys)}"
            fernets.append(Fernet(base64.urlsafe_b64encode(_decode_key(key, source=source))))
        self._fernet = MultiFernet(fernets)
        self._hash_key = _decode_key(hash_key, source="HASH_KEY")

    def __repr__(self) -> str:
        return "Vault(<keys hidden>)"

    def encrypt(self, value: str) -> str:
        """Encrypt with the newest key; the token is ASCII text, fit for a TEXT column."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a token made with any configured key; raise `DecryptionError` otherwise."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise DecryptionError("token not made by a configured key, or altered") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the newest key (its original timestamp is kept)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise DecryptionError("token not made by a configured key, or altered") from None

    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 of the value, 64 hex characters: equal values give equal hashes.

        Normalise before hashing (E.164 phone, upper-case 18-character ID number).
        """
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def generate_key() -> str:
    """A new random key, valid both as a Fernet key and as `HASH_KEY`."""
    return Fernet.generate_key().decode("ascii")


def _write_new_key_file(path: Path) -> bool:
    """Create the key file atomically with mode 0600; False when it already exists."""
    content = json.dumps(
        {"encryption_keys": [generate_key()], "hash_key": generate_key()}, indent=2
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".keys-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic, and never replaces a file another process made
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _read_key_file(path: Path) -> tuple[list[str], str]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("Key file %s is readable by others (mode %o); use chmod 600", path, mode)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise KeyConfigError(f"key file {path} is unreadable: {type(error).__name__}") from None
    keys = data.get("encryption_keys") if isinstance(data, dict) else None
    hash_key = data.get("hash_key") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise KeyConfigError(f"key file {path}: 'encryption_keys' must be a list of strings")
    if not isinstance(hash_key, str):
        raise KeyConfigError(f"key file {path}: 'hash_key' must be a string")
    return keys, hash_key


def load_vault(settings: Settings) -> Vault:
    """The vault from `ENCRYPTION_KEYS` and `HASH_KEY`, or from `DATA_DIR/keys.json`."""
    encryption_keys = (
        settings.encryption_keys.get_secret_value() if settings.encryption_keys else ""
    )
    hash_key = settings.hash_key.get_secret_value() if settings.hash_key else ""
    if encryption_keys.strip() or hash_key.strip():
        if not encryption_keys.strip():
            raise KeyConfigError("HASH_KEY is set but ENCRYPTION_KEYS is not: set both or neither")
        if not hash_key.strip():
            raise KeyConfigError("ENCRYPTION_KEYS is set but HASH_KEY is not: set both or neither")
        keys = [key.strip() for key in encryption_keys.split(",") if key.strip()]
        return Vault(keys, hash_key)

    path = settings.data_dir / KEY_FILE_NAME
    if not path.exists() and _write_new_key_file(path):
        logger.warning(
            "ENCRYPTION_KEYS and HASH_KEY are not set: created the key file %s. Back it up: "
            "without it the stored personal data cannot be read. Set both in production.",
            path,
        )
    keys, hash_key_from_file = _read_key_file(path)
    try:
        return Vault(keys, hash_key_from_file)
    except KeyConfigError as error:
        raise KeyConfigError(f"key file {path}: {error}") from None
