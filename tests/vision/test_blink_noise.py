"""Blinks that do not move with encoding noise: the same frames at several CRFs (tuning source).

The sweep itself (every tuning clip at 288 and 640 px) is ``python -m tests.vision.noise``;
here a few clips at CI size, and the rule on a series shaped like a noisy fit of narrow eyes.
"""

from __future__ import annotations

import pytest

from bot.vision import Thresholds
from bot.vision.liveness import blink_events
from tests.vision import noise

TH = Thresholds()

# Narrow eyes read through whole-pixel lids: open at 0.106 or 0.118 (one pixel apart at the
# work size), shut at about 0.075 (dlib's lids never meet).
_OPEN = (0.106, 0.118, 0.118, 0.106, 0.118)


def _narrow_series(fps: float, dips: dict[int, float]) -> tuple[list[float], list[float]]:
    n = round(4 * fps)
    times = [i / fps for i in range(n)]
    return times, [dips.get(i, _OPEN[i % len(_OPEN)]) for i in range(n)]


def test_a_single_noisy_frame_at_30_fps_is_not_a_blink() -> None:
    """Both eyes two pixels of lid under their baseline on one frame, the frames around it
    open: the fit's noise on narrow eyes, not lids that closed."""
    times, eyes = _narrow_series(30, {30: 0.094, 75: 0.090})
    assert blink_events(times, eyes, TH, eyes) == []


@pytest.mark.xfail(
    strict=True,
    reason="a drop of a third from the open level counts as a blink, however wide the eyes: the "
    "carphone man's talking counts as one under VP9 (bot/vision/README.md, section 9)",
)
def test_eyes_that_narrow_are_not_a_blink() -> None:
    """Wide eyes (0.20) narrowing by a third for a third of a second, as the carphone man's do
    while he talks: a third of the way to shut lids is not a blink; a blink goes near them."""
    times = [i / 30 for i in range(120)]
    narrowed = [0.135 if 40 <= i < 50 else 0.20 for i in range(120)]
    assert blink_events(times, narrowed, TH, narrowed) == []
    blinked = [0.09 if 40 <= i < 43 else 0.20 for i in range(120)]
    assert len(blink_events(times, blinked, TH, blinked)) == 1


def test_narrow_eyes_closing_over_frames_are_a_blink() -> None:
    times, eyes = _narrow_series(30, {30: 0.094, 31: 0.075, 32: 0.078, 33: 0.083, 75: 0.05})
    assert [round(e.t, 2) for e in blink_events(times, eyes, TH, eyes)] == [1.03, 2.5]


def test_one_frame_blink_of_narrow_eyes_at_15_fps() -> None:
    """At 15 fps one frame stands for twice the time: a one-frame blink still counts."""
    times, eyes = _narrow_series(15, {15: 0.075, 40: 0.078})
    assert len(blink_events(times, eyes, TH, eyes)) == 2


KNOWN_FAILURES = {
    ("carphone", 32): "a false blink at 1.97 s: two frames 30 % under the open level, eyes open "
    "on every frame from 1.84 to 2.07 s (looked at)",
}
"""What the engine does wrong here today (strict xfails; bot/vision/README.md, section 9)."""


def _cases() -> list[object]:
    return [
        pytest.param(
            name,
            crf,
            id=f"{name}-crf{crf}",
            marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[(name, crf)])
            if (name, crf) in KNOWN_FAILURES
            else (),
        )
        for name in noise.CI_CLIPS
        for crf in noise.CRFS
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "crf"), _cases())
def test_blinks_do_not_move_with_the_encoder(name: str, crf: int) -> None:
    clip = noise.catalogue()[name]
    found = noise.blink_times(clip.build(noise.CI_SIZE, crf))
    false, missed = clip.errors(found)
    assert false == 0, found
    if name not in noise.CI_MAY_MISS:
        assert missed == 0, found
