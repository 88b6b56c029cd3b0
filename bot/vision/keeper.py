"""The few frames of a video worth keeping: the best frontal ones and the widest turns."""

from __future__ import annotations

import bisect

import numpy as np

from bot.vision import geometry
from bot.vision.decode import Frame
from bot.vision.observation import Observation, mean_open
from bot.vision.report import KeyFrame
from bot.vision.types import Thresholds

_KEY_FRAME_SIDE = 192

Kept = tuple[float, Observation, Frame]
"""A score (or an absolute yaw), the observation and the kept frame."""


class Keeper:
    """Keeps the few frames worth keeping (best frontal ones, widest turns), unconverted.

    Candidates hold the decoder's frame; only the ones finally used are converted to RGB.
    """

    def __init__(self, thresholds: Thresholds) -> None:
        self.th = thresholds
        self.frontal: dict[int, Kept] = {}
        self.widest: dict[str, Kept] = {}
        self.nearest: Kept | None = None  # open-eyed, least yaw
        self._open: list[float] = []  # sorted eye openness, for the running median

    def _median_open(self) -> float:
        values = self._open
        n = len(values)
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2.0

    def offer(self, frame: Frame, obs: Observation) -> None:
        """Keep ``frame`` if it is among the best so far for the match or the key frames."""
        eyes = mean_open(obs)
        bisect.insort(self._open, eyes)
        open_eyed = eyes >= 0.9 * self._median_open()
        if (
            open_eyed
            and not self.frontal
            and (self.nearest is None or abs(obs.yaw) < self.nearest[0])
        ):
            self.nearest = (abs(obs.yaw), obs, frame.keep())
        if abs(obs.yaw) < self.th.frontal_angle_deg and open_eyed:
            score = obs.sharpness * (1.0 - abs(obs.yaw) / 90.0) * eyes
            bucket = int(obs.t / 0.4)
            held = self.frontal.get(bucket)
            if held is None or score > held[0]:
                self.frontal[bucket] = (score, obs, frame.keep())
                self._prune(bucket)
        if abs(obs.turn) > self.th.turn_angle_deg:
            label = "turn_right" if obs.turn > 0 else "turn_left"
            held = self.widest.get(label)
            if held is None or abs(obs.turn) > held[0]:
                self.widest[label] = (abs(obs.turn), obs, frame.keep())

    def _prune(self, current: int) -> None:
        """Forget past buckets that can no longer be among the best ``match_frames``."""
        k = max(1, self.th.match_frames)
        if len(self.frontal) <= k + 1:
            return
        ranked = sorted(self.frontal, key=lambda b: -self.frontal[b][0])
        for bucket in ranked[k:]:
            if bucket != current:
                del self.frontal[bucket]

    def best_frontal(self, k: int) -> list[tuple[Observation, Frame]]:
        """The ``k`` best frontal frames, best first."""
        ranked = sorted(self.frontal.values(), key=lambda v: -v[0])[:k]
        return [(o, frame) for _, o, frame in ranked]

    def key_frames(self) -> tuple[KeyFrame, ...]:
        """The report's key frames: the best frontal face, then the widest turns."""
        out: list[KeyFrame] = []
        best = self.best_frontal(1)
        if best:
            out.append(KeyFrame("frontal", key_frame_jpeg(best[0][1].rgb(), best[0][0].points)))
        elif self.nearest is not None:
            _, o, kept = self.nearest
            out.append(KeyFrame("frontal", key_frame_jpeg(kept.rgb(), o.points)))
        for label in ("turn_left", "turn_right"):
            if label in self.widest:
                _, o, kept = self.widest[label]
                out.append(KeyFrame(label, key_frame_jpeg(kept.rgb(), o.points)))
        return tuple(out)


def key_frame_jpeg(rgb: np.ndarray, points: np.ndarray) -> bytes:
    """A small JPEG of the face around ``points`` (at most 192 px a side)."""
    import cv2

    crop = geometry.face_crop(rgb, points, margin=0.35)
    h, w = crop.shape[:2]
    scale = min(1.0, _KEY_FRAME_SIDE / max(h, w))
    if scale < 1.0:
        crop = cv2.resize(crop, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80]
    )
    return bytes(buf) if ok else b""
