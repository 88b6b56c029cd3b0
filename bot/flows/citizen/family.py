"""Family Services: the list of members, adding one (name, ID number, relationship, summary),
a member's details, removing one, and a verified member's e-card."""

from __future__ import annotations

import dataclasses

from bot.domain.idnumber import IdNumberError, ResidentId, Sex, age_on, parse_resident_id
from bot.domain.names import NameValidationError, validate_name
from bot.flows import effects as fx
from bot.flows.citizen.account import converted_notice, id_error, scrubbed, show_menu
from bot.flows.citizen.moves import as_int, back_step, go, note, stay
from bot.flows.citizen.screens import (
    add_relation_screen,
    button,
    family_screen,
    keyboard,
    prompt,
    t_rel,
)
from bot.flows.citizen.state import (
    RELATIONSHIPS,
    TEXT,
    Conversation,
    Draft,
    Event,
    Result,
    Step,
    Transition,
    btn,
    result,
    row,
)
from bot.flows.core import Action, ButtonPressed, Context, Outcome, Reply, TextSent, say, t

_OLDER = {"father", "mother", "grandparent"}
_YOUNGER = {"son", "daughter", "grandchild"}
_MALE = {"father", "son"}
_FEMALE = {"mother", "daughter"}
_MIN_GENERATION_GAP_YEARS = 12
_ADULT_YEARS = 18


def open_family(conv: Conversation, _: Event, ctx: Context) -> Result:
    """Family Services: the list of members with their status."""
    return go(conv, Step.FAMILY, ctx, member_id=None, draft=Draft())


def open_member(conv: Conversation, ev: ButtonPressed, ctx: Context) -> Result:
    """Opens one member's details (masked ID, status, verify, remove)."""
    member = ctx.member(as_int(ev.arg))
    if member is None:
        return go(conv, Step.FAMILY, ctx, before=[note("member-gone")])
    return go(conv, Step.MEMBER, ctx, member_id=member.id)


def start_add(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Add member: checks the limit, then asks for the member's name."""
    if len(ctx.members) >= ctx.config.max_members:
        return stay(conv, note("family-full", max=ctx.config.max_members))
    return go(conv, Step.ADD_NAME, ctx, draft=Draft())


def add_name(conv: Conversation, ev: TextSent, ctx: Context) -> Result:
    """Stores the member's name and asks for the ID number (or returns to the summary)."""
    try:
        name = validate_name(ev.text)
    except NameValidationError as exc:
        return stay(conv, note(f"name-error-{exc.code.value.replace('_', '-')}"))
    draft = dataclasses.replace(conv.draft, name=name)
    nxt = Step.ADD_CONFIRM if draft.editing else Step.ADD_ID
    return go(conv, nxt, ctx, draft=draft)


def add_id(conv: Conversation, ev: TextSent, ctx: Context) -> Result:
    """Validates and stores the member's ID number (its message leaves the chat), then asks
    for the relationship."""
    try:
        rid = parse_resident_id(ev.text, today=ctx.today)
    except IdNumberError as exc:
        return scrubbed(stay(conv, id_error(exc)), ev, None)
    citizen = ctx.citizen
    if citizen is not None and ctx.hash_id is not None:
        digest = ctx.hash_id(rid.number)
        if digest == citizen.id_hash:
            return scrubbed(stay(conv, note("member-is-self")), ev, None)
        if digest in citizen.member_id_hashes:
            return scrubbed(stay(conv, note("member-duplicate")), ev, None)
    return scrubbed(_member_id_read(conv, rid, ctx), ev, rid)


def _member_id_read(conv: Conversation, rid: ResidentId, ctx: Context) -> Result:
    before = [converted_notice(rid)] if rid.converted_from_15 else []
    draft = dataclasses.replace(conv.draft, id_number=rid.number)
    if draft.editing and draft.relationship:
        problem = _relationship_problem(draft.relationship, rid, ctx)
        if problem is not None:
            return go(conv, Step.ADD_RELATION, ctx, before=[*before, note(problem)], draft=draft)
        return go(conv, Step.ADD_CONFIRM, ctx, before=before, draft=draft)
    return go(conv, Step.ADD_RELATION, ctx, before=before, draft=draft)


def add_relation(conv: Conversation, ev: ButtonPressed, ctx: Context) -> Result:
    """Stores the relationship if it fits the birth dates, then shows the summary."""
    if ev.arg not in RELATIONSHIPS:
        return stay(conv, *add_relation_screen())
    rid = parse_resident_id(conv.draft.id_number, today=ctx.today)
    problem = _relationship_problem(ev.arg, rid, ctx)
    if problem is not None:
        return stay(conv, note(problem), *add_relation_screen())
    draft = dataclasses.replace(conv.draft, relationship=ev.arg)
    return go(conv, Step.ADD_CONFIRM, ctx, draft=draft)


def _relationship_problem(relationship: str, member: ResidentId, ctx: Context) -> str | None:
    citizen = ctx.citizen
    if relationship in _MALE and member.sex is not Sex.MALE:
        return "relation-sex-male"
    if relationship in _FEMALE and member.sex is not Sex.FEMALE:
        return "relation-sex-female"
    if relationship == "spouse" and age_on(member.birth_date, ctx.today) < _ADULT_YEARS:
        return "relation-spouse-minor"
    if citizen is None:
        return None
    gap = age_on(member.birth_date, ctx.today) - age_on(citizen.birth_date, ctx.today)
    if relationship in _OLDER and gap < _MIN_GENERATION_GAP_YEARS:
        return "relation-too-young"
    if relationship in _YOUNGER and -gap < _MIN_GENERATION_GAP_YEARS:
        return "relation-too-old"
    return None


def edit_field(conv: Conversation, ev: ButtonPressed, ctx: Context) -> Result:
    """Edit from the summary: asks for that field again, then returns to the summary."""
    target = {
        Action.EDIT_NAME: Step.ADD_NAME,
        Action.EDIT_ID: Step.ADD_ID,
        Action.EDIT_RELATION: Step.ADD_RELATION,
    }[ev.action]
    return go(conv, target, ctx, draft=dataclasses.replace(conv.draft, editing=True))


def confirm_add(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Confirm: saves the member (answered by MemberAdded or MemberRefused)."""
    d = conv.draft
    return Outcome(conv, [], [fx.AddMember(d.name, d.id_number, d.relationship)])


def member_added(conv: Conversation, ev: fx.MemberAdded, ctx: Context) -> Result:
    """The member is saved: show it, with Verify as the next step."""
    return go(
        conv,
        Step.MEMBER,
        ctx,
        before=[note("member-added")],
        member_id=ev.member_id,
        draft=Draft(),
    )


def member_refused(conv: Conversation, ev: fx.MemberRefused, ctx: Context) -> Result:
    """The service refused the member (duplicate, limit): back to the list."""
    return go(
        conv,
        Step.FAMILY,
        ctx,
        before=[note(f"member-refused-{ev.reason.replace('_', '-')}", max=ctx.config.max_members)],
        draft=Draft(),
    )


def ask_remove(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Remove: asks for confirmation, naming the member."""
    member = ctx.member(conv.member_id)
    if member is None:
        return go(conv, Step.FAMILY, ctx, before=[note("member-gone")])
    return Outcome(
        dataclasses.replace(conv, step=Step.MEMBER_REMOVE),
        [
            say(
                t("remove-confirm", name=member.name),
                keyboard=keyboard(
                    [
                        button("btn-remove-confirm", Action.CONFIRM),
                        button("btn-cancel", Action.CANCEL),
                    ]
                ),
            )
        ],
    )


def confirm_remove(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Removes the member and shows the list without it."""
    member_id = conv.member_id
    if member_id is None or ctx.member(member_id) is None:
        return go(conv, Step.FAMILY, ctx, before=[note("member-gone")])
    new = dataclasses.replace(conv, step=Step.FAMILY, member_id=None)
    return Outcome(
        new,
        [note("member-removed"), *family_screen(ctx, without=member_id)],
        [fx.RemoveMember(member_id)],
    )


def show_ecard(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """E-card: the verified member's card with its QR code (answered by EcardReady)."""
    member = ctx.member(conv.member_id)
    if member is None or member.status != "verified":
        return stay(conv, *prompt(conv, ctx))
    return Outcome(conv, [], [fx.ShowEcard(member.id)])


def ecard_ready(conv: Conversation, ev: fx.EcardReady, ctx: Context) -> Result:
    """Sends the e-card: masked details as the caption of the QR code image."""
    member = ctx.member(ev.member_id)
    if member is None:
        return stay(conv)
    lines = [
        t("ecard-title"),
        t("member-name", name=member.name),
        t("member-id", id=member.id_masked),
        t("member-relationship", relationship=t(t_rel(member.relationship))),
    ]
    if ev.valid_until is not None:
        lines.append(t("ecard-valid-until", date=ev.valid_until.isoformat()))
    card = Reply((*lines, t("ecard-note")), photo=ev.qr_png)
    return Outcome(conv, [card, *prompt(conv, ctx)])


ROWS: tuple[Transition, ...] = (
    row(Step.MENU, btn(Action.FAMILY), Step.FAMILY, open_family),
    row(Step.FAMILY, btn(Action.OPEN_MEMBER), (Step.MEMBER, Step.FAMILY), open_member),
    row(Step.FAMILY, btn(Action.ADD_MEMBER), Step.ADD_NAME, start_add),
    row(Step.FAMILY, btn(Action.BACK), Step.MENU, show_menu),
    row(Step.MEMBER, btn(Action.REMOVE_MEMBER), (Step.MEMBER_REMOVE, Step.FAMILY), ask_remove),
    row(Step.MEMBER, btn(Action.BACK), Step.FAMILY, open_family),
    row(Step.MEMBER, btn(Action.ECARD), (), show_ecard),
    row(Step.MEMBER, result(fx.EcardReady), (), ecard_ready),
    row(Step.MEMBER_REMOVE, btn(Action.CONFIRM), Step.FAMILY, confirm_remove),
    row(Step.MEMBER_REMOVE, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    # adding a member
    row(Step.ADD_NAME, TEXT, (Step.ADD_ID, Step.ADD_CONFIRM), add_name),
    row(Step.ADD_NAME, btn(Action.BACK), Step.FAMILY, open_family),
    row(Step.ADD_ID, TEXT, (Step.ADD_RELATION, Step.ADD_CONFIRM), add_id),
    row(Step.ADD_ID, btn(Action.BACK), Step.ADD_NAME, back_step(Step.ADD_NAME)),
    row(Step.ADD_RELATION, btn(Action.RELATION), Step.ADD_CONFIRM, add_relation),
    row(Step.ADD_RELATION, btn(Action.BACK), Step.ADD_ID, back_step(Step.ADD_ID)),
    row(Step.ADD_CONFIRM, btn(Action.EDIT_NAME), Step.ADD_NAME, edit_field),
    row(Step.ADD_CONFIRM, btn(Action.EDIT_ID), Step.ADD_ID, edit_field),
    row(Step.ADD_CONFIRM, btn(Action.EDIT_RELATION), Step.ADD_RELATION, edit_field),
    row(Step.ADD_CONFIRM, btn(Action.CONFIRM), (), confirm_add),
    row(Step.ADD_CONFIRM, result(fx.MemberAdded), Step.MEMBER, member_added),
    row(Step.ADD_CONFIRM, result(fx.MemberRefused), Step.FAMILY, member_refused),
)
