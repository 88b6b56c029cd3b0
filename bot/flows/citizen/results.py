"""Results: the outcome of an analysis, a person's decision, the human review offered when
attempts run out, and the citizen's applications with their timelines."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.flows import effects as fx
from bot.flows.citizen.account import show_menu
from bot.flows.citizen.liveness import draw_challenge, locked_offer
from bot.flows.citizen.moves import as_int, go, home, note, stay
from bot.flows.citizen.screens import applications_screen, prompt
from bot.flows.citizen.state import Conversation, Result, Step, Transition, btn, result, row
from bot.flows.core import Action, ButtonPressed, Context, Outcome, Reply, T, say, t


def open_applications(conv: Conversation, _: object, ctx: Context) -> Result:
    """My applications: the list, newest first."""
    return go(conv, Step.APPLICATIONS, ctx, application_id=None)


def review_decided(conv: Conversation, ev: fx.ReviewDecided, ctx: Context) -> Result:
    """A person decided: tell the citizen, in their language, what it means and what next."""
    member = ctx.member(ev.member_id)
    name = member.name if member else ""
    if ev.outcome == "approved":
        lines = [t("decision-approved", name=name)]
    elif ev.outcome == "retry":
        lines = [t("decision-retry", name=name)]
    else:
        lines = [t("decision-rejected", name=name), t(f"reject-{ev.reason.replace('_', '-')}")]
        lines.append(t("decision-may-retry" if ev.may_retry else "decision-final"))
    return Outcome(conv, [say(*lines)])


def analysis_finished(conv: Conversation, ev: fx.AnalysisFinished, ctx: Context) -> Result:
    """The engine is done: the 'checking' message becomes the outcome, with what to do next."""
    waiting = conv.step is Step.CHECKING and conv.application_id == ev.application_id
    reasons = [t(f"reason-{r}") for r in ev.reasons]
    tips = [t(f"tip-{r}") for r in ev.reasons]
    again = Step.AWAIT_PHOTO if ev.kind == "photo" else Step.LIVENESS_READY
    if ev.outcome == "practice":
        lines = [t("practice-ok")] if not ev.reasons else [t("practice-tips"), *tips]
        return _outcome(conv, waiting, ctx, lines, again, challenge=draw_challenge(ctx))
    if ev.outcome == "approved":
        return _outcome(conv, waiting, ctx, [t("result-approved")], Step.MENU)
    if ev.outcome == "in_review":
        return _outcome(conv, waiting, ctx, [t("result-in-review")], Step.MENU)
    if ev.outcome == "rejected":
        return _outcome(conv, waiting, ctx, [t("result-rejected"), *reasons], Step.MENU)
    if ev.outcome == "retry":
        lines = [t("result-retry"), *reasons, *tips, t("attempts-left", n=ev.attempts_left)]
        return _outcome(conv, waiting, ctx, lines, again, challenge=draw_challenge(ctx))
    if ev.outcome == "locked":
        lines = [t("result-retry"), *reasons]
        new = (
            dataclasses.replace(conv, step=Step.MEMBER, member_id=ev.member_id) if waiting else conv
        )
        return Outcome(new, [_edit_or_send(waiting, lines), *locked_offer(ev.application_id)])
    # "error": the file could not be read at all
    nxt = Step.AWAIT_PHOTO if ev.kind == "photo" else Step.AWAIT_VIDEO
    return _outcome(conv, waiting, ctx, [t("result-unreadable")], nxt)


def _outcome(
    conv: Conversation, waiting: bool, ctx: Context, lines: list[T], nxt: Step, **changes: Any
) -> Result:
    if not waiting:
        # The citizen moved on: tell them, without pulling them out of what they are doing.
        return Outcome(conv, [say(*lines)])
    new = dataclasses.replace(conv, step=nxt, **changes)
    return Outcome(new, [_edit_or_send(True, lines), *prompt(new, ctx)])


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
