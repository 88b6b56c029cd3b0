"""The liveness step: biometric consent, opening the application, the ID card photo, the
challenge (with a practice run), receiving the video or the child's photo."""

from __future__ import annotations

import dataclasses

from bot.flows import effects as fx
from bot.flows.citizen.moves import back_step, go, home, note, stay
from bot.flows.citizen.screens import (
    await_id_photo_screen,
    await_photo_screen,
    await_video_screen,
    button,
    consent_text_of,
    is_child,
    keyboard,
)
from bot.flows.citizen.state import (
    MEDIA,
    TEXT,
    Conversation,
    Event,
    Result,
    Step,
    Transition,
    btn,
    result,
    row,
)
from bot.flows.core import (
    Action,
    Button,
    ButtonPressed,
    Context,
    InlineKeyboard,
    MediaKind,
    MediaSent,
    MemberView,
    Outcome,
    Reply,
    say,
    t,
)


def draw_challenge(ctx: Context) -> list[str]:
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


def verify(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Verify: children go to the photo step, adults to consent then the liveness step."""
    member = ctx.member(conv.member_id)
    if member is None:
        return go(conv, Step.FAMILY, ctx, before=[note("member-gone")])
    if member.locked:
        return stay(conv, *locked_offer(_open_application_of(member.id, ctx)))
    if member.status == "pending_review":
        return stay(conv, note("member-in-review"))
    if not member.consent:
        return go(conv, Step.BIO_CONSENT, ctx)
    return Outcome(conv, [], [fx.StartApplication(member.id, _kind(member, ctx))])


def _kind(member: MemberView, ctx: Context) -> str:
    return "photo" if is_child(member, ctx) else "video"


def bio_agree(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Consent given by (or, for a child, for) the member who will be filmed: recorded for
    that member with the text they agreed to; then the application for their evidence opens."""
    member = ctx.member(conv.member_id)
    if member is None:
        return home(conv, ctx)
    consent = fx.GiveBiometricConsent(
        member.id, consent_text_of(member, ctx), conv.lang, ctx.config.retention_days
    )
    return Outcome(conv, [], [consent, fx.StartApplication(member.id, _kind(member, ctx))])


def _challenge_for(conv: Conversation, application_id: int, ctx: Context) -> list[str]:
    """One challenge per attempt: drawn when the application opens, kept while it is open
    (practice runs, retries, leaving and coming back)."""
    if conv.application_id == application_id and conv.challenge:
        return conv.challenge
    return draw_challenge(ctx)


def application_started(conv: Conversation, ev: fx.ApplicationStarted, ctx: Context) -> Result:
    """The application is open: children send a photo, adults get ready for the video."""
    member = ctx.member(conv.member_id)
    if member is not None and is_child(member, ctx):
        return go(
            conv,
            Step.AWAIT_PHOTO,
            ctx,
            before=[note("child-photo-intro", age=ctx.config.child_age)],
            application_id=ev.application_id,
            challenge=[],
            evidence="photo",
        )
    challenge = _challenge_for(conv, ev.application_id, ctx)
    nxt = Step.AWAIT_ID_PHOTO if ev.needs_reference else Step.LIVENESS_READY
    return go(
        conv,
        nxt,
        ctx,
        application_id=ev.application_id,
        challenge=challenge,
        practice=False,
        evidence="video",
    )


def _photo_problem(ev: MediaSent, ctx: Context) -> Reply | None:
    """Why a received file cannot be taken as a photo (kind or size), or None."""
    is_photo = ev.kind is MediaKind.PHOTO or (
        ev.kind is MediaKind.DOCUMENT and (ev.mime_type or "") in ("image/jpeg", "image/png")
    )
    if not is_photo:
        return note("photo-wrong-kind")
    if ev.file_size is not None and ev.file_size > ctx.config.max_photo_bytes:
        return note("photo-too-big", mb=ctx.config.max_photo_bytes // (1024 * 1024))
    return None


def id_photo_received(conv: Conversation, ev: MediaSent, ctx: Context) -> Result:
    """The member's ID card photo: checked for one clear face (answered by ReferenceAccepted
    or ReferenceRefused)."""
    refused = _photo_problem(ev, ctx)
    if refused is not None:
        return stay(conv, refused, *await_id_photo_screen())
    if conv.application_id is None:
        return home(conv, ctx)
    return Outcome(
        conv,
        [say(t("id-photo-checking"))],
        [fx.SubmitReferencePhoto(conv.application_id, ev.file_id)],
    )


def reference_accepted(conv: Conversation, ev: fx.ReferenceAccepted, ctx: Context) -> Result:
    """The ID card photo is usable: now the liveness step."""
    return go(
        conv,
        Step.LIVENESS_READY,
        ctx,
        before=[note("id-photo-accepted")],
        challenge=conv.challenge or draw_challenge(ctx),
        practice=False,
    )


def reference_refused(conv: Conversation, ev: fx.ReferenceRefused, ctx: Context) -> Result:
    """The photo cannot serve as a reference: say why and ask again."""
    return stay(
        conv, note(f"id-photo-error-{ev.reason.replace('_', '-')}"), *await_id_photo_screen()
    )


def application_refused(conv: Conversation, ev: fx.ApplicationRefused, ctx: Context) -> Result:
    """No application could be opened (locked, already in review)."""
    if ev.reason == "locked":
        return go(conv, Step.MEMBER, ctx, before=locked_offer(None))
    return go(
        conv,
        Step.MEMBER,
        ctx,
        before=[note(f"application-refused-{ev.reason.replace('_', '-')}")],
    )


def practice(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Practice: asks for a video that is analysed for tips and not counted."""
    return go(conv, Step.AWAIT_VIDEO, ctx, practice=True)


def record(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """I'm ready: asks for the real video."""
    return go(conv, Step.AWAIT_VIDEO, ctx, practice=False)


def video_received(conv: Conversation, ev: MediaSent, ctx: Context) -> Result:
    """A video (note): checked for size and length, then queued; the citizen waits."""
    is_video = ev.kind in (MediaKind.VIDEO_NOTE, MediaKind.VIDEO, MediaKind.ANIMATION) or (
        ev.kind is MediaKind.DOCUMENT and (ev.mime_type or "").startswith("video/")
    )
    if not is_video:
        return stay(conv, note("video-wrong-kind"), *await_video_screen(conv, ctx))
    cfg = ctx.config
    if ev.file_size is not None and ev.file_size > cfg.max_video_bytes:
        return stay(conv, note("video-too-big", mb=cfg.max_video_bytes // (1024 * 1024)))
    if ev.duration is not None and ev.duration > cfg.max_video_seconds:
        return stay(conv, note("video-too-long", seconds=cfg.max_video_seconds))
    if ev.duration is not None and ev.duration < cfg.min_video_seconds:
        return stay(conv, note("video-too-short", seconds=cfg.min_video_seconds))
    if conv.application_id is None:
        return home(conv, ctx)
    practice_run = conv.practice and conv.step is Step.AWAIT_VIDEO
    new = dataclasses.replace(conv, step=Step.CHECKING, practice=practice_run, evidence="video")
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


def photo_received(conv: Conversation, ev: MediaSent, ctx: Context) -> Result:
    """A child's photo: checked for size, then queued for analysis and human review."""
    refused = _photo_problem(ev, ctx)
    if refused is not None:
        return stay(conv, refused, *await_photo_screen())
    if conv.application_id is None:
        return home(conv, ctx)
    new = dataclasses.replace(conv, step=Step.CHECKING, practice=False, evidence="photo")
    return Outcome(
        new,
        [Reply((t("checking-photo"),), ref="checking")],
        [fx.SubmitMedia(conv.application_id, ev.file_id, "photo", (), False)],
    )


def locked_keyboard(application_id: int | None) -> InlineKeyboard:
    """No attempts left today: a person may review the attempts, or the citizen may talk."""
    rows: list[list[Button]] = []
    if application_id is not None:
        rows.append([button("btn-human-review", Action.HUMAN_REVIEW, str(application_id))])
    rows.append([button("btn-support", Action.SUPPORT)])
    rows.append([button("btn-menu", Action.MENU)])
    return keyboard(*rows)


def locked_offer(application_id: int | None) -> list[Reply]:
    return [say(t("locked-offer"), keyboard=locked_keyboard(application_id))]


def checking_wait(conv: Conversation, _: Event, ctx: Context) -> Result:
    """Anything sent while the video or photo is being checked: ask to wait."""
    return stay(
        conv, say(t("checking-wait-photo" if conv.evidence == "photo" else "checking-wait"))
    )


_STARTED = (Step.LIVENESS_READY, Step.AWAIT_PHOTO, Step.AWAIT_ID_PHOTO)

ROWS: tuple[Transition, ...] = (
    row(Step.MEMBER, btn(Action.VERIFY), (Step.BIO_CONSENT, Step.FAMILY), verify),
    row(Step.MEMBER, result(fx.ApplicationStarted), _STARTED, application_started),
    row(Step.MEMBER, result(fx.ApplicationRefused), Step.MEMBER, application_refused),
    row(Step.BIO_CONSENT, btn(Action.ACCEPT), (), bio_agree),
    row(Step.BIO_CONSENT, btn(Action.DECLINE), Step.MEMBER, back_step(Step.MEMBER)),
    row(Step.BIO_CONSENT, result(fx.ApplicationStarted), _STARTED, application_started),
    row(Step.BIO_CONSENT, result(fx.ApplicationRefused), Step.MEMBER, application_refused),
    row(Step.AWAIT_ID_PHOTO, MEDIA, (), id_photo_received),
    row(Step.AWAIT_ID_PHOTO, result(fx.ReferenceAccepted), Step.LIVENESS_READY, reference_accepted),
    row(Step.AWAIT_ID_PHOTO, result(fx.ReferenceRefused), (), reference_refused),
    row(Step.AWAIT_ID_PHOTO, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    row(Step.LIVENESS_READY, btn(Action.PRACTICE), Step.AWAIT_VIDEO, practice),
    row(Step.LIVENESS_READY, btn(Action.START_VIDEO), Step.AWAIT_VIDEO, record),
    row(Step.LIVENESS_READY, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    row(Step.LIVENESS_READY, MEDIA, Step.CHECKING, video_received),
    row(Step.AWAIT_VIDEO, MEDIA, Step.CHECKING, video_received),
    row(Step.AWAIT_VIDEO, btn(Action.BACK), Step.LIVENESS_READY, back_step(Step.LIVENESS_READY)),
    row(Step.AWAIT_PHOTO, MEDIA, Step.CHECKING, photo_received),
    row(Step.AWAIT_PHOTO, btn(Action.BACK), Step.MEMBER, back_step(Step.MEMBER)),
    row(Step.CHECKING, TEXT, (), checking_wait),
    row(Step.CHECKING, MEDIA, (), checking_wait),
)
