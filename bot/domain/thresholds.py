"""The face-match decision thresholds an admin may set: two distances in (0, 1), the pass
distance no greater than the review distance."""

from __future__ import annotations

import math


class ThresholdError(ValueError):
    """`code`: `format` (not two numbers), `range` (not in (0, 1)) or `order` (pass > review)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_thresholds(text: str) -> tuple[float, float]:
    """Two floats in (0, 1), pass first, pass <= review; `ThresholdError` otherwise."""
    parts = text.replace(",", " ").split()
    if len(parts) != 2:
        raise ThresholdError("format")
    try:
        passing, review = float(parts[0]), float(parts[1])
    except ValueError:
        raise ThresholdError("format") from None
    validate_thresholds(passing, review)
    return passing, review


def validate_thresholds(passing: float, review: float) -> None:
    for value in (passing, review):
        if not math.isfinite(value) or not 0.0 < value < 1.0:
            raise ThresholdError("range")
    if passing > review:
        raise ThresholdError("order")
