"""Screens: what each step shows when it is entered (also used to re-prompt)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.applications import was_sent as sent_rule
from bot.domain.idnumber import age_on, mask_id, parse_resident_id
from bot.flows.citizen.state import LANGUAGES, RELATIONSHIPS, Conversation, Step
from bot.flows.core import (
    Action,
    ApplicationView,
    Button,
    ContactKeyboard,
    Context,
    InlineKeyboard,
    MemberView,
    Reply,
    ReplyButton,
    T,
    say,
    t,
)


def button(key: str, action: Action, arg: str = "", **params: str | int) -> Button:
    return Button(t(key, **params), action, arg)


def keyboard(*rows: Iterable[Button]) -> InlineKeyboard:
    return InlineKeyboard(tuple(tuple(row) for row in rows if row))


NAV = (button("btn-back", Action.BACK), button("btn-cancel", Action.CANCEL))


def welcome_screen() -> list[Reply]:
    return [
        say(
            t("welcome-title"),
            t("privacy-notice"),
            keyboard=keyboard(
                [button("btn-accept", Action.ACCEPT), button("btn-decline", Action.DECLINE)],
                [button("btn-language", Action.LANGUAGE)],
            ),
        )
    ]


def privacy_hint_screen() -> list[Reply]:
    """Anything but a tap at the privacy notice: one line saying what to tap. It has no
    buttons, so the notice above keeps its own, live (a reply with buttons would take
    them off it, and every sticker would move them down again)."""
    return [say(t("privacy-hint"))]


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
            keyboard=keyboard(
                [button("btn-family", Action.FAMILY)],
                [button("btn-applications", Action.APPLICATIONS)],
                [button("btn-support", Action.SUPPORT), button("btn-language", Action.LANGUAGE)],
                [
                    button("btn-delete-data", Action.DELETE_DATA),
                    button("btn-logout", Action.LOGOUT),
                ],
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
        rows.append([button("btn-add-member", Action.ADD_MEMBER)])
    else:
        lines.append(t("family-full", max=ctx.config.max_members))
    rows.append([button("btn-back", Action.BACK)])
    return [say(*lines, keyboard=keyboard(*rows))]


def _status_key(member: MemberView) -> str:
    return "status-locked" if member.locked else f"status-{member.status.replace('_', '-')}"


def member_screen(member: MemberView, ctx: Context) -> list[Reply]:
    age = age_on(member.birth_date, ctx.today)
    verify_key = "btn-reverify" if member.status == "verified" else "btn-verify"
    rows: list[list[Button]] = []
    if member.status == "verified":
        rows.append([button("btn-ecard", Action.ECARD, str(member.id))])
    if member.status != "pending_review":
        rows.append([button(verify_key, Action.VERIFY, str(member.id))])
    rows.append([button("btn-remove-member", Action.REMOVE_MEMBER, str(member.id))])
    rows.append([button("btn-back", Action.BACK)])
    return [
        say(
            t("member-title", name=member.name),
            t("member-id", id=member.id_masked),
            t("member-relationship", relationship=t(t_rel(member.relationship))),
            t("member-age", age=age),
            t("member-status", status=t(_status_key(member))),
            keyboard=keyboard(*rows),
        )
    ]


def t_rel(relationship: str) -> str:
    """The message id of a relationship's label (rendered as a nested message)."""
    return f"rel-{relationship}"


def add_name_screen() -> list[Reply]:
    return [say(t("add-name-prompt"), keyboard=keyboard(NAV))]


def add_id_screen() -> list[Reply]:
    return [say(t("add-id-prompt"), keyboard=keyboard(NAV))]


def add_relation_screen() -> list[Reply]:
    rel_buttons = [button(t_rel(r), Action.RELATION, r) for r in RELATIONSHIPS]
    rows = [rel_buttons[i : i + 2] for i in range(0, len(rel_buttons), 2)]
    return [say(t("add-relation-prompt"), keyboard=keyboard(*rows, NAV))]


def add_confirm_screen(conv: Conversation, ctx: Context) -> list[Reply]:
    rid = parse_resident_id(conv.draft.id_number, today=ctx.today)
    return [
        say(
            t("add-confirm-title"),
            t("member-name", name=conv.draft.name),
            t("member-id", id=mask_id(rid.number)),
            t("member-birth", date=rid.birth_date.isoformat()),
            t("member-relationship", relationship=t(t_rel(conv.draft.relationship))),
            keyboard=keyboard(
                [button("btn-edit-name", Action.EDIT_NAME), button("btn-edit-id", Action.EDIT_ID)],
                [button("btn-edit-relation", Action.EDIT_RELATION)],
                [button("btn-confirm", Action.CONFIRM), button("btn-cancel", Action.CANCEL)],
            ),
        )
    ]


def is_child(member: MemberView, ctx: Context) -> bool:
    """Members younger than the child age send a photo instead of a video."""
    return age_on(member.birth_date, ctx.today) < ctx.config.child_age


def consent_text_of(member: MemberView, ctx: Context) -> str:
    """The consent text for this member: addressed to them, or to the parent for a child."""
    return "bio-consent-child" if is_child(member, ctx) else "bio-consent"


def bio_consent_screen(member: MemberView, ctx: Context) -> list[Reply]:
    """Consent from the person who will be filmed (a child's parent or guardian), by name."""
    child = is_child(member, ctx)
    agree = "btn-bio-agree-child" if child else "btn-bio-agree"
    return [
        say(
            t(consent_text_of(member, ctx), name=member.name, days=ctx.config.retention_days),
            keyboard=keyboard(
                [button(agree, Action.ACCEPT, name=member.name)],
                [button("btn-bio-decline", Action.DECLINE)],
            ),
        )
    ]


def challenge_lines(conv: Conversation) -> list[T]:
    return [
        t("challenge-step", n=i + 1, action=t(f"action-{a}")) for i, a in enumerate(conv.challenge)
    ]


def liveness_keyboard() -> InlineKeyboard:
    return keyboard(
        [button("btn-start-video", Action.START_VIDEO)],
        [button("btn-practice", Action.PRACTICE)],
        [button("btn-back", Action.BACK)],
    )


def liveness_ready_screen(conv: Conversation) -> list[Reply]:
    return [
        say(
            t("liveness-ready"),
            *challenge_lines(conv),
            t("liveness-tips"),
            keyboard=liveness_keyboard(),
        )
    ]


def await_video_screen(conv: Conversation, ctx: Context) -> list[Reply]:
    """The request for the video repeats the attempt's challenge, in its order."""
    key = "video-prompt-practice" if conv.practice else "video-prompt"
    return [
        say(
            t(key, seconds=ctx.config.max_video_seconds),
            *challenge_lines(conv),
            keyboard=keyboard([button("btn-back", Action.BACK)]),
        )
    ]


def await_id_photo_screen() -> list[Reply]:
    return [say(t("id-photo-prompt"), keyboard=keyboard([button("btn-back", Action.BACK)]))]


def await_photo_screen() -> list[Reply]:
    return [say(t("photo-prompt"), keyboard=keyboard([button("btn-back", Action.BACK)]))]


def was_sent(app: ApplicationView) -> bool:
    """Whether the citizen sent anything for this application (`bot.domain.applications`):
    one opened by the consent and left before any video or photo is not shown."""
    return sent_rule(app.state, any(ev.state == "checking" for ev in app.timeline))


def applications_screen(ctx: Context) -> list[Reply]:
    sent = [a for a in ctx.applications if was_sent(a)]
    apps = sorted(sent, key=lambda a: (a.created_at, a.id), reverse=True)[:10]
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
    rows.append([button("btn-back", Action.BACK)])
    return [say(*lines, keyboard=keyboard(*rows))]


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
    return [say(*lines, keyboard=keyboard([button("btn-back", Action.BACK)]))]


def language_screen() -> list[Reply]:
    return [
        say(
            t("language-prompt"),
            keyboard=keyboard(
                [button(f"language-name-{code}", Action.SET_LANGUAGE, code) for code in LANGUAGES]
            ),
        )
    ]


def delete_confirm_screen() -> list[Reply]:
    return [
        say(
            t("delete-confirm"),
            keyboard=keyboard(
                [button("btn-delete-confirm", Action.CONFIRM), button("btn-cancel", Action.CANCEL)]
            ),
        )
    ]


def support_screen(ctx: Context) -> list[Reply]:
    return [
        say(
            t("support-unavailable"),
            t("help-text"),
            keyboard=keyboard([button("btn-back", Action.BACK)]),
        )
    ]


def support_chat_screen() -> list[Reply]:
    return [say(t("support-waiting"), keyboard=keyboard([button("btn-end-talk", Action.END_TALK)]))]


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
            return [
                say(t("reg-name-prompt"), keyboard=keyboard([button("btn-cancel", Action.CANCEL)]))
            ]
        case Step.REG_ID:
            return [say(t("reg-id-prompt"), keyboard=keyboard(NAV))]
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
        case Step.BIO_CONSENT if member is not None:
            return bio_consent_screen(member, ctx)
        case Step.LIVENESS_READY:
            return liveness_ready_screen(conv)
        case Step.AWAIT_VIDEO:
            return await_video_screen(conv, ctx)
        case Step.AWAIT_PHOTO:
            return await_photo_screen()
        case Step.AWAIT_ID_PHOTO:
            return await_id_photo_screen()
        case Step.CHECKING:
            return [say(t("checking-wait-photo" if conv.evidence == "photo" else "checking-wait"))]
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
