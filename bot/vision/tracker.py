"""Following one face through a video: HOG detection now and then, 68 landmarks every frame."""

from __future__ import annotations

import numpy as np

from bot.vision import geometry, models
from bot.vision.decode import Frame
from bot.vision.types import Limits

SECOND_FACE_SHARE = 0.4  # a second face at least this wide (vs the main one) counts
_FACE_LEVEL = 170.0  # a dim followed face (median luma) is brought to this level:
_DIM_FACE = 100.0  # fully at or under this level,
_LIT_FACE = 120.0  # not at all from this level up (in between, a share growing as it darkens)
_DARK_FRAME = 70.0  # before a face is known: a frame darker than this (median luma)
_NORMAL_FRAME = 110.0  # is brought to this level
_MAX_GAIN = 4.0
_FULL_DETECT_S = 1.2  # while a face is followed, the whole frame is searched this often
_NEAR_MARGIN = 0.3  # in between, the followed box grown by this share of its side each way
_NEAR_FACE_PX = 100.0  # is searched at a scale where the box is at most this wide


class Tracker:
    """Detect, then follow the face with the landmark predictor; re-detect periodically."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.points: np.ndarray | None = None
        self.last_detect_t = -1e9
        self.last_full_t = -1e9
        self.last_confirm_t = -1e9
        self.detections = 0
        self.multi = 0
        self.face_level: float | None = None  # the face's median luma, set by the caller

    def _input(self, frame: Frame) -> np.ndarray:
        """The grey frame, brightened when the face is dark.

        dlib's landmark trees split on differences between pixel intensities learnt on
        normally exposed faces; a dark face makes every difference small, and the fit falls
        back toward the mean shape (on a dark copy of the carphone clip the eyelids stopped
        moving with the blinks; on a dim generated shake, face median 73-95, the turns shrank
        by a quarter). A dim followed face is brought to ``_FACE_LEVEL``; a face between
        ``_DIM_FACE`` and ``_LIT_FACE`` part of the way, so that the gain grows without a
        step as the face darkens, and a lit face is left as it is (bot/vision/README.md
        section 10). Before a face is known only
        a dark frame is brightened: the frame's median says little about the face, and a gain
        read from a dark room saturates a lit face. The quality gate still measures the frame
        as it is (``too_dark``).
        """
        import cv2

        gray = frame.gray
        level = self.face_level
        if level is not None:
            share = min(1.0, max(0.0, (_LIT_FACE - level) / (_LIT_FACE - _DIM_FACE)))
            target = level + share * (_FACE_LEVEL - level)
            gain = min(_MAX_GAIN, target / max(level, 1.0))
        else:
            level = float(np.median(gray[::8, ::8]))
            gain = min(_MAX_GAIN, _NORMAL_FRAME / max(level, 1.0)) if level < _DARK_FRAME else 1.0
        if gain <= 1.0:
            return gray
        return cv2.convertScaleAbs(gray, alpha=gain)

    def _detect(self, gray: np.ndarray) -> list[models.Box]:
        found = models.detect(gray, self.limits.detect_side)
        if not found and self.points is None and self.detections % 3 == 0:
            # small faces: an upsampled pass now and then, while no face is followed
            found = models.detect(gray, max(gray.shape), upsample=1)
        self.detections += 1
        boxes = [b for b, _ in found]
        if boxes:
            main_w = boxes[0][2] - boxes[0][0]
            if sum(1 for b in boxes if b[2] - b[0] >= SECOND_FACE_SHARE * main_w) > 1:
                self.multi += 1
        return boxes

    def _detect_near(self, gray: np.ndarray, box: models.Box) -> list[models.Box]:
        """Faces near the followed one: confirms it, or re-places it if the fit drifted.

        A few times cheaper than searching the whole frame (a crop about 1.6 times the face,
        the face about 100 px wide); another face is looked for by the whole-frame searches.
        """
        h, w = gray.shape[:2]
        side = box[2] - box[0]
        grow = side * _NEAR_MARGIN
        left, top = max(0, int(box[0] - grow)), max(0, int(box[1] - grow))
        right, bottom = min(w, int(box[2] + grow) + 1), min(h, int(box[3] + grow) + 1)
        if right - left < 16 or bottom - top < 16:
            return []
        crop = gray[top:bottom, left:right]
        scale = min(1.0, _NEAR_FACE_PX / max(side, 1.0))
        found = models.detect(crop, max(1, round(max(crop.shape[:2]) * scale)))
        return [(b[0] + left, b[1] + top, b[2] + left, b[3] + top) for b, _ in found]

    def refit(self, frame: Frame, points: np.ndarray) -> np.ndarray | None:
        """A fresh fit from a detection near ``points`` (a trusted earlier fit), or None.

        For a fit that a physical prior does not trust: the detector's box is independent of
        the fit being followed, so the fit from it does not inherit a flip or a collapse.
        """
        gray = self._input(frame)
        track_box = models.box_from_points(points)
        boxes = self._detect_near(gray, track_box)
        if not boxes:
            return None
        best = max(boxes, key=lambda b: iou(b, track_box))
        return models.landmarks(gray, best)

    def step(self, frame: Frame) -> np.ndarray | None:
        """The face's 68 landmarks in ``frame`` (work resolution), or None without a face.

        The detector runs every ``redetect_s``: on the whole frame when no face is followed
        and every ``_FULL_DETECT_S`` (where a second face is counted), near the followed face
        in between.
        """
        gray = self._input(frame)
        due = frame.t - self.last_detect_t >= self.limits.redetect_s
        if due:
            self.last_detect_t = frame.t
            if self.points is not None and frame.t - self.last_full_t < _FULL_DETECT_S:
                boxes = self._detect_near(gray, models.box_from_points(self.points))
            else:
                self.last_full_t = frame.t
                boxes = self._detect(gray)
            if boxes:
                self.last_confirm_t = frame.t
                if self.points is None:
                    self.points = models.landmarks(gray, boxes[0])
                    return self.points
                track_box = models.box_from_points(self.points)
                best = max(boxes, key=lambda b: iou(b, track_box))
                if iou(best, track_box) < 0.3:
                    self.points = models.landmarks(gray, boxes[0])
                    return self.points
            elif frame.t - self.last_confirm_t > self.limits.lost_after_s:
                self.points = None
                return None
        if self.points is None:
            return None
        points = models.landmarks(gray, models.box_from_points(self.points))
        h, w = gray.shape[:2]
        cx, cy = points.mean(axis=0)
        if not (0 <= cx < w and 0 <= cy < h) or geometry.eye_distance(points) < 4:
            self.points = None
            return None
        self.points = points
        return points


def iou(a: models.Box, b: models.Box) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
