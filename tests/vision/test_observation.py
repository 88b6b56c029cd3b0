"""What an observation keeps of its frame: the half-size grey copy for the surroundings check
is made only when that check asks for it, and is the one made when the frame was seen.

Tuning source (``genuine_shake_left_384_0``)."""

from __future__ import annotations

import time

import cv2
import numpy as np

from bot.vision import Limits, Thresholds
from bot.vision.decode import VideoReader
from bot.vision.observation import Observation, observe
from bot.vision.tracker import Tracker
from tests.vision import fixtures


def test_the_half_size_frame_is_made_on_demand_and_is_the_frames_own() -> None:
    path = fixtures.video("genuine_shake_left_384_0")
    tracker = Tracker(Limits())
    seen: list[tuple[Observation, np.ndarray]] = []
    with VideoReader(path, Limits(), time.perf_counter() + 60) as reader:
        for frame in reader.frames():
            points = tracker.step(frame)
            assert points is not None
            obs = observe(frame, points, Thresholds())
            gray = frame.gray
            h, w = gray.shape[:2]
            eager = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
            assert "small" not in vars(obs)  # not made while observing
            seen.append((obs, eager))
            frame.release()
            if len(seen) == 40:
                break
    # made after 40 more frames were decoded and converted: still each frame's own pixels
    assert len({float(e.mean()) for _, e in seen}) > 1  # the frames do differ
    for obs, eager in seen:
        assert obs.small.shape == eager.shape
        assert np.array_equal(obs.small, eager)
        assert obs.small is obs.small  # made once
