"""Who may act as a support agent or an admin.

Asked on every private message (is the sender an admin?) and on every update of the agents'
group (is the sender an agent?), so the answer comes from a list kept in memory: the staff's
ids and roles, read again when `refresh_s` has passed since the last read (the ban list of
`bot.handlers.gate` works the same way). A change made through this service (/agent_add,
/agent_remove) counts at once in this process; one made by another process counts here
within `refresh_s`. If the database cannot be read, the last list read is kept (nobody gains
a role on an error) and the read is tried again after `refresh_s`. ADMIN_IDS are always
admins.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping

from tortoise.exceptions import BaseORMException

from bot.storage.models import Staff, StaffRole

log = logging.getLogger(__name__)

DEFAULT_REFRESH_S = 2.0


class StaffService:
    def __init__(
        self,
        admin_ids: Iterable[int],
        *,
        refresh_s: float = DEFAULT_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.admin_ids = frozenset(admin_ids)
        self.refresh_s = refresh_s
        self._clock = clock
        self._roles: dict[int, StaffRole] = {}
        self._read_at: float | None = None
        # taken by a read and by a change, so that a read begun before a change cannot
        # bring back what the change removed
        self._list = asyncio.Lock()

    async def is_admin(self, user_id: int) -> bool:
        if user_id in self.admin_ids:
            return True
        return (await self._known()).get(user_id) is StaffRole.ADMIN

    async def is_agent(self, user_id: int) -> bool:
        """Agents and admins may work the review queue and tickets."""
        if user_id in self.admin_ids:
            return True
        return user_id in await self._known()

    async def is_staff_now(self, user_id: int) -> bool:
        """`is_agent` as the database says at this moment, for a rare decision that must not
        wait for the refresh (an admin's /ban must never hit staff added a second ago)."""
        if user_id in self.admin_ids:
            return True
        return await Staff.exists(telegram_user_id=user_id)

    async def add(
        self, user_id: int, role: StaffRole, *, name: str = "", added_by: int | None = None
    ) -> bool:
        """Adds or changes a role; False when the user already had exactly that role."""
        async with self._list:
            existing = await Staff.get_or_none(telegram_user_id=user_id)
            if existing is not None and existing.role is role:
                self._roles[user_id] = role
                return False
            if existing is None:
                await Staff.create(
                    telegram_user_id=user_id, role=role, name=name[:64], added_by=added_by
                )
            else:
                existing.role = role
                await existing.save(update_fields=["role"])
            self._roles[user_id] = role
        return True

    async def remove(self, user_id: int) -> bool:
        async with self._list:
            removed = await Staff.filter(telegram_user_id=user_id).delete() > 0
            self._roles.pop(user_id, None)
        return removed

    async def admins(self) -> set[int]:
        """Admins by configuration and by role (read from the database: menus need it exact)."""
        by_role = await Staff.filter(role=StaffRole.ADMIN)
        return set(self.admin_ids) | {member.telegram_user_id for member in by_role}

    async def agents(self) -> list[Staff]:
        return await Staff.all().order_by("added_at")

    # ------------------------------------------------------------------------- the list

    def _due(self) -> bool:
        return self._read_at is None or self._clock() - self._read_at >= self.refresh_s

    async def _known(self) -> Mapping[int, StaffRole]:
        if self._due():
            async with self._list:
                if self._due():
                    await self._read()
        return self._roles

    async def _read(self) -> None:
        try:
            rows = await Staff.all().values_list("telegram_user_id", "role")
        except (BaseORMException, OSError) as error:
            log.warning(
                "staff list not read (%s): keeping the last one for %.1f s",
                type(error).__name__,
                self.refresh_s,
            )
        else:
            self._roles = {int(uid): StaffRole(role) for uid, role in rows}
        self._read_at = self._clock()
