"""From observations to events: blinks, head turns checked against flat pictures, early stop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from bot.vision import geometry
from bot.vision.keeper import Keeper
from bot.vision.liveness import Event, TurnEvent, blink_events, challenge_done, turn_events
from bot.vision.observation import Observation
from bot.vision.types import Action, Limits, Thresholds

FlatCache = dict[tuple[int, int], bool]
"""Whether the turn between two observations (their indexes) moved like a flat picture."""


def rest_yaw(observations: Sequence[Observation], th: Thresholds) -> float:
    """The rest pose's yaw (see ``observation.RestPose``) over these observations."""
    yaws = [o.yaw for o in observations if not np.isnan(o.yaw)]
    if not yaws:
        return 0.0
    limit = th.rest_yaw_max_deg
    return max(-limit, min(limit, float(np.median(yaws))))


def is_flat(a: Observation, b: Observation, th: Thresholds) -> bool:
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


def checked_turns(
    observations: Sequence[Observation], th: Thresholds, cache: FlatCache | None = None
) -> list[tuple[TurnEvent, bool]]:
    """Every head turn, with whether the face moved like a flat picture during it."""
    times = [o.t for o in observations]
    out: list[tuple[TurnEvent, bool]] = []
    cache = {} if cache is None else cache
    rest = rest_yaw(observations, th)
    for turn in turn_events([o.yaw - rest for o in observations], times, th):
        key = (turn.centre_index, turn.peak_index)
        if key not in cache:
            cache[key] = is_flat(observations[turn.centre_index], observations[turn.peak_index], th)
        out.append((turn, cache[key]))
    return out


def events(
    observations: Sequence[Observation],
    th: Thresholds,
    checked: Sequence[tuple[TurnEvent, bool]] | None = None,
    cache: FlatCache | None = None,
) -> tuple[list[Event], list[TurnEvent], bool]:
    """The blinks and live head turns as events, the live turns, and whether a turn was flat."""
    times = [o.t for o in observations]
    found: list[Event] = list(
        blink_events(
            times,
            [o.eyes[0] for o in observations],
            th,
            [o.eyes[1] for o in observations],
            [o.yaw for o in observations],
            [o.pitch for o in observations],
        )
    )
    turns: list[TurnEvent] = []
    flat = False
    if checked is None:
        checked = checked_turns(observations, th, cache)
    for turn, turn_is_flat in checked:
        if turn_is_flat:
            flat = True
            continue
        turns.append(turn)
        found.append(Event(turn.action, turn.t))
    return found, turns, flat


def _turns_needed(steps: Sequence[Action]) -> set[Action]:
    needed: set[Action] = set()
    for step in steps:
        if step == Action.SHAKE:
            needed |= {Action.TURN_LEFT, Action.TURN_RIGHT}
        elif step != Action.BLINK:
            needed.add(step)
    return needed


def can_stop(
    observations: Sequence[Observation],
    steps: Sequence[Action],
    th: Thresholds,
    limits: Limits,
    keeper: Keeper,
    need_match: bool,
    cache: FlatCache,
) -> Literal["done", "flat"] | None:
    """Why the rest of the video can be skipped: ``done`` (the challenge is met, with the frames
    a report needs) or ``flat`` (a flat picture: the video fails whatever follows); else None.
    """
    if not observations or abs(observations[-1].yaw - rest_yaw(observations, th)) >= (
        th.centre_angle_deg
    ):
        return None  # mid-turn: no turn can have just closed, and the video must end centred
    checked: list[tuple[TurnEvent, bool]] = []
    if keeper.widest:  # else no yaw went past the turn angle: no turn yet, flat or not
        checked = checked_turns(observations, th, cache)
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
    found, _, flat = events(observations, th, checked)
    return "done" if not flat and challenge_done(steps, found) else None
