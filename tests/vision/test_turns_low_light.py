"""Head turns in dim light (README section 10): the generated shake keeps both turns when its
face is dim but above the old brightening line (face medians 73-92), where its landmarks used
to fall back toward a frontal shape. Clips from ``tests/vision/lowlight.py``."""

from __future__ import annotations

import pytest

from bot.vision import analyse_video, parse_challenge
from tests.vision import fixtures, lowlight

CLIPS = {c.name: c for c in lowlight.clips()}


@pytest.mark.slow
@pytest.mark.parametrize("gain", [0.5, 0.4])
def test_a_dim_shake_keeps_both_turns(gain: float) -> None:
    """The left-first shake at 50 % and 40 % of its light (face medians about 92 and 73): both
    turns are found and the video passes (before: ``no_turn_left`` and ``no_turn_right``, the
    yaw from the rest pose within -19..+18 and -17..+16 degrees)."""
    report = analyse_video(
        lowlight.video(CLIPS["shake_left"], gain),
        reference=fixtures.reference("astronaut"),
        challenge=parse_challenge("blink,shake"),
    )
    assert set(report.head_turns) == {"turn_left", "turn_right"}
    assert report.verdict == "pass", report.reasons
