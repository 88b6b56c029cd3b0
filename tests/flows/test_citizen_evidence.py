"""What the citizen reads around the evidence: texts that fit a photo or a video, one challenge
per attempt, ID numbers removed from the chat, consent from the person filmed, short failure
messages and the e-card's validity (issue 10, citizen side)."""

from __future__ import annotations

import pytest

from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.core import (
    Action,
    CommandSent,
    FlowConfig,
    InlineKeyboard,
    MediaKind,
    MediaSent,
    Reply,
    TextSent,
)
from bot.i18n import Translator
from tests.flows.test_citizen_flow import (
    CITIZEN_ID,
    FATHER_ID,
    MOTHER_ID,
    SON_ID,
    add_member,
    press,
    signed_in_chat,
)
from tests.flows.world import USER, Chat, World

TR = Translator()
LANGS = ("en", "es", "zh-CN")


@pytest.fixture
def world() -> World:
    return World()


def rendered(replies: list[Reply], lang: str = "en") -> list[str]:
    return [TR.lines(lang, reply.lines) for reply in replies]


def child_in_photo_step(world: World) -> Chat:
    chat = signed_in_chat(world)
    add_member(chat, "王小宝", SON_ID, "son")
    chat.send(press(Action.VERIFY))
    chat.send(press(Action.ACCEPT))
    assert chat.conv.step is flow.Step.AWAIT_PHOTO
    return chat


def adult_ready(world: World) -> Chat:
    chat = signed_in_chat(world)
    add_member(chat, "王大刚", FATHER_ID, "father")
    chat.send(press(Action.VERIFY))
    chat.send(press(Action.ACCEPT))
    assert chat.conv.step is flow.Step.LIVENESS_READY
    return chat


# --- point 1: the child's photo path never speaks of a video -----------------------------------


def test_consent_for_a_child_opens_a_photo_application(world: World) -> None:
    child_in_photo_step(world)
    started = [c for c in world.log if isinstance(c, fx.StartApplication)]
    assert [c.kind for c in started] == ["photo"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_clear_childs_photo_is_sent_for_review_without_a_word_of_video(
    world: World, lang: str
) -> None:
    chat = child_in_photo_step(world)
    chat.send(MediaSent(MediaKind.PHOTO, "p", 1000))
    shown = rendered(chat.replies, lang)
    app_id, member_id = chat.conv.application_id or 0, chat.conv.member_id or 0
    chat.send(fx.AnalysisFinished(app_id, member_id, "in_review", ("child",), kind="photo"))
    shown += rendered(chat.replies, lang)
    assert "result-photo-in-review" in chat.keys
    words = {"en": "video", "es": "vídeo", "zh-CN": "视频"}[lang]
    assert not [text for text in shown if words in text.lower()], shown


def test_a_soft_childs_photo_is_asked_again_without_attempts_or_a_promised_review(
    world: World,
) -> None:
    chat = child_in_photo_step(world)
    chat.send(MediaSent(MediaKind.PHOTO, "p", 1000))
    assert chat.keys == ["checking-photo"]
    assert chat.send(TextSent("done?")) == ["checking-wait-photo"]
    app_id, member_id = chat.conv.application_id or 0, chat.conv.member_id or 0
    chat.send(
        fx.AnalysisFinished(
            app_id, member_id, "retry", ("too_blurry", "child"), attempts_left=1, kind="photo"
        )
    )
    assert chat.conv.step is flow.Step.AWAIT_PHOTO
    assert "attempts-left" not in chat.keys and "retry-next" not in chat.keys
    assert "reason-child" not in chat.keys and "tip-child" not in chat.keys
    text = "\n".join(rendered(chat.replies))
    assert "blurry" in text and "photo" in text
    assert "video" not in text.lower() and "review" not in text.lower(), text
    unreadable = chat.send(MediaSent(MediaKind.PHOTO, "p2", 1000))
    assert unreadable == ["checking-photo"]
    chat.send(fx.AnalysisFinished(app_id, member_id, "error", kind="photo"))
    assert "video" not in "\n".join(rendered(chat.replies)).lower()


# --- point 2: one challenge per attempt ------------------------------------------------------


def test_the_challenge_is_kept_through_practice_and_retries(world: World) -> None:
    chat = adult_ready(world)
    drawn = list(chat.conv.challenge)
    assert sorted(drawn) == ["blink", "turn_left", "turn_right"]
    app_id, member_id = chat.conv.application_id or 0, chat.conv.member_id or 0
    chat.send(press(Action.PRACTICE))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "p", 1000, 5))
    assert [c.challenge for c in world.log if isinstance(c, fx.SubmitMedia)] == [tuple(drawn)]
    chat.send(fx.AnalysisFinished(app_id, member_id, "practice", ("no_blink",), practice=True))
    assert chat.conv.challenge == drawn
    for left in (2, 1):
        chat.send(press(Action.START_VIDEO))
        chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
        chat.send(
            fx.AnalysisFinished(app_id, member_id, "retry", ("no_blink",), attempts_left=left)
        )
        assert chat.conv.challenge == drawn
    chat.send(fx.AnalysisFinished(app_id, member_id, "error"))
    assert chat.conv.challenge == drawn
    # leaving and coming back to the same open application keeps it too
    chat.send(press(Action.BACK))
    chat.send(press(Action.VERIFY))
    assert chat.conv.challenge == drawn
    assert {c.challenge for c in world.log if isinstance(c, fx.SubmitMedia)} == {tuple(drawn)}


def test_a_new_application_draws_a_new_challenge_eventually(world: World) -> None:
    """Different attempts do get different orders (the draw is not constant)."""
    orders = set()
    for attempt in range(6):
        other = World(config=FlowConfig(), draws=attempt * 5)
        chat = adult_ready(other)
        orders.add(tuple(chat.conv.challenge))
    assert len(orders) > 1


def test_im_ready_repeats_the_challenge(world: World) -> None:
    chat = adult_ready(world)
    drawn = list(chat.conv.challenge)
    for action in (Action.START_VIDEO, Action.PRACTICE):
        if chat.conv.step is flow.Step.AWAIT_VIDEO:
            chat.send(press(Action.BACK))
        chat.send(press(action))
        steps = [
            line.params["action"]
            for reply in chat.replies
            for line in reply.lines
            if line.key == "challenge-step"
        ]
        assert [s.key for s in steps] == [f"action-{a}" for a in drawn]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("lang", "left", "right"),
    [
        ("en", "left shoulder", "right shoulder"),
        ("es", "hombro izquierdo", "hombro derecho"),
        ("zh-CN", "左肩", "右肩"),
    ],
)
def test_head_turns_are_said_by_shoulder_with_an_arrow(lang: str, left: str, right: str) -> None:
    from bot.flows.core import t

    turn_left = TR.render(lang, t("action-turn_left"), for_html=False)
    turn_right = TR.render(lang, t("action-turn_right"), for_html=False)
    assert left in turn_left and "⬅" in turn_left
    assert right in turn_right and "➡" in turn_right


# --- point 4: the message holding an ID number is removed from the chat ----------------------


def test_the_own_id_number_message_is_deleted_with_a_note(world: World) -> None:
    from bot.flows.core import CommandSent, ContactShared

    chat = Chat(world)
    chat.send(CommandSent("start"))
    chat.send(press(Action.ACCEPT))
    chat.send(ContactShared("+8613800138000", is_own=True))
    chat.send(TextSent("王小明", message_id=10))
    chat.send(TextSent(CITIZEN_ID[:-1], message_id=11))  # too short: refused, removed all the same
    assert chat.deleted == [11]
    chat.send(TextSent(CITIZEN_ID, message_id=12))
    assert chat.deleted == [11, 12]  # the name (10) stays
    assert "id-message-removed" in chat.keys
    note = next(ln for r in chat.replies for ln in r.lines if ln.key == "id-message-removed")
    assert note.params["id"] == CITIZEN_ID[:3] + "*" * 11 + CITIZEN_ID[-4:]
    assert CITIZEN_ID not in "\n".join(rendered(chat.replies))


def test_a_members_id_number_message_is_deleted_with_a_note(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.ADD_MEMBER))
    chat.send(TextSent("王大刚", message_id=20))
    keys = chat.send(TextSent(FATHER_ID, message_id=21))
    assert chat.deleted == [21]  # the name (20) stays
    assert keys[0] == "id-message-removed"
    assert chat.conv.step is flow.Step.ADD_RELATION


def test_an_id_number_sent_where_none_is_asked_is_deleted_too(world: World) -> None:
    """Sent twice, or at the menu, or while a video is awaited: the message is unexpected
    there, and still must not stay in the chat in clear."""
    chat = signed_in_chat(world)
    keys = chat.send(TextSent(CITIZEN_ID, message_id=30))
    assert chat.deleted == [30]
    assert keys[:2] == ["id-message-removed-unsaved", "unexpected"]
    assert chat.conv.step is flow.Step.MENU
    chat.send(press(Action.FAMILY))
    chat.send(TextSent(f"my father is {FATHER_ID}", message_id=31))
    chat.send(TextSent("hello 2024", message_id=32))  # too few digits to hold a number: stays
    assert chat.deleted == [30, 31]
    assert CITIZEN_ID not in "\n".join(rendered(chat.replies))


# --- point 5: consent from the person filmed, per member --------------------------------------


def test_consent_is_asked_of_each_member_by_name(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "王大刚", FATHER_ID, "father")
    chat.send(press(Action.VERIFY))
    assert chat.conv.step is flow.Step.BIO_CONSENT
    consent = next(ln for r in chat.replies for ln in r.lines if ln.key == "bio-consent")
    assert consent.params["name"] == "王大刚"
    assert "王大刚" in "\n".join(rendered(chat.replies, "zh-CN"))
    chat.send(press(Action.ACCEPT))
    father = chat.conv.member_id
    assert father is not None
    given = [c for c in world.log if isinstance(c, fx.GiveBiometricConsent)]
    assert given == [fx.GiveBiometricConsent(father, "bio-consent", "en", 30)]
    # a member added later is asked too, by their own name
    add_member(chat, "李秀英", MOTHER_ID, "mother")
    chat.send(press(Action.VERIFY))
    assert chat.conv.step is flow.Step.BIO_CONSENT
    consent = next(ln for r in chat.replies for ln in r.lines if ln.key == "bio-consent")
    assert consent.params["name"] == "李秀英"
    # the father, having agreed, goes straight on
    chat.send(press(Action.DECLINE))
    chat.send(press(Action.BACK))
    chat.send(press(Action.OPEN_MEMBER, str(father)))
    chat.send(press(Action.VERIFY))
    assert chat.conv.step is flow.Step.LIVENESS_READY


def test_a_childs_consent_is_asked_of_the_parent_for_the_named_child(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "王小宝", SON_ID, "son")
    chat.send(press(Action.VERIFY))
    consent = next(ln for r in chat.replies for ln in r.lines if ln.key == "bio-consent-child")
    assert consent.params["name"] == "王小宝"
    chat.send(press(Action.ACCEPT))
    given = [c for c in world.log if isinstance(c, fx.GiveBiometricConsent)]
    assert [(c.member_id, c.text) for c in given] == [(chat.conv.member_id, "bio-consent-child")]


# --- point 11: short failure messages, the e-card's validity -----------------------------------


def _lines(reply: Reply) -> int:
    return sum(TR.lines("en", (line,)).count("\n") + 1 for line in reply.lines)


def test_a_failed_attempt_is_one_short_message(world: World) -> None:
    chat = adult_ready(world)
    app_id, member_id = chat.conv.application_id or 0, chat.conv.member_id or 0
    chat.send(press(Action.START_VIDEO))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
    chat.send(
        fx.AnalysisFinished(
            app_id, member_id, "retry", ("no_blink", "too_dark", "no_turn_left"), attempts_left=2
        )
    )
    assert len(chat.replies) == 1, chat.keys
    (reply,) = chat.replies
    assert reply.edit == "checking"
    assert chat.keys == ["result-failed", "tip-no_blink", "retry-next"]
    assert _lines(reply) <= 3
    assert isinstance(reply.keyboard, InlineKeyboard)
    assert ("btn-start-video", "go") in chat.buttons
    assert chat.conv.step is flow.Step.LIVENESS_READY


def test_practice_and_lock_messages_are_short_too(world: World) -> None:
    chat = adult_ready(world)
    app_id, member_id = chat.conv.application_id or 0, chat.conv.member_id or 0
    chat.send(press(Action.PRACTICE))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "p", 1000, 5))
    chat.send(
        fx.AnalysisFinished(app_id, member_id, "practice", ("no_blink", "too_dark"), practice=True)
    )
    assert chat.keys == ["practice-failed", "tip-no_blink", "practice-next"]
    assert len(chat.replies) == 1 and _lines(chat.replies[0]) <= 3
    chat.send(press(Action.START_VIDEO))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
    chat.send(fx.AnalysisFinished(app_id, member_id, "locked", ("no_blink", "too_dark")))
    assert chat.keys == ["result-failed", "locked-offer"]
    assert len(chat.replies) == 1 and _lines(chat.replies[0]) <= 3
    assert ("btn-human-review", "hrev") in chat.buttons


def test_the_ecard_shows_its_validity_date(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "王大刚", FATHER_ID, "father")
    member_id = chat.conv.member_id or 0
    world.members[member_id]["status"] = "verified"
    chat.send(press(Action.ECARD))
    assert fx.ShowEcard(member_id) in world.log
    assert "ecard-valid-until" in chat.keys
    assert "2027-11-28" in "\n".join(rendered(chat.replies))  # a year after NOW
    (card,) = [m for m in chat.messenger.live(USER) if m.photo is not None]
    assert card.photo == b"png" and "2027-11-28" in card.text


def test_an_application_with_nothing_sent_is_not_listed(world: World) -> None:
    """Agreeing to the consent opens the application; leaving before any video (or only
    practising) leaves My applications empty; once a video is sent it is listed."""
    chat = adult_ready(world)
    chat.send(press(Action.PRACTICE))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "p", 1000, 5))
    app_id, member_id = chat.conv.application_id or 0, chat.conv.member_id or 0
    chat.send(fx.AnalysisFinished(app_id, member_id, "practice", ("no_blink",), practice=True))
    chat.send(CommandSent("cancel"))
    assert chat.send(press(Action.APPLICATIONS)) == ["applications-title", "applications-empty"]
    assert [b for b in chat.buttons if b[1] == Action.OPEN_APPLICATION.value] == []
    chat.send(press(Action.MENU))
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.OPEN_MEMBER, str(member_id)))
    chat.send(press(Action.VERIFY))
    assert chat.conv.application_id == app_id  # taken up again
    chat.send(press(Action.START_VIDEO))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
    chat.send(fx.AnalysisFinished(app_id, member_id, "retry", ("no_blink",), attempts_left=2))
    chat.send(CommandSent("menu"))
    assert chat.send(press(Action.APPLICATIONS)) == ["applications-title"]
    assert [b for b in chat.buttons if b[1] == Action.OPEN_APPLICATION.value] == [
        ("application-button", Action.OPEN_APPLICATION.value)
    ]
