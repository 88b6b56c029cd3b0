"""The citizen conversation: sign-in, Family Services, adding a member, the liveness step,
applications, language and data deletion.

The whole state machine is the `TRANSITIONS` table at the bottom of this module: each row is
(state, trigger, possible next states, step function). `citizen.mmd` beside this file draws the
same table and a test keeps the two equal. Step functions are pure: they read the conversation
and a `Context` snapshot and return an `Outcome` (new conversation, replies, commands).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.idnumber import IdNumberError, ResidentId, Sex, age_on, mask_id, parse_resident_id
from bot.domain.names import NameValidationError, validate_name
from bot.domain.phones import PhoneError, normalise_phone
from bot.flows import effects as fx
from bot.flows.core import (
    Action,
    Button,
    ButtonPressed,
    CommandSent,
    ContactKeyboard,
    ContactShared,
    Context,
    InlineKeyboard,
    MediaKind,
    MediaSent,
    MemberView,
    Notice,
    Outcome,
    RemoveKeyboard,
    Reply,
    ReplyButton,
    T,
    TextSent,
    say,
    t,
)

LANGUAGES = ("en", "es", "zh-CN")
RELATIONSHIPS = (
    "spouse",
    "father",
    "mother",
    "son",
    "daughter",
    "grandparent",
    "grandchild",
    "other",
)
_OLDER = {"father", "mother", "grandparent"}
_YOUNGER = {"son", "daughter", "grandchild"}
_MALE = {"father", "son"}
_FEMALE = {"mother", "daughter"}
_MIN_GENERATION_GAP_YEARS = 12


class Step(StrEnum):
    NEW = "new"
    WELCOME = "welcome"
    SIGN_IN = "sign_in"
    REG_NAME = "reg_name"
    REG_ID = "reg_id"
    MENU = "menu"
    FAMILY = "family"
    MEMBER = "member"
    MEMBER_REMOVE = "member_remove"
    ADD_NAME = "add_name"
    ADD_ID = "add_id"
    ADD_RELATION = "add_relation"
    ADD_CONFIRM = "add_confirm"
    BIO_CONSENT = "bio_consent"
    LIVENESS_READY = "liveness_ready"
    AWAIT_VIDEO = "await_video"
    AWAIT_PHOTO = "await_photo"
    AWAIT_ID_PHOTO = "await_id_photo"
    CHECKING = "checking"
    APPLICATIONS = "applications"
    APPLICATION = "application"
    LANGUAGE = "language"
    DELETE_CONFIRM = "delete_confirm"
    SUPPORT = "support"
    SUPPORT_CHAT = "support_chat"


SIGNED_OUT_STEPS = frozenset({Step.NEW, Step.WELCOME, Step.SIGN_IN, Step.REG_NAME, Step.REG_ID})


@dataclass
class Draft:
    """A family member being added (kept across steps; the ID number is encrypted at rest)."""

    name: str = ""
    id_number: str = ""
    relationship: str = ""
    editing: bool = False


@dataclass
class Conversation:
    """Everything the citizen conversation remembers between updates. JSON-serialisable."""

    step: Step = Step.NEW
    lang: str = "en"
    lang_chosen: bool = False
    privacy_accepted: bool = False
    citizen_id: int | None = None
    last_active: str | None = None
    phone: str = ""
    reg_name: str = ""
    draft: Draft = field(default_factory=Draft)
    member_id: int | None = None
    application_id: int | None = None
    challenge: list[str] = field(default_factory=list)
    practice: bool = False
    return_to: Step | None = None
    screen: int = 0

    SENSITIVE = ("phone", "draft.id_number")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        if not data:
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        draft = Draft(**values.pop("draft", None) or {})
        conv = cls(**values, draft=draft)
        conv.step = Step(conv.step)
        if conv.return_to is not None:
            conv.return_to = Step(conv.return_to)
        return conv

    @property
    def signed_in(self) -> bool:
        return self.citizen_id is not None


Event = object
StepFn = Callable[[Conversation, Any, Context], Outcome[Conversation, fx.CitizenCommand]]


# ============================================================================================
# Screens: what each step shows when it is entered (also used to re-prompt)
# ============================================================================================


def _btn(key: str, action: Action, arg: str = "", **params: str | int) -> Button:
    return Button(t(key, **params), action, arg)


def _kb(*rows: Iterable[Button]) -> InlineKeyboard:
    return InlineKeyboard(tuple(tuple(row) for row in rows if row))


_NAV = (_btn("btn-back", Action.BACK), _btn("btn-cancel", Action.CANCEL))


def welcome_screen() -> list[Reply]:
    return [
        say(
            t("welcome-title"),
            t("privacy-notice"),
            keyboard=_kb(
                [_btn("btn-accept", Action.ACCEPT), _btn("btn-decline", Action.DECLINE)],
                [_btn("btn-language", Action.LANGUAGE)],
            ),
        )
    ]


def sign_in_screen() -> list[Reply]:
    return [
        Reply(
            (t("sign-in-prompt"),),
            ContactKeyboard(ReplyButton(t("btn-share-phone"), request_contact=True)),
        )
    ]


def menu_screen(ctx: Context) -> list[Reply]:
    name = ctx.citizen.name if ctx.citizen else ""
    return [
        say(
            t("menu-title", name=name),
            keyboard=_kb(
                [_btn("btn-family", Action.FAMILY)],
                [_btn("btn-applications", Action.APPLICATIONS)],
                [_btn("btn-support", Action.SUPPORT), _btn("btn-language", Action.LANGUAGE)],
                [_btn("btn-delete-data", Action.DELETE_DATA), _btn("btn-logout", Action.LOGOUT)],
            ),
        )
    ]


def family_screen(ctx: Context, *, without: int | None = None) -> list[Reply]:
    members = [m for m in ctx.members if m.id != without]
    lines = [t("family-title", count=len(members), max=ctx.config.max_members)]
    if not members:
        lines.append(t("family-empty"))
    rows: list[list[Button]] = [
        [
            Button(
                t("member-button", name=m.name, status=t(_status_key(m))),
                Action.OPEN_MEMBER,
                str(m.id),
            )
        ]
        for m in members
    ]
    if len(members) < ctx.config.max_members:
        rows.append([_btn("btn-add-member", Action.ADD_MEMBER)])
    else:
        lines.append(t("family-full", max=ctx.config.max_members))
    rows.append([_btn("btn-back", Action.BACK)])
    return [say(*lines, keyboard=_kb(*rows))]


def _status_key(member: MemberView) -> str:
    return "status-locked" if member.locked else f"status-{member.status.replace('_', '-')}"


def member_screen(member: MemberView, ctx: Context) -> list[Reply]:
    age = age_on(member.birth_date, ctx.today)
    verify_key = "btn-reverify" if member.status == "verified" else "btn-verify"
    rows: list[list[Button]] = []
    if member.status == "verified":
        rows.append([_btn("btn-ecard", Action.ECARD, str(member.id))])
    if member.status != "pending_review":
        rows.append([_btn(verify_key, Action.VERIFY, str(member.id))])
    rows.append([_btn("btn-remove-member", Action.REMOVE_MEMBER, str(member.id))])
    rows.append([_btn("btn-back", Action.BACK)])
    return [
        say(
            t("member-title", name=member.name),
            t("member-id", id=member.id_masked),
            t("member-relationship", relationship=t(t_rel(member.relationship))),
            t("member-age", age=age),
            t("member-status", status=t(_status_key(member))),
            keyboard=_kb(*rows),
        )
    ]


def t_rel(relationship: str) -> str:
    """The message id of a relationship's label (rendered as a nested message)."""
    return f"rel-{relationship}"


def add_name_screen() -> list[Reply]:
    return [say(t("add-name-prompt"), keyboard=_kb(_NAV))]


def add_id_screen() -> list[Reply]:
    return [say(t("add-id-prompt"), keyboard=_kb(_NAV))]


def add_relation_screen() -> list[Reply]:
    rel_buttons = [_btn(t_rel(r), Action.RELATION, r) for r in RELATIONSHIPS]
    rows = [rel_buttons[i : i + 2] for i in range(0, len(rel_buttons), 2)]
    return [say(t("add-relation-prompt"), keyboard=_kb(*rows, _NAV))]


def add_confirm_screen(conv: Conversation, ctx: Context) -> list[Reply]:
    rid = parse_resident_id(conv.draft.id_number, today=ctx.today)
    return [
        say(
            t("add-confirm-title"),
            t("member-name", name=conv.draft.name),
            t("member-id", id=mask_id(rid.number)),
            t("member-birth", date=rid.birth_date.isoformat()),
            t("member-relationship", relationship=t(t_rel(conv.draft.relationship))),
            keyboard=_kb(
                [_btn("btn-edit-name", Action.EDIT_NAME), _btn("btn-edit-id", Action.EDIT_ID)],
                [_btn("btn-edit-relation", Action.EDIT_RELATION)],
                [_btn("btn-confirm", Action.CONFIRM), _btn("btn-cancel", Action.CANCEL)],
            ),
        )
    ]


def bio_consent_screen(ctx: Context) -> list[Reply]:
    return [
        say(
            t("bio-consent", days=ctx.config.retention_days),
            keyboard=_kb(
                [_btn("btn-bio-agree", Action.ACCEPT), _btn("btn-bio-decline", Action.DECLINE)]
            ),
        )
    ]


def liveness_ready_screen(conv: Conversation) -> list[Reply]:
    steps = [
        t("challenge-step", n=i + 1, action=t(f"action-{a}")) for i, a in enumerate(conv.challenge)
    ]
    return [
        say(
            t("liveness-ready"),
            *steps,
            t("liveness-tips"),
            keyboard=_kb(
                [_btn("btn-start-video", Action.START_VIDEO)],
                [_btn("btn-practice", Action.PRACTICE)],
                [_btn("btn-back", Action.BACK)],
            ),
        )
    ]


def await_video_screen(conv: Conversation, ctx: Context) -> list[Reply]:
    key = "video-prompt-practice" if conv.practice else "video-prompt"
    return [
        say(
            t(key, seconds=ctx.config.max_video_seconds),
            keyboard=_kb([_btn("btn-back", Action.BACK)]),
        )
    ]


def await_id_photo_screen() -> list[Reply]:
    return [say(t("id-photo-prompt"), keyboard=_kb([_btn("btn-back", Action.BACK)]))]


def await_photo_screen() -> list[Reply]:
    return [say(t("photo-prompt"), keyboard=_kb([_btn("btn-back", Action.BACK)]))]


def applications_screen(ctx: Context) -> list[Reply]:
    apps = sorted(ctx.applications, key=lambda a: (a.created_at, a.id), reverse=True)[:10]
    lines = [t("applications-title")]
    if not apps:
        lines.append(t("applications-empty"))
    rows = [
        [
            Button(
                t("application-button", id=a.id, name=a.member_name, state=t(f"state-{a.state}")),
                Action.OPEN_APPLICATION,
                str(a.id),
            )
        ]
        for a in apps
    ]
    rows.append([_btn("btn-back", Action.BACK)])
    return [say(*lines, keyboard=_kb(*rows))]


def application_screen(app_id: int, ctx: Context) -> list[Reply]:
    app = ctx.application(app_id)
    if app is None:
        return applications_screen(ctx)
    lines = [t("application-title", id=app.id, name=app.member_name)]
    lines += [
        t("timeline-entry", state=t(f"state-{ev.state}"), at=ev.at.strftime("%Y-%m-%d %H:%M"))
        for ev in app.timeline
    ]
    lines += [t(f"reason-{r}") for r in app.reasons if app.state in ("rejected", "submitted")]
    return [say(*lines, keyboard=_kb([_btn("btn-back", Action.BACK)]))]


def language_screen() -> list[Reply]:
    return [
        say(
            t("language-prompt"),
            keyboard=_kb(
                [_btn(f"language-name-{code}", Action.SET_LANGUAGE, code) for code in LANGUAGES]
            ),
        )
    ]


def delete_confirm_screen() -> list[Reply]:
    return [
        say(
            t("delete-confirm"),
            keyboard=_kb(
                [_btn("btn-delete-confirm", Action.CONFIRM), _btn("btn-cancel", Action.CANCEL)]
            ),
        )
    ]


def support_screen(ctx: Context) -> list[Reply]:
    return [
        say(t("support-unavailable"), t("help-text"), keyboard=_kb([_btn("btn-back", Action.BACK)]))
    ]


def support_chat_screen() -> list[Reply]:
    return [say(t("support-connected"), keyboard=_kb([_btn("btn-end-talk", Action.END_TALK)]))]


def prompt(conv: Conversation, ctx: Context) -> list[Reply]:
    """What the current step shows: used on entry, after a language change, and as a hint."""
    step = conv.step
    member = ctx.member(conv.member_id)
    match step:
        case Step.NEW | Step.WELCOME:
            return welcome_screen()
        case Step.SIGN_IN:
            return sign_in_screen()
        case Step.REG_NAME:
            return [say(t("reg-name-prompt"), keyboard=_kb([_btn("btn-cancel", Action.CANCEL)]))]
        case Step.REG_ID:
            return [say(t("reg-id-prompt"), keyboard=_kb(_NAV))]
        case Step.MENU:
            return menu_screen(ctx)
        case Step.FAMILY:
            return family_screen(ctx)
        case Step.MEMBER | Step.MEMBER_REMOVE if member is not None:
            return member_screen(member, ctx)
        case Step.ADD_NAME:
            return add_name_screen()
        case Step.ADD_ID:
            return add_id_screen()
        case Step.ADD_RELATION:
            return add_relation_screen()
        case Step.ADD_CONFIRM:
            return add_confirm_screen(conv, ctx)
        case Step.BIO_CONSENT:
            return bio_consent_screen(ctx)
        case Step.LIVENESS_READY:
            return liveness_ready_screen(conv)
        case Step.AWAIT_VIDEO:
            return await_video_screen(conv, ctx)
        case Step.AWAIT_PHOTO:
            return await_photo_screen()
        case Step.AWAIT_ID_PHOTO:
            return await_id_photo_screen()
        case Step.CHECKING:
            return [say(t("checking-wait"))]
        case Step.APPLICATIONS:
            return applications_screen(ctx)
        case Step.APPLICATION if conv.application_id is not None:
            return application_screen(conv.application_id, ctx)
        case Step.LANGUAGE:
            return language_screen()
        case Step.DELETE_CONFIRM:
            return delete_confirm_screen()
        case Step.SUPPORT:
            return support_screen(ctx)
        case Step.SUPPORT_CHAT:
            return support_chat_screen()
        case _:
            return menu_screen(ctx) if conv.signed_in else welcome_screen()


# ============================================================================================
# Helpers
# ============================================================================================


def _go(
    conv: Conversation,
    step: Step,
    ctx: Context,
    *,
    before: Iterable[Reply] = (),
    commands: Iterable[fx.CitizenCommand] = (),
    **changes: Any,
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Move to `step` (with field changes) and show its screen after `before`."""
    new = dataclasses.replace(conv, step=step, **changes)
    return Outcome(new, [*before, *prompt(new, ctx)], list(commands))


def _stay(conv: Conversation, *replies: Reply) -> Outcome[Conversation, fx.CitizenCommand]:
    return Outcome(conv, list(replies))


def _home(
    conv: Conversation, ctx: Context, *, before: Iterable[Reply] = ()
) -> Outcome[Conversation, fx.CitizenCommand]:
    if conv.signed_in:
        return _go(conv, Step.MENU, ctx, before=before, draft=Draft(), member_id=None)
    step = Step.SIGN_IN if conv.privacy_accepted else Step.WELCOME
    return _go(conv, step, ctx, before=before, draft=Draft(), phone="", reg_name="")


def _challenge(ctx: Context) -> list[str]:
    actions = list(ctx.config.challenge)
    if not ctx.config.randomise_challenge:
        return actions
    expanded: list[str] = []
    for action in actions:
        expanded += ["turn_left", "turn_right"] if action == "shake" else [action]
    # a deterministic shuffle from the context's entropy keeps the step function pure
    seed = ctx.entropy
    order: list[str] = []
    pool = expanded[:]
    while pool:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        order.append(pool.pop(seed % len(pool)))
    return order


def _open_application_of(member_id: int, ctx: Context) -> int | None:
    apps = [a for a in ctx.applications if a.member_id == member_id and a.state == "submitted"]
    return max(apps, key=lambda a: a.id).id if apps else None


def _is_child(member: MemberView, ctx: Context) -> bool:
    return age_on(member.birth_date, ctx.today) < ctx.config.child_age


def _error(key: str, **params: str | int) -> Reply:
    return say(t(key, **params))


# ============================================================================================
# Step functions (one line each on what they store and what they ask next)
# ============================================================================================


def start(
    conv: Conversation, _: CommandSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """/start: signed-in citizens see the menu; others the greeting and privacy notice."""
    if conv.signed_in:
        return _go(conv, Step.MENU, ctx, draft=Draft())
    return _go(conv, Step.WELCOME, ctx, draft=Draft(), phone="", reg_name="")


def cancel(conv: Conversation, _: object, ctx: Context) -> Outcome[Conversation, fx.CitizenCommand]:
    """/cancel or Cancel: drop whatever was being entered and go back to the menu."""
    return _home(conv, ctx, before=[_error("cancelled")])


def show_menu(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """/menu or Back to the menu."""
    return _home(conv, ctx)


def help_command(
    conv: Conversation, _: CommandSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """/help: the help text, then the current step's prompt again."""
    return Outcome(conv, [say(t("help-text")), *prompt(conv, ctx)])


def open_language(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """/language or Language: remember where we were and ask for a language."""
    back = conv.return_to if conv.step == Step.LANGUAGE else conv.step
    return _go(conv, Step.LANGUAGE, ctx, return_to=back)


def set_language(
    conv: Conversation, ev: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Stores the chosen language, then shows the step we came from in that language."""
    if ev.arg not in LANGUAGES:
        return _stay(conv, *language_screen())
    back = conv.return_to or (Step.MENU if conv.signed_in else Step.WELCOME)
    if back in (Step.LANGUAGE, Step.NEW):
        back = Step.MENU if conv.signed_in else Step.WELCOME
    cmds: list[fx.CitizenCommand] = [fx.SetLanguage(ev.arg)] if conv.signed_in else []
    return _go(
        conv,
        back,
        ctx,
        before=[_error("language-set")],
        commands=cmds,
        lang=ev.arg,
        lang_chosen=True,
        return_to=None,
    )


def logout(conv: Conversation, _: object, ctx: Context) -> Outcome[Conversation, fx.CitizenCommand]:
    """/logout or Log out: ends the session; the next step is signing in again."""
    if not conv.signed_in:
        return _home(conv, ctx)
    out = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen, privacy_accepted=True)
    return _go(out, Step.SIGN_IN, ctx, before=[_error("logged-out")], commands=[fx.SignOut()])


def accept_privacy(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Accept: remembers the consent and asks for the phone number."""
    return _go(
        conv,
        Step.SIGN_IN,
        ctx,
        commands=[fx.RecordPrivacyDecision(accepted=True)],
        privacy_accepted=True,
    )


def decline_privacy(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Decline: keeps nothing but the refusal itself."""
    new = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen)
    return Outcome(
        new,
        [say(t("privacy-declined"), keyboard=RemoveKeyboard())],
        [fx.RecordPrivacyDecision(accepted=False)],
    )


def share_contact(
    conv: Conversation, ev: ContactShared, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """A shared contact: only the citizen's own number is accepted; it is looked up."""
    if not ev.is_own:
        return _stay(conv, _error("contact-not-own"), *sign_in_screen())
    try:
        phone = normalise_phone(ev.phone)
    except PhoneError:
        return _stay(conv, _error("contact-invalid"), *sign_in_screen())
    return Outcome(dataclasses.replace(conv, phone=phone), [], [fx.LookupPhone(phone)])


def typed_phone(
    conv: Conversation, _: TextSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Typed numbers cannot prove ownership: ask for the button instead."""
    return _stay(conv, _error("contact-typed"), *sign_in_screen())


def phone_looked_up(
    conv: Conversation, ev: fx.PhoneLookedUp, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """A known number signs in (answered by SignedIn); a new one starts registration."""
    if ev.citizen_id is not None:
        signed = dataclasses.replace(
            conv, citizen_id=ev.citizen_id, phone="", last_active=_iso(ctx.now)
        )
        return Outcome(
            signed, [say(t("signed-in"), keyboard=RemoveKeyboard())], [fx.SignIn(ev.citizen_id)]
        )
    return _go(
        conv, Step.REG_NAME, ctx, before=[say(t("reg-new-account"), keyboard=RemoveKeyboard())]
    )


def signed_in(
    conv: Conversation, ev: fx.SignedIn, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The session is open: the main menu."""
    return _go(conv, Step.MENU, ctx, draft=Draft(), phone="", reg_name="")


def reg_name(
    conv: Conversation, ev: TextSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Stores the citizen's full name and asks for their own ID number."""
    try:
        name = validate_name(ev.text)
    except NameValidationError as exc:
        return _stay(conv, _error(f"name-error-{exc.code.value.replace('_', '-')}"))
    return _go(conv, Step.REG_ID, ctx, reg_name=name)


def reg_id(
    conv: Conversation, ev: TextSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Validates the citizen's own ID number and registers the account."""
    try:
        rid = parse_resident_id(ev.text, today=ctx.today)
    except IdNumberError as exc:
        return _stay(conv, _id_error(exc))
    return Outcome(
        conv,
        [_converted_notice(rid)] if rid.converted_from_15 else [],
        [fx.RegisterCitizen(conv.phone, conv.reg_name, rid.number)],
    )


def registered(
    conv: Conversation, ev: fx.Registered, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The account exists: the citizen is signed in (answered by SignedIn)."""
    new = dataclasses.replace(
        conv, citizen_id=ev.citizen_id, phone="", reg_name="", last_active=_iso(ctx.now)
    )
    return Outcome(new, [say(t("reg-done"))], [fx.SignIn(ev.citizen_id)])


def registration_refused(
    conv: Conversation, ev: fx.RegistrationRefused, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The ID number (or phone) is already registered: say so and ask again."""
    return _stay(conv, _error(f"reg-refused-{ev.reason.replace('_', '-')}"))


def reg_back(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Back from the ID number: ask for the name again."""
    return _go(conv, Step.REG_NAME, ctx)


def open_family(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Family Services: the list of members with their status."""
    return _go(conv, Step.FAMILY, ctx, member_id=None, draft=Draft())


def open_applications(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """My applications: the list, newest first."""
    return _go(conv, Step.APPLICATIONS, ctx, application_id=None)


def open_support(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Talk to a person: opens a ticket with the agents (answered by TicketOpened), or says
    that no agents are configured."""
    if not ctx.config.agents_configured:
        return _go(conv, Step.SUPPORT, ctx)
    back = conv.step if conv.step in (Step.MENU, Step.MEMBER) else Step.MENU
    return Outcome(dataclasses.replace(conv, return_to=back), [], [fx.OpenTicket(back.value)])


def ticket_opened(
    conv: Conversation, ev: fx.TicketOpened, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Connected: from now on the citizen's messages go to the agents."""
    return _go(conv, Step.SUPPORT_CHAT, ctx)


def ticket_unavailable(
    conv: Conversation, ev: fx.TicketUnavailable, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The ticket could not be opened: say so and stay."""
    return _stay(conv, _error("support-failed"), *prompt(conv, ctx))


def relay(conv: Conversation, ev: object, ctx: Context) -> Outcome[Conversation, fx.CitizenCommand]:
    """While talking to a person every message is handed to the agents, untouched."""
    message_id = getattr(ev, "message_id", 0)
    return Outcome(conv, [], [fx.RelayToAgents(message_id)] if message_id else [])


def end_talk(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Back to the bot (the citizen ends it): the ticket closes, the step they left returns."""
    back = conv.return_to if conv.return_to in (Step.MENU, Step.MEMBER) else Step.MENU
    return _go(
        conv,
        back,
        ctx,
        before=[_error("support-ended")],
        commands=[fx.CloseTicket()],
        return_to=None,
    )


def ticket_closed(
    conv: Conversation, _: fx.TicketClosed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """An agent closed the conversation: the citizen is back where they were."""
    if conv.step is not Step.SUPPORT_CHAT:
        return Outcome(conv, [say(t("support-closed"))])
    back = conv.return_to if conv.return_to in (Step.MENU, Step.MEMBER) else Step.MENU
    return _go(conv, back, ctx, before=[_error("support-closed")], return_to=None)


def review_decided(
    conv: Conversation, ev: fx.ReviewDecided, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
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


def open_delete(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Delete my data: asks for confirmation."""
    return _go(conv, Step.DELETE_CONFIRM, ctx)


def confirm_delete(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Erases the account; the conversation starts over."""
    new = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen)
    commands: list[fx.CitizenCommand] = (
        [fx.DeleteAccount(conv.citizen_id)] if conv.citizen_id is not None else []
    )
    return Outcome(new, [say(t("delete-done"), keyboard=RemoveKeyboard())], commands)


def open_member(
    conv: Conversation, ev: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Opens one member's details (masked ID, status, verify, remove)."""
    member = ctx.member(_int(ev.arg))
    if member is None:
        return _go(conv, Step.FAMILY, ctx, before=[_error("member-gone")])
    return _go(conv, Step.MEMBER, ctx, member_id=member.id)


def start_add(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Add member: checks the limit, then asks for the member's name."""
    if len(ctx.members) >= ctx.config.max_members:
        return _stay(conv, _error("family-full", max=ctx.config.max_members))
    return _go(conv, Step.ADD_NAME, ctx, draft=Draft())


def add_name(
    conv: Conversation, ev: TextSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Stores the member's name and asks for the ID number (or returns to the summary)."""
    try:
        name = validate_name(ev.text)
    except NameValidationError as exc:
        return _stay(conv, _error(f"name-error-{exc.code.value.replace('_', '-')}"))
    draft = dataclasses.replace(conv.draft, name=name)
    nxt = Step.ADD_CONFIRM if draft.editing else Step.ADD_ID
    return _go(conv, nxt, ctx, draft=draft)


def add_id(
    conv: Conversation, ev: TextSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Validates and stores the member's ID number, then asks for the relationship."""
    try:
        rid = parse_resident_id(ev.text, today=ctx.today)
    except IdNumberError as exc:
        return _stay(conv, _id_error(exc))
    citizen = ctx.citizen
    if citizen is not None and ctx.hash_id is not None:
        digest = ctx.hash_id(rid.number)
        if digest == citizen.id_hash:
            return _stay(conv, _error("member-is-self"))
        if digest in citizen.member_id_hashes:
            return _stay(conv, _error("member-duplicate"))
    before = [_converted_notice(rid)] if rid.converted_from_15 else []
    draft = dataclasses.replace(conv.draft, id_number=rid.number)
    if draft.editing and draft.relationship:
        problem = _relationship_problem(draft.relationship, rid, ctx)
        if problem is not None:
            return _go(conv, Step.ADD_RELATION, ctx, before=[*before, _error(problem)], draft=draft)
        return _go(conv, Step.ADD_CONFIRM, ctx, before=before, draft=draft)
    return _go(conv, Step.ADD_RELATION, ctx, before=before, draft=draft)


def add_relation(
    conv: Conversation, ev: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Stores the relationship if it fits the birth dates, then shows the summary."""
    if ev.arg not in RELATIONSHIPS:
        return _stay(conv, *add_relation_screen())
    rid = parse_resident_id(conv.draft.id_number, today=ctx.today)
    problem = _relationship_problem(ev.arg, rid, ctx)
    if problem is not None:
        return _stay(conv, _error(problem), *add_relation_screen())
    draft = dataclasses.replace(conv.draft, relationship=ev.arg)
    return _go(conv, Step.ADD_CONFIRM, ctx, draft=draft)


def _relationship_problem(relationship: str, member: ResidentId, ctx: Context) -> str | None:
    citizen = ctx.citizen
    if relationship in _MALE and member.sex is not Sex.MALE:
        return "relation-sex-male"
    if relationship in _FEMALE and member.sex is not Sex.FEMALE:
        return "relation-sex-female"
    if citizen is None:
        return None
    gap = age_on(member.birth_date, ctx.today) - age_on(citizen.birth_date, ctx.today)
    if relationship in _OLDER and gap < _MIN_GENERATION_GAP_YEARS:
        return "relation-too-young"
    if relationship in _YOUNGER and -gap < _MIN_GENERATION_GAP_YEARS:
        return "relation-too-old"
    return None


def edit_field(
    conv: Conversation, ev: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Edit from the summary: asks for that field again, then returns to the summary."""
    target = {
        Action.EDIT_NAME: Step.ADD_NAME,
        Action.EDIT_ID: Step.ADD_ID,
        Action.EDIT_RELATION: Step.ADD_RELATION,
    }[ev.action]
    return _go(conv, target, ctx, draft=dataclasses.replace(conv.draft, editing=True))


def confirm_add(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Confirm: saves the member (answered by MemberAdded or MemberRefused)."""
    d = conv.draft
    return Outcome(conv, [], [fx.AddMember(d.name, d.id_number, d.relationship)])


def member_added(
    conv: Conversation, ev: fx.MemberAdded, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The member is saved: show it, with Verify as the next step."""
    return _go(
        conv,
        Step.MEMBER,
        ctx,
        before=[_error("member-added")],
        member_id=ev.member_id,
        draft=Draft(),
    )


def member_refused(
    conv: Conversation, ev: fx.MemberRefused, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The service refused the member (duplicate, limit): back to the list."""
    return _go(
        conv,
        Step.FAMILY,
        ctx,
        before=[
            _error(f"member-refused-{ev.reason.replace('_', '-')}", max=ctx.config.max_members)
        ],
        draft=Draft(),
    )


def back_step(target: Step) -> StepFn:
    def back(
        conv: Conversation, _: object, ctx: Context
    ) -> Outcome[Conversation, fx.CitizenCommand]:
        return _go(conv, target, ctx)

    back.__doc__ = f"Back: return to {target.value}."
    return back


def ask_remove(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Remove: asks for confirmation, naming the member."""
    member = ctx.member(conv.member_id)
    if member is None:
        return _go(conv, Step.FAMILY, ctx, before=[_error("member-gone")])
    return Outcome(
        dataclasses.replace(conv, step=Step.MEMBER_REMOVE),
        [
            say(
                t("remove-confirm", name=member.name),
                keyboard=_kb(
                    [_btn("btn-remove-confirm", Action.CONFIRM), _btn("btn-cancel", Action.CANCEL)]
                ),
            )
        ],
    )


def confirm_remove(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Removes the member and shows the list without it."""
    member_id = conv.member_id
    if member_id is None or ctx.member(member_id) is None:
        return _go(conv, Step.FAMILY, ctx, before=[_error("member-gone")])
    new = dataclasses.replace(conv, step=Step.FAMILY, member_id=None)
    return Outcome(
        new,
        [_error("member-removed"), *family_screen(ctx, without=member_id)],
        [fx.RemoveMember(member_id)],
    )


def verify(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Verify: children go to the photo step, adults to consent then the liveness step."""
    member = ctx.member(conv.member_id)
    if member is None:
        return _go(conv, Step.FAMILY, ctx, before=[_error("member-gone")])
    if member.locked:
        return _stay(conv, *_locked_offer(_open_application_of(member.id, ctx)))
    if member.status == "pending_review":
        return _stay(conv, _error("member-in-review"))
    if ctx.citizen is not None and not ctx.citizen.biometric_consent:
        return _go(conv, Step.BIO_CONSENT, ctx)
    return Outcome(conv, [], [fx.StartApplication(member.id, _kind(member, ctx))])


def _kind(member: MemberView, ctx: Context) -> str:
    return "photo" if _is_child(member, ctx) else "video"


def bio_agree(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Biometric consent given: records it and opens the application."""
    if conv.member_id is None:
        return _home(conv, ctx)
    return Outcome(
        conv, [], [fx.GiveBiometricConsent(), fx.StartApplication(conv.member_id, "video")]
    )


def application_started(
    conv: Conversation, ev: fx.ApplicationStarted, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The application is open: children send a photo, adults get ready for the video."""
    member = ctx.member(conv.member_id)
    if member is not None and _is_child(member, ctx):
        return _go(
            conv,
            Step.AWAIT_PHOTO,
            ctx,
            before=[_error("child-photo-intro", age=ctx.config.child_age)],
            application_id=ev.application_id,
        )
    if ev.needs_reference:
        return _go(conv, Step.AWAIT_ID_PHOTO, ctx, application_id=ev.application_id)
    return _go(
        conv,
        Step.LIVENESS_READY,
        ctx,
        application_id=ev.application_id,
        challenge=_challenge(ctx),
        practice=False,
    )


def _photo_problem(ev: MediaSent, ctx: Context) -> Reply | None:
    """Why a received file cannot be taken as a photo (kind or size), or None."""
    is_photo = ev.kind is MediaKind.PHOTO or (
        ev.kind is MediaKind.DOCUMENT and (ev.mime_type or "") in ("image/jpeg", "image/png")
    )
    if not is_photo:
        return _error("photo-wrong-kind")
    if ev.file_size is not None and ev.file_size > ctx.config.max_photo_bytes:
        return _error("photo-too-big", mb=ctx.config.max_photo_bytes // (1024 * 1024))
    return None


def id_photo_received(
    conv: Conversation, ev: MediaSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The member's ID card photo: checked for one clear face (answered by ReferenceAccepted
    or ReferenceRefused)."""
    refused = _photo_problem(ev, ctx)
    if refused is not None:
        return _stay(conv, refused, *await_id_photo_screen())
    if conv.application_id is None:
        return _home(conv, ctx)
    return Outcome(
        conv,
        [say(t("id-photo-checking"))],
        [fx.SubmitReferencePhoto(conv.application_id, ev.file_id)],
    )


def reference_accepted(
    conv: Conversation, ev: fx.ReferenceAccepted, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The ID card photo is usable: now the liveness step."""
    return _go(
        conv,
        Step.LIVENESS_READY,
        ctx,
        before=[_error("id-photo-accepted")],
        challenge=_challenge(ctx),
        practice=False,
    )


def reference_refused(
    conv: Conversation, ev: fx.ReferenceRefused, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The photo cannot serve as a reference: say why and ask again."""
    return _stay(
        conv, _error(f"id-photo-error-{ev.reason.replace('_', '-')}"), *await_id_photo_screen()
    )


def application_refused(
    conv: Conversation, ev: fx.ApplicationRefused, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """No application could be opened (locked, already in review)."""
    if ev.reason == "locked":
        return _go(conv, Step.MEMBER, ctx, before=_locked_offer(None))
    return _go(
        conv,
        Step.MEMBER,
        ctx,
        before=[_error(f"application-refused-{ev.reason.replace('_', '-')}")],
    )


def practice(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Practice: asks for a video that is analysed for tips and not counted."""
    return _go(conv, Step.AWAIT_VIDEO, ctx, practice=True)


def record(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """I'm ready: asks for the real video."""
    return _go(conv, Step.AWAIT_VIDEO, ctx, practice=False)


def video_received(
    conv: Conversation, ev: MediaSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """A video (note): checked for size and length, then queued; the citizen waits."""
    is_video = ev.kind in (MediaKind.VIDEO_NOTE, MediaKind.VIDEO, MediaKind.ANIMATION) or (
        ev.kind is MediaKind.DOCUMENT and (ev.mime_type or "").startswith("video/")
    )
    if not is_video:
        return _stay(conv, _error("video-wrong-kind"), *await_video_screen(conv, ctx))
    cfg = ctx.config
    if ev.file_size is not None and ev.file_size > cfg.max_video_bytes:
        return _stay(conv, _error("video-too-big", mb=cfg.max_video_bytes // (1024 * 1024)))
    if ev.duration is not None and ev.duration > cfg.max_video_seconds:
        return _stay(conv, _error("video-too-long", seconds=cfg.max_video_seconds))
    if ev.duration is not None and ev.duration < cfg.min_video_seconds:
        return _stay(conv, _error("video-too-short", seconds=cfg.min_video_seconds))
    if conv.application_id is None:
        return _home(conv, ctx)
    practice_run = conv.practice and conv.step is Step.AWAIT_VIDEO
    new = dataclasses.replace(conv, step=Step.CHECKING, practice=practice_run)
    key = "checking-practice" if practice_run else "checking"
    return Outcome(
        new,
        [Reply((t(key),), ref="checking")],
        [
            fx.SubmitMedia(
                conv.application_id, ev.file_id, "video", tuple(conv.challenge), practice_run
            )
        ],
    )


def photo_received(
    conv: Conversation, ev: MediaSent, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """A child's photo: checked for size, then queued for analysis and human review."""
    refused = _photo_problem(ev, ctx)
    if refused is not None:
        return _stay(conv, refused, *await_photo_screen())
    if conv.application_id is None:
        return _home(conv, ctx)
    new = dataclasses.replace(conv, step=Step.CHECKING, practice=False)
    return Outcome(
        new,
        [Reply((t("checking"),), ref="checking")],
        [fx.SubmitMedia(conv.application_id, ev.file_id, "photo", (), False)],
    )


def analysis_finished(
    conv: Conversation, ev: fx.AnalysisFinished, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """The engine is done: the 'checking' message becomes the outcome, with what to do next."""
    waiting = conv.step is Step.CHECKING and conv.application_id == ev.application_id
    reasons = [t(f"reason-{r}") for r in ev.reasons]
    tips = [t(f"tip-{r}") for r in ev.reasons]
    again = Step.AWAIT_PHOTO if ev.kind == "photo" else Step.LIVENESS_READY
    if ev.outcome == "practice":
        lines = [t("practice-ok")] if not ev.reasons else [t("practice-tips"), *tips]
        return _outcome(conv, waiting, ctx, lines, again, challenge=_challenge(ctx))
    if ev.outcome == "approved":
        return _outcome(conv, waiting, ctx, [t("result-approved")], Step.MENU)
    if ev.outcome == "in_review":
        return _outcome(conv, waiting, ctx, [t("result-in-review")], Step.MENU)
    if ev.outcome == "rejected":
        return _outcome(conv, waiting, ctx, [t("result-rejected"), *reasons], Step.MENU)
    if ev.outcome == "retry":
        lines = [t("result-retry"), *reasons, *tips, t("attempts-left", n=ev.attempts_left)]
        return _outcome(conv, waiting, ctx, lines, again, challenge=_challenge(ctx))
    if ev.outcome == "locked":
        lines = [t("result-retry"), *reasons]
        new = (
            dataclasses.replace(conv, step=Step.MEMBER, member_id=ev.member_id) if waiting else conv
        )
        return Outcome(new, [_edit_or_send(waiting, lines), *_locked_offer(ev.application_id)])
    # "error": the file could not be read at all
    nxt = Step.AWAIT_PHOTO if ev.kind == "photo" else Step.AWAIT_VIDEO
    return _outcome(conv, waiting, ctx, [t("result-unreadable")], nxt)


def _outcome(
    conv: Conversation, waiting: bool, ctx: Context, lines: list[T], nxt: Step, **changes: Any
) -> Outcome[Conversation, fx.CitizenCommand]:
    if not waiting:
        # The citizen moved on: tell them, without pulling them out of what they are doing.
        return Outcome(conv, [say(*lines)])
    new = dataclasses.replace(conv, step=nxt, **changes)
    return Outcome(new, [_edit_or_send(True, lines), *prompt(new, ctx)])


def _edit_or_send(waiting: bool, lines: list[T]) -> Reply:
    return Reply(tuple(lines), edit="checking" if waiting else None)


def _locked_offer(application_id: int | None) -> list[Reply]:
    rows: list[list[Button]] = []
    if application_id is not None:
        rows.append([_btn("btn-human-review", Action.HUMAN_REVIEW, str(application_id))])
    rows.append([_btn("btn-support", Action.SUPPORT)])
    rows.append([_btn("btn-menu", Action.MENU)])
    return [say(t("locked-offer"), keyboard=_kb(*rows))]


def human_review(
    conv: Conversation, ev: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Attempts ran out: the application goes to a person instead of waiting a day."""
    app_id = _int(ev.arg)
    if app_id is None or ctx.application(app_id) is None:
        return _home(conv, ctx)
    return _go(
        conv,
        Step.MENU,
        ctx,
        before=[_error("human-review-requested")],
        commands=[fx.RequestHumanReview(app_id)],
    )


def show_ecard(
    conv: Conversation, _: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """E-card: the verified member's card with its QR code (answered by EcardReady)."""
    member = ctx.member(conv.member_id)
    if member is None or member.status != "verified":
        return _stay(conv, *prompt(conv, ctx))
    return Outcome(conv, [], [fx.ShowEcard(member.id)])


def ecard_ready(
    conv: Conversation, ev: fx.EcardReady, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Sends the e-card: masked details as the caption of the QR code image."""
    member = ctx.member(ev.member_id)
    if member is None:
        return _stay(conv)
    card = Reply(
        (
            t("ecard-title"),
            t("member-name", name=member.name),
            t("member-id", id=member.id_masked),
            t("member-relationship", relationship=t(t_rel(member.relationship))),
            t("ecard-note"),
        ),
        photo=ev.qr_png,
    )
    return Outcome(conv, [card, *prompt(conv, ctx)])


def checking_wait(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Anything sent while the video is being checked: ask to wait."""
    return _stay(conv, say(t("checking-wait")))


def open_application(
    conv: Conversation, ev: ButtonPressed, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """One application's status timeline."""
    app = ctx.application(_int(ev.arg))
    if app is None:
        return _stay(conv, *applications_screen(ctx))
    return _go(conv, Step.APPLICATION, ctx, application_id=app.id)


def unexpected(
    conv: Conversation, _: object, ctx: Context
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Anything the current step does not expect: a short hint and the prompt again."""
    return Outcome(conv, [say(t("unexpected")), *prompt(conv, ctx)])


def session_expired(conv: Conversation, ctx: Context) -> Outcome[Conversation, fx.CitizenCommand]:
    out = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen, privacy_accepted=True)
    return _go(
        out, Step.SIGN_IN, ctx, before=[_error("session-expired")], commands=[fx.SignOut("idle")]
    )


def _id_error(exc: IdNumberError) -> Reply:
    return _error(f"id-error-{exc.code.value.replace('_', '-')}")


def _converted_notice(rid: ResidentId) -> Reply:
    return _error("id-converted", id=mask_id(rid.number))


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# ============================================================================================
# The transition table
# ============================================================================================


@dataclass(frozen=True)
class Trigger:
    """What an event must be to fire a transition: `btn:<action>`, `cmd:<name>`, `text`,
    `contact`, `media`, or `result:<EventClass>`."""

    name: str

    @staticmethod
    def of(event: object) -> list[Trigger]:
        """The triggers an event matches, most specific first."""
        match event:
            case ButtonPressed(action=action):
                return [Trigger(f"btn:{action.value}")]
            case CommandSent(name=name):
                return [Trigger(f"cmd:{name}")]
            case TextSent():
                return [Trigger("text")]
            case ContactShared():
                return [Trigger("contact")]
            case MediaSent():
                return [Trigger("media")]
            case _:
                return [Trigger(f"result:{type(event).__name__}")]


def btn(action: Action) -> Trigger:
    return Trigger(f"btn:{action.value}")


def cmd(name: str) -> Trigger:
    return Trigger(f"cmd:{name}")


def result(event_type: type) -> Trigger:
    return Trigger(f"result:{event_type.__name__}")


TEXT, CONTACT, MEDIA = Trigger("text"), Trigger("contact"), Trigger("media")


@dataclass(frozen=True)
class Transition:
    source: Step | None  # None: from any step
    trigger: Trigger
    targets: frozenset[Step]
    fn: StepFn
    returns: bool = False  # goes back to the step it was opened from


def _tr(
    source: Step | None, trigger: Trigger, targets: Iterable[Step] | Step, fn: StepFn
) -> Transition:
    goals = frozenset([targets]) if isinstance(targets, Step) else frozenset(targets)
    return Transition(source, trigger, goals, fn)


_SIGNED_OUT_HOME = (Step.WELCOME, Step.SIGN_IN, Step.MENU)
_SUBMITTED = (Step.LIVENESS_READY, Step.AWAIT_VIDEO, Step.AWAIT_PHOTO)
_ANALYSIS_TARGETS = (
    Step.LIVENESS_READY,
    Step.MENU,
    Step.MEMBER,
    Step.AWAIT_VIDEO,
    Step.AWAIT_PHOTO,
)

TRANSITIONS: tuple[Transition, ...] = (
    # --- from any step ------------------------------------------------------------------------
    _tr(None, cmd("start"), (Step.WELCOME, Step.MENU), start),
    _tr(None, cmd("cancel"), _SIGNED_OUT_HOME, cancel),
    _tr(None, cmd("menu"), _SIGNED_OUT_HOME, show_menu),
    _tr(None, cmd("help"), (), help_command),
    _tr(None, cmd("language"), Step.LANGUAGE, open_language),
    _tr(None, cmd("logout"), (Step.SIGN_IN, Step.WELCOME), logout),
    _tr(None, btn(Action.CANCEL), _SIGNED_OUT_HOME, cancel),
    _tr(None, btn(Action.MENU), _SIGNED_OUT_HOME, show_menu),
    _tr(None, result(fx.AnalysisFinished), _ANALYSIS_TARGETS, analysis_finished),
    _tr(None, result(fx.ReviewDecided), (), review_decided),
    _tr(None, result(fx.TicketClosed), (Step.MENU, Step.MEMBER), ticket_closed),
    # --- signing in ---------------------------------------------------------------------------
    _tr(Step.NEW, TEXT, Step.WELCOME, start),
    _tr(Step.WELCOME, btn(Action.ACCEPT), Step.SIGN_IN, accept_privacy),
    _tr(Step.WELCOME, btn(Action.DECLINE), Step.NEW, decline_privacy),
    _tr(Step.WELCOME, btn(Action.LANGUAGE), Step.LANGUAGE, open_language),
    _tr(Step.SIGN_IN, CONTACT, (), share_contact),
    _tr(Step.SIGN_IN, TEXT, (), typed_phone),
    _tr(Step.SIGN_IN, result(fx.PhoneLookedUp), Step.REG_NAME, phone_looked_up),
    _tr(Step.REG_NAME, TEXT, Step.REG_ID, reg_name),
    _tr(Step.REG_ID, TEXT, (), reg_id),
    _tr(Step.REG_ID, btn(Action.BACK), Step.REG_NAME, reg_back),
    _tr(Step.SIGN_IN, result(fx.SignedIn), Step.MENU, signed_in),
    _tr(Step.REG_ID, result(fx.Registered), (), registered),
    _tr(Step.REG_ID, result(fx.SignedIn), Step.MENU, signed_in),
    _tr(Step.REG_ID, result(fx.RegistrationRefused), (), registration_refused),
    # --- menu ---------------------------------------------------------------------------------
    _tr(Step.MENU, btn(Action.FAMILY), Step.FAMILY, open_family),
    _tr(Step.MENU, btn(Action.APPLICATIONS), Step.APPLICATIONS, open_applications),
    _tr(Step.MENU, btn(Action.SUPPORT), Step.SUPPORT, open_support),
    _tr(Step.MEMBER, btn(Action.SUPPORT), Step.SUPPORT, open_support),
    _tr(Step.MENU, result(fx.TicketOpened), Step.SUPPORT_CHAT, ticket_opened),
    _tr(Step.MEMBER, result(fx.TicketOpened), Step.SUPPORT_CHAT, ticket_opened),
    _tr(Step.MENU, result(fx.TicketUnavailable), (), ticket_unavailable),
    _tr(Step.MEMBER, result(fx.TicketUnavailable), (), ticket_unavailable),
    _tr(Step.SUPPORT_CHAT, TEXT, (), relay),
    _tr(Step.SUPPORT_CHAT, MEDIA, (), relay),
    _tr(Step.SUPPORT_CHAT, CONTACT, (), relay),
    _tr(Step.SUPPORT_CHAT, btn(Action.END_TALK), (Step.MENU, Step.MEMBER), end_talk),
    _tr(Step.SUPPORT_CHAT, cmd("cancel"), (Step.MENU, Step.MEMBER), end_talk),
    _tr(Step.MENU, btn(Action.LANGUAGE), Step.LANGUAGE, open_language),
    _tr(Step.MENU, btn(Action.DELETE_DATA), Step.DELETE_CONFIRM, open_delete),
    _tr(Step.MENU, btn(Action.LOGOUT), (Step.SIGN_IN, Step.WELCOME), logout),
    Transition(Step.LANGUAGE, btn(Action.SET_LANGUAGE), frozenset(), set_language, returns=True),
    _tr(Step.SUPPORT, btn(Action.BACK), Step.MENU, show_menu),
    _tr(Step.DELETE_CONFIRM, btn(Action.CONFIRM), Step.NEW, confirm_delete),
    # --- Family Services ----------------------------------------------------------------------
    _tr(Step.FAMILY, btn(Action.OPEN_MEMBER), (Step.MEMBER, Step.FAMILY), open_member),
    _tr(Step.FAMILY, btn(Action.ADD_MEMBER), Step.ADD_NAME, start_add),
    _tr(Step.FAMILY, btn(Action.BACK), Step.MENU, show_menu),
    _tr(Step.MEMBER, btn(Action.VERIFY), (Step.BIO_CONSENT, Step.FAMILY), verify),
    _tr(Step.MEMBER, btn(Action.REMOVE_MEMBER), (Step.MEMBER_REMOVE, Step.FAMILY), ask_remove),
    _tr(Step.MEMBER, btn(Action.BACK), Step.FAMILY, open_family),
    _tr(Step.MEMBER, btn(Action.ECARD), (), show_ecard),
    _tr(Step.MEMBER, result(fx.EcardReady), (), ecard_ready),
    _tr(Step.MEMBER, btn(Action.HUMAN_REVIEW), _SIGNED_OUT_HOME, human_review),
    _tr(
        Step.MEMBER,
        result(fx.ApplicationStarted),
        (Step.LIVENESS_READY, Step.AWAIT_PHOTO, Step.AWAIT_ID_PHOTO),
        application_started,
    ),
    _tr(Step.MEMBER, result(fx.ApplicationRefused), Step.MEMBER, application_refused),
    _tr(Step.MEMBER_REMOVE, btn(Action.CONFIRM), Step.FAMILY, confirm_remove),
    _tr(Step.MEMBER_REMOVE, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    # --- adding a member ----------------------------------------------------------------------
    _tr(Step.ADD_NAME, TEXT, (Step.ADD_ID, Step.ADD_CONFIRM), add_name),
    _tr(Step.ADD_NAME, btn(Action.BACK), Step.FAMILY, open_family),
    _tr(Step.ADD_ID, TEXT, (Step.ADD_RELATION, Step.ADD_CONFIRM), add_id),
    _tr(Step.ADD_ID, btn(Action.BACK), Step.ADD_NAME, back_step(Step.ADD_NAME)),
    _tr(Step.ADD_RELATION, btn(Action.RELATION), Step.ADD_CONFIRM, add_relation),
    _tr(Step.ADD_RELATION, btn(Action.BACK), Step.ADD_ID, back_step(Step.ADD_ID)),
    _tr(Step.ADD_CONFIRM, btn(Action.EDIT_NAME), Step.ADD_NAME, edit_field),
    _tr(Step.ADD_CONFIRM, btn(Action.EDIT_ID), Step.ADD_ID, edit_field),
    _tr(Step.ADD_CONFIRM, btn(Action.EDIT_RELATION), Step.ADD_RELATION, edit_field),
    _tr(Step.ADD_CONFIRM, btn(Action.CONFIRM), (), confirm_add),
    _tr(Step.ADD_CONFIRM, result(fx.MemberAdded), Step.MEMBER, member_added),
    _tr(Step.ADD_CONFIRM, result(fx.MemberRefused), Step.FAMILY, member_refused),
    # --- liveness -----------------------------------------------------------------------------
    _tr(Step.BIO_CONSENT, btn(Action.ACCEPT), (), bio_agree),
    _tr(Step.BIO_CONSENT, btn(Action.DECLINE), Step.MEMBER, back_step(Step.MEMBER)),
    _tr(
        Step.BIO_CONSENT,
        result(fx.ApplicationStarted),
        (Step.LIVENESS_READY, Step.AWAIT_PHOTO, Step.AWAIT_ID_PHOTO),
        application_started,
    ),
    _tr(Step.BIO_CONSENT, result(fx.ApplicationRefused), Step.MEMBER, application_refused),
    _tr(Step.AWAIT_ID_PHOTO, MEDIA, (), id_photo_received),
    _tr(Step.AWAIT_ID_PHOTO, result(fx.ReferenceAccepted), Step.LIVENESS_READY, reference_accepted),
    _tr(Step.AWAIT_ID_PHOTO, result(fx.ReferenceRefused), (), reference_refused),
    _tr(Step.AWAIT_ID_PHOTO, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    _tr(Step.LIVENESS_READY, btn(Action.PRACTICE), Step.AWAIT_VIDEO, practice),
    _tr(Step.LIVENESS_READY, btn(Action.START_VIDEO), Step.AWAIT_VIDEO, record),
    _tr(Step.LIVENESS_READY, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    _tr(Step.LIVENESS_READY, MEDIA, Step.CHECKING, video_received),
    _tr(Step.AWAIT_VIDEO, MEDIA, Step.CHECKING, video_received),
    _tr(Step.AWAIT_VIDEO, btn(Action.BACK), Step.LIVENESS_READY, back_step(Step.LIVENESS_READY)),
    _tr(Step.AWAIT_PHOTO, MEDIA, Step.CHECKING, photo_received),
    _tr(Step.AWAIT_PHOTO, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    _tr(Step.CHECKING, TEXT, (), checking_wait),
    _tr(Step.CHECKING, MEDIA, (), checking_wait),
    # --- applications -------------------------------------------------------------------------
    _tr(Step.APPLICATIONS, btn(Action.OPEN_APPLICATION), Step.APPLICATION, open_application),
    _tr(Step.APPLICATIONS, btn(Action.BACK), Step.MENU, show_menu),
    _tr(Step.APPLICATION, btn(Action.BACK), Step.APPLICATIONS, open_applications),
)

_INDEX: dict[tuple[Step | None, str], Transition] = {
    (tr.source, tr.trigger.name): tr for tr in TRANSITIONS
}


_SUPPORT_GLOBAL = {"result:AnalysisFinished", "result:ReviewDecided", "result:TicketClosed"}


def find_transition(step: Step, event: object) -> Transition | None:
    if step is Step.SUPPORT_CHAT:
        # automation is paused: only the talk's own rows, and outcomes arriving meanwhile
        for trig in Trigger.of(event):
            found = _INDEX.get((step, trig.name))
            if found is None and trig.name in _SUPPORT_GLOBAL:
                found = _INDEX.get((None, trig.name))
            if found is None and trig.name.startswith("cmd:"):
                found = _INDEX.get((step, "text"))
            if found is not None:
                return found
        return None
    for trig in Trigger.of(event):
        found = _INDEX.get((step, trig.name)) or _INDEX.get((None, trig.name))
        if found is not None:
            return found
    return None


class TransitionError(RuntimeError):
    """A step function moved to a state its table row does not declare."""


def step(
    conv: Conversation, event: object, ctx: Context, *, strict: bool = False
) -> Outcome[Conversation, fx.CitizenCommand]:
    """Feeds one event to the conversation and returns what follows."""
    if conv.signed_in and not isinstance(event, fx.AnalysisFinished):
        if ctx.citizen is None:
            # the account is gone (deleted elsewhere): start over
            return _home(Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen), ctx)
        if _idle_too_long(conv, ctx):
            return session_expired(conv, ctx)
    if not conv.signed_in and conv.step not in SIGNED_OUT_STEPS | {Step.LANGUAGE}:
        conv = dataclasses.replace(
            conv, step=Step.SIGN_IN if conv.privacy_accepted else Step.WELCOME
        )
    transition = find_transition(conv.step, event)
    if transition is None:
        if isinstance(event, ButtonPressed):
            return Outcome(conv, [], notice=Notice(t("button-stale")))
        outcome = unexpected(conv, event, ctx)
    else:
        outcome = transition.fn(conv, event, ctx)
        allowed = transition.targets | {conv.step}
        if strict and not transition.returns and outcome.state.step not in allowed:
            raise TransitionError(
                f"{conv.step} --{transition.trigger.name}--> {outcome.state.step} is not declared"
            )
    if outcome.state.signed_in and not isinstance(event, fx.AnalysisFinished):
        outcome.state = dataclasses.replace(outcome.state, last_active=_iso(ctx.now))
    return outcome


def _idle_too_long(conv: Conversation, ctx: Context) -> bool:
    if conv.last_active is None:
        return False
    last = datetime.fromisoformat(conv.last_active)
    return ctx.now - last > timedelta(minutes=ctx.config.session_idle_minutes)
