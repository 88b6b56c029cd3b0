"""End to end: the agents' supergroup. Review cards, claims, decisions, races, forged and
unauthorised taps, and human takeover with relaying both ways, against the emulator."""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bot.emulator import Emulator, SimulatedUser, Supergroup
from bot.emulator.testing import running_emulator
from bot.flows.core import T
from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.jobs.local import OnDone
from bot.services.reviews import RejectReason
from bot.services.staff import StaffService
from bot.storage.models import (
    Application,
    ApplicationState,
    FamilyMember,
    MemberStatus,
    Review,
    StaffRole,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from bot.vision import analyse_photo
from tests.e2e.harness import (
    TRANSLATOR,
    BotUnderTest,
    Citizen,
    id_card_photo,
    make_settings,
    running,
    send_id_card,
)
from tests.ids import rid

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("each_runtime")]

AGENTS = -1001000000777


OWN_ID = rid("44030419850612001")


def own_id(user_id: int) -> str:
    """A different valid ID number for every simulated citizen."""
    return rid(f"44030419850612{user_id % 1000:03d}")


FATHER_ID = rid("44030419560203001")


def jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), (shade, 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


class ReviewingQueue:
    """Stands in for the engine: every real attempt comes back live, to be reviewed, with
    two key frames (the engine itself is tested end to end elsewhere)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self, on_done: OnDone | None = None) -> None:
        return None

    async def submit(self, job: AnalysisJob, on_done: OnDone) -> None:
        Path(job.path).unlink(missing_ok=True)  # as the real job does, with the reference
        if job.reference_path:
            Path(job.reference_path).unlink(missing_ok=True)
        result = AnalysisResult(
            job.application_id,
            job.practice,
            job.kind,
            "review",
            live=True,
            reasons=("match_borderline",),
            scores={"distance": 0.5, "same_person": False},
            key_frames=(("frontal", jpeg(40)), ("turn_left", jpeg(200))),
        )
        task = asyncio.create_task(on_done(result))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))

    async def close(self) -> None:
        await self.drain()


@dataclass
class Desk:
    emulator: Emulator
    bot: BotUnderTest
    group: Supergroup
    agent_a: SimulatedUser
    agent_b: SimulatedUser
    outsider: SimulatedUser

    def label(self, key: str) -> str:
        return TRANSLATOR("en", key, for_html=False)

    async def card(self) -> tuple[int, int]:
        """(topic id, card message id) of the newest review card."""
        topic = self.group.topic(self.label("agent-reviews-topic"))
        message = await self.group.wait_for(
            lambda m: bool(m.inline_keyboard), timeout=20, thread_id=topic.message_thread_id
        )
        return topic.message_thread_id, message.message_id


@functools.cache
def warm_face_models() -> None:
    """Loads the face models once per test process (10 s on a busy machine), so that the
    first ID card photo is answered within the emulator's reply timeout."""
    analyse_photo(id_card_photo())


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    await asyncio.to_thread(warm_face_models)
    async with running_emulator(agents_chat_id=AGENTS) as emu:
        settings = make_settings(tmp_path / "data", agents_chat_id=AGENTS)
        async with running(emu, settings, queue=ReviewingQueue()) as under_test:  # type: ignore[arg-type]
            group = emu.agents
            assert group is not None
            people = [
                emu.user(20001, "Agent A"),
                emu.user(20002, "Agent B"),
                emu.user(20003, "Visitor"),
            ]
            for person in people:
                group.add_member(person)
            staff = StaffService([])
            await staff.add(20001, StaffRole.AGENT)
            await staff.add(20002, StaffRole.AGENT)
            yield Desk(emu, under_test, group, *people)


async def signed_in(desk: Desk, user_id: int, name: str, *, lang: str = "en") -> Citizen:
    """A citizen who accepted the notice, shared their phone and registered."""
    user = desk.emulator.user(
        user_id, "C", language_code=lang, phone_number=f"+86138001{user_id:05d}"
    )
    p = Citizen(user, lang)
    await p.say("/start")
    await p.tap("btn-accept")
    await p.tap("btn-share-phone")
    await p.say(name)
    await p.say(own_id(user_id))
    return p


async def citizen_in_review(desk: Desk, user_id: int = 700) -> Citizen:
    """A citizen who registered, added their father and sent a video now under review."""
    user = desk.emulator.user(
        user_id, "C", language_code="en", phone_number=f"+86138001{user_id:05d}"
    )
    p = Citizen(user, "en")
    await p.say("/start")
    await p.tap("btn-accept")
    await p.tap("btn-share-phone")
    await p.say("Wang Xiaoming")
    await p.say(own_id(user_id))
    await consent_for_father(p)
    await send_id_card(p)
    await video_in_review(p)
    return p


async def consent_for_father(p: Citizen) -> None:
    """From the menu: adds the citizen's father, taps Verify and agrees to the consent."""
    await p.tap("btn-family")
    await p.tap("btn-add-member")
    await p.say("Wang Dagang")
    await p.say(FATHER_ID)
    await p.tap("rel-father")
    await p.tap("btn-confirm")
    await p.tap("btn-verify")
    await p.tap("btn-bio-agree", name="Wang Dagang")


async def video_in_review(p: Citizen) -> None:
    """At the liveness step: the video, which the reviewing queue sends to review."""
    await p.tap("btn-start-video")
    await p.act(p.user.send_video_note(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, duration=5))
    await p.user.wait_for(lambda m: p.text_of("result-in-review") in (m.text or ""), timeout=20)


async def test_card_with_key_frames_and_an_agent_approval(desk: Desk) -> None:
    p = await citizen_in_review(desk)
    topic, card_id = await desk.card()
    # the ID card photo the citizen sent is shown beside the two key frames, all labelled
    album = [m for m in desk.group.bot_messages(topic) if m.media_kind == "photo"]
    assert len(album) == 3
    assert album[0].text == desk.label("agent-reference-id_card")
    card = next(m for m in desk.group.bot_messages(topic) if m.message_id == card_id)
    text = card.text or ""
    assert FATHER_ID not in text and FATHER_ID[-4:] in text
    assert TRANSLATOR("en", "reason-match_borderline", for_html=False) in text
    for raw in ("match_borderline", "1_frontal", "in_review", "father"):
        assert raw not in text, raw
    assert "Father" in text and "facing the camera" in text and "in review" in text
    # someone who is not an agent changes nothing
    refused = await desk.group.press(desk.outsider, desk.label("agent-btn-approve"), topic)
    assert refused.callback_answer is not None and refused.callback_answer.show_alert
    assert refused.callback_answer.text == desk.label("agent-not-allowed")
    # agent A takes it: "Take" is gone; agent B can no longer decide it
    await desk.group.press(desk.agent_a, desk.label("agent-btn-take"), topic)
    card = next(m for m in desk.group.bot_messages(topic) if m.message_id == card_id)
    labels = card.buttons
    assert desk.label("agent-btn-take") not in labels
    assert desk.label("agent-btn-approve") in labels
    taken = await desk.group.press(desk.agent_b, desk.label("agent-btn-approve"), topic)
    assert taken.callback_answer is not None and taken.callback_answer.text == desk.label(
        "agent-error-taken"
    )
    # Approve asks for a confirmation: nothing reaches the citizen before it
    before = len(p.user.bot_messages)
    await desk.group.press(desk.agent_a, desk.label("agent-btn-approve"), topic)
    assert len(p.user.bot_messages) == before
    assert await Application.filter(state=ApplicationState.IN_REVIEW).count() == 1
    await desk.group.press(desk.agent_a, desk.label("agent-btn-confirm-approve"), topic)
    decision = p.text_of("decision-approved", name="Wang Dagang")
    await p.user.wait_for(lambda m: decision in (m.text or ""), timeout=10)
    app = await Application.get(citizen__telegram_user_id=700)
    assert app.state is ApplicationState.APPROVED
    assert (await FamilyMember.get(id=app.member_id)).status is MemberStatus.VERIFIED
    # the card shows the decision, has no buttons left, and a replayed tap is refused
    card = next(m for m in desk.group.bot_messages(topic) if m.message_id == card_id)
    assert not card.inline_keyboard
    assert "approved by an agent" in (card.text or "") and "approve:" not in (card.text or "")
    review = await Review.get(application_id=app.id)
    for data in (f"rv:ok:{review.id}:", f"rv:yes:{review.id}:ok"):
        replay = await desk.group.press_callback(desk.agent_b, card_id, data)
        assert replay.callback_answer is not None
        assert replay.callback_answer.text == desk.label("agent-error-decided")
    assert sum(decision in (m.text or "") for m in p.user.bot_messages) == 1


async def test_rejection_with_a_reason_the_citizen_can_retry(desk: Desk) -> None:
    p = await citizen_in_review(desk, 701)
    topic, card_id = await desk.card()
    await desk.group.press(desk.agent_b, desk.label("agent-btn-reject"), topic)
    await desk.group.press(desk.agent_b, desk.label("agent-reason-poor-quality") + " ↺", topic)
    card = next(m for m in desk.group.bot_messages(topic) if m.message_id == card_id)
    assert desk.label("agent-reason-poor-quality") in (card.text or "")
    await desk.group.press(desk.agent_b, desk.label("agent-btn-confirm-reject"), topic)
    message = await p.user.wait_for(
        lambda m: p.text_of("decision-rejected", name="Wang Dagang") in (m.text or ""), timeout=10
    )
    assert p.text_of("reject-poor-quality") in (message.text or "")
    assert p.text_of("decision-may-retry") in (message.text or "")
    app = await Application.get(citizen__telegram_user_id=701)
    assert app.state is ApplicationState.REJECTED
    assert (await FamilyMember.get(id=app.member_id)).status is MemberStatus.NOT_VERIFIED
    card = next(m for m in desk.group.bot_messages(topic) if m.message_id == card_id)
    assert "poor_quality" not in (card.text or "")


async def test_a_stale_confirmation_does_nothing(desk: Desk) -> None:
    p = await citizen_in_review(desk, 706)
    topic, card_id = await desk.card()
    review = await Review.get(application__citizen__telegram_user_id=706)
    await desk.group.press(desk.agent_a, desk.label("agent-btn-approve"), topic)
    await desk.group.press(desk.agent_a, desk.label("agent-btn-back"), topic)
    # the confirmation is gone from the card: its button, replayed, changes nothing
    stale = await desk.group.press_callback(desk.agent_a, card_id, f"rv:yes:{review.id}:ok")
    assert stale.callback_answer is not None
    assert stale.callback_answer.text == desk.label("agent-button-stale")
    # a confirmation of another question (reject) does not approve either
    await desk.group.press(desk.agent_a, desk.label("agent-btn-retry"), topic)
    other = await desk.group.press_callback(desk.agent_a, card_id, f"rv:yes:{review.id}:ok")
    assert other.callback_answer is not None
    assert other.callback_answer.text == desk.label("agent-button-stale")
    await review.refresh_from_db()
    assert review.decision == ""
    assert await Application.filter(state=ApplicationState.IN_REVIEW).count() == 1
    assert not any("decision" in (m.text or "").lower() for m in p.user.bot_messages[-1:])


async def test_ask_to_retry(desk: Desk) -> None:
    p = await citizen_in_review(desk, 702)
    topic, _ = await desk.card()
    await desk.group.press(desk.agent_a, desk.label("agent-btn-retry"), topic)
    await desk.group.press(desk.agent_a, desk.label("agent-btn-confirm-retry"), topic)
    await p.user.wait_for(
        lambda m: p.text_of("decision-retry", name="Wang Dagang") in (m.text or ""), timeout=10
    )
    app = await Application.get(citizen__telegram_user_id=702)
    assert app.state is ApplicationState.SUBMITTED and app.attempts == 0


async def test_two_agents_race_for_one_item(desk: Desk) -> None:
    p = await citizen_in_review(desk, 703)
    _, card_id = await desk.card()
    review = await Review.get(application__citizen__telegram_user_id=703)
    asked = await asyncio.gather(
        desk.group.press_callback(desk.agent_a, card_id, f"rv:ok:{review.id}:"),
        desk.group.press_callback(desk.agent_b, card_id, f"rv:ok:{review.id}:"),
    )
    answers = sorted(r.callback_answer.text for r in asked if r.callback_answer)
    assert answers == sorted(
        [desk.label("agent-confirm-toast"), desk.label("agent-error-taken")]
    ), answers
    confirm = f"rv:yes:{review.id}:ok"
    first, second, third = await asyncio.gather(
        desk.group.press_callback(desk.agent_a, card_id, confirm),
        desk.group.press_callback(desk.agent_b, card_id, confirm),
        desk.group.press_callback(desk.agent_a, card_id, confirm),
    )
    texts = [r.callback_answer.text for r in (first, second, third) if r.callback_answer]
    assert texts.count(desk.label("agent-decided")) == 1, texts
    decision = p.text_of("decision-approved", name="Wang Dagang")
    await p.user.wait_for(lambda m: decision in (m.text or ""), timeout=10)
    await asyncio.sleep(0.3)
    assert sum(decision in (m.text or "") for m in p.user.bot_messages) == 1


async def test_forged_and_garbage_callbacks_change_nothing(desk: Desk) -> None:
    await citizen_in_review(desk, 704)
    await citizen_in_review(desk, 705)
    first = await Review.get(application__citizen__telegram_user_id=704)
    second = await Review.get(application__citizen__telegram_user_id=705)
    # approving the first item from the second item's card
    forged = await desk.group.press_callback(
        desk.agent_a, second.card_message_id or 0, f"rv:ok:{first.id}:"
    )
    assert forged.callback_answer is not None
    assert forged.callback_answer.text == desk.label("agent-invalid-button")
    bad_reason = await desk.group.press_callback(
        desk.agent_a, second.card_message_id or 0, f"rv:rej:{second.id}:x"
    )
    assert bad_reason.callback_answer is not None and bad_reason.callback_answer.show_alert
    garbage = await desk.group.press_callback(desk.agent_a, second.card_message_id or 0, "rv:zz")
    assert garbage.callback_answer is not None
    for review in (first, second):
        await review.refresh_from_db()
        assert review.decision == ""
    assert await Application.filter(state=ApplicationState.IN_REVIEW).count() == 2


async def test_takeover_relays_both_ways_and_close_returns_the_citizen(desk: Desk) -> None:
    p = await signed_in(desk, 710, "Li Lei", lang="en")
    await p.tap("btn-support")
    assert p.saw("support-waiting")
    topic = desk.group.topic("Li Lei #1")
    context = desk.group.bot_messages(topic.message_thread_id)[0].text or ""
    assert own_id(710) not in context and own_id(710)[-4:] in context
    # the citizen's messages of every kind reach the topic; menus do not fire
    await p.say("Hello, I need help")
    await p.say("/menu")
    await p.act(p.user.send_photo(jpeg(90), 96, 96))
    await p.act(p.user.send_sticker())
    await p.act(p.user.send_voice(b"OggS" + b"\x00" * 40, duration=2))
    await p.act(p.user.send_document(b"%PDF-1.4", "id.pdf", "application/pdf"))
    assert not p.saw("menu-title")
    copied = desk.group.bot_messages(topic.message_thread_id)[1:]
    assert [m.text for m in copied[:2]] == ["Hello, I need help", "/menu"]
    assert [m.media_kind for m in copied[2:]] == ["photo", "sticker", "voice", "document"]
    # agents write back; a note is never relayed
    before = len(p.user.bot_messages)
    await desk.group.send_text(
        desk.agent_a, "Hello Li Lei, how can I help?", topic.message_thread_id
    )
    await desk.group.send_text(
        desk.agent_a, "/note citizen seems confused", topic.message_thread_id
    )
    texts = [m.text for m in p.user.bot_messages[before:]]
    header = p.text_of("support-agent-says", agent="Agent A")
    assert texts == [
        p.text_of("support-agent-joined", agent="Agent A"),
        f"{header}\nHello Li Lei, how can I help?",
    ]
    # the next reply is marked too, and the citizen is told only once who answered
    await desk.group.send_text(desk.agent_a, "Send me a photo", topic.message_thread_id)
    assert [m.text for m in p.user.bot_messages[-1:]] == [f"{header}\nSend me a photo"]
    ticket = await Ticket.get(telegram_user_id=710)
    notes = await TicketMessage.filter(ticket=ticket, direction="note")
    assert [n.text for n in notes] == ["citizen seems confused"]
    assert await TicketMessage.filter(ticket=ticket, direction="in").count() == 6
    # an outsider in the topic is not relayed
    await desk.group.send_text(desk.outsider, "spam", topic.message_thread_id)
    assert "spam" not in [m.text for m in p.user.bot_messages]
    # /close: the citizen is told and is back at the menu, the topic is closed
    await desk.group.send_text(desk.agent_a, "/close", topic.message_thread_id)
    await p.user.wait_for(lambda m: p.text_of("support-closed") in (m.text or ""), timeout=10)
    await ticket.refresh_from_db()
    assert ticket.status is TicketStatus.CLOSED
    assert desk.group.topic("Li Lei #1").closed
    await p.tap("btn-family")
    assert p.saw("family-title", count=0, max=8)


async def test_citizen_leaves_with_back_to_the_bot(desk: Desk) -> None:
    p = await signed_in(desk, 711, "Ana López", lang="es")
    await p.tap("btn-support")
    await p.tap("btn-end-talk")
    assert p.saw("support-ended") and p.saw("menu-title", name="Ana López")
    ticket = await Ticket.get(telegram_user_id=711)
    assert ticket.status is TicketStatus.CLOSED


async def test_a_citizen_who_blocked_the_bot(desk: Desk) -> None:
    p = await signed_in(desk, 712, "Han Meimei", lang="en")
    await p.tap("btn-support")
    topic = desk.group.topic("Han Meimei #1").message_thread_id
    p.user.block()
    await desk.group.send_text(desk.agent_a, "Are you there?", topic)
    notices = [
        m
        for m in desk.group.bot_messages(topic)
        if m.text == TRANSLATOR("en", "agent-citizen-blocked")
    ]
    assert len(notices) == 1
    ticket = await Ticket.get(telegram_user_id=712)
    assert ticket.status is TicketStatus.BLOCKED
    await desk.group.send_text(desk.agent_a, "Hello?", topic)  # no retry loop, no second notice
    notices = [
        m
        for m in desk.group.bot_messages(topic)
        if m.text == TRANSLATOR("en", "agent-citizen-blocked")
    ]
    assert len(notices) == 1


async def test_ticket_survives_a_restart_and_agent_decides_in_the_topic(desk: Desk) -> None:
    p = await citizen_in_review(desk, 713)
    await p.say("/menu")
    await p.tap("btn-support")
    topic = desk.group.topic("Wang Xiaoming #1").message_thread_id
    await desk.bot.restart()
    await p.say("still there?")
    assert desk.group.bot_messages(topic)[-1].text == "still there?"
    await desk.group.send_text(desk.agent_b, "/approve", topic)
    await p.user.wait_for(
        lambda m: p.text_of("decision-approved", name="Wang Dagang") in (m.text or ""), timeout=10
    )
    app = await Application.get(citizen__telegram_user_id=713)
    assert app.state is ApplicationState.APPROVED
    nothing = await desk.group.send_text(desk.agent_b, "/approve", topic)
    assert any(TRANSLATOR("en", "agent-nothing-pending") == m.text for m in nothing.messages)


async def test_without_an_agents_group_talk_to_a_person_says_so(tmp_path: Path) -> None:
    async with running_emulator() as emu, running(emu, make_settings(tmp_path / "data")):
        user = emu.user(720, "C", language_code="en", phone_number="+8613800172001")
        p = Citizen(user, "en")
        await p.say("/start")
        await p.tap("btn-accept")
        await p.tap("btn-share-phone")
        await p.say("Zhao Liu")
        await p.say(OWN_ID)
        await p.tap("btn-support")
        assert p.saw("support-unavailable") and p.saw("help-text")


async def test_undecided_items_are_announced_again(desk: Desk) -> None:
    from datetime import timedelta

    await citizen_in_review(desk, 730)
    topic, first_card = await desk.card()
    app = desk.bot.app
    assert app is not None and app.desk is not None
    app.desk.reminder_after = timedelta(0)
    assert await app.desk.remind_pending() == 1
    reminder = desk.group.bot_messages(topic)[-1]
    assert reminder.message_id != first_card and bool(reminder.inline_keyboard)
    assert "Still waiting for a decision" in (reminder.text or "")
    old = next(m for m in desk.group.bot_messages(topic) if m.message_id == first_card)
    assert not old.inline_keyboard  # one card of the item offers buttons, the newest
    # the buttons of the new card act; the old card's are now refused as stale
    review = await Review.get(application__citizen__telegram_user_id=730)
    assert review.card_message_id == reminder.message_id
    stale = await desk.group.press_callback(desk.agent_a, first_card, f"rv:ok:{review.id}:")
    assert stale.callback_answer is not None and stale.callback_answer.text == desk.label(
        "agent-invalid-button"
    )
    app.desk.reminder_after = timedelta(hours=1)
    assert await app.desk.remind_pending() == 0


async def test_topic_commands_without_their_text_are_explained(desk: Desk) -> None:
    """/note and /reject need their text: an empty note is not saved, a bare /reject (once
    the final "not the same person") decides nothing; a reason is read as people type it."""
    p = await citizen_in_review(desk, 714)
    await p.say("/menu")
    await p.tap("btn-support")
    topic = desk.group.topic("Wang Xiaoming #1").message_thread_id
    empty = await desk.group.send_text(desk.agent_a, "/note", topic)
    assert [m.text for m in empty.messages] == [TRANSLATOR("en", "agent-note-usage")]
    ticket = await Ticket.get(telegram_user_id=714)
    assert await TicketMessage.filter(ticket=ticket, direction="note").count() == 0
    codes = ", ".join(reason.value for reason in RejectReason)
    usage = TRANSLATOR("en", T("agent-reject-usage", {"reasons": codes}))
    for bare in ("/reject", "/reject   ", "/reject because"):
        refused = await desk.group.send_text(desk.agent_a, bare, topic)
        assert [m.text for m in refused.messages] == [usage]
    app = await Application.get(citizen__telegram_user_id=714)
    assert app.state is ApplicationState.IN_REVIEW
    await desk.group.send_text(desk.agent_a, "/reject Poor quality", topic)
    message = await p.user.wait_for(
        lambda m: p.text_of("decision-rejected", name="Wang Dagang") in (m.text or ""), timeout=10
    )
    assert p.text_of("reject-poor-quality") in (message.text or "")


async def test_a_taken_item_can_be_handed_back(desk: Desk) -> None:
    """An agent who took an item and cannot finish it hands it back; until then it was
    theirs alone, and nobody else could ever decide it."""
    p = await citizen_in_review(desk, 715)
    topic, card_id = await desk.card()
    await desk.group.press(desk.agent_a, desk.label("agent-btn-take"), topic)
    taken = await desk.group.press(desk.agent_b, desk.label("agent-btn-approve"), topic)
    assert taken.callback_answer is not None
    assert taken.callback_answer.text == desk.label("agent-error-taken")
    # only the agent who took it may hand it back
    review = await Review.get(application__citizen__telegram_user_id=715)
    other = await desk.group.press_callback(desk.agent_b, card_id, f"rv:free:{review.id}:")
    assert other.callback_answer is not None
    assert other.callback_answer.text == desk.label("agent-error-taken")
    back = await desk.group.press(desk.agent_a, desk.label("agent-btn-release"), topic)
    assert back.callback_answer is not None
    assert back.callback_answer.text == desk.label("agent-released")
    card = next(m for m in desk.group.bot_messages(topic) if m.message_id == card_id)
    assert desk.label("agent-btn-take") in card.buttons
    assert "Agent A" not in (card.text or "")
    await desk.group.press(desk.agent_b, desk.label("agent-btn-take"), topic)
    await desk.group.press(desk.agent_b, desk.label("agent-btn-approve"), topic)
    await desk.group.press(desk.agent_b, desk.label("agent-btn-confirm-approve"), topic)
    decision = p.text_of("decision-approved", name="Wang Dagang")
    await p.user.wait_for(lambda m: decision in (m.text or ""), timeout=10)
    await review.refresh_from_db()
    assert review.decided_by == 20002


async def test_an_agent_writing_in_a_closed_ticket_is_told_once(desk: Desk) -> None:
    """After /close nothing written in the topic reaches the citizen: the first message is
    answered with why and what to do (in the General topic: the bot may not write in a
    closed topic, agents who are admins may), the next ones are left alone."""
    p = await signed_in(desk, 716, "Li Lei", lang="en")
    await p.tap("btn-support")
    topic = desk.group.topic("Li Lei #1").message_thread_id
    for agent in (desk.agent_a, desk.agent_b):
        desk.group.add_member(agent, "administrator")  # may still write in a closed topic
    await desk.group.send_text(desk.agent_a, "Hello Li Lei", topic)
    await desk.group.send_text(desk.agent_a, "/close", topic)
    await p.user.wait_for(lambda m: p.text_of("support-closed") in (m.text or ""), timeout=10)
    before = len(p.user.bot_messages)
    ticket = await Ticket.get(telegram_user_id=716)
    notice = TRANSLATOR("en", T("agent-ticket-closed-write", {"ticket": str(ticket.id)}))
    first = await desk.group.send_text(desk.agent_a, "One more thing: your card", topic)
    assert [m.text for m in first.messages] == [notice]
    for agent, text in ((desk.agent_b, "Did it go?"), (desk.agent_a, "ok")):
        later = await desk.group.send_text(agent, text, topic)
        assert later.messages == []
    # the topic's commands are still answered (the bot used to fail on TOPIC_CLOSED)
    noted = await desk.group.send_text(desk.agent_b, "/note citizen satisfied", topic)
    assert [m.text for m in noted.messages] == [TRANSLATOR("en", "agent-noted")]
    again = await desk.group.send_text(desk.agent_b, "/close", topic)
    assert [m.text for m in again.messages] == [TRANSLATOR("en", "agent-ticket-not-open")]
    assert len(p.user.bot_messages) == before


async def test_an_application_left_before_any_video_is_neither_shown_nor_counted(
    desk: Desk,
) -> None:
    """Agreeing to the consent opens the application; cancelling before sending anything
    leaves nothing in My applications, nor in /stats. Verifying again takes it up, and
    once the video is sent it is shown and counted."""
    from bot.services.admin.stats import Period, collect_stats

    p = await signed_in(desk, 741, "Wang Xiaoming")
    await consent_for_father(p)
    assert p.saw("id-photo-prompt")
    await p.say("/cancel")
    await p.tap("btn-applications")
    assert p.saw("applications-empty"), p.texts
    stats = await collect_stats(Period.MONTH)
    assert stats.total == 0 and stats.by_state[ApplicationState.SUBMITTED] == 0
    # the same application is taken up again, and the video makes it one
    await p.tap("btn-back")
    await p.tap("btn-family")
    await p.tap("member-button", name="Wang Dagang", status=T("status-not-verified", {}))
    await p.tap("btn-verify")
    await send_id_card(p)
    await video_in_review(p)
    assert await Application.filter(citizen__telegram_user_id=741).count() == 1
    await p.say("/menu")
    await p.tap("btn-applications")
    assert not p.saw("applications-empty")
    app = await Application.get(citizen__telegram_user_id=741)
    state = T("state-in_review", {})
    shown = p.label("application-button", id=app.id, name="Wang Dagang", state=state)
    assert shown in p.newest.buttons, p.newest.buttons
    stats = await collect_stats(Period.MONTH)
    assert stats.total == 1 and stats.by_state[ApplicationState.IN_REVIEW] == 1
