"""The face match: which frames of a video are encoded, and the distance rule."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.vision import models
from bot.vision.decode import Frame
from bot.vision.keeper import Keeper
from bot.vision.observation import Observation
from bot.vision.report import MatchResult
from bot.vision.types import Reason, Thresholds

FACE_CHIP_WIDTH = 150.0
"""Face width (landmark extent, pixels) from which the encoder sees all the detail it uses.

dlib's encoder aligns the face onto a 150 px chip with a quarter of padding each side, so the
face itself spans about 100 px of it; a face narrower than that in the image is interpolated
up and loses what the encoder learnt on. Measured on the tuning source (the astronaut photo
shrunk, each encoding against the photo's own): +0.02-0.06 at 110-160 px, +0.10 at 75 px,
+0.15 at 60, +0.21 at 50. The engine analyses frames at ``Limits.work_side`` (400 px), where a
phone video's face is often 60-100 px wide; the stored frame usually holds more.
"""


def match(
    encodings: Sequence[np.ndarray], ref: np.ndarray, th: Thresholds
) -> tuple[MatchResult, list[Reason]]:
    """Judge the encodings of one face against the reference's.

    The distance is that of the encodings' mean: averaging the frames' encodings cancels
    part of what differs from frame to frame (expression, blur, the landmark fit), where the
    median of the distances keeps it. *Tuning source*, carphone (real footage), each of 20
    frames of its second half as the reference against frames of its first half: one frame
    0.319 on average (90th percentile 0.431, worst 0.485); the mean of two 0.296 (0.404,
    0.451); the median of two distances 0.319 (0.415). Up to ``Thresholds.match_frames`` (4)
    frames are averaged since bot/vision/README.md section 7b.
    """
    if not encodings:
        raise ValueError("no encoding to match")
    distance = float(np.linalg.norm(np.mean(np.asarray(encodings), axis=0) - ref))
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


def match_video(
    keeper: Keeper, ref: np.ndarray, th: Thresholds
) -> tuple[MatchResult | None, list[Reason]]:
    """Match the frames the keeper chose against the reference encoding ``ref``."""
    reasons: list[Reason] = []
    candidates: list[tuple[Observation, Frame]] = keeper.best_frontal(th.match_frames)
    near = keeper.nearest
    if not candidates and near is not None and near[0] <= th.turn_angle_deg:
        # a camera held to the side: no frame within the frontal angle, but the face
        # the person showed when looking at the screen is still a fair one to match
        candidates = [(near[1], near[2])]
    if not candidates:  # no open-eyed face near frontal: use what there is, flagged
        reasons.append(Reason.HARD_TO_MATCH)
        candidates = [(o, fr) for _, o, fr in keeper.widest.values()][:1]
        if not candidates and near is not None:
            candidates = [(near[1], near[2])]
    if not candidates:
        return None, reasons
    encodings = [encode_frame(candidates[0][1], candidates[0][0].points)]
    clear = th.match_pass_distance - th.match_clear_margin
    if float(np.linalg.norm(encodings[0] - ref)) > clear:
        encodings += [encode_frame(fr, o.points) for o, fr in candidates[1:]]
    result, match_reasons = match(encodings, ref, th)
    reasons.extend(r for r in match_reasons if r not in reasons)
    return result, reasons


def encode_frame(frame: Frame, points: np.ndarray) -> np.ndarray:
    """The 128-d encoding of the face at ``points`` (landmarks at work resolution).

    Taken from the stored frame at the resolution that gives the face ``FACE_CHIP_WIDTH``
    pixels (at most the stored one), with the landmarks fitted again there: the encoder
    aligns its chip on them, and a fit at the finer scale places them to the finer pixel.
    A face already that wide at work resolution, or a frame stored no larger, is encoded
    from the work-resolution frame as before.
    """
    width = float(np.ptp(points[:, 0]))
    factor = FACE_CHIP_WIDTH / max(width, 1.0)
    fine = frame.rgb_finer(factor) if factor > 1.0 and frame.scale < 1.0 else None
    if fine is None:
        return models.encode(frame.rgb(), points)
    ratio = fine.shape[1] / frame.upright_size[0]
    box = models.box_from_points(points * ratio)
    return models.encode(fine, models.landmarks(fine, box))
