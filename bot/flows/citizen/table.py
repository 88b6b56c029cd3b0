"""The transition table: every section's rows in one place, and `step`, which feeds one
event through it.

Lookup order: the guard rows (whose condition holds), then the rows of the current step
(most specific trigger first), then the rows that apply to any step, ending in the
fallbacks (a stale button, an unexpected input). So every event finds exactly one row.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.flows import effects as fx
from bot.flows.citizen import account, family, liveness, results, support
from bot.flows.citizen.moves import iso
from bot.flows.citizen.state import Conversation, Event, Result, Step, Transition, Trigger
from bot.flows.core import Context

SECTIONS: dict[str, tuple[Transition, ...]] = {
    "account": account.ROWS,
    "family": family.ROWS,
    "liveness": liveness.ROWS,
    "results": results.ROWS,
    "support": support.ROWS,
}
"""The rows of each section, as its diagram (`<section>.mmd` beside its module) draws them."""

TRANSITIONS: tuple[Transition, ...] = tuple(tr for rows in SECTIONS.values() for tr in rows)

_GUARDED = tuple(tr for tr in TRANSITIONS if tr.guard is not None)
_INDEX: dict[tuple[Step | None, str], Transition] = {}
for _tr in TRANSITIONS:
    if _tr.guard is None:
        _key = (_tr.source, _tr.trigger.name)
        if _key in _INDEX:
            raise RuntimeError(f"two rows for {_key}")
        _INDEX[_key] = _tr

_MAX_FALL_THROUGH = 3


def find_transition(conv: Conversation, event: Event, ctx: Context) -> Transition:
    """The one row that handles `event` in the conversation's current step."""
    triggers = [trig.name for trig in Trigger.of(event)]
    for tr in _GUARDED:
        assert tr.guard is not None
        if (
            tr.source in (None, conv.step)
            and tr.trigger.name in triggers
            and tr.guard.holds(conv, event, ctx)
        ):
            return tr
    for source in (conv.step, None):
        for name in triggers:
            found = _INDEX.get((source, name))
            if found is not None:
                return found
    raise LookupError(f"no row for {triggers} in {conv.step}")  # the fallbacks take all


class TransitionError(RuntimeError):
    """A step function moved to a state its table row does not declare."""


def step(conv: Conversation, event: Event, ctx: Context, *, strict: bool = False) -> Result:
    """Feeds one event to the conversation and returns what follows."""
    earlier: list[Result] = []
    outcome = _apply(conv, event, ctx, strict=strict)
    while outcome.falls_through and len(earlier) < _MAX_FALL_THROUGH:
        earlier.append(outcome.result)
        outcome = _apply(outcome.result.state, event, ctx, strict=strict)
    done = outcome.result
    for first in reversed(earlier):
        done.replies[:0] = first.replies
        done.commands[:0] = first.commands
    if done.state.signed_in and not isinstance(event, fx.Published):  # the citizen's doing
        done.state = dataclasses.replace(done.state, last_active=iso(ctx.now))
    return done


@dataclass(frozen=True)
class _Applied:
    result: Result
    falls_through: bool


def _apply(conv: Conversation, event: Event, ctx: Context, *, strict: bool) -> _Applied:
    transition = find_transition(conv, event, ctx)
    outcome = transition.fn(conv, event, ctx)
    allowed = transition.targets | {conv.step}
    if strict and not transition.returns and outcome.state.step not in allowed:
        raise TransitionError(
            f"{conv.step} --{transition.trigger.name}--> {outcome.state.step} is not declared"
        )
    return _Applied(outcome, transition.falls_through)
