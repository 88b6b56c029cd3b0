"""The audit log: who did what, when, to what, without identifying anyone in clear."""

from __future__ import annotations

from typing import Any

from bot.security import Vault
from bot.storage.models import AuditLog


class Audit:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def pseudonym(self, kind: str, value: int | str) -> str:
        """A stable, non-reversible name for a person (`tg:3f9a...`)."""
        return f"{kind}:{self._vault.keyed_hash(f'{kind}:{value}')[:16]}"

    async def record(self, actor: str, action: str, target: str = "", **details: Any) -> None:
        await AuditLog.create(actor=actor, action=action, target=target, details=details)
