"""The tracker's cheaper detection near the followed face, and what it must keep doing."""

from __future__ import annotations

import numpy as np
import pytest

from bot.vision import Limits, Thresholds, models
from bot.vision.decode import Frame, VideoReader
from bot.vision.observation import observe
from bot.vision.tracker import Tracker, iou
from tests.vision import fixtures


def _frames(name: str, count: int) -> list[Frame]:
    with VideoReader(fixtures.video(name), Limits(), 1e18) as reader:
        out = []
        for frame in reader.frames():
            frame.gray  # noqa: B018 - converted while the decoder's frame is alive
            out.append(frame)
            if len(out) == count:
                break
    return out


def test_a_search_near_the_face_finds_what_the_whole_frame_search_finds() -> None:
    frame = _frames("genuine_shake_left_384_0", 1)[0]
    tracker = Tracker(Limits())
    whole = tracker._detect(frame.gray)
    assert len(whole) == 1
    points = models.landmarks(frame.gray, whole[0])
    near = tracker._detect_near(frame.gray, models.box_from_points(points))
    assert len(near) == 1
    assert iou(near[0], whole[0]) > 0.7  # in frame coordinates, about the same box


@pytest.mark.parametrize(
    "box",
    [(-500.0, -500.0, -400.0, -400.0), (383.0, 383.0, 390.0, 390.0), (10.0, 10.0, 12.0, 12.0)],
    ids=["outside", "corner", "tiny"],
)
def test_a_search_near_a_box_off_the_face_or_the_frame_finds_nothing(
    box: models.Box,
) -> None:
    frame = _frames("genuine_shake_left_384_0", 1)[0]
    assert Tracker(Limits())._detect_near(frame.gray, box) == []


def _follow(frames: list[Frame]) -> tuple[Tracker, list[np.ndarray | None]]:
    """Follow the face as the engine's scan does (the face's light set after each frame)."""
    tracker = Tracker(Limits())
    found = []
    for frame in frames:
        points = tracker.step(frame)
        if points is not None:
            tracker.face_level = observe(frame, points, Thresholds()).brightness
        found.append(points)
    return tracker, found


def test_the_whole_frame_is_still_searched_for_a_second_face() -> None:
    tracker, _ = _follow(_frames("attack_two_faces_384", 90))  # 3 s at 30 fps
    # whole-frame searches when the face is first found (0 s), then every 1.2 s or so
    assert tracker.detections == 3
    assert tracker.multi >= 2


def test_the_followed_face_is_kept_through_a_clip() -> None:
    _, found = _follow(_frames("genuine_shake_left_384_0", 90))
    assert all(points is not None for points in found)
    assert all(np.isfinite(points).all() for points in found if points is not None)
