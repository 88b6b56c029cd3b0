"""The account: privacy notice, signing in with the shared phone, registration, the commands
that work anywhere, language, logout, deleting one's data, and the guards that run before
everything else (account deleted elsewhere, idle session, signed-out state)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.domain.idnumber import IdNumberError, ResidentId, mask_id, parse_resident_id
from bot.domain.names import NameValidationError, validate_name
from bot.domain.phones import PhoneError, normalise_phone
from bot.flows import effects as fx
from bot.flows.citizen.moves import back_step, go, home, iso, note, stay
from bot.flows.citizen.screens import (
    language_screen,
    privacy_hint_screen,
    prompt,
    sign_in_screen,
)
from bot.flows.citizen.state import (
    ANY,
    CONTACT,
    LANGUAGES,
    MEDIA,
    SIGNED_OUT_STEPS,
    TEXT,
    Conversation,
    Draft,
    Event,
    Guard,
    Result,
    Step,
    Transition,
    btn,
    cmd,
    result,
    row,
)
from bot.flows.core import (
    Action,
    ButtonPressed,
    CommandSent,
    ContactShared,
    Context,
    Notice,
    Outcome,
    RemoveKeyboard,
    Reply,
    TextSent,
    say,
    t,
)

# --------------------------------------------------------------------------------------------
# Guards: checked before any other row
# --------------------------------------------------------------------------------------------


def _from_the_chat(event: Event) -> bool:
    """What reaches the conversation from outside (an analysis result, an agent's decision,
    a ticket closed or answered) is told even when the session has lapsed: a review decided
    an hour later used to meet the idle guard, which signed the citizen out instead."""
    return not isinstance(event, fx.Published)


def _account_gone(conv: Conversation, event: Event, ctx: Context) -> bool:
    return conv.signed_in and _from_the_chat(event) and ctx.citizen is None


def _idle(conv: Conversation, event: Event, ctx: Context) -> bool:
    """Signed in, and nothing sent for longer than the idle limit; not while talking to a
    person (waiting for an agent, or reading their replies, is no idleness)."""
    if not conv.signed_in or not _from_the_chat(event) or conv.last_active is None:
        return False
    if conv.step is Step.SUPPORT_CHAT:
        return False
    last = datetime.fromisoformat(conv.last_active)
    return ctx.now - last > timedelta(minutes=ctx.config.session_idle_minutes)


def _signed_out_off_track(conv: Conversation, event: Event, ctx: Context) -> bool:
    return not conv.signed_in and conv.step not in SIGNED_OUT_STEPS | {Step.LANGUAGE}


ACCOUNT_GONE = Guard("account deleted", _account_gone)
IDLE = Guard("idle too long", _idle)
SIGNED_OUT = Guard("signed out", _signed_out_off_track)


def account_gone(conv: Conversation, _: Event, ctx: Context) -> Result:
    """The account was deleted elsewhere: start over."""
    return home(Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen), ctx)


def session_expired(conv: Conversation, _: Event, ctx: Context) -> Result:
    """Idle past the limit: signed out, asked to sign in again."""
    out = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen, privacy_accepted=True)
    return go(
        out, Step.SIGN_IN, ctx, before=[note("session-expired")], commands=[fx.SignOut("idle")]
    )


def signed_out_reset(conv: Conversation, _: Event, ctx: Context) -> Result:
    """A signed-out conversation outside the sign-in steps goes back to them; the event is
    then handled there."""
    back = Step.SIGN_IN if conv.privacy_accepted else Step.WELCOME
    return Outcome(dataclasses.replace(conv, step=back))


# --------------------------------------------------------------------------------------------
# Anywhere
# --------------------------------------------------------------------------------------------


def start(conv: Conversation, _: Event, ctx: Context) -> Result:
    """/start: signed-in citizens see the menu; those who accepted the privacy notice the
    sign-in again (its "Share my phone number" keyboard is still on screen, and the notice's
    step takes no contact); others the greeting and privacy notice."""
    if conv.signed_in:
        return go(conv, Step.MENU, ctx, draft=Draft())
    if conv.privacy_accepted:
        return home(conv, ctx)
    return go(conv, Step.WELCOME, ctx, draft=Draft(), phone="", reg_name="")


def cancel(conv: Conversation, _: Event, ctx: Context) -> Result:
    """/cancel or Cancel: drop whatever was being entered and go back to the menu."""
    return home(conv, ctx, before=[note("cancelled")])


def show_menu(conv: Conversation, _: Event, ctx: Context) -> Result:
    """/menu or Back to the menu."""
    return home(conv, ctx)


def help_command(conv: Conversation, _: CommandSent, ctx: Context) -> Result:
    """/help: the help text, then the current step's prompt again."""
    return Outcome(conv, [say(t("help-text")), *prompt(conv, ctx)])


def open_language(conv: Conversation, _: Event, ctx: Context) -> Result:
    """/language or Language: remember where we were and ask for a language."""
    back = conv.return_to if conv.step == Step.LANGUAGE else conv.step
    return go(conv, Step.LANGUAGE, ctx, return_to=back)


def set_language(conv: Conversation, ev: ButtonPressed, ctx: Context) -> Result:
    """Stores the chosen language, then shows the step we came from in that language."""
    if ev.arg not in LANGUAGES:
        return stay(conv, *language_screen())
    back = conv.return_to or (Step.MENU if conv.signed_in else Step.WELCOME)
    if back in (Step.LANGUAGE, Step.NEW):
        back = Step.MENU if conv.signed_in else Step.WELCOME
    cmds: list[fx.CitizenCommand] = [fx.SetLanguage(ev.arg)] if conv.signed_in else []
    return go(
        conv,
        back,
        ctx,
        before=[note("language-set")],
        commands=cmds,
        lang=ev.arg,
        lang_chosen=True,
        return_to=None,
    )


def logout(conv: Conversation, _: Event, ctx: Context) -> Result:
    """/logout or Log out: ends the session; the next step is signing in again."""
    if not conv.signed_in:
        return home(conv, ctx)
    out = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen, privacy_accepted=True)
    return go(out, Step.SIGN_IN, ctx, before=[note("logged-out")], commands=[fx.SignOut()])


def stale_button(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """A button the current step does not offer: answered with a notice, nothing changes."""
    return Outcome(conv, [], notice=Notice(t("button-stale")))


def unexpected(conv: Conversation, event: Event, ctx: Context) -> Result:
    """Anything the current step does not expect: a short hint and the prompt again (at the
    privacy notice, an unknown command gets the notice's own hint). A text that may hold an
    ID number (sent twice, or at the wrong step) leaves the chat all the same."""
    if conv.step is Step.WELCOME:
        return privacy_hint(conv, event, ctx)
    return scrubbed(Outcome(conv, [say(t("unexpected")), *prompt(conv, ctx)]), event, None)


# --------------------------------------------------------------------------------------------
# Privacy notice, signing in, registration
# --------------------------------------------------------------------------------------------


def accept_privacy(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Accept: remembers the consent and asks for the phone number."""
    return go(
        conv,
        Step.SIGN_IN,
        ctx,
        commands=[fx.RecordPrivacyDecision(accepted=True)],
        privacy_accepted=True,
    )


def privacy_hint(conv: Conversation, event: Event, ctx: Context) -> Result:
    """A text, sticker, photo or contact at the privacy notice: a short hint to tap Accept
    or Decline on the notice, whose buttons stay live (a text that may hold an ID number
    leaves the chat)."""
    return scrubbed(stay(conv, *privacy_hint_screen()), event, None)


def decline_privacy(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Decline: keeps nothing but the refusal itself."""
    new = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen)
    return Outcome(
        new,
        [say(t("privacy-declined"), keyboard=RemoveKeyboard())],
        [fx.RecordPrivacyDecision(accepted=False)],
    )


def share_contact(conv: Conversation, ev: ContactShared, ctx: Context) -> Result:
    """A shared contact: only the citizen's own number is accepted; it is looked up."""
    if not ev.is_own:
        return stay(conv, note("contact-not-own"), *sign_in_screen())
    try:
        phone = normalise_phone(ev.phone)
    except PhoneError:
        return stay(conv, note("contact-invalid"), *sign_in_screen())
    return Outcome(dataclasses.replace(conv, phone=phone), [], [fx.LookupPhone(phone)])


def typed_phone(conv: Conversation, _: TextSent, ctx: Context) -> Result:
    """Typed numbers cannot prove ownership: ask for the button instead."""
    return stay(conv, note("contact-typed"), *sign_in_screen())


def phone_looked_up(conv: Conversation, ev: fx.PhoneLookedUp, ctx: Context) -> Result:
    """A known number signs in (answered by SignedIn); a new one starts registration."""
    if ev.citizen_id is not None:
        signed = dataclasses.replace(
            conv, citizen_id=ev.citizen_id, phone="", last_active=iso(ctx.now)
        )
        return Outcome(
            signed, [say(t("signed-in"), keyboard=RemoveKeyboard())], [fx.SignIn(ev.citizen_id)]
        )
    return go(
        conv, Step.REG_NAME, ctx, before=[say(t("reg-new-account"), keyboard=RemoveKeyboard())]
    )


def signed_in(conv: Conversation, _: fx.SignedIn, ctx: Context) -> Result:
    """The session is open: the main menu."""
    return go(conv, Step.MENU, ctx, draft=Draft(), phone="", reg_name="")


def reg_name(conv: Conversation, ev: TextSent, ctx: Context) -> Result:
    """Stores the citizen's full name and asks for their own ID number."""
    try:
        name = validate_name(ev.text)
    except NameValidationError as exc:
        return stay(conv, note(f"name-error-{exc.code.value.replace('_', '-')}"))
    return go(conv, Step.REG_ID, ctx, reg_name=name)


def reg_id(conv: Conversation, ev: TextSent, ctx: Context) -> Result:
    """Validates the citizen's own ID number (its message leaves the chat) and registers the
    account."""
    try:
        rid = parse_resident_id(ev.text, today=ctx.today)
    except IdNumberError as exc:
        return scrubbed(stay(conv, id_error(exc)), ev, None)
    registering: Result = Outcome(
        conv,
        [converted_notice(rid)] if rid.converted_from_15 else [],
        [fx.RegisterCitizen(conv.phone, conv.reg_name, rid.number)],
    )
    return scrubbed(registering, ev, rid)


def registered(conv: Conversation, ev: fx.Registered, ctx: Context) -> Result:
    """The account exists: the citizen is signed in (answered by SignedIn)."""
    new = dataclasses.replace(
        conv, citizen_id=ev.citizen_id, phone="", reg_name="", last_active=iso(ctx.now)
    )
    return Outcome(new, [say(t("reg-done"))], [fx.SignIn(ev.citizen_id)])


def registration_refused(conv: Conversation, ev: fx.RegistrationRefused, ctx: Context) -> Result:
    """The ID number (or phone) is already registered: say so and ask again."""
    return stay(conv, note(f"reg-refused-{ev.reason.replace('_', '-')}"))


def id_error(exc: IdNumberError) -> Reply:
    return note(f"id-error-{exc.code.value.replace('_', '-')}")


def converted_notice(rid: ResidentId) -> Reply:
    return note("id-converted", id=mask_id(rid.number))


_DIGITS_OF_AN_ID = 6
"""A message with this many digits may hold (part of) an ID number."""


def scrubbed(outcome: Result, ev: Event, kept: ResidentId | None) -> Result:
    """A text that held an ID number leaves the chat as soon as it is read, with a
    one-line note: stored masked (`kept`), or not stored at all. Other events: as they are."""
    if (
        not isinstance(ev, TextSent)
        or not ev.message_id
        or sum(ch.isdigit() for ch in ev.text) < _DIGITS_OF_AN_ID
    ):
        return outcome
    removed = (
        note("id-message-removed", id=mask_id(kept.number))
        if kept is not None
        else note("id-message-removed-unsaved")
    )
    outcome.replies.insert(0, removed)
    outcome.commands.insert(0, fx.DeleteMessage(ev.message_id))
    return outcome


# --------------------------------------------------------------------------------------------
# Deleting one's data
# --------------------------------------------------------------------------------------------


def open_delete(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Delete my data: asks for confirmation."""
    return go(conv, Step.DELETE_CONFIRM, ctx)


def confirm_delete(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Erases the account; the conversation starts over."""
    new = Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen)
    commands: list[fx.CitizenCommand] = (
        [fx.DeleteAccount(conv.citizen_id)] if conv.citizen_id is not None else []
    )
    return Outcome(new, [say(t("delete-done"), keyboard=RemoveKeyboard())], commands)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------

HOME = (Step.WELCOME, Step.SIGN_IN, Step.MENU)

GUARDS: tuple[Transition, ...] = (
    row(None, ANY, Step.WELCOME, account_gone, guard=ACCOUNT_GONE),
    row(None, ANY, Step.SIGN_IN, session_expired, guard=IDLE),
    row(
        None,
        ANY,
        (Step.WELCOME, Step.SIGN_IN),
        signed_out_reset,
        guard=SIGNED_OUT,
        falls_through=True,
    ),
)

FALLBACKS: tuple[Transition, ...] = (
    row(None, btn(), (), stale_button),
    row(None, ANY, (), unexpected),
)
"""Last in the table: what no other row takes."""

ROWS: tuple[Transition, ...] = (
    *GUARDS,
    # from any step
    row(None, cmd("start"), HOME, start),
    row(None, cmd("cancel"), HOME, cancel),
    row(None, cmd("menu"), HOME, show_menu),
    row(None, cmd("help"), (), help_command),
    row(None, cmd("language"), Step.LANGUAGE, open_language),
    row(None, cmd("logout"), (Step.SIGN_IN, Step.WELCOME), logout),
    row(None, btn(Action.CANCEL), HOME, cancel),
    row(None, btn(Action.MENU), HOME, show_menu),
    # signing in
    row(Step.NEW, TEXT, Step.WELCOME, start),
    row(Step.NEW, CONTACT, Step.WELCOME, start),
    row(Step.NEW, MEDIA, Step.WELCOME, start),
    row(Step.WELCOME, btn(Action.ACCEPT), Step.SIGN_IN, accept_privacy),
    row(Step.WELCOME, TEXT, (), privacy_hint),
    row(Step.WELCOME, CONTACT, (), privacy_hint),
    row(Step.WELCOME, MEDIA, (), privacy_hint),
    row(Step.WELCOME, btn(Action.DECLINE), Step.NEW, decline_privacy),
    row(Step.WELCOME, btn(Action.LANGUAGE), Step.LANGUAGE, open_language),
    row(Step.SIGN_IN, CONTACT, (), share_contact),
    row(Step.SIGN_IN, TEXT, (), typed_phone),
    row(Step.SIGN_IN, result(fx.PhoneLookedUp), Step.REG_NAME, phone_looked_up),
    row(Step.SIGN_IN, result(fx.SignedIn), Step.MENU, signed_in),
    row(Step.REG_NAME, TEXT, Step.REG_ID, reg_name),
    row(Step.REG_ID, TEXT, (), reg_id),
    row(Step.REG_ID, btn(Action.BACK), Step.REG_NAME, back_step(Step.REG_NAME)),
    row(Step.REG_ID, result(fx.Registered), (), registered),
    row(Step.REG_ID, result(fx.SignedIn), Step.MENU, signed_in),
    row(Step.REG_ID, result(fx.RegistrationRefused), (), registration_refused),
    # the menu's account buttons
    row(Step.MENU, btn(Action.LANGUAGE), Step.LANGUAGE, open_language),
    row(Step.MENU, btn(Action.DELETE_DATA), Step.DELETE_CONFIRM, open_delete),
    row(Step.MENU, btn(Action.LOGOUT), (Step.SIGN_IN, Step.WELCOME), logout),
    row(Step.LANGUAGE, btn(Action.SET_LANGUAGE), (), set_language, returns=True),
    row(Step.DELETE_CONFIRM, btn(Action.CONFIRM), Step.NEW, confirm_delete),
    *FALLBACKS,
)
