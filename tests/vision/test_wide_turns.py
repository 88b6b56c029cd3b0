"""Wide head turns: the 68-point fit flips or collapses past about 30 degrees of yaw, the
physical prior (``bot.vision.prior``) keeps such fits out.

Tuning source (``motions.wide_turns``)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bot.vision import Limits, Thresholds, analyse_video, geometry, parse_challenge
from bot.vision.decode import VideoReader
from bot.vision.observation import Observation
from bot.vision.prior import MotionPrior, jumps
from bot.vision.scan import Clock, scan
from tests.vision import motions

TH = Thresholds()
NAMES = sorted(motions.wide_turns())


def _obs(t: float, yaw: float, height: float = 100.0) -> Observation:
    points = np.zeros((68, 2))
    points[8] = (0.0, height)
    return Observation(t, points, (0.2, 0.2), yaw, 120.0, 3.0, 200.0, np.zeros((2, 2)))


def test_prior_refuses_a_flip_and_a_collapse() -> None:
    prior = MotionPrior(TH)
    prior.trust(_obs(0.0, 0.0))
    prior.trust(_obs(1 / 15, 25.0))
    assert prior.plausible(_obs(2 / 15, 35.0))  # a fast but possible turn
    assert not prior.plausible(_obs(2 / 15, -28.0))  # 53 degrees in 1/15 s: a flip
    assert not prior.plausible(_obs(2 / 15, 25.0, height=60.0))  # 40 % smaller: a collapse
    assert not prior.plausible(_obs(2 / 15, 25.0, height=160.0))
    assert prior.plausible(_obs(2 / 15, float("nan")))  # no pose: the height decides
    assert prior.plausible(_obs(1.0, -28.0, height=60.0))  # after a long doubt: trusted again


def test_prior_with_no_trusted_fit_trusts_the_first() -> None:
    prior = MotionPrior(TH)
    assert prior.points is None
    assert prior.plausible(_obs(0.0, 80.0, height=1.0))


@pytest.mark.parametrize("name", NAMES)
def test_wide_turns_have_no_jumps_and_both_turns(name: str) -> None:
    clip = motions.wide_turns()[name]
    path = clip.build()
    limits = Limits()
    challenge = parse_challenge("blink,shake" if clip.blinks else "shake")
    with VideoReader(path, limits, time.monotonic() + 60) as reader:
        found, _ = scan(reader, challenge, limits, TH, False, Clock(), time.perf_counter())
    obs = found.observations
    assert jumps(obs) == 0  # no 30-degree yaw jump between frames under 0.1 s apart
    heights = [geometry.face_height(o.points) for o in obs]
    assert min(heights) >= 0.6 * max(heights)  # no collapsed fit kept
    report = analyse_video(path, challenge=challenge)
    assert report.verdict == "pass", report.reasons
    # the early stop may skip the last blink once the challenge is met
    assert (report.blinks >= 1) if clip.blinks else (report.blinks == 0)
    first = "turn_left" if name.startswith("wide_shake") else "turn_right"
    assert report.head_turns[0] == first
    assert set(report.head_turns) == {"turn_left", "turn_right"}, report.head_turns
