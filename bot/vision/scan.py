"""One pass over a video: decode, follow the face, observe each frame, stop once decided."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.vision.decode import Frame, VideoReader
from bot.vision.events import FlatCache, can_stop
from bot.vision.keeper import Keeper
from bot.vision.liveness import percentile
from bot.vision.observation import Observation, RestPose, mean_open, observe
from bot.vision.prior import MotionPrior
from bot.vision.tracker import Tracker
from bot.vision.types import Action, Limits, Thresholds

_CHECK_EVERY = 2  # analysed frames between two checks of whether the rest can be skipped


class Clock:
    """Milliseconds spent per stage of an analysis (the report's ``timings_ms``)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def add(self, name: str, started: float) -> float:
        """Add the time since ``started`` to ``name``; returns now."""
        now = time.perf_counter()
        self.totals[name] = self.totals.get(name, 0.0) + (now - started) * 1000.0
        return now


@dataclass
class Scan:
    """What one pass over a video found."""

    tracker: Tracker
    keeper: Keeper
    observations: list[Observation] = field(default_factory=list)
    flat_cache: FlatCache = field(default_factory=dict)
    analysed: int = 0
    doubted: int = 0  # frames with a face whose landmark fit was not trusted (``prior``)
    stopped_early: bool = False
    stopped_flat: bool = False


def _eyes_dipping(observations: Sequence[Observation], obs: Observation, th: Thresholds) -> bool:
    """True when the eyes look to be closing: half a blink's drop under the recent open level."""
    recent = [mean_open(o) for o in observations[-20:]] + [mean_open(obs)]
    if len(recent) < 4:
        return True
    return recent[-1] < percentile(recent, 80) * (1.0 - th.blink_drop / 2.0)


def scan(
    reader: VideoReader,
    steps: Sequence[Action],
    limits: Limits,
    thresholds: Thresholds,
    need_match: bool,
    clock: Clock,
    t: float,
) -> tuple[Scan, float]:
    """Analyse the reader's frames until the end or until the rest cannot change the verdict.

    Above ``sparse_above_fps`` every other frame is analysed, and the skipped one too where the
    eyes start to close (a blink can last one frame). Returns the scan and the clock's time.
    """
    found = Scan(Tracker(limits), Keeper(thresholds))
    tracker, keeper, observations = found.tracker, found.keeper, found.observations
    next_check = _CHECK_EVERY
    frames = reader.frames()
    sparse = reader.info.fps > limits.sparse_above_fps
    skipped: Frame | None = None
    dense_until = -1.0
    count = 0

    rest = RestPose(thresholds)
    prior = MotionPrior(thresholds)

    def process(frame: Frame) -> Observation | None:
        points = tracker.step(frame)
        if points is None:
            return None
        obs = observe(frame, points, thresholds)
        trusted = prior.points
        if trusted is not None and not prior.plausible(obs):
            refit = tracker.refit(frame, trusted)
            again = None if refit is None else observe(frame, refit, thresholds)
            if again is None or not prior.plausible(again):
                # not a head's motion: the frame counts for nothing, the tracker starts the
                # next frame from the last trusted fit
                tracker.points = trusted
                found.doubted += 1
                return None
            tracker.points = again.points
            obs = again
        prior.trust(obs)
        tracker.face_level = obs.brightness
        rest.add(obs)
        return obs

    while True:
        try:
            frame = next(frames)
        except StopIteration:
            break
        t = clock.add("decode", t)
        count += 1
        if sparse and count % 2 == 0 and frame.t >= dense_until and tracker.points is not None:
            if skipped is not None:
                skipped.release()
            skipped = frame  # kept (undecoded to grey) in case a blink starts next frame
            continue
        found.analysed += 1
        obs = process(frame)
        if obs is not None:
            dipping = sparse and _eyes_dipping(observations, obs, thresholds)
            if sparse and not dipping and frame.t < dense_until:
                dense_until = frame.t  # the eyes are open again: back to every other frame
            if dipping:
                dense_until = frame.t + 0.4
                if skipped is not None and tracker.points is not None:
                    current = tracker.points
                    found.analysed += 1
                    earlier = process(skipped)
                    tracker.points = current
                    if earlier is not None:
                        observations.append(earlier)
                        keeper.offer(skipped, earlier)
            observations.append(obs)
            keeper.offer(frame, obs)
        if skipped is not None:
            skipped.release()
            skipped = None
        frame.release()
        t = clock.add("track", t)
        if found.analysed >= next_check:
            next_check = found.analysed + _CHECK_EVERY
            stop = can_stop(
                observations,
                steps,
                thresholds,
                limits,
                keeper,
                need_match,
                found.flat_cache,
            )
            if stop is not None:
                found.stopped_early = True
                found.stopped_flat = stop == "flat"
                t = clock.add("track", t)
                break
        t = clock.add("track", t)
    return found, t
