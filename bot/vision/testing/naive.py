"""The naive reference the benchmark compares the engine with.

HOG detection and 68 landmarks on every frame at full resolution, a fixed eye-aspect-ratio
threshold for blinks, the same yaw estimate without the flat-picture check, no early stop; the
face match of one frame against the reference photo's plain encoding (one encoder run, as
face_recognition's `face_encodings` does), not the engine's mirrored mean.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.vision import geometry, models
from bot.vision.decode import check_file
from bot.vision.liveness import Event, match_challenge, turn_events
from bot.vision.report import MatchResult, VideoReport, verdict_for
from bot.vision.types import Action, Reason, Thresholds

FIXED_EAR_THRESHOLD = 0.2


@functools.lru_cache(maxsize=16)
def plain_reference(path: str) -> np.ndarray | None:
    """The reference photo's encoding as a first prototype takes it: its largest face, encoded
    once (`reference.face_encoding`); None without a face. Kept per photo for the bench."""
    from bot.vision.reference import face_encoding

    return face_encoding(path)


def analyse_video_naive(
    path: str | Path,
    *,
    reference: str | Path | None = None,
    challenge: Sequence[Action] = (Action.BLINK, Action.SHAKE),
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen, immutable
) -> VideoReport:
    """Analyse like a first prototype would."""
    import av

    from bot.vision.types import Limits

    started = time.perf_counter()
    check_file(Path(path), Limits())
    times: list[float] = []
    ears: list[float] = []
    yaws: list[float] = []
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    frames = 0
    multi = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for vf in container.decode(stream):
            frames += 1
            rgb = np.ascontiguousarray(
                np.rot90(vf.to_ndarray(format="rgb24"), k=round((vf.rotation or 0) / 90) % 4)
            )
            found = models.detect(rgb, max(rgb.shape[:2]))
            if len(found) > 1:
                multi += 1
            if not found:
                continue
            points = models.landmarks(rgb, found[0][0])
            times.append(float(vf.time or frames / 30.0))
            ears.append(geometry.eye_aspect_ratio(points))
            yaw = geometry.head_yaw(points, rgb.shape[1], rgb.shape[0])
            yaws.append(yaw)
            if best is None or abs(yaw) < best[0]:
                best = (abs(yaw), rgb, points)
    events: list[Event] = []
    closed = False
    for t, ear in zip(times, ears, strict=True):
        if not closed and ear < FIXED_EAR_THRESHOLD:
            closed = True
            events.append(Event(Action.BLINK, t))
        elif closed and ear >= FIXED_EAR_THRESHOLD:
            closed = False
    events += [Event(e.action, e.t) for e in turn_events(yaws, times, thresholds)]
    reasons: list[Reason] = []
    if len(times) < frames / 2:
        reasons.append(Reason.NO_FACE)
    if multi > frames / 5:
        reasons.append(Reason.MULTIPLE_FACES)
    if Reason.NO_FACE not in reasons:
        reasons += sorted(match_challenge(challenge, events), key=list(Reason).index)
    match = None
    if reference is not None and best is not None:
        ref = plain_reference(str(reference))
        if ref is not None:
            d = float(np.linalg.norm(models.encode(best[1], best[2]) - ref))
            match = MatchResult(d, d <= thresholds.match_pass_distance)
            if d > thresholds.match_review_distance:
                reasons.append(Reason.MATCH_LOW)
            elif d > thresholds.match_pass_distance:
                reasons.append(Reason.MATCH_BORDERLINE)
        else:
            reasons.append(Reason.NO_REFERENCE)
    duration = times[-1] if times else 0.0
    return VideoReport(
        verdict=verdict_for(reasons),
        live=not reasons,
        reasons=tuple(reasons),
        blinks=sum(1 for e in events if e.action == Action.BLINK),
        head_turns=tuple(str(e.action) for e in events if e.action != Action.BLINK),
        match=match,
        frames=frames,
        duration_s=duration,
        timings_ms={"total": (time.perf_counter() - started) * 1000.0},
    )
