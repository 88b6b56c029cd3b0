"""Results: the outcome of an analysis, a person's decision, the human review offered when
attempts run out, and the citizen's applications with their timelines."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.flows import effects as fx
from bot.flows.citizen.account import show_menu
from bot.flows.citizen.liveness import locked_keyboard
from bot.flows.citizen.moves import as_int, go, home, note, stay
from bot.flows.citizen.screens import (
    applications_screen,
    button,
    keyboard,
    liveness_keyboard,
    prompt,
)
from bot.flows.citizen.state import Conversation, Result, Step, Transition, btn, result, row
from bot.flows.core import (
    Action,
    ButtonPressed,
    Context,
    InlineKeyboard,
    Outcome,
    Reply,
    T,
    say,
    t,
)


def open_applications(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """My applications: the list, newest first."""
    return go(conv, Step.APPLICATIONS, ctx, application_id=None)


def review_decided(conv: Conversation, ev: fx.ReviewDecided, ctx: Context) -> Result:
    """A person decided: tell the citizen, in their language, what it means and what next."""
    member = ctx.member(ev.member_id)
    name = member.name if member else ""
    app = ctx.application(ev.application_id)
    if ev.outcome == "approved":
        lines = [t("decision-approved", name=name)]
    elif ev.outcome == "retry":
        photo = app is not None and app.kind == "photo"
        lines = [t("decision-retry-photo" if photo else "decision-retry", name=name)]
    else:
        lines = [t("decision-rejected", name=name), t(f"reject-{ev.reason.replace('_', '-')}")]
        lines.append(t("decision-may-retry" if ev.may_retry else "decision-final"))
    return Outcome(conv, [say(*lines)])


PHOTO_REASONS = frozenset({"no_face", "multiple_faces", "face_too_small", "too_dark", "too_blurry"})
"""Reasons a photo can be refused for: said of a photo, with a photo's tip."""

_REVIEW_REASONS = frozenset({"child", "no_reference"})
"""Reasons that announce a person's review: never given with a refusal."""


def _reason(code: str, kind: str) -> T:
    return t(
        f"reason-photo-{code}" if kind == "photo" and code in PHOTO_REASONS else f"reason-{code}"
    )


def _tip(code: str, kind: str) -> T:
    return t(f"tip-photo-{code}" if kind == "photo" and code in PHOTO_REASONS else f"tip-{code}")


def _main_reason(ev: fx.AnalysisFinished) -> str | None:
    return next((r for r in ev.reasons if r not in _REVIEW_REASONS), None)


def _what_went_wrong(ev: fx.AnalysisFinished, failed: str, plain: str) -> list[T]:
    """One line of what went wrong and one tip: the first (main) reason only."""
    first = _main_reason(ev)
    if first is None:
        return [t(plain)]
    return [t(failed, reason=_reason(first, ev.kind)), _tip(first, ev.kind)]


def analysis_finished(conv: Conversation, ev: fx.AnalysisFinished, ctx: Context) -> Result:
    """The engine is done: the 'checking' message becomes the outcome: what went wrong, one
    tip, the next step. The attempt's challenge is kept for its retries."""
    waiting = conv.step is Step.CHECKING and conv.application_id == ev.application_id
    photo = ev.kind == "photo"
    if ev.outcome == "practice":
        lines = (
            [*_what_went_wrong(ev, "practice-failed", "practice-ok"), t("practice-next")]
            if ev.reasons
            else [t("practice-ok")]
        )
        return _short(conv, waiting, lines, Step.LIVENESS_READY, liveness_keyboard())
    if ev.outcome == "approved":
        return _outcome(conv, waiting, ctx, [t("result-approved")], Step.MENU)
    if ev.outcome == "in_review":
        key = "result-photo-in-review" if photo else "result-in-review"
        return _outcome(conv, waiting, ctx, [t(key)], Step.MENU)
    if ev.outcome == "rejected":
        first = _main_reason(ev)
        lines = [t("result-rejected"), *([_reason(first, ev.kind)] if first else [])]
        return _outcome(conv, waiting, ctx, lines, Step.MENU)
    if ev.outcome == "retry" and photo:
        # a child's photo is not counted: it is asked again, with no attempts to speak of
        member = ctx.member(ev.member_id)
        lines = [
            *_what_went_wrong(ev, "result-failed", "photo-retry"),
            t("photo-again", name=member.name if member else ""),
        ]
        back = keyboard([button("btn-back", Action.BACK)])
        return _short(conv, waiting, lines, Step.AWAIT_PHOTO, back)
    if ev.outcome == "retry":
        lines = [
            *_what_went_wrong(ev, "result-failed", "result-retry"),
            t("retry-next", n=ev.attempts_left),
        ]
        return _short(conv, waiting, lines, Step.LIVENESS_READY, liveness_keyboard())
    if ev.outcome == "locked":
        lines = [*_what_went_wrong(ev, "result-failed", "result-retry")[:1], t("locked-offer")]
        changes: dict[str, Any] = {"member_id": ev.member_id}
        return _short(
            conv, waiting, lines, Step.MEMBER, locked_keyboard(ev.application_id), changes
        )
    # "error": the file could not be read at all
    if photo:
        return _outcome(conv, waiting, ctx, [t("result-unreadable-photo")], Step.AWAIT_PHOTO)
    return _outcome(conv, waiting, ctx, [t("result-unreadable")], Step.AWAIT_VIDEO)


def _outcome(conv: Conversation, waiting: bool, ctx: Context, lines: list[T], nxt: Step) -> Result:
    """The outcome in place of 'checking', then the next step's screen."""
    if not waiting:
        # The citizen moved on: tell them, without pulling them out of what they are doing.
        return Outcome(conv, [say(*lines)])
    new = dataclasses.replace(conv, step=nxt)
    return Outcome(new, [_edit_or_send(True, lines), *prompt(new, ctx)])


def _short(
    conv: Conversation,
    waiting: bool,
    lines: list[T],
    nxt: Step,
    buttons: InlineKeyboard,
    changes: dict[str, Any] | None = None,
) -> Result:
    """The outcome in place of 'checking', with the next step's buttons: one short message."""
    if not waiting:
        return Outcome(conv, [say(*lines)])
    new = dataclasses.replace(conv, step=nxt, **(changes or {}))
    return Outcome(new, [Reply(tuple(lines), buttons, edit="checking")])


def _edit_or_send(waiting: bool, lines: list[T]) -> Reply:
    return Reply(tuple(lines), edit="checking" if waiting else None)


def human_review(conv: Conversation, ev: ButtonPressed, ctx: Context) -> Result:
    """Attempts ran out: the application goes to a person instead of waiting a day."""
    app_id = as_int(ev.arg)
    if app_id is None or ctx.application(app_id) is None:
        return home(conv, ctx)
    return go(
        conv,
        Step.MENU,
        ctx,
        before=[note("human-review-requested")],
        commands=[fx.RequestHumanReview(app_id)],
    )


def open_application(conv: Conversation, ev: ButtonPressed, ctx: Context) -> Result:
    """One application's status timeline."""
    app = ctx.application(as_int(ev.arg))
    if app is None:
        return stay(conv, *applications_screen(ctx))
    return go(conv, Step.APPLICATION, ctx, application_id=app.id)


_ANALYSIS_TARGETS = (
    Step.LIVENESS_READY,
    Step.MENU,
    Step.MEMBER,
    Step.AWAIT_VIDEO,
    Step.AWAIT_PHOTO,
)

ROWS: tuple[Transition, ...] = (
    row(None, result(fx.AnalysisFinished), _ANALYSIS_TARGETS, analysis_finished),
    row(None, result(fx.ReviewDecided), (), review_decided),
    row(
        Step.MEMBER, btn(Action.HUMAN_REVIEW), (Step.WELCOME, Step.SIGN_IN, Step.MENU), human_review
    ),
    row(Step.MENU, btn(Action.APPLICATIONS), Step.APPLICATIONS, open_applications),
    row(Step.APPLICATIONS, btn(Action.OPEN_APPLICATION), Step.APPLICATION, open_application),
    row(Step.APPLICATIONS, btn(Action.BACK), Step.MENU, show_menu),
    row(Step.APPLICATION, btn(Action.BACK), Step.APPLICATIONS, open_applications),
)
