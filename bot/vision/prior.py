"""A physical prior on the landmark fit: a real head does not jump, a fit can.

dlib's 68-point fit of a face turned past about 30 degrees of yaw can flip to the other side
between two frames, or collapse onto part of the face and shrink frame after frame while the
tracker follows its own points. A real head does neither: it does not turn 30 degrees in
1/30 s, and its height along the midline (which yaw does not shorten) does not drop by a third
within a second. Fits that break these limits are not trusted: the face is searched for again
near the last trusted fit, and when no plausible fit is found the frame counts for nothing
(no turn, no blink, no flat check, no key frame) and the tracker restarts from the last
trusted points.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence

import numpy as np

from bot.vision import geometry
from bot.vision.liveness import percentile
from bot.vision.observation import Observation
from bot.vision.types import Thresholds

_HEIGHT_WINDOW_S = 2.0  # trusted heights within this span make the reference


class MotionPrior:
    """Whether a frame's fit is consistent with the trusted fits before it."""

    def __init__(self, th: Thresholds) -> None:
        self.th = th
        self.last: Observation | None = None
        self.heights: deque[tuple[float, float]] = deque()
        self.doubted = 0  # frames whose fit was not trusted

    def plausible(self, obs: Observation) -> bool:
        """True when ``obs`` could follow the last trusted fit (always true after a long doubt)."""
        last = self.last
        if last is None:
            return True
        dt = abs(obs.t - last.t)
        if dt > self.th.fit_doubt_reset_s:
            return True
        if not (np.isnan(obs.yaw) or np.isnan(last.yaw)):
            limit = self.th.fit_yaw_margin_deg + self.th.fit_yaw_speed_dps * dt
            if abs(obs.yaw - last.yaw) > limit:
                return False
        ref = self.reference_height(obs.t)
        if ref is not None:
            ratio = geometry.face_height(obs.points) / max(ref, 1e-9)
            low = self.th.fit_min_height_ratio
            if ratio < low or ratio > 1.0 / low:
                return False
        return True

    def reference_height(self, t: float) -> float | None:
        """The 80th percentile of the trusted fits' heights within two seconds of ``t`` (a high
        one: a fit collapsing slowly over several frames must not drag it down)."""
        near = [h for ht, h in self.heights if abs(t - ht) <= _HEIGHT_WINDOW_S]
        return percentile(near, 80) if near else None

    def trust(self, obs: Observation) -> None:
        """Count ``obs`` as a trusted fit."""
        self.last = obs
        self.heights.append((obs.t, geometry.face_height(obs.points)))
        while self.heights and obs.t - self.heights[0][0] > _HEIGHT_WINDOW_S:
            self.heights.popleft()

    @property
    def points(self) -> np.ndarray | None:
        """The last trusted fit's landmarks."""
        return None if self.last is None else self.last.points


def jumps(observations: Sequence[Observation], max_dt: float = 0.1, deg: float = 30.0) -> int:
    """How many consecutive observations under ``max_dt`` apart differ by more than ``deg``
    degrees of yaw (the measure of the flips this prior removes)."""
    return sum(
        1
        for a, b in itertools.pairwise(observations)
        if b.t - a.t < max_dt and abs(b.yaw - a.yaw) > deg
    )
