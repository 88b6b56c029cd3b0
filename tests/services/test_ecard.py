"""E-card tokens: round trip, tampering, other keys, expiry, and the QR code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.security import Vault, generate_key
from bot.services.ecard import (
    EcardClaims,
    InvalidToken,
    issue_token,
    render_qr_png,
    signing_key,
    verify_token,
)
from bot.storage.models import Relationship
from tests.qr import decode_qr

ID_NUMBER = "11010519491231002X"
ISSUED = datetime(2025, 6, 1, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
def vault() -> Vault:
    return Vault([generate_key()], generate_key())


def token_for(vault: Vault | bytes, **changes: object) -> str:
    member_hash = Vault([generate_key()], generate_key()).keyed_hash(ID_NUMBER)
    fields: dict[str, object] = {
        "member_id_hash": member_hash,
        "relationship": "mother",
        "approved_on": date(2025, 5, 31),
        "issued_at": ISSUED,
    }
    fields.update(changes)
    return issue_token(vault, **fields)  # type: ignore[arg-type]


def payload_of(token: str) -> dict[str, object]:
    part = token.split(".", maxsplit=1)[0]
    data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    assert isinstance(data, dict)
    return data


def test_round_trip(vault: Vault) -> None:
    member_hash = vault.keyed_hash(ID_NUMBER)
    token = issue_token(
        vault,
        member_id_hash=member_hash,
        relationship=Relationship.SPOUSE,
        approved_on=date(2025, 5, 31),
        issued_at=ISSUED.astimezone(),  # any time zone; stored as UTC seconds
    )

    claims = verify_token(vault, token)

    assert claims == EcardClaims(member_hash, Relationship.SPOUSE, date(2025, 5, 31), ISSUED)
    assert claims.to_json_dict()["issued_at"] == "2025-06-01T09:30:15+00:00"
    assert len(token) < 256  # fits a version-10 QR code at level M
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert ID_NUMBER not in json.dumps(payload_of(token))
    # the same vault keys in another process verify the card
    assert verify_token(signing_key(vault), token) == claims


def test_tampered_tokens_are_refused(vault: Vault) -> None:
    token = token_for(vault)
    payload, signature = token.split(".")
    forged = dict(payload_of(token), r="spouse")
    forged_part = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for bad in (
        f"{forged_part}.{signature}",
        f"{payload}.{flipped}",
        f"{payload}.",
        f".{signature}",
        payload,
        f"{token}.{signature}",
        f"{payload}!.{signature}",
        "",
        "x" * 5000,
    ):
        with pytest.raises(InvalidToken):
            verify_token(vault, bad)


def test_other_keys_are_refused(vault: Vault) -> None:
    token = token_for(vault)
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(Vault([generate_key()], generate_key()), token)
    # a new encryption key (rotation) keeps the cards valid: only the hash key signs
    same_hash_key = token_for(b"k" * 32)
    assert verify_token(b"k" * 32, same_hash_key).relationship == Relationship.MOTHER
    with pytest.raises(InvalidToken):
        verify_token(b"j" * 32, same_hash_key)


def test_signed_but_malformed_payloads_are_refused() -> None:
    key = b"k" * 32

    def sign(payload: object) -> str:
        part = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        mac = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return part + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    good = payload_of(token_for(key))
    verify_token(key, sign(good))
    for broken in (
        dict(good, v=2),
        dict(good, r="cousin"),
        dict(good, a="2025-13-01"),
        dict(good, i="yesterday"),
        dict(good, i=True),
        dict(good, m=ID_NUMBER),
        {k: v for k, v in good.items() if k != "m"},
        [good],
    ):
        with pytest.raises(InvalidToken):
            verify_token(key, sign(broken))


def test_expiry(vault: Vault) -> None:
    token = token_for(vault)
    a_year = timedelta(days=365)
    assert verify_token(vault, token, max_age=a_year, now=ISSUED + timedelta(days=364))
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(vault, token, max_age=a_year, now=ISSUED + timedelta(days=366))


def test_issue_refuses_bad_input(vault: Vault) -> None:
    with pytest.raises(ValueError, match="keyed hash"):
        token_for(vault, member_id_hash=ID_NUMBER)
    with pytest.raises(ValueError, match="timezone"):
        token_for(vault, issued_at=ISSUED.replace(tzinfo=None))
    with pytest.raises(ValueError, match="cousin"):
        token_for(vault, relationship="cousin")
    with pytest.raises(ValueError, match="32 bytes"):
        token_for(b"short")


def test_qr_png(vault: Vault) -> None:
    token = token_for(vault)
    data = render_qr_png(token, scale=4, border=4)

    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height
    assert 4 * (21 + 8) <= width <= 4 * (177 + 8)
    assert width % 4 == 0

    decoded = decode_qr(data)
    assert decoded == token
    assert verify_token(vault, decoded).relationship == Relationship.MOTHER
