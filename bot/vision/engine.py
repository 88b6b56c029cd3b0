"""The verification engine: liveness and face match from a selfie video or a photo.

The parts, in the order a video goes through them: ``decode`` (frames), ``tracker`` (the
face's landmarks), ``observation`` (what each frame shows), ``keeper`` (the frames worth
keeping), ``scan`` (the pass over the video), ``events`` and ``liveness`` (blinks, turns, flat
pictures, the challenge), ``reference`` and ``match`` (the face match). This module joins them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.vision import geometry, models
from bot.vision.decode import VideoReader
from bot.vision.events import events as find_events
from bot.vision.keeper import key_frame_jpeg
from bot.vision.liveness import Event, TurnEvent, eyes_closed_all_along, match_challenge
from bot.vision.match import match, match_video
from bot.vision.observation import mean_open
from bot.vision.reference import face_encoding, faces, load_image, reference_encoding
from bot.vision.report import KeyFrame, MatchResult, PhotoReport, VideoReport, verdict_for
from bot.vision.scan import Clock, Scan, scan
from bot.vision.types import (
    LIVENESS_REASONS,
    QUALITY_REASONS,
    Action,
    Limits,
    Reason,
    Thresholds,
    VisionError,
)

__all__ = ["DEFAULT_CHALLENGE", "analyse_photo", "analyse_video", "face_encoding", "load_image"]

DEFAULT_CHALLENGE: tuple[Action, ...] = (Action.BLINK, Action.SHAKE)


def analyse_video(
    path: str | Path,
    *,
    reference: str | Path | bytes | None = None,
    challenge: Sequence[Action] = DEFAULT_CHALLENGE,
    limits: Limits = Limits(),  # noqa: B008 - frozen, immutable
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen, immutable
) -> VideoReport:
    """Analyse a selfie video: quality gate, liveness challenge, planar-attack check, match.

    Raises ``VisionError`` when the input cannot be analysed (see its codes).
    """
    started = time.perf_counter()
    clock = Clock()
    steps = tuple(Action(a) for a in challenge)
    if not steps:
        raise ValueError("the challenge must hold at least one action")

    models.models()  # loaded once per process; timed apart from the analysis
    t = clock.add("load_models", started)
    # the hard limit is on analysing this file: loading the models (once per process) is not
    deadline = t + limits.time_limit_s
    ref_encoding: np.ndarray | None = None
    ref_problem: Reason | None = None
    if reference is not None:
        ref_encoding, ref_problem = reference_encoding(reference, limits)
        t = clock.add("reference", t)

    with VideoReader(path, limits, deadline) as reader:
        t = clock.add("open", t)
        info = reader.info
        declared = info.declared_duration_s
        if declared is not None and declared > limits.max_seconds + 0.5:
            return _finish(
                started, clock, [Reason.TOO_LONG], 0, declared, [], (), None, steps, thresholds
            )
        found, t = scan(reader, steps, limits, thresholds, ref_encoding is not None, clock, t)
        error = reader.error
        decoded_span = reader.last_t + 1.0 / info.fps
        hit_limit = reader.stopped_by_limit
        decoded = reader.decoded

    if found.analysed == 0:
        raise VisionError("truncated", "no frame could be decoded")
    if (
        not found.stopped_early
        and hit_limit is None
        and declared is not None
        and decoded_span < 0.5 * declared - 0.5
    ):
        raise VisionError(
            "truncated",
            f"only {decoded_span:.1f} s of the declared {declared:.1f} s could be decoded"
            + (f" ({error})" if error else ""),
        )
    duration = declared if declared is not None else decoded_span

    reasons = _quality(found, min(info.width, info.height), duration, hit_limit, limits, thresholds)
    observations = found.observations
    events, turns, flat = find_events(observations, thresholds, cache=found.flat_cache)
    if Reason.NO_FACE not in reasons:
        if not found.stopped_flat:  # stopped on a flat picture: the challenge was not watched
            missing = match_challenge(steps, events)
            if Reason.NO_BLINK in missing and eyes_closed_all_along(
                [mean_open(o) for o in observations], thresholds
            ):
                missing = (missing - {Reason.NO_BLINK}) | {Reason.EYES_CLOSED}
            reasons.extend(sorted(missing, key=list(Reason).index))
        if flat:
            reasons.append(Reason.FLAT_IMAGE)
    t = clock.add("liveness", t)

    result: MatchResult | None = None
    if reference is not None and observations:
        if ref_problem is not None:
            reasons.append(ref_problem)
        else:
            assert ref_encoding is not None
            result, match_reasons = match_video(found.keeper, ref_encoding, thresholds)
            reasons.extend(r for r in match_reasons if r not in reasons)
        t = clock.add("match", t)

    key_frames = found.keeper.key_frames()
    clock.add("key_frames", t)
    return _finish(
        started,
        clock,
        reasons,
        decoded,
        duration,
        events,
        key_frames,
        result,
        steps,
        thresholds,
        turns=turns,
    )


def _quality(
    found: Scan,
    short_side: int,
    duration: float,
    hit_limit: str | None,
    limits: Limits,
    th: Thresholds,
) -> list[Reason]:
    """The quality gate's reasons: face seen, one face, its size, light, sharpness, length."""
    reasons: list[Reason] = []
    observations = found.observations
    tracker = found.tracker
    face_share = (len(observations) + found.doubted) / found.analysed
    if not observations or face_share < th.min_face_share:
        reasons.append(Reason.NO_FACE)
    if tracker.multi > 0 and tracker.multi >= th.multi_face_share * tracker.detections:
        reasons.append(Reason.MULTIPLE_FACES)
    if observations:
        face_px = float(np.median([o.face_px for o in observations]))
        if face_px < max(th.min_face_px, th.min_face_fraction * short_side):
            reasons.append(Reason.FACE_TOO_SMALL)
        if float(np.median([o.brightness for o in observations])) < th.min_brightness:
            reasons.append(Reason.TOO_DARK)
        if float(np.median([o.sharpness for o in observations])) < th.min_sharpness:
            reasons.append(Reason.TOO_BLURRY)
    if duration < limits.min_seconds:
        reasons.append(Reason.TOO_SHORT)
    if hit_limit == "max_seconds" or duration > limits.max_seconds + 0.5:
        reasons.append(Reason.TOO_LONG)
    return reasons


def _finish(
    started: float,
    clock: Clock,
    reasons: list[Reason],
    frames: int,
    duration: float,
    events: Sequence[Event],
    key_frames: tuple[KeyFrame, ...],
    match: MatchResult | None,
    steps: Sequence[Action],
    th: Thresholds,
    turns: Sequence[TurnEvent] = (),
) -> VideoReport:
    unique = tuple(dict.fromkeys(reasons))
    live = not (set(unique) & (LIVENESS_REASONS | QUALITY_REASONS))
    timings = dict(clock.totals)
    timings["total"] = (time.perf_counter() - started) * 1000.0
    return VideoReport(
        verdict=verdict_for(unique),
        live=live,
        reasons=unique,
        blinks=sum(1 for e in events if e.action == Action.BLINK),
        head_turns=tuple(str(t.action) for t in sorted(turns, key=lambda x: x.t)),
        match=match,
        frames=frames,
        duration_s=float(duration),
        timings_ms=timings,
        key_frames=key_frames,
    )


def analyse_photo(
    image: str | Path | bytes,
    *,
    reference: str | Path | bytes | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen, immutable
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen, immutable
) -> PhotoReport:
    """Check a clear frontal photo (the children's path): quality gate, face crop, match."""
    started = time.perf_counter()
    clock = Clock()
    rgb = load_image(image, limits)
    t = clock.add("decode", started)
    boxes = faces(rgb)
    reasons: list[Reason] = []
    key_frames: tuple[KeyFrame, ...] = ()
    result: MatchResult | None = None
    if not boxes:
        reasons.append(Reason.NO_FACE)
    else:
        if len(boxes) > 1:
            reasons.append(Reason.MULTIPLE_FACES)
        points = models.landmarks(rgb, boxes[0])
        gray = np.asarray(rgb.mean(axis=2), dtype=np.uint8)
        brightness, sharpness = geometry.brightness_and_sharpness(gray, points)
        width = float(points[:, 0].max() - points[:, 0].min())
        short = min(rgb.shape[:2])
        if width < max(thresholds.min_face_px, thresholds.min_face_fraction * short):
            reasons.append(Reason.FACE_TOO_SMALL)
        if brightness < thresholds.min_brightness:
            reasons.append(Reason.TOO_DARK)
        if sharpness < thresholds.min_sharpness:
            reasons.append(Reason.TOO_BLURRY)
        key_frames = (KeyFrame("face", key_frame_jpeg(rgb, points)),)
        t = clock.add("quality", t)
        if reference is not None:
            ref_encoding, ref_problem = reference_encoding(reference, limits)
            if ref_problem is not None:
                reasons.append(ref_problem)
            else:
                assert ref_encoding is not None
                result, match_reasons = match(
                    [models.encode(rgb, points)], ref_encoding, thresholds
                )
                reasons.extend(match_reasons)
            clock.add("match", t)
    unique = tuple(dict.fromkeys(reasons))
    timings = dict(clock.totals)
    timings["total"] = (time.perf_counter() - started) * 1000.0
    return PhotoReport(
        verdict=verdict_for(unique),
        reasons=unique,
        match=result,
        key_frames=key_frames,
        timings_ms=timings,
    )
