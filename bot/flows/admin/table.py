"""The admin dialogue's transition table, and `step`, which feeds one event through it.

Lookup order: the guard rows (whose condition holds), then the rows of the current step
(most specific trigger first), then the rows that apply to any step. An event no row takes is
not the admin dialogue's: `step` returns None and the runtime gives it to the citizen
conversation (an admin is a citizen too). A row that falls through corrects the dialogue
(a broadcast forgotten or abandoned) and the event is looked up again; if no row takes it
then, the correction is kept (`Outcome.passed_on`) and the event still goes to the citizen
conversation.
"""

from __future__ import annotations

import dataclasses

from bot.flows.admin import broadcast, commands
from bot.flows.admin.state import (
    AdminContext,
    Dialogue,
    Event,
    Outcome,
    Step,
    Transition,
    triggers_of,
)

SECTIONS: dict[str, tuple[Transition, ...]] = {
    "commands": commands.ROWS,
    "broadcast": broadcast.ROWS,
}
"""The rows of each section, as its diagram (`<section>.mmd` beside its module) draws them."""

TRANSITIONS: tuple[Transition, ...] = tuple(tr for rows in SECTIONS.values() for tr in rows)

_GUARDED = tuple(tr for tr in TRANSITIONS if tr.guard is not None)
_INDEX: dict[tuple[Step | None, str], Transition] = {}
for _tr in TRANSITIONS:
    if _tr.guard is None:
        _key = (_tr.source, _tr.trigger)
        if _key in _INDEX:
            raise RuntimeError(f"two rows for {_key}")
        _INDEX[_key] = _tr


class TransitionError(RuntimeError):
    """A step function moved to a step its table row does not declare."""


def find_transition(d: Dialogue, event: Event, ctx: AdminContext) -> Transition | None:
    """The one row that handles `event` in the dialogue's current step, if any."""
    triggers = triggers_of(event)
    for tr in _GUARDED:
        assert tr.guard is not None
        if tr.source in (None, d.step) and tr.trigger in triggers and tr.guard.holds(d, ctx):
            return tr
    for source in (d.step, None):
        for name in triggers:
            found = _INDEX.get((source, name))
            if found is not None:
                return found
    return None


def step(d: Dialogue, event: Event, ctx: AdminContext) -> Outcome | None:
    """Feeds one event to the dialogue: what follows, or None when no row takes it."""
    transition = find_transition(d, event, ctx)
    if transition is None:
        return None
    outcome = transition.fn(d, event, ctx)
    if outcome.state.step not in transition.targets | {d.step}:
        raise TransitionError(f"{d.step} --{transition.trigger}--> {outcome.state.step}")
    if not transition.falls_through:
        return outcome
    following = step(outcome.state, event, ctx)
    if following is None:  # corrected, and still not the dialogue's event
        return dataclasses.replace(outcome, passed_on=True)
    return dataclasses.replace(
        following,
        replies=[*outcome.replies, *following.replies],
        commands=[*outcome.commands, *following.commands],
        notice=following.notice or outcome.notice,
    )
