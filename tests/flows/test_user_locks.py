"""The runners' per-user locks (bot/flows/user_locks.py): one user's events wait for each
other, other users' do not, and a lock nobody holds is forgotten."""

from __future__ import annotations

import asyncio
import gc

from bot.flows.user_locks import UserLocks


async def test_one_user_waits_another_does_not_and_idle_locks_are_forgotten() -> None:
    locks = UserLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks(1):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second_same_user() -> None:
        async with locks(1):
            order.append("same user in")

    async def other_user() -> None:
        async with locks(2):
            order.append("other user in")

    one = asyncio.create_task(first())
    await asyncio.sleep(0)
    same = asyncio.create_task(second_same_user())
    other = asyncio.create_task(other_user())
    await asyncio.sleep(0.01)
    assert order == ["first in", "other user in"]  # the same user waits, another does not
    release.set()
    await asyncio.gather(one, same, other)
    assert order == ["first in", "other user in", "first out", "same user in"]

    held = locks(3)
    assert locks(3) is held  # the same lock while anyone holds a reference
    assert locks(-1) is not held
    del held
    gc.collect()
    assert len(locks._locks) == 0  # nobody holds or waits: nothing kept
