"""How step functions move: to a step (showing its screen), staying, home, back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.flows import effects as fx
from bot.flows.citizen.screens import prompt
from bot.flows.citizen.state import Conversation, Draft, Event, Result, Step, StepFn
from bot.flows.core import Context, Outcome, Reply, say, t


def go(
    conv: Conversation,
    step: Step,
    ctx: Context,
    *,
    before: Iterable[Reply] = (),
    commands: Iterable[fx.CitizenCommand] = (),
    **changes: Any,
) -> Result:
    """Move to `step` (with field changes) and show its screen after `before`."""
    new = dataclasses.replace(conv, step=step, **changes)
    return Outcome(new, [*before, *prompt(new, ctx)], list(commands))


def stay(conv: Conversation, *replies: Reply) -> Result:
    return Outcome(conv, list(replies))


def home(conv: Conversation, ctx: Context, *, before: Iterable[Reply] = ()) -> Result:
    """The menu when signed in, otherwise the sign-in (or the greeting)."""
    if conv.signed_in:
        return go(conv, Step.MENU, ctx, before=before, draft=Draft(), member_id=None)
    step = Step.SIGN_IN if conv.privacy_accepted else Step.WELCOME
    return go(conv, step, ctx, before=before, draft=Draft(), phone="", reg_name="")


def note(key: str, **params: str | int) -> Reply:
    """A one-message reply (an error, a confirmation)."""
    return say(t(key, **params))


def back_step(target: Step) -> StepFn:
    def back(conv: Conversation, _: Event, ctx: Context) -> Result:
        return go(conv, target, ctx)

    back.__doc__ = f"Back: return to {target.value}."
    back.__name__ = f"back_to_{target.value}"
    return back


def as_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def iso(moment: datetime) -> str:
    return moment.isoformat()
