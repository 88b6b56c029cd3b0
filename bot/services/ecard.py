"""The approved family member's e-card: a compact signed token, shown as a QR code.

Token: `base64url(payload JSON) "." base64url(HMAC-SHA256 signature)`, unpadded. The payload
holds the member's keyed ID hash (a pseudonym: no ID number, no name), the relationship, the
approval date and the issue time. The signing key is derived from the Vault's hash key, so
any process holding the same keys can verify a card and nobody else can make one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.security import Vault
from bot.storage.models import Relationship

__all__ = [
    "TOKEN_VERSION",
    "EcardClaims",
    "InvalidToken",
    "issue_token",
    "render_qr_png",
    "signing_key",
    "verify_token",
]

TOKEN_VERSION = 1
_KEY_LABEL = "ssc-family-bot/ecard-signing-key/v1"
_MIN_KEY_BYTES = 32
_MAX_TOKEN_CHARS = 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_ID_HASH = re.compile(r"[0-9a-f]{64}")


class InvalidToken(ValueError):
    """The token is malformed, altered, signed with another key, or too old."""


@dataclass(frozen=True)
class EcardClaims:
    member_id_hash: str
    relationship: Relationship
    approved_on: date
    issued_at: datetime

    def to_json_dict(self) -> dict[str, str]:
        return {
            "member_id_hash": self.member_id_hash,
            "relationship": self.relationship.value,
            "approved_on": self.approved_on.isoformat(),
            "issued_at": self.issued_at.isoformat(),
        }


def signing_key(vault_or_key: Vault | bytes) -> bytes:
    """The e-card HMAC key: derived from the Vault's hash key, or given as raw bytes."""
    if isinstance(vault_or_key, Vault):
        return bytes.fromhex(vault_or_key.keyed_hash(_KEY_LABEL))
    if len(vault_or_key) < _MIN_KEY_BYTES:
        raise ValueError(f"an e-card key must be at least {_MIN_KEY_BYTES} bytes")
    return vault_or_key


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise InvalidToken("malformed token")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("malformed token") from None


def _sign(key: bytes, payload_part: str) -> bytes:
    return hmac.new(key, payload_part.encode("ascii"), hashlib.sha256).digest()


def issue_token(
    vault_or_key: Vault | bytes,
    *,
    member_id_hash: str,
    relationship: str,
    approved_on: date,
    issued_at: datetime,
) -> str:
    """A signed e-card token for an approved member (`member_id_hash`: `FamilyMember.id_hash`)."""
    if not _ID_HASH.fullmatch(member_id_hash):
        raise ValueError("member_id_hash must be a keyed hash (64 lower-case hex characters)")
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    payload = {
        "v": TOKEN_VERSION,
        "m": member_id_hash,
        "r": Relationship(relationship).value,
        "a": approved_on.isoformat(),
        "i": int(issued_at.timestamp()),
    }
    payload_part = _b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{payload_part}.{_b64encode(_sign(signing_key(vault_or_key), payload_part))}"


def verify_token(
    vault_or_key: Vault | bytes,
    token: str,
    *,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> EcardClaims:
    """The claims of a genuine token; `InvalidToken` otherwise (or when older than `max_age`)."""
    token = token.strip()
    if len(token) > _MAX_TOKEN_CHARS or token.count(".") != 1:
        raise InvalidToken("malformed token")
    payload_part, signature_part = token.split(".")
    signature = _b64decode(signature_part)
    _b64decode(payload_part)  # the alphabet, before the payload is trusted as ASCII
    if not hmac.compare_digest(signature, _sign(signing_key(vault_or_key), payload_part)):
        raise InvalidToken("the signature does not match")
    try:
        payload = json.loads(_b64decode(payload_part))
        if not isinstance(payload, dict) or payload.get("v") != TOKEN_VERSION:
            raise InvalidToken("unknown token version")
        member_id_hash, issued = payload["m"], payload["i"]
        if not isinstance(member_id_hash, str) or not _ID_HASH.fullmatch(member_id_hash):
            raise InvalidToken("malformed token")
        if not isinstance(issued, int) or isinstance(issued, bool):
            raise InvalidToken("malformed token")
        claims = EcardClaims(
            member_id_hash=member_id_hash,
            relationship=Relationship(payload["r"]),
            approved_on=date.fromisoformat(payload["a"]),
            issued_at=datetime.fromtimestamp(issued, UTC),
        )
    except InvalidToken:
        raise
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise InvalidToken("malformed token") from None
    if max_age is not None and (now or datetime.now(UTC)) - claims.issued_at > max_age:
        raise InvalidToken("the e-card has expired")
    return claims


def render_qr_png(token: str, *, scale: int = 6, border: int = 4) -> bytes:
    """The token as a QR code PNG (error correction M or better; `scale` pixels per module)."""
    import segno

    qr = segno.make_qr(token, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
