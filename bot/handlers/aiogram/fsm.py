"""aiogram's FSM storage over the neutral `ConversationStore`, so that dialogues written with
aiogram's `FSMContext` (the admin broadcast) share the conversation backend (Redis or the
SQLite file) and survive restarts. The citizen conversation does not go through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from bot.flows.ports import ConversationStore

_STATE = "__state__"


def _scope(key: StorageKey) -> str:
    return f"fsm:{key.destiny}:{key.thread_id or 0}:{key.user_id}"


class ConversationFsmStorage(BaseStorage):
    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    async def _get(self, key: StorageKey) -> dict[str, Any]:
        return dict(await self.store.load(_scope(key), key.chat_id) or {})

    async def _put(self, key: StorageKey, doc: dict[str, Any]) -> None:
        empty = doc.get(_STATE) is None and not doc.get("data")
        await self.store.save(_scope(key), key.chat_id, None if empty else doc)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        doc = await self._get(key)
        doc[_STATE] = state.state if isinstance(state, State) else state
        await self._put(key, doc)

    async def get_state(self, key: StorageKey) -> str | None:
        state = (await self._get(key)).get(_STATE)
        return state if isinstance(state, str) else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        doc = await self._get(key)
        doc["data"] = dict(data)
        await self._put(key, doc)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._get(key)).get("data") or {})

    async def close(self) -> None:
        """The store is closed by its owner (the composition root)."""
