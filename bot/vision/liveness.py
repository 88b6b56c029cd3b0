"""Blink counting, head-turn events and challenge matching over per-frame measurements."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.vision.types import Action, Reason, Thresholds


def percentile(values: Sequence[float], q: float) -> float:
    """``np.percentile(values, q)`` (linear method), bit for bit, without numpy's overhead.

    The engine takes the percentile of a short window on every frame, where numpy's
    per-call cost (tens of microseconds) dominates; sorting a short list is a few.
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("percentile of an empty sequence")
    pos = (q / 100.0) * (n - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    gamma = pos - lo
    a, b = ordered[lo], ordered[hi]
    diff = b - a
    # numpy's _lerp: interpolate from the nearer end, for monotonicity and exact end points
    return float(b - diff * (1.0 - gamma)) if gamma >= 0.5 else float(a + diff * gamma)


@dataclass(frozen=True)
class Event:
    """A blink or a head turn, at the time it was seen."""

    action: Action
    t: float


def blink_events(
    times: Sequence[float],
    openness: Sequence[float],
    thresholds: Thresholds,
    other: Sequence[float] | None = None,
    yaws: Sequence[float] | None = None,
    pitches: Sequence[float] | None = None,
) -> list[Event]:
    """Distinct blinks: both eyes' openness dipping together under their open-eye baselines.

    ``openness`` is one eye's (``geometry.eye_openness``), ``other`` the other eye's (the
    same series when omitted). Each eye's baseline is a high percentile of its openness within
    ``blink_baseline_s`` around each frame, so it adapts to the person's eyes and to the camera.
    The eyes close when the more open of the two is under its baseline x (1 - ``blink_drop``):
    one eye alone (a wink, or a landmark fit that loses the far eye of a turned head) is not a
    blink. A dip counts once the eyes reopen, and only if it is shorter than ``blink_max_s``;
    a dip of a single frame counts (a blink at 15 fps lasts one or two frames). No blink counts
    where the baselines show eyes that are not open (``blink_min_openness``), nor while the
    head is turned past ``blink_max_yaw_deg`` (``yaws``, degrees): there the far eye is half
    hidden behind the nose and a landmark fit guesses its lids. With ``pitches`` (degrees,
    positive looking down), each frame's openness is first divided by what pitch alone makes
    of it: 1 - ``blink_pitch_slope`` x its pitch from the video's median pitch.
    """
    t = np.asarray(times, dtype=np.float64)
    n = len(t)
    if n < 3:
        return []
    half = thresholds.blink_baseline_s / 2.0
    lo = np.searchsorted(t, t - half, side="left")
    hi = np.searchsorted(t, t + half, side="right")
    eyes = [list(openness), list(openness if other is None else other)]
    if pitches is not None:
        pitch = np.asarray(pitches, dtype=np.float64)
        if not np.isnan(pitch).all():
            tilt = np.nan_to_num(pitch - np.nanmedian(pitch))
            scale = 1.0 - thresholds.blink_pitch_slope * tilt
            eyes = [list(np.asarray(v, dtype=np.float64) / scale) for v in eyes]
    ratios = []
    bases = []
    for values in eyes:
        base = np.array([percentile(values[lo[i] : hi[i]], 80) for i in range(n)])
        bases.append(base)
        ratios.append(np.asarray(values, dtype=np.float64) / np.maximum(base, 1e-9))
    both_closed = np.maximum(ratios[0], ratios[1])  # the more open eye
    mean_ratio = (ratios[0] + ratios[1]) / 2.0
    open_enough = (bases[0] + bases[1]) / 2.0 >= thresholds.blink_min_openness
    if yaws is None:
        facing = np.ones(n, dtype=bool)
    else:
        with np.errstate(invalid="ignore"):  # NaN yaw (no pose): not facing
            facing = np.abs(np.asarray(yaws, dtype=np.float64)) <= thresholds.blink_max_yaw_deg
    closed_level = 1.0 - thresholds.blink_drop
    open_level = 1.0 - thresholds.blink_reopen
    events: list[Event] = []
    state_open = bool(mean_ratio[0] >= open_level)
    start: float | None = None  # time the eyes closed, None when no valid blink is under way
    for i in range(n):
        if not open_enough[i]:
            state_open, start = False, None  # eyes never open around here: no blink
            continue
        if state_open and both_closed[i] < closed_level:
            state_open, start = False, float(t[i]) if facing[i] else None
        elif not state_open and not facing[i]:
            start = None  # the lids of a turned head are guessed: no blink from this dip
        elif not state_open and mean_ratio[i] >= open_level:
            if start is not None and t[i] - start <= thresholds.blink_max_s + 1e-9:
                events.append(Event(Action.BLINK, start))
            state_open, start = True, None
    return events


def eyes_closed_all_along(openness: Sequence[float], thresholds: Thresholds) -> bool:
    """True when the eyes were nearly never open: the 80th percentile of the openness (both
    eyes' mean, ``geometry.eye_openness``) stays under ``blink_min_openness``."""
    return bool(openness) and percentile(openness, 80) < thresholds.blink_min_openness


@dataclass(frozen=True)
class TurnEvent:
    """A head turn past the threshold, with the frames that prove it."""

    action: Action
    t: float
    peak_index: int
    centre_index: int
    peak_yaw: float
    end_index: int = -1
    """The centre frame that closed the turn; -1 while the head is still turned at the end."""


def turn_events(
    yaws: Sequence[float], times: Sequence[float], thresholds: Thresholds
) -> list[TurnEvent]:
    """Turns past ``turn_angle_deg``, each starting from the centre (``|yaw| < centre``).

    ``turn_left`` is a negative yaw (the nose toward the left edge of the stored frames).
    Returns the frame of the widest yaw of each turn and the most frontal frame before it.
    """
    y = median3(yaws)  # removes single-frame landmark jumps
    events: list[TurnEvent] = []
    side = 0  # 0 unknown (start), 1 centre, -1 / +1 turned
    centre_idx = -1
    centre_best = float("inf")
    current: list[float | int] | None = None  # [action sign, start t, peak idx, peak |yaw|]
    for i, v in enumerate(y):
        if math.isnan(v):
            continue
        a = abs(v)
        if a < thresholds.centre_angle_deg:
            if current is not None:
                events.append(_turn(current, centre_idx, y, end=i))
                current = None
            if side != 1:
                centre_best = float("inf")
            side = 1
            if a < centre_best:
                centre_best, centre_idx = a, i
        elif a > thresholds.turn_angle_deg:
            sign = 1 if v > 0 else -1
            if side == 1 and current is None:
                current = [sign, float(times[i]), i, a]
                side = sign
            elif current is not None and sign == current[0] and a > current[3]:
                current[2], current[3] = i, a
    if current is not None:
        events.append(_turn(current, centre_idx, y))
    return events


def median3(values: Sequence[float]) -> list[float]:
    """Each value replaced by the median of itself and its neighbours (ends repeated).

    Exactly what ``np.median`` over the three gives, NaN included, without its overhead.
    Fewer than three values are returned as they are.
    """
    arr = np.asarray(values, dtype=np.float64)
    if len(arr) >= 3:
        prev = np.concatenate([arr[:1], arr[:-1]])
        nxt = np.concatenate([arr[1:], arr[-1:]])
        arr = np.maximum(np.minimum(prev, arr), np.minimum(np.maximum(prev, arr), nxt))
    out: list[float] = arr.tolist()
    return out


def _turn(current: list[float | int], centre_idx: int, y: list[float], end: int = -1) -> TurnEvent:
    sign, t, peak, _ = current
    action = Action.TURN_RIGHT if sign > 0 else Action.TURN_LEFT
    return TurnEvent(action, float(t), int(peak), centre_idx, float(y[int(peak)]), end)


def match_challenge(challenge: Sequence[Action], events: Sequence[Event]) -> set[Reason]:
    """Reasons the events fail the ordered challenge (empty when it is met in order).

    ``shake`` is both turns, in any order. Steps are matched greedily at their earliest
    completion, which is optimal for an ordered subsequence.
    """
    ordered = sorted(events, key=lambda ev: ev.t)
    seen = {ev.action for ev in ordered}
    missing: set[Reason] = set()
    for step in challenge:
        if step in (Action.BLINK, Action.SHAKE, Action.TURN_LEFT, Action.TURN_RIGHT):
            needs = {
                Action.BLINK: [Action.BLINK],
                Action.TURN_LEFT: [Action.TURN_LEFT],
                Action.TURN_RIGHT: [Action.TURN_RIGHT],
                Action.SHAKE: [Action.TURN_LEFT, Action.TURN_RIGHT],
            }[step]
            for need in needs:
                if need not in seen:
                    missing.add(_MISSING[need])
    if missing:
        return missing
    after = -1.0
    for step in challenge:
        needs = [Action.TURN_LEFT, Action.TURN_RIGHT] if step == Action.SHAKE else [step]
        done = after
        for need in needs:
            first = next((ev.t for ev in ordered if ev.action == need and ev.t > after), None)
            if first is None:
                return {Reason.WRONG_ORDER}
            done = max(done, first)
        after = done
    return set()


_MISSING = {
    Action.BLINK: Reason.NO_BLINK,
    Action.TURN_LEFT: Reason.NO_TURN_LEFT,
    Action.TURN_RIGHT: Reason.NO_TURN_RIGHT,
}


def challenge_done(challenge: Sequence[Action], events: Sequence[Event]) -> bool:
    """True once the events meet the challenge in order."""
    return not match_challenge(challenge, events)
