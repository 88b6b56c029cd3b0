"""The verification engine: liveness and face match from a selfie video or a photo."""

from __future__ import annotations

import bisect
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from bot.vision import geometry, models
from bot.vision.decode import Frame, VideoReader
from bot.vision.liveness import (
    Event,
    TurnEvent,
    blink_events,
    challenge_done,
    eyes_closed_all_along,
    match_challenge,
    percentile,
    turn_events,
)
from bot.vision.report import KeyFrame, MatchResult, PhotoReport, VideoReport, verdict_for
from bot.vision.types import (
    LIVENESS_REASONS,
    QUALITY_REASONS,
    Action,
    Limits,
    Reason,
    Thresholds,
    VisionError,
)

DEFAULT_CHALLENGE: tuple[Action, ...] = (Action.BLINK, Action.SHAKE)
_SECOND_FACE_SHARE = 0.4  # a second face at least this wide (vs the main one) counts
_KEY_FRAME_SIDE = 192
_CHECK_EVERY = 2  # analysed frames between two checks of whether the rest can be skipped
_DARK_FACE = 70.0  # a face darker than this (median luma) is brightened for the landmarks
_NORMAL_FACE = 110.0  # the level it is brought to
_MAX_GAIN = 4.0


@dataclass
class _Obs:
    t: float
    points: np.ndarray
    eyes: tuple[float, float]  # openness of the image-left and image-right eye
    yaw: float
    brightness: float
    sharpness: float
    face_px: float  # face width in pixels of the stored frames
    small: np.ndarray  # the grey frame at half the work resolution, for the surroundings check
    turn: float = 0.0  # yaw from the rest pose known when the frame was seen (for key frames)


class _Clock:
    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def add(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.totals[name] = self.totals.get(name, 0.0) + (now - started) * 1000.0
        return now


class _Tracker:
    """Detect, then follow the face with the landmark predictor; re-detect periodically."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.points: np.ndarray | None = None
        self.last_detect_t = -1e9
        self.last_confirm_t = -1e9
        self.detections = 0
        self.multi = 0
        self.face_level: float | None = None  # the face's median luma, set by the caller

    def _input(self, frame: Frame) -> np.ndarray:
        """The grey frame, brightened when the face is dark.

        dlib's landmark trees split on differences between pixel intensities learnt on
        normally exposed faces; a dark face makes every difference small, and the fit falls
        back toward the mean shape (on a dark copy of the carphone clip the eyelids stopped
        moving with the blinks). A gain bringing the face to a normal level restores them; the
        quality gate still measures the frame as it is (``too_dark``).
        """
        import cv2

        gray = frame.gray
        level = self.face_level
        if level is None:
            level = float(np.median(gray[::8, ::8]))
        if level >= _DARK_FACE:
            return gray
        gain = min(_MAX_GAIN, _NORMAL_FACE / max(level, 1.0))
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
            if sum(1 for b in boxes if b[2] - b[0] >= _SECOND_FACE_SHARE * main_w) > 1:
                self.multi += 1
        return boxes

    def step(self, frame: Frame) -> np.ndarray | None:
        gray = self._input(frame)
        due = frame.t - self.last_detect_t >= self.limits.redetect_s
        if due:
            self.last_detect_t = frame.t
            boxes = self._detect(gray)
            if boxes:
                self.last_confirm_t = frame.t
                if self.points is None:
                    self.points = models.landmarks(gray, boxes[0])
                    return self.points
                track_box = models.box_from_points(self.points)
                best = max(boxes, key=lambda b: _iou(b, track_box))
                if _iou(best, track_box) < 0.3:
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


def _iou(a: models.Box, b: models.Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class _RestPose:
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
        if not self.yaws:
            return 0.0
        n = len(self.yaws)
        mid = self.yaws[n // 2] if n % 2 else (self.yaws[n // 2 - 1] + self.yaws[n // 2]) / 2.0
        limit = self.th.rest_yaw_max_deg
        return max(-limit, min(limit, mid))

    def add(self, obs: _Obs) -> None:
        if not np.isnan(obs.yaw):
            bisect.insort(self.yaws, obs.yaw)
        obs.turn = obs.yaw - self.value


class _Keeper:
    """Keeps the few frames worth keeping (best frontal ones, widest turns), unconverted.

    Candidates hold the decoder's frame; only the ones finally used are converted to RGB.
    """

    def __init__(self, thresholds: Thresholds) -> None:
        self.th = thresholds
        self.frontal: dict[int, tuple[float, _Obs, Frame]] = {}
        self.widest: dict[str, tuple[float, _Obs, Frame]] = {}
        self.nearest: tuple[float, _Obs, Frame] | None = None  # open-eyed, least yaw
        self._open: list[float] = []  # sorted eye openness, for the running median

    def _median_open(self) -> float:
        values = self._open
        n = len(values)
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2.0

    def offer(self, frame: Frame, obs: _Obs) -> None:
        eyes = _mean_open(obs)
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

    def best_frontal(self, k: int) -> list[tuple[_Obs, Frame]]:
        ranked = sorted(self.frontal.values(), key=lambda v: -v[0])[:k]
        return [(o, frame) for _, o, frame in ranked]


def _mean_open(obs: _Obs) -> float:
    return (obs.eyes[0] + obs.eyes[1]) / 2.0


def _jpeg(rgb: np.ndarray, points: np.ndarray) -> bytes:
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


# ---------------------------------------------------------------- images and references


def load_image(source: str | Path | bytes, limits: Limits, code: str = "bad_image") -> np.ndarray:
    """Decode a photo to upright RGB (EXIF orientation honoured), within ``image_max_pixels``."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        if isinstance(source, bytes):
            if not source:
                raise VisionError(code, "the image is empty")
            if len(source) > limits.max_bytes:
                raise VisionError(code, "the image is too large")
            handle: io.BytesIO | Path = io.BytesIO(source)
        else:
            handle = Path(source)
            if not handle.is_file():
                raise VisionError(code, f"no such image: {handle.name}")
            if handle.stat().st_size > limits.max_bytes:
                raise VisionError(code, "the image is too large")
        with Image.open(handle) as img:
            if img.width * img.height > limits.image_max_pixels:
                raise VisionError(code, f"{img.width}x{img.height} is too many pixels")
            upright = ImageOps.exif_transpose(img).convert("RGB")
            return np.asarray(upright)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise VisionError(code, f"cannot read the image ({type(exc).__name__})") from None


def _faces(rgb: np.ndarray) -> list[models.Box]:
    """Faces in a still image, largest first, ignoring ones much smaller than the largest."""
    found = models.detect(rgb, 800)
    if not found:
        found = models.detect(rgb, min(1600, max(rgb.shape[:2])), upsample=1)
    boxes = [b for b, _ in found]
    if not boxes:
        return []
    main_w = boxes[0][2] - boxes[0][0]
    return [b for b in boxes if b[2] - b[0] >= _SECOND_FACE_SHARE * main_w]


def face_encoding(image: str | Path | bytes, limits: Limits | None = None) -> np.ndarray | None:
    """The 128-d encoding of the largest face of an image, or None without a face."""
    rgb = load_image(image, limits or Limits())
    boxes = _faces(rgb)
    if not boxes:
        return None
    return models.encode(rgb, models.landmarks(rgb, boxes[0]))


def _reference(
    source: str | Path | bytes, limits: Limits
) -> tuple[np.ndarray | None, Reason | None]:
    rgb = load_image(source, limits, code="bad_reference")
    boxes = _faces(rgb)
    if len(boxes) != 1:
        return None, Reason.NO_REFERENCE
    return models.encode(rgb, models.landmarks(rgb, boxes[0])), None


def _match(
    encodings: Sequence[np.ndarray], ref: np.ndarray, th: Thresholds
) -> tuple[MatchResult, list[Reason]]:
    distances = [float(np.linalg.norm(e - ref)) for e in encodings]
    distance = float(np.median(distances))
    reasons: list[Reason] = []
    if distance > th.match_review_distance:
        reasons.append(Reason.MATCH_LOW)
    elif distance > th.match_pass_distance:
        reasons.append(Reason.MATCH_BORDERLINE)
    if len(encodings) > 1:
        spread = max(
            float(np.linalg.norm(a - b))
            for i, a in enumerate(encodings)
            for b in encodings[i + 1 :]
        )
        if spread > th.match_spread_review and Reason.MATCH_LOW not in reasons:
            reasons.append(Reason.HARD_TO_MATCH)
    return MatchResult(distance, distance <= th.match_pass_distance), reasons


# ---------------------------------------------------------------- video


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
    clock = _Clock()
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
        ref_encoding, ref_problem = _reference(reference, limits)
        t = clock.add("reference", t)

    with VideoReader(path, limits, deadline) as reader:
        t = clock.add("open", t)
        info = reader.info
        declared = info.declared_duration_s
        if declared is not None and declared > limits.max_seconds + 0.5:
            return _finish(
                started, clock, [Reason.TOO_LONG], 0, declared, [], (), None, steps, thresholds
            )
        tracker = _Tracker(limits)
        keeper = _Keeper(thresholds)
        flat_cache: FlatCache = {}
        observations: list[_Obs] = []
        analysed = 0
        stopped_early = False
        stopped_flat = False
        next_check = _CHECK_EVERY
        frames = reader.frames()
        sparse = info.fps > limits.sparse_above_fps
        skipped: Frame | None = None
        dense_until = -1.0
        count = 0

        rest = _RestPose(thresholds)

        def process(frame: Frame) -> _Obs | None:
            points = tracker.step(frame)
            if points is None:
                return None
            obs = _observe(frame, points, thresholds)
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
            analysed += 1
            obs = process(frame)
            if obs is not None:
                dipping = sparse and _eyes_dipping(observations, obs, thresholds)
                if sparse and not dipping and frame.t < dense_until:
                    dense_until = frame.t  # the eyes are open again: back to every other frame
                if dipping:
                    dense_until = frame.t + 0.4
                    if skipped is not None and tracker.points is not None:
                        current = tracker.points
                        analysed += 1
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
            if analysed >= next_check:
                next_check = analysed + _CHECK_EVERY
                stop = _can_stop(
                    observations,
                    steps,
                    thresholds,
                    limits,
                    keeper,
                    ref_encoding is not None,
                    flat_cache,
                )
                if stop is not None:
                    stopped_early = True
                    stopped_flat = stop == "flat"
                    t = clock.add("track", t)
                    break
            t = clock.add("track", t)
        error = reader.error
        decoded_span = reader.last_t + 1.0 / info.fps
        hit_limit = reader.stopped_by_limit
        decoded = reader.decoded

    if analysed == 0:
        raise VisionError("truncated", "no frame could be decoded")
    if (
        not stopped_early
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

    reasons: list[Reason] = []
    face_share = len(observations) / analysed
    if not observations or face_share < thresholds.min_face_share:
        reasons.append(Reason.NO_FACE)
    if tracker.multi > 0 and tracker.multi >= thresholds.multi_face_share * tracker.detections:
        reasons.append(Reason.MULTIPLE_FACES)
    if observations:
        short_side = min(info.width, info.height)
        face_px = float(np.median([o.face_px for o in observations]))
        if face_px < max(thresholds.min_face_px, thresholds.min_face_fraction * short_side):
            reasons.append(Reason.FACE_TOO_SMALL)
        if float(np.median([o.brightness for o in observations])) < thresholds.min_brightness:
            reasons.append(Reason.TOO_DARK)
        if float(np.median([o.sharpness for o in observations])) < thresholds.min_sharpness:
            reasons.append(Reason.TOO_BLURRY)
    if duration < limits.min_seconds:
        reasons.append(Reason.TOO_SHORT)
    if hit_limit == "max_seconds" or duration > limits.max_seconds + 0.5:
        reasons.append(Reason.TOO_LONG)

    events, turns, flat = _events(observations, thresholds, cache=flat_cache)
    if Reason.NO_FACE not in reasons:
        if not stopped_flat:  # stopped on a flat picture: the challenge was not watched to its end
            missing = match_challenge(steps, events)
            if Reason.NO_BLINK in missing and eyes_closed_all_along(
                [_mean_open(o) for o in observations], thresholds
            ):
                missing = (missing - {Reason.NO_BLINK}) | {Reason.EYES_CLOSED}
            reasons.extend(sorted(missing, key=list(Reason).index))
        if flat:
            reasons.append(Reason.FLAT_IMAGE)
    t = clock.add("liveness", t)

    match: MatchResult | None = None
    best = keeper.best_frontal(thresholds.match_frames)
    if reference is not None and observations:
        if ref_problem is not None:
            reasons.append(ref_problem)
        else:
            assert ref_encoding is not None
            candidates = best
            near = keeper.nearest
            if not candidates and near is not None and near[0] <= thresholds.turn_angle_deg:
                # a camera held to the side: no frame within the frontal angle, but the face
                # the person showed when looking at the screen is still a fair one to match
                candidates = [(near[1], near[2])]
            if not candidates:  # no open-eyed face near frontal: use what there is, flagged
                reasons.append(Reason.HARD_TO_MATCH)
                candidates = [(o, fr) for _, o, fr in keeper.widest.values()][:1]
                if not candidates and near is not None:
                    candidates = [(near[1], near[2])]
            if candidates:
                encodings = [models.encode(candidates[0][1].rgb(), candidates[0][0].points)]
                clear = thresholds.match_pass_distance - thresholds.match_clear_margin
                if float(np.linalg.norm(encodings[0] - ref_encoding)) > clear:
                    encodings += [models.encode(fr.rgb(), o.points) for o, fr in candidates[1:]]
                match, match_reasons = _match(encodings, ref_encoding, thresholds)
                reasons.extend(r for r in match_reasons if r not in reasons)
        t = clock.add("match", t)

    key_frames: list[KeyFrame] = []
    if best:
        key_frames.append(KeyFrame("frontal", _jpeg(best[0][1].rgb(), best[0][0].points)))
    elif keeper.nearest is not None:
        _, o, kept = keeper.nearest
        key_frames.append(KeyFrame("frontal", _jpeg(kept.rgb(), o.points)))
    for label in ("turn_left", "turn_right"):
        if label in keeper.widest:
            _, o, kept = keeper.widest[label]
            key_frames.append(KeyFrame(label, _jpeg(kept.rgb(), o.points)))
    clock.add("key_frames", t)
    return _finish(
        started,
        clock,
        reasons,
        decoded,
        duration,
        events,
        tuple(key_frames),
        match,
        steps,
        thresholds,
        turns=turns,
    )


def _observe(frame: Frame, points: np.ndarray, th: Thresholds) -> _Obs:
    import cv2

    h, w = frame.gray.shape[:2]
    brightness, sharpness = geometry.brightness_and_sharpness(frame.gray, points)
    inner = geometry.inner_face_width(points)
    if inner < geometry.SHARPNESS_WIDTH and frame.scale < 1.0:
        # The work frame was downscaled and holds the face in fewer pixels than sharpness is
        # measured at: measure on the stored frame's detail instead of interpolating it back.
        finer = frame.gray_finer(geometry.SHARPNESS_WIDTH / max(inner, 1.0))
        if finer is not None:
            ratio = finer.shape[1] / w
            _, sharpness = geometry.brightness_and_sharpness(finer, points * ratio)
    width = float(points[:, 0].max() - points[:, 0].min())
    return _Obs(
        t=frame.t,
        points=points,
        eyes=geometry.eye_openness(points),
        yaw=geometry.head_yaw(points, w, h),
        brightness=brightness,
        sharpness=sharpness,
        face_px=width / frame.scale,
        small=cv2.resize(frame.gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
    )


FlatCache = dict[tuple[int, int], bool]


def _rest_yaw(observations: Sequence[_Obs], th: Thresholds) -> float:
    """The rest pose's yaw (see ``_RestPose``) over these observations."""
    yaws = [o.yaw for o in observations if not np.isnan(o.yaw)]
    if not yaws:
        return 0.0
    limit = th.rest_yaw_max_deg
    return max(-limit, min(limit, float(np.median(yaws))))


def _is_flat(a: _Obs, b: _Obs, th: Thresholds) -> bool:
    """Whether the face moved from ``a`` to ``b`` like a flat picture.

    Flat when a homography explains the landmarks to landmark noise (``planar_residual``), or
    when the landmarks' evidence of depth is only moderate (under twice that) and the
    surroundings of the face moved with the face's plane (``surroundings_follow``): the rest
    of a photo or of a screen does, the room behind a real head does not.
    """
    residual = geometry.planar_residual(a.points, b.points)
    if residual < th.planar_residual:
        return True
    if residual >= 2.0 * th.planar_residual:
        return False
    gain = geometry.surroundings_follow(a.small, a.points / 2.0, b.small, b.points / 2.0)
    return gain is not None and gain > th.surroundings_gain


def _checked_turns(
    observations: Sequence[_Obs], th: Thresholds, cache: FlatCache | None = None
) -> list[tuple[TurnEvent, bool]]:
    """Every head turn, with whether the face moved like a flat picture during it."""
    times = [o.t for o in observations]
    out: list[tuple[TurnEvent, bool]] = []
    cache = {} if cache is None else cache
    rest = _rest_yaw(observations, th)
    for turn in turn_events([o.yaw - rest for o in observations], times, th):
        key = (turn.centre_index, turn.peak_index)
        if key not in cache:
            cache[key] = _is_flat(
                observations[turn.centre_index], observations[turn.peak_index], th
            )
        out.append((turn, cache[key]))
    return out


def _events(
    observations: Sequence[_Obs],
    th: Thresholds,
    checked: Sequence[tuple[TurnEvent, bool]] | None = None,
    cache: FlatCache | None = None,
) -> tuple[list[Event], list[TurnEvent], bool]:
    times = [o.t for o in observations]
    events: list[Event] = list(
        blink_events(
            times,
            [o.eyes[0] for o in observations],
            th,
            [o.eyes[1] for o in observations],
            [o.yaw for o in observations],
        )
    )
    turns: list[TurnEvent] = []
    flat = False
    if checked is None:
        checked = _checked_turns(observations, th, cache)
    for turn, is_flat in checked:
        if is_flat:
            flat = True
            continue
        turns.append(turn)
        events.append(Event(turn.action, turn.t))
    return events, turns, flat


def _eyes_dipping(observations: Sequence[_Obs], obs: _Obs, th: Thresholds) -> bool:
    """True when the eyes look to be closing: half a blink's drop under the recent open level."""
    recent = [_mean_open(o) for o in observations[-20:]] + [_mean_open(obs)]
    if len(recent) < 4:
        return True
    return recent[-1] < percentile(recent, 80) * (1.0 - th.blink_drop / 2.0)


def _turns_needed(steps: Sequence[Action]) -> set[Action]:
    needed: set[Action] = set()
    for step in steps:
        if step == Action.SHAKE:
            needed |= {Action.TURN_LEFT, Action.TURN_RIGHT}
        elif step != Action.BLINK:
            needed.add(step)
    return needed


def _can_stop(
    observations: Sequence[_Obs],
    steps: Sequence[Action],
    th: Thresholds,
    limits: Limits,
    keeper: _Keeper,
    need_match: bool,
    cache: FlatCache,
) -> Literal["done", "flat"] | None:
    """Why the rest of the video can be skipped: ``done`` (the challenge is met, with the frames
    a report needs) or ``flat`` (a flat picture: the video fails whatever follows); else None.
    """
    if not observations or abs(observations[-1].yaw - _rest_yaw(observations, th)) >= (
        th.centre_angle_deg
    ):
        return None  # mid-turn: no turn can have just closed, and the video must end centred
    checked: list[tuple[TurnEvent, bool]] = []
    if keeper.widest:  # else no yaw went past the turn angle: no turn yet, flat or not
        checked = _checked_turns(observations, th, cache)
        last = len(observations) - 1
        # A turn closed before the last frame keeps its frames whatever comes next (the
        # 3-frame yaw median needs the frame after its end): a flat one is final.
        if any(flat and 0 <= turn.end_index < last for turn, flat in checked):
            return "flat"
    elif any(s != Action.BLINK for s in steps):
        return None
    if len(observations) < 10 or observations[-1].t < limits.min_seconds:
        return None
    if need_match and len(keeper.frontal) < th.match_frames:
        return None
    seen = {turn.action for turn, flat in checked if not flat}
    if any(flat for _, flat in checked) or not _turns_needed(steps) <= seen:
        return None  # cheap answers first: the blink events cost more
    events, _, flat = _events(observations, th, checked)
    return "done" if not flat and challenge_done(steps, events) else None


def _finish(
    started: float,
    clock: _Clock,
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


# ---------------------------------------------------------------- photo


def analyse_photo(
    image: str | Path | bytes,
    *,
    reference: str | Path | bytes | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen, immutable
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen, immutable
) -> PhotoReport:
    """Check a clear frontal photo (the children's path): quality gate, face crop, match."""
    started = time.perf_counter()
    clock = _Clock()
    rgb = load_image(image, limits)
    t = clock.add("decode", started)
    boxes = _faces(rgb)
    reasons: list[Reason] = []
    key_frames: tuple[KeyFrame, ...] = ()
    match: MatchResult | None = None
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
        key_frames = (KeyFrame("face", _jpeg(rgb, points)),)
        t = clock.add("quality", t)
        if reference is not None:
            ref_encoding, ref_problem = _reference(reference, limits)
            if ref_problem is not None:
                reasons.append(ref_problem)
            else:
                assert ref_encoding is not None
                match, match_reasons = _match(
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
        match=match,
        key_frames=key_frames,
        timings_ms=timings,
    )
