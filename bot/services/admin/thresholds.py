"""The decision thresholds in force: an admin's (shared through the database by every
process), else the settings'."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError

from bot.config import Settings
from bot.domain.thresholds import ThresholdError, parse_thresholds, validate_thresholds
from bot.storage.models import KeyValue

__all__ = [
    "THRESHOLDS_KEY",
    "ThresholdError",
    "current_thresholds",
    "parse_thresholds",
    "set_thresholds",
    "stored_thresholds",
    "validate_thresholds",
]

log = logging.getLogger(__name__)

THRESHOLDS_KEY = "thresholds"


async def stored_thresholds() -> tuple[float, float] | None:
    """The thresholds an admin set, or None (the settings apply)."""
    row = await KeyValue.get_or_none(key=THRESHOLDS_KEY)
    if row is None:
        return None
    passing, review = row.value.get("match_pass_distance"), row.value.get("match_review_distance")
    if not isinstance(passing, int | float) or not isinstance(review, int | float):
        return None
    try:
        validate_thresholds(float(passing), float(review))
    except ThresholdError:
        log.error("ignoring invalid stored thresholds")
        return None
    return float(passing), float(review)


async def current_thresholds(settings: Settings) -> tuple[float, float]:
    """(match_pass_distance, match_review_distance) in force: an admin's, else the settings'."""
    stored = await stored_thresholds()
    if stored is not None:
        return stored
    return settings.match_pass_distance, settings.match_review_distance


async def set_thresholds(passing: float, review: float) -> None:
    validate_thresholds(passing, review)
    value: dict[str, object] = {"match_pass_distance": passing, "match_review_distance": review}
    updated = await KeyValue.filter(key=THRESHOLDS_KEY).update(value=value)
    if not updated:
        try:
            await KeyValue.create(key=THRESHOLDS_KEY, value=value)
        except IntegrityError:  # another process set them at the same moment
            await KeyValue.filter(key=THRESHOLDS_KEY).update(value=value)
