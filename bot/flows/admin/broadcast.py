"""The broadcast: /broadcast -> the text -> the language filter -> a preview exactly as it
will be received -> Send (or Cancel) -> paced delivery beside the chat -> the report.

A broadcast left half-way longer than `AdminContext.idle_seconds` is forgotten (the next
text is not taken for it); any other command abandons it, saying so (an admin command is
then carried out, a citizen's goes to the citizen conversation); a second tap on Send finds no
confirmation waiting, so a broadcast is sent once only.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.flows.admin import effects as fx
from bot.flows.admin.state import (
    ANY,
    BROADCAST_LANGUAGES,
    BROADCAST_STEPS,
    TEXT,
    AdminCommand,
    AdminContext,
    AdminPressed,
    AdminText,
    Button,
    Dialogue,
    Guard,
    Outcome,
    Reply,
    Step,
    Tap,
    Transition,
    btn,
    cmd,
    result,
    row,
    say,
)
from bot.flows.core import Notice, T, t

CONFIRM_REF = "confirm"


def _moved(d: Dialogue, step: Step, ctx: AdminContext, **changes: str) -> Dialogue:
    return dataclasses.replace(d, step=step, at=ctx.now.isoformat(), **changes)


def _stale() -> Notice:
    return Notice(t("admin-broadcast-stale"))


def _audience(code: str) -> T:
    """Everyone, or a language by its name (as the citizens' language screen shows it), not
    its code."""
    return t("admin-broadcast-all") if code == "all" else t(f"language-name-{code}")


def _cancel_button() -> Button:
    return Button(t("admin-broadcast-cancel"), Tap.CANCEL)


def idle_too_long(d: Dialogue, ctx: AdminContext) -> bool:
    """Half-made, or sending since then (a restart lost the delivery and its report)."""
    if d.step is Step.IDLE:
        return False
    try:
        at = datetime.fromisoformat(d.at)
    except ValueError:
        return True
    return (ctx.now - at).total_seconds() > ctx.idle_seconds


def forget(d: Dialogue, _: object, ctx: AdminContext) -> Outcome:
    """A broadcast left too long: forgotten, and the event is handled as if none were open."""
    return Outcome(Dialogue())


def start(d: Dialogue, ev: AdminCommand, ctx: AdminContext) -> Outcome:
    """/broadcast: asks for the message."""
    return Outcome(_moved(Dialogue(), Step.TEXT, ctx), [say(t("admin-broadcast-ask"))])


def take_text(d: Dialogue, ev: AdminText, ctx: AdminContext) -> Outcome:
    """The message (kept as HTML); asks who should receive it."""
    if not ev.html:
        return Outcome(d, [say(t("admin-broadcast-need-text"))])
    choices = tuple(Button(_audience(code), Tap.LANGUAGE, code) for code in BROADCAST_LANGUAGES)
    ask = say(t("admin-broadcast-language"), buttons=(choices, (_cancel_button(),)))
    return Outcome(_moved(d, Step.LANGUAGE, ctx, html=ev.html), [ask])


def choose_language(d: Dialogue, ev: AdminPressed, ctx: AdminContext) -> Outcome:
    """A language (or everyone): counts the recipients (answered by RecipientsCounted)."""
    if ev.value not in BROADCAST_LANGUAGES or ev.message_id is None:
        return Outcome(d, notice=_stale())
    return Outcome(
        _moved(d, Step.LANGUAGE, ctx, language=ev.value),
        [],
        [fx.DropButtons(ev.message_id), fx.CountRecipients(ev.value)],
    )


def preview(d: Dialogue, ev: fx.RecipientsCounted, ctx: AdminContext) -> Outcome:
    """The message exactly as it will be received, then Send / Cancel; nobody: ends."""
    if ev.count == 0:
        return Outcome(Dialogue(), [say(t("admin-broadcast-nobody"))])
    question = say(
        t("admin-broadcast-preview", count=ev.count, language=_audience(ev.language)),
        buttons=((Button(t("admin-broadcast-send"), Tap.SEND), _cancel_button()),),
        ref=CONFIRM_REF,
    )
    return Outcome(_moved(d, Step.CONFIRM, ctx), [Reply(html=d.html), question])


def send(d: Dialogue, ev: AdminPressed, ctx: AdminContext) -> Outcome:
    """Send, on the confirmation just shown: delivery starts (answered by DeliveryStarted)."""
    if ev.message_id is None or ev.message_id != ctx.refs.get(CONFIRM_REF):
        return Outcome(d, notice=_stale())
    return Outcome(_moved(d, Step.SENDING, ctx), [], [fx.Deliver(d.html, d.language)])


def sending(d: Dialogue, ev: fx.DeliveryStarted, ctx: AdminContext) -> Outcome:
    """The confirmation becomes "sending to N" (its buttons gone)."""
    return Outcome(d, [Reply((t("admin-broadcast-sending", count=ev.count),), edit=CONFIRM_REF)])


def report(d: Dialogue, ev: fx.BroadcastDelivered, ctx: AdminContext) -> Outcome:
    """Delivery ended: the report, and the audit line."""
    done = Dialogue() if d.step is Step.SENDING else d
    figures = {"delivered": ev.delivered, "blocked": ev.blocked, "failed": ev.failed}
    return Outcome(
        done,
        [say(t("admin-broadcast-report", **figures))],
        [fx.Record("broadcast", details={"language": ev.language, **figures})],
    )


def cancel(d: Dialogue, ev: AdminCommand, ctx: AdminContext) -> Outcome:
    """/cancel during a broadcast: nothing is sent."""
    return Outcome(Dialogue(), [say(t("admin-broadcast-cancelled"))])


def cancel_tap(d: Dialogue, ev: AdminPressed, ctx: AdminContext) -> Outcome:
    """Cancel: the buttons go, nothing is sent."""
    drop = [fx.DropButtons(ev.message_id)] if ev.message_id is not None else []
    return Outcome(Dialogue(), [say(t("admin-broadcast-cancelled"))], list(drop))


def abandon(d: Dialogue, ev: AdminCommand, ctx: AdminContext) -> Outcome:
    """Another command while a broadcast is half-made (an admin command, or a citizen's such
    as /menu): the broadcast is dropped, said so, and the command then goes its own way. Left
    waiting, the admin's next text (a family member's name) would be taken as the message."""
    return Outcome(Dialogue(), [say(t("admin-broadcast-cancelled"))])


def stale(d: Dialogue, ev: AdminPressed, ctx: AdminContext) -> Outcome:
    """Any other admin button: no longer valid, nothing changes."""
    return Outcome(d, notice=_stale())


IDLE_TOO_LONG = Guard("idle too long", idle_too_long)

ROWS: tuple[Transition, ...] = (
    row(None, ANY, Step.IDLE, forget, guard=IDLE_TOO_LONG, falls_through=True),
    row(None, cmd("broadcast"), Step.TEXT, start),
    row(Step.TEXT, TEXT, Step.LANGUAGE, take_text),
    row(Step.LANGUAGE, btn(Tap.LANGUAGE), (), choose_language),
    row(Step.LANGUAGE, result(fx.RecipientsCounted), (Step.CONFIRM, Step.IDLE), preview),
    row(Step.CONFIRM, btn(Tap.SEND), Step.SENDING, send),
    row(Step.SENDING, result(fx.DeliveryStarted), (), sending),
    row(None, result(fx.BroadcastDelivered), Step.IDLE, report),
    *(row(step, cmd("cancel"), Step.IDLE, cancel) for step in sorted(BROADCAST_STEPS)),
    *(row(step, btn(Tap.CANCEL), Step.IDLE, cancel_tap) for step in sorted(BROADCAST_STEPS)),
    *(row(step, cmd(), Step.IDLE, abandon, falls_through=True) for step in sorted(BROADCAST_STEPS)),
    row(None, btn(), (), stale),
)
"""Texts are taken only while one is awaited and /cancel only during a broadcast: anything
else finds no row and is left to the citizen conversation."""
