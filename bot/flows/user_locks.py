"""One asyncio lock per user in this process, for the runners (and PTB's update processor): a
user's events are handled one at a time. A lock is forgotten once nobody holds it or waits for
it (a weak mapping), so idle users cost no memory. Across processes the runners take a
`bot.locks.Locker` as well."""

from __future__ import annotations

import asyncio
import weakref


class UserLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, user_id: int) -> asyncio.Lock:
        """The user's lock (the same object while anyone holds a reference to it)."""
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock
