"""An in-memory fake of the `ConversationStore` port: one document per (scope, chat)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MemoryStore:
    def __init__(self) -> None:
        self.docs: dict[tuple[str, int], dict[str, Any]] = {}

    async def load(self, scope: str, chat_id: int) -> dict[str, Any] | None:
        return self.docs.get((scope, chat_id))

    async def save(self, scope: str, chat_id: int, data: Mapping[str, Any] | None) -> None:
        if data is None:
            self.docs.pop((scope, chat_id), None)
        else:
            self.docs[(scope, chat_id)] = dict(data)

    async def close(self) -> None:
        return None
