"""The citizen flow without Telegram or a database: every step, good and bad input."""

from __future__ import annotations

import json

import pytest

from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.core import (
    Action,
    ButtonPressed,
    CommandSent,
    ContactShared,
    FlowConfig,
    MediaKind,
    MediaSent,
    TextSent,
)
from tests.flows.world import USER, Chat, World, later
from tests.ids import rid

CITIZEN_ID = rid("11010519800101001")  # man born 1980
FATHER_ID = rid("11010519500305003")  # man born 1950
MOTHER_ID = rid("11010519520611002")  # woman born 1952
SON_ID = rid("11010520150101005")  # boy born 2015 (a child)
YOUNG_MAN_ID = rid("11010519950101007")  # man born 1995
OLDER_MAN_ID = rid("11010519700101009")  # man born 1970


def press(action: Action, arg: str = "") -> ButtonPressed:
    return ButtonPressed(action, arg)


@pytest.fixture
def world() -> World:
    return World()


def signed_in_chat(world: World) -> Chat:
    chat = Chat(world)
    chat.send(CommandSent("start"))
    chat.send(press(Action.ACCEPT))
    chat.send(ContactShared("+8613800138000", is_own=True))
    chat.send(TextSent("王小明"))
    chat.send(TextSent(CITIZEN_ID))
    assert chat.conv.step is flow.Step.MENU
    return chat


def add_member(chat: Chat, name: str, number: str, relationship: str) -> None:
    chat.send(press(Action.MENU))
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.ADD_MEMBER))
    chat.send(TextSent(name))
    chat.send(TextSent(number))
    chat.send(press(Action.RELATION, relationship))
    assert chat.conv.step is flow.Step.ADD_CONFIRM, chat.keys
    chat.send(press(Action.CONFIRM))


def test_start_shows_privacy_notice_with_accept_and_decline(world: World) -> None:
    chat = Chat(world)
    keys = chat.send(CommandSent("start"))
    assert keys == ["welcome-title", "privacy-notice"]
    assert ("btn-accept", "acc") in chat.buttons
    assert ("btn-decline", "dec") in chat.buttons


def test_decline_keeps_nothing_but_the_refusal(world: World) -> None:
    chat = Chat(world)
    chat.send(CommandSent("start"))
    assert chat.send(press(Action.DECLINE)) == ["privacy-declined"]
    conv = chat.conv  # the screen count runs on, so that the notice's buttons stay stale
    assert conv == flow.Conversation(lang=conv.lang, screen=conv.screen)
    assert world.log == [fx.RecordPrivacyDecision(accepted=False)]


def test_anything_but_a_tap_at_the_privacy_notice_gets_a_hint_and_the_buttons(
    world: World,
) -> None:
    """A text, sticker, photo, contact or unknown command at the notice is answered with one
    line saying to tap Accept or Decline (no generic "unexpected"); the notice keeps its
    buttons, live; a text that may hold an ID number leaves the chat."""
    chat = Chat(world)
    chat.send(CommandSent("start"))
    shown = chat.conv.screen
    for event in (
        TextSent("hello"),
        MediaSent(MediaKind.STICKER, "s"),
        MediaSent(MediaKind.PHOTO, "p", 1000),
        ContactShared("+8613800138000", is_own=True),
        CommandSent("frobnicate"),
    ):
        assert chat.send(event) == ["privacy-hint"], event
        assert chat.buttons == [] and chat.conv.screen == shown  # the notice's still apply
        assert chat.conv.step is flow.Step.WELCOME
    assert "edit_markup" not in chat.messenger.calls
    assert chat.send(TextSent(CITIZEN_ID, message_id=77)) == [
        "id-message-removed-unsaved",
        "privacy-hint",
    ]
    assert chat.deleted == [77]
    assert not any(isinstance(c, fx.RecordPrivacyDecision) for c in world.log)
    assert chat.send(press(Action.ACCEPT)) == ["sign-in-prompt"]
    assert chat.conv.step is flow.Step.SIGN_IN


def test_a_first_message_that_is_not_text_still_opens_the_notice(world: World) -> None:
    """A sticker or a contact as the very first message shows the notice, whose Accept then
    works (it used to answer "unexpected" and stay before the notice, so Accept was stale)."""
    for first in (MediaSent(MediaKind.STICKER, "s"), ContactShared("+8613800138000", True)):
        chat = Chat(world)
        assert chat.send(first) == ["welcome-title", "privacy-notice"]
        assert chat.send(press(Action.ACCEPT)) == ["sign-in-prompt"], chat.notices


def test_sign_in_refuses_typed_numbers_and_foreign_contacts(world: World) -> None:
    chat = Chat(world)
    chat.send(CommandSent("start"))
    chat.send(press(Action.ACCEPT))
    assert chat.conv.step is flow.Step.SIGN_IN
    assert chat.send(TextSent("+86 138 0013 8000"))[0] == "contact-typed"
    assert chat.send(ContactShared("+8613900139000", is_own=False))[0] == "contact-not-own"
    assert chat.send(ContactShared("12", is_own=True))[0] == "contact-invalid"
    assert chat.conv.step is flow.Step.SIGN_IN
    assert not any(isinstance(c, fx.LookupPhone) for c in world.log)


def test_start_after_accepting_asks_for_the_phone_again_not_the_notice(world: World) -> None:
    """/start once the notice is accepted (signing in, or registering) goes back to the
    sign-in: the "Share my phone number" keyboard still shown there must work, so the
    notice, whose step takes no contact, is not shown again."""
    chat = Chat(world)
    chat.send(CommandSent("start"))
    chat.send(press(Action.ACCEPT))
    for before in ([], [ContactShared("+8613800138000", is_own=True), TextSent("王小明")]):
        for event in before:
            chat.send(event)
        assert chat.send(CommandSent("start")) == ["sign-in-prompt"]
        assert chat.conv.step is flow.Step.SIGN_IN and chat.conv.reg_name == ""
        assert chat.send(ContactShared("+8613800138000", is_own=True)) == [
            "reg-new-account",
            "reg-name-prompt",
        ]
        chat.send(CommandSent("cancel"))
    assert world.log.count(fx.RecordPrivacyDecision(accepted=True)) == 1


def test_registration_validates_name_and_id(world: World) -> None:
    chat = Chat(world)
    chat.send(CommandSent("start"))
    chat.send(press(Action.ACCEPT))
    assert chat.send(ContactShared("8613800138000", is_own=True)) == [
        "reg-new-account",
        "reg-name-prompt",
    ]
    assert chat.conv.phone == "+8613800138000"  # kept while registering, encrypted at rest
    assert "8613800138000" not in json.dumps(chat.store.docs[("citizen", USER)])
    assert chat.send(TextSent("<b>x</b>")) == ["name-error-invalid-characters"]
    assert chat.send(TextSent("A")) == ["name-error-too-short"]
    assert chat.send(TextSent("王小明 2")) == ["name-error-invalid-characters"]
    assert chat.conv.step is flow.Step.REG_NAME
    chat.send(TextSent("  王小明 "))
    assert chat.conv.reg_name == "王小明"
    bad = CITIZEN_ID[:-1] + ("0" if CITIZEN_ID[-1] != "0" else "1")
    assert chat.send(TextSent(bad)) == ["id-error-checksum"]
    assert chat.send(TextSent("99010519800101001X")) == ["id-error-province"]
    assert chat.send(TextSent("12345")) == ["id-error-length"]
    assert chat.conv.step is flow.Step.REG_ID
    keys = chat.send(TextSent(CITIZEN_ID.lower()))
    assert keys[:2] == ["reg-done", "menu-title"]
    assert chat.conv.signed_in
    assert chat.conv.phone == ""
    assert CITIZEN_ID not in json.dumps(chat.store.docs[("citizen", USER)])


def test_returning_citizen_signs_in_with_known_phone(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(CommandSent("logout"))
    assert chat.conv.step is flow.Step.SIGN_IN and not chat.conv.signed_in
    keys = chat.send(ContactShared("+8613800138000", is_own=True))
    assert keys == ["signed-in", "menu-title"]
    assert chat.conv.step is flow.Step.MENU


def test_add_member_happy_path_then_summary_edit(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.ADD_MEMBER))
    chat.send(TextSent("王大明"))
    assert chat.conv.step is flow.Step.ADD_ID
    chat.send(TextSent(FATHER_ID))
    assert chat.conv.step is flow.Step.ADD_RELATION
    chat.send(press(Action.RELATION, "father"))
    assert chat.conv.step is flow.Step.ADD_CONFIRM
    assert "add-confirm-title" in chat.keys
    chat.send(press(Action.EDIT_NAME))
    assert chat.conv.step is flow.Step.ADD_NAME
    chat.send(TextSent("王老明"))
    assert chat.conv.step is flow.Step.ADD_CONFIRM
    keys = chat.send(press(Action.CONFIRM))
    assert keys[0] == "member-added"
    assert chat.conv.step is flow.Step.MEMBER
    assert [m["name"] for m in world.members.values()] == ["王老明"]


def test_add_member_refuses_self_duplicate_and_contradictions(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "王大明", FATHER_ID, "father")
    chat.send(press(Action.MENU))
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.ADD_MEMBER))
    chat.send(TextSent("李四"))
    assert chat.send(TextSent(CITIZEN_ID)) == ["member-is-self"]
    assert chat.send(TextSent(FATHER_ID)) == ["member-duplicate"]
    chat.send(TextSent(YOUNG_MAN_ID))
    assert chat.send(press(Action.RELATION, "father"))[0] == "relation-too-young"
    assert chat.send(press(Action.RELATION, "mother"))[0] == "relation-sex-female"
    assert chat.send(press(Action.RELATION, "nonsense")) == ["add-relation-prompt"]
    assert chat.conv.step is flow.Step.ADD_RELATION
    chat.send(press(Action.RELATION, "son"))  # 15 years younger: plausible
    assert chat.conv.step is flow.Step.ADD_CONFIRM
    chat.send(press(Action.EDIT_ID))
    chat.send(TextSent(SON_ID))  # a boy of eleven
    chat.send(press(Action.EDIT_RELATION))
    assert chat.send(press(Action.RELATION, "spouse"))[0] == "relation-spouse-minor"
    assert chat.conv.step is flow.Step.ADD_RELATION
    chat.send(press(Action.RELATION, "son"))
    chat.send(press(Action.EDIT_ID))
    chat.send(TextSent(OLDER_MAN_ID))  # the son would be older than the citizen
    assert chat.keys[0] == "relation-too-old"
    assert chat.conv.step is flow.Step.ADD_RELATION


def test_member_limit(world: World) -> None:
    world.config = FlowConfig(max_members=1)
    chat = signed_in_chat(world)
    add_member(chat, "王大明", FATHER_ID, "father")
    chat.send(press(Action.MENU))
    chat.send(press(Action.FAMILY))
    assert ("btn-add-member", "add") not in chat.buttons
    assert chat.send(press(Action.ADD_MEMBER)) == ["family-full"]


def test_back_and_cancel_on_every_add_step(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.ADD_MEMBER))
    chat.send(TextSent("王大明"))
    chat.send(press(Action.BACK))
    assert chat.conv.step is flow.Step.ADD_NAME
    chat.send(TextSent("王大明"))
    chat.send(TextSent(FATHER_ID))
    chat.send(press(Action.BACK))
    assert chat.conv.step is flow.Step.ADD_ID
    chat.send(press(Action.CANCEL))
    assert chat.conv.step is flow.Step.MENU
    assert chat.conv.draft == flow.Draft()
    assert world.members == {}


def go_to_video(chat: Chat) -> None:
    add_member(chat, "王大明", FATHER_ID, "father")
    chat.send(press(Action.VERIFY))
    assert chat.conv.step is flow.Step.BIO_CONSENT
    chat.send(press(Action.ACCEPT))
    assert chat.conv.step is flow.Step.LIVENESS_READY


def test_liveness_step_asks_consent_and_a_random_ordered_challenge(world: World) -> None:
    chat = signed_in_chat(world)
    go_to_video(chat)
    assert sorted(chat.conv.challenge) == ["blink", "turn_left", "turn_right"]
    assert chat.keys.count("challenge-step") == 3
    assert any(isinstance(c, fx.GiveBiometricConsent) for c in world.log)


def test_video_step_refuses_wrong_media_and_oversized_files(world: World) -> None:
    chat = signed_in_chat(world)
    go_to_video(chat)
    chat.send(press(Action.START_VIDEO))
    assert chat.conv.step is flow.Step.AWAIT_VIDEO
    for kind in (MediaKind.PHOTO, MediaKind.STICKER, MediaKind.VOICE):
        assert chat.send(MediaSent(kind, "f"))[0] == "video-wrong-kind"
    assert (
        chat.send(MediaSent(MediaKind.DOCUMENT, "f", 100, None, "application/pdf"))[0]
        == "video-wrong-kind"
    )
    assert chat.send(TextSent("hello"))[0] == "unexpected"
    assert chat.send(MediaSent(MediaKind.VIDEO, "f", 30 * 1024 * 1024, 5)) == ["video-too-big"]
    assert chat.send(MediaSent(MediaKind.VIDEO_NOTE, "f", 1000, 60)) == ["video-too-long"]
    assert chat.send(MediaSent(MediaKind.VIDEO_NOTE, "f", 1000, 0)) == ["video-too-short"]
    assert chat.conv.step is flow.Step.AWAIT_VIDEO
    assert not any(isinstance(c, fx.SubmitMedia) for c in world.log)
    assert chat.send(MediaSent(MediaKind.VIDEO_NOTE, "good", 1000, 5)) == ["checking"]
    assert chat.conv.step is flow.Step.CHECKING
    submitted = [c for c in world.log if isinstance(c, fx.SubmitMedia)]
    assert len(submitted) == 1 and not submitted[0].practice
    assert chat.send(TextSent("done?")) == ["checking-wait"]


def test_practice_run_is_not_counted_and_gives_tips(world: World) -> None:
    chat = signed_in_chat(world)
    go_to_video(chat)
    chat.send(press(Action.PRACTICE))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "p", 1000, 5))
    submitted = [c for c in world.log if isinstance(c, fx.SubmitMedia)]
    assert submitted[-1].practice
    app_id = chat.conv.application_id
    assert app_id is not None
    keys = chat.send(fx.AnalysisFinished(app_id, 1, "practice", ("no_blink",), practice=True))
    assert keys == ["practice-failed", "tip-no_blink", "practice-next"]
    assert chat.conv.step is flow.Step.LIVENESS_READY
    assert chat.replies[0].edit == "checking"


def test_failed_attempts_then_lock_and_human_review_offer(world: World) -> None:
    chat = signed_in_chat(world)
    go_to_video(chat)
    chat.send(press(Action.START_VIDEO))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
    app_id = chat.conv.application_id
    assert app_id is not None
    member_id = chat.conv.member_id or 0
    keys = chat.send(
        fx.AnalysisFinished(app_id, member_id, "retry", ("too_dark",), attempts_left=2)
    )
    assert keys == ["result-failed", "tip-too_dark", "retry-next"]
    assert chat.conv.step is flow.Step.LIVENESS_READY
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
    keys = chat.send(fx.AnalysisFinished(app_id, member_id, "locked", ("no_blink",)))
    assert "locked-offer" in keys
    assert ("btn-human-review", "hrev") in chat.buttons
    assert chat.conv.step is flow.Step.MEMBER
    chat.send(press(Action.HUMAN_REVIEW, str(app_id)))
    assert fx.RequestHumanReview(app_id) in world.log


def test_outcome_arriving_elsewhere_does_not_move_the_citizen(world: World) -> None:
    chat = signed_in_chat(world)
    go_to_video(chat)
    chat.send(press(Action.START_VIDEO))
    chat.send(MediaSent(MediaKind.VIDEO_NOTE, "v", 1000, 5))
    app_id = chat.conv.application_id or 0
    chat.send(CommandSent("cancel"))
    assert chat.conv.step is flow.Step.MENU
    keys = chat.send(fx.AnalysisFinished(app_id, 1, "in_review"))
    assert keys == ["result-in-review"]
    assert chat.conv.step is flow.Step.MENU
    assert chat.replies[0].edit is None


def test_children_send_a_photo_instead(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "王小宝", SON_ID, "son")
    chat.send(press(Action.VERIFY))
    assert chat.conv.step is flow.Step.BIO_CONSENT  # a face photo is biometric data too
    keys = chat.send(press(Action.ACCEPT))
    assert keys[:2] == ["child-photo-intro", "photo-prompt"]
    assert chat.conv.step is flow.Step.AWAIT_PHOTO
    assert chat.send(MediaSent(MediaKind.VIDEO, "v", 10, 3))[0] == "photo-wrong-kind"
    assert chat.send(MediaSent(MediaKind.PHOTO, "p", 20 * 1024 * 1024))[0] == "photo-too-big"
    chat.send(MediaSent(MediaKind.PHOTO, "p", 1000))
    assert chat.conv.step is flow.Step.CHECKING
    submitted = [c for c in world.log if isinstance(c, fx.SubmitMedia)]
    assert submitted[-1].kind == "photo"


def test_session_expires_after_idle_time(world: World) -> None:
    chat = signed_in_chat(world)
    later(world, world.config.session_idle_minutes + 1)
    keys = chat.send(press(Action.FAMILY))
    assert keys[:2] == ["session-expired", "sign-in-prompt"]
    assert not chat.conv.signed_in
    assert fx.SignOut("idle") in world.log


def test_a_decision_reaches_a_citizen_idle_since(world: World) -> None:
    """A review decided an hour later is told, not met with "session expired" (which lost
    it); nor does it extend the session: the citizen's next tap finds it expired."""
    chat = signed_in_chat(world)
    later(world, world.config.session_idle_minutes + 30)
    assert chat.send(fx.ReviewDecided(1, 1, "approved")) == ["decision-approved"]
    assert chat.conv.signed_in and fx.SignOut("idle") not in world.log
    assert chat.send(press(Action.FAMILY))[:1] == ["session-expired"]


def test_talking_to_a_person_is_not_idleness(world: World) -> None:
    """Waiting long for an agent, or reading their replies, does not sign the citizen out
    mid-talk (their answer used to be lost, the ticket left open)."""
    world.config = FlowConfig(agents_configured=True)
    chat = signed_in_chat(world)
    chat.send(press(Action.SUPPORT))
    later(world, world.config.session_idle_minutes + 10)
    assert chat.send(fx.AgentJoined(1, "Agent A")) == ["support-agent-joined"]
    later(world, world.config.session_idle_minutes + 10)
    assert chat.send(TextSent("thanks, here it is", message_id=9)) == []
    assert world.log[-1] == fx.RelayToAgents(9)
    assert chat.conv.step is flow.Step.SUPPORT_CHAT and chat.conv.signed_in
    assert fx.SignOut("idle") not in world.log


def test_activity_keeps_the_session_alive(world: World) -> None:
    chat = signed_in_chat(world)
    for _ in range(3):
        later(world, world.config.session_idle_minutes - 1)
        chat.send(press(Action.FAMILY))
        chat.send(press(Action.BACK))
    assert chat.conv.signed_in


def test_language_change_returns_to_the_same_step(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(press(Action.FAMILY))
    chat.send(press(Action.ADD_MEMBER))
    chat.send(CommandSent("language"))
    assert chat.conv.step is flow.Step.LANGUAGE
    assert chat.send(press(Action.SET_LANGUAGE, "klingon")) == ["language-prompt"]
    keys = chat.send(press(Action.SET_LANGUAGE, "es"))
    assert keys == ["language-set", "add-name-prompt"]
    assert chat.conv.lang == "es" and chat.conv.step is flow.Step.ADD_NAME
    assert fx.SetLanguage("es") in world.log


def test_buttons_of_other_steps_are_answered_not_acted_on(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(press(Action.CONFIRM))
    assert chat.replies == []
    assert chat.notices and chat.conv.step is flow.Step.MENU


def test_unexpected_input_everywhere_gets_a_hint(world: World) -> None:
    chat = signed_in_chat(world)
    for event in (
        TextSent("?"),
        MediaSent(MediaKind.STICKER, "s"),
        ContactShared("+8613800138000", True),
    ):
        keys = chat.send(event)
        assert keys[0] == "unexpected"
        assert chat.conv.step is flow.Step.MENU


def test_delete_my_data(world: World) -> None:
    chat = signed_in_chat(world)
    chat.send(press(Action.DELETE_DATA))
    assert chat.conv.step is flow.Step.DELETE_CONFIRM
    chat.send(press(Action.CANCEL))
    assert chat.conv.step is flow.Step.MENU
    chat.send(press(Action.DELETE_DATA))
    assert chat.send(press(Action.CONFIRM)) == ["delete-done"]
    assert world.citizens == {}
    assert chat.conv == flow.Conversation(lang=chat.conv.lang)


def test_remove_member_with_confirmation(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "王大明", FATHER_ID, "father")
    chat.send(press(Action.REMOVE_MEMBER))
    assert chat.conv.step is flow.Step.MEMBER_REMOVE
    chat.send(press(Action.BACK))
    assert chat.conv.step is flow.Step.MEMBER
    chat.send(press(Action.REMOVE_MEMBER))
    keys = chat.send(press(Action.CONFIRM))
    assert keys[:2] == ["member-removed", "family-title"]
    assert world.members == {}


def test_conversation_round_trips_through_json() -> None:
    conv = flow.Conversation(step=flow.Step.ADD_CONFIRM, citizen_id=3, challenge=["blink"])
    conv.draft.name = "王"
    again = flow.Conversation.from_dict(conv.to_dict())
    assert again == conv
    assert flow.Conversation.from_dict({"step": "menu", "unknown_field": 1}).step is flow.Step.MENU


def test_conversation_to_dict_is_asdict_and_shares_nothing_mutable() -> None:
    """`to_dict` skips `dataclasses.asdict`'s deep copy: same result, and changing the dict
    (the runner blanks the encrypted fields in it) leaves the conversation as it was."""
    import dataclasses
    import json

    conv = flow.Conversation(
        step=flow.Step.ADD_CONFIRM,
        citizen_id=3,
        challenge=["blink", "turn_left"],
        return_to=flow.Step.FAMILY,
        phone="+8613900000000",
        last_active="2026-12-01T19:00:00+00:00",
        screen=7,
    )
    conv.draft.name, conv.draft.id_number, conv.draft.editing = "王", "11010519491231002X", True
    data = conv.to_dict()
    assert data == dataclasses.asdict(conv)
    assert json.loads(json.dumps(data)) == json.loads(json.dumps(dataclasses.asdict(conv)))
    data["draft"]["id_number"] = ""
    data["challenge"].append("shake")
    assert conv.draft.id_number == "11010519491231002X"
    assert conv.challenge == ["blink", "turn_left"]


def test_mother_must_be_a_woman(world: World) -> None:
    chat = signed_in_chat(world)
    add_member(chat, "李芳", MOTHER_ID, "mother")
    assert chat.conv.step is flow.Step.MEMBER


def test_while_talking_to_a_person_the_bot_steps_aside(world: World) -> None:
    """The support-chat rows: everything is relayed (commands too), /cancel and End end the
    talk, other buttons are stale, outcomes arriving meanwhile are still told."""
    world.config = FlowConfig(agents_configured=True)
    chat = signed_in_chat(world)
    chat.send(press(Action.SUPPORT))
    assert chat.conv.step is flow.Step.SUPPORT_CHAT
    assert chat.send(TextSent("hello", message_id=5)) == []
    assert chat.send(CommandSent("start", message_id=6)) == []
    assert world.log[-2:] == [fx.RelayToAgents(5), fx.RelayToAgents(6)]
    assert chat.send(press(Action.FAMILY)) == [] and chat.notices
    assert chat.conv.step is flow.Step.SUPPORT_CHAT
    assert chat.send(fx.ReviewDecided(1, 1, "approved")) == ["decision-approved"]
    assert chat.conv.step is flow.Step.SUPPORT_CHAT
    chat.send(CommandSent("cancel"))
    assert chat.conv.step is flow.Step.MENU
    assert fx.CloseTicket() in world.log


def test_a_signed_out_conversation_is_handled_from_the_sign_in(world: World) -> None:
    """The signed-out guard row corrects the step, then the sign-in rows take the event."""
    stray = flow.Conversation(step=flow.Step.FAMILY, privacy_accepted=True)
    chat = Chat(world, conv=stray)
    chat.send(ContactShared("+8613800138000", is_own=True))
    assert chat.conv.step is flow.Step.REG_NAME
    assert fx.LookupPhone("+8613800138000") in world.log


def test_an_account_deleted_elsewhere_starts_over(world: World) -> None:
    chat = signed_in_chat(world)
    world.citizens.clear()
    assert chat.send(press(Action.FAMILY)) == ["welcome-title", "privacy-notice"]
    assert not chat.conv.signed_in and chat.conv.step is flow.Step.WELCOME
