"""What one analysed frame shows: landmarks, eye openness, yaw, light, sharpness."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from bot.vision import geometry
from bot.vision.decode import Frame
from bot.vision.types import Thresholds


@dataclass
class Observation:
    """The measurements of one frame where the face was found."""

    t: float
    points: np.ndarray
    eyes: tuple[float, float]  # openness of the image-left and image-right eye
    yaw: float
    brightness: float
    sharpness: float
    face_px: float  # face width in pixels of the stored frames
    small: np.ndarray  # the grey frame at half the work resolution, for the surroundings check
    turn: float = 0.0  # yaw from the rest pose known when the frame was seen (for key frames)
    # degrees, positive looking down (``geometry.head_pose``): compare within a video
    pitch: float = 0.0


def mean_open(obs: Observation) -> float:
    """The mean openness of both eyes."""
    return (obs.eyes[0] + obs.eyes[1]) / 2.0


def observe(frame: Frame, points: np.ndarray, th: Thresholds) -> Observation:
    """Measure the face whose landmarks ``points`` were found in ``frame``."""
    import cv2

    gray = frame.gray
    h, w = gray.shape[:2]
    inner = geometry.inner_face_width(points)
    finer = None
    if inner < geometry.SHARPNESS_WIDTH and frame.scale < 1.0:
        # The work frame was downscaled and holds the face in fewer pixels than sharpness is
        # measured at: measure on the stored frame's detail instead of interpolating it back.
        finer = frame.gray_finer(geometry.SHARPNESS_WIDTH / max(inner, 1.0))
    if finer is None:
        brightness, sharpness = geometry.brightness_and_sharpness(gray, points)
    else:
        brightness = geometry.brightness(gray, points)
        sharpness = geometry.sharpness(finer, points * (finer.shape[1] / w))
    width = float(points[:, 0].max() - points[:, 0].min())
    yaw, pitch = geometry.head_pose(points, w, h)
    return Observation(
        t=frame.t,
        points=points,
        eyes=geometry.eye_openness(points),
        yaw=yaw,
        brightness=brightness,
        sharpness=sharpness,
        face_px=width / frame.scale,
        small=cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        pitch=pitch,
    )


class RestPose:
    """The yaw a person holds when looking at the screen: the median yaw of the video so far.

    A phone held a little to the side, or a webcam off the screen's centre, sees the face
    turned by some degrees when the person looks straight at the screen; turns are what the
    head does from there. The median over the whole video is robust to the turns themselves
    (they last less than half of it) and to a head that moves in the first second; it is
    limited to ``rest_yaw_max_deg`` (a larger offset is a head held turned, not a camera).
    """

    def __init__(self, th: Thresholds) -> None:
        self.th = th
        self.yaws: list[float] = []  # sorted

    @property
    def value(self) -> float:
        """The rest yaw so far (0 before any yaw)."""
        if not self.yaws:
            return 0.0
        n = len(self.yaws)
        mid = self.yaws[n // 2] if n % 2 else (self.yaws[n // 2 - 1] + self.yaws[n // 2]) / 2.0
        limit = self.th.rest_yaw_max_deg
        return max(-limit, min(limit, mid))

    def add(self, obs: Observation) -> None:
        """Count ``obs``'s yaw in and set its ``turn`` from the rest pose."""
        if not np.isnan(obs.yaw):
            bisect.insort(self.yaws, obs.yaw)
        obs.turn = obs.yaw - self.value
