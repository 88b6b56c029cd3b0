"""Banned Telegram users, and whether each was already told (once per ban)."""

from __future__ import annotations

from enum import StrEnum

from tortoise.exceptions import IntegrityError

from bot.services.staff import StaffService
from bot.storage.models import Ban, Citizen, KeyValue

BAN_NOTICE_KEY = "ban_notice:{user_id}"


class BanOutcome(StrEnum):
    BANNED = "banned"
    ALREADY = "already"
    STAFF = "staff"
    """Agents and admins are never banned: remove them from the staff first."""


class BanService:
    """Banned Telegram users, and whether each was already told (once per ban)."""

    async def ban(self, user_id: int, *, by: int, reason: str = "") -> bool:
        """False when the user was already banned."""
        try:
            _, created = await Ban.get_or_create(
                telegram_user_id=user_id, defaults={"reason": reason[:255], "banned_by": by}
            )
        except IntegrityError:
            return False
        if created:
            await KeyValue.filter(key=BAN_NOTICE_KEY.format(user_id=user_id)).delete()
        return created

    async def unban(self, user_id: int) -> bool:
        removed = await Ban.filter(telegram_user_id=user_id).delete()
        await KeyValue.filter(key=BAN_NOTICE_KEY.format(user_id=user_id)).delete()
        return removed > 0

    async def is_banned(self, user_id: int) -> bool:
        return await Ban.exists(telegram_user_id=user_id)

    async def check(self, user_id: int, *, can_tell: bool = True) -> bool | None:
        """None: not banned. True: banned and not told yet (now marked as told). False: banned
        and already told, or `can_tell` is False (nothing is marked then)."""
        ban = await Ban.get_or_none(telegram_user_id=user_id)
        if ban is None:
            return None
        if not can_tell:
            return False
        key = BAN_NOTICE_KEY.format(user_id=user_id)
        try:
            notice, _ = await KeyValue.get_or_create(key=key, defaults={"value": {}})
        except IntegrityError:  # a concurrent update of the same user got there first
            return False
        if notice.value.get("ban") == ban.id:
            return False
        notice.value = {"ban": ban.id}
        await notice.save(update_fields=["value"])
        return True

    async def language(self, user_id: int) -> str | None:
        """The language the user chose in the bot, if they have an account."""
        citizen = await Citizen.get_or_none(telegram_user_id=user_id)
        return citizen.language if citizen is not None else None


async def ban_unless_staff(
    bans: BanService, staff: StaffService, user_id: int, *, by: int, reason: str = ""
) -> BanOutcome:
    """Bans a user who is not staff (asked of the database, not of the staff list kept in
    memory: staff added by another process a second ago are not banned)."""
    if await staff.is_staff_now(user_id):
        return BanOutcome.STAFF
    if not await bans.ban(user_id, by=by, reason=reason):
        return BanOutcome.ALREADY
    return BanOutcome.BANNED
