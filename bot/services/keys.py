"""Encryption key rotation: re-encrypt everything stored encrypted with the newest key.

The procedure: generate a key (`python -m bot keys generate`), put it first in
ENCRYPTION_KEYS (the old keys stay after it, so both decrypt), restart the bot, run
`python -m bot keys rotate`, then remove the old keys. HASH_KEY is not rotated: the keyed
hashes used for look-ups would all change.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from pathlib import Path

from tortoise.transactions import in_transaction

from bot.security import Vault
from bot.services.references import write_private
from bot.storage.models import Citizen, FamilyMember


@dataclass(frozen=True)
class RotationReport:
    citizens: int
    members: int
    files: int

    def to_json_dict(self) -> dict[str, int]:
        return asdict(self)


async def rotate_stored_data(vault: Vault, data_dir: Path) -> RotationReport:
    """Re-encrypts phone and ID numbers in the database and the encrypted reference images
    under `data_dir` with the vault's newest key. Safe to run again."""
    citizens = members = 0
    async with in_transaction():
        for citizen in await Citizen.all().select_for_update():
            citizen.phone_enc = vault.rotate(citizen.phone_enc)
            citizen.id_enc = vault.rotate(citizen.id_enc)
            await citizen.save(update_fields=["phone_enc", "id_enc"])
            citizens += 1
        for member in await FamilyMember.all().select_for_update():
            member.id_enc = vault.rotate(member.id_enc)
            await member.save(update_fields=["id_enc"])
            members += 1
    files = await asyncio.to_thread(_rotate_files, vault, data_dir)
    return RotationReport(citizens, members, files)


def _rotate_files(vault: Vault, data_dir: Path) -> int:
    """The registry's images (`references/*.bin`) and applications' ID card photos
    (`media/app_*/reference.bin`): each holds one token as ASCII text."""
    paths = [
        *(data_dir / "references").glob("*.bin"),
        *(data_dir / "media").glob("app_*/reference.bin"),
    ]
    for path in paths:
        rotated = vault.rotate(path.read_text(encoding="ascii").strip())
        write_private(path, rotated.encode("ascii"))
    return len(paths)
