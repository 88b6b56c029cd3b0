"""Who may act as a support agent or an admin."""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage.models import Staff, StaffRole


class StaffService:
    def __init__(self, admin_ids: Iterable[int]) -> None:
        self.admin_ids = frozenset(admin_ids)

    async def is_admin(self, user_id: int) -> bool:
        if user_id in self.admin_ids:
            return True
        return await Staff.exists(telegram_user_id=user_id, role=StaffRole.ADMIN)

    async def is_agent(self, user_id: int) -> bool:
        """Agents and admins may work the review queue and tickets."""
        if user_id in self.admin_ids:
            return True
        return await Staff.exists(telegram_user_id=user_id)

    async def add(
        self, user_id: int, role: StaffRole, *, name: str = "", added_by: int | None = None
    ) -> bool:
        """Adds or changes a role; False when the user already had exactly that role."""
        existing = await Staff.get_or_none(telegram_user_id=user_id)
        if existing is not None and existing.role is role:
            return False
        if existing is None:
            await Staff.create(
                telegram_user_id=user_id, role=role, name=name[:64], added_by=added_by
            )
        else:
            existing.role = role
            await existing.save(update_fields=["role"])
        return True

    async def remove(self, user_id: int) -> bool:
        return await Staff.filter(telegram_user_id=user_id).delete() > 0

    async def admins(self) -> set[int]:
        """Admins by configuration and by role."""
        by_role = await Staff.filter(role=StaffRole.ADMIN)
        return set(self.admin_ids) | {member.telegram_user_id for member in by_role}

    async def agents(self) -> list[Staff]:
        return await Staff.all().order_by("added_at")
