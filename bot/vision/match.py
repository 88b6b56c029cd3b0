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


def match(
    encodings: Sequence[np.ndarray], ref: np.ndarray, th: Thresholds
) -> tuple[MatchResult, list[Reason]]:
    """Judge the encodings of one face against the reference's."""
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
    encodings = [models.encode(candidates[0][1].rgb(), candidates[0][0].points)]
    clear = th.match_pass_distance - th.match_clear_margin
    if float(np.linalg.norm(encodings[0] - ref)) > clear:
        encodings += [models.encode(fr.rgb(), o.points) for o, fr in candidates[1:]]
    result, match_reasons = match(encodings, ref, th)
    reasons.extend(r for r in match_reasons if r not in reasons)
    return result, reasons
