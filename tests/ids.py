"""Valid resident ID numbers for tests, written by their first 17 characters."""

from __future__ import annotations

from bot.domain.idnumber import check_character


def rid(first17: str) -> str:
    """A valid ID number from its first 17 characters (the check character appended)."""
    return first17 + check_character(first17)
