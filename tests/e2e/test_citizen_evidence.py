"""End to end, the real bot against the emulator: what a citizen reads around the evidence
(issue 10, citizen side): the child's photo path, one challenge per attempt, ID numbers
removed from the chat, consent from the person filmed, short failure messages, the e-card's
validity."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.emulator import BotMessage, Emulator
from bot.storage.models import (
    Application,
    ApplicationKind,
    AuditLog,
    FamilyMember,
    MemberStatus,
)
from tests.e2e.harness import (
    ENGINE_BOUND,
    BotUnderTest,
    id_card_photo,
    make_settings,
    running,
    send_id_card,
)
from tests.e2e.harness import Citizen as Person
from tests.e2e.test_citizen_journey import FATHER_ID, MOTHER_ID, OWN_ID, person, register, rid

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("each_runtime")]

CHILD_ID = rid("44030420180305002")  # a girl born 2018


async def add_member(p: Person, name: str, number: str, relation: str) -> None:
    await p.say("/menu")
    await p.tap("btn-family")
    await p.tap("btn-add-member")
    await p.say(name)
    await p.say(number)
    await p.tap(f"rel-{relation}")
    await p.tap("btn-confirm")
    assert p.saw("member-added"), p.texts


def lines_of(message: BotMessage) -> list[str]:
    return [line for line in (message.text or "").splitlines() if line.strip()]


def shown_steps(p: Person) -> list[str]:
    """The challenge's actions as the last reply lists them, in order."""
    actions = ("blink", "turn_left", "turn_right")
    labels = {p.text_of(f"action-{a}"): a for a in actions}
    found = []
    for text in p.texts:
        for line in text.splitlines():
            for label, action in labels.items():
                if line.endswith(label):
                    found.append(action)
    return found


def mask(number: str) -> str:
    return number[:3] + "*" * 11 + number[-4:]


# --- point 4 ---------------------------------------------------------------------------------


async def test_an_id_number_message_is_answered_with_a_note_that_it_is_stored_masked(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 701, "en", "+8613800138701")
    await register(p, "Wang Xiaoming", OWN_ID)
    assert p.saw("id-message-removed", id=mask(OWN_ID)), p.texts
    await add_member(p, "Wang Dagang", FATHER_ID, "father")
    notes = [m for m in p.user.bot_messages if mask(FATHER_ID) in (m.text or "")]
    assert any(p.text_of("id-message-removed", id=mask(FATHER_ID)) in (m.text or "") for m in notes)


async def test_an_id_number_message_is_deleted_from_the_chat(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 702, "en", "+8613800138702")
    await register(p, "Wang Xiaoming", OWN_ID)
    await add_member(p, "Wang Dagang", FATHER_ID, "father")
    typed = [m for m in p.user.messages if (m.text or "") in (OWN_ID, FATHER_ID)]
    assert len(typed) == 2
    assert all(m.deleted for m in typed)


# --- point 5 ---------------------------------------------------------------------------------


async def test_consent_is_asked_of_each_member_by_name_and_audited(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 703, "es", "+8613800138703")
    await register(p, "Wang Xiaoming", OWN_ID)
    await add_member(p, "Wang Dagang", FATHER_ID, "father")
    await p.tap("btn-verify")
    assert p.saw("bio-consent", name="Wang Dagang", days=30), p.texts
    await p.tap("btn-bio-agree", name="Wang Dagang")
    await send_id_card(p)
    # a member added later is asked too, by their own name
    await add_member(p, "Li Xiuying", MOTHER_ID, "mother")
    await p.tap("btn-verify")
    assert p.saw("bio-consent", name="Li Xiuying", days=30), p.texts
    mother = await FamilyMember.get(full_name="Li Xiuying")
    assert mother.consent_at is None
    await p.tap("btn-bio-agree", name="Li Xiuying")
    father = await FamilyMember.get(full_name="Wang Dagang")
    await mother.refresh_from_db()
    assert father.consent_at is not None and mother.consent_at is not None
    records = await AuditLog.filter(action="biometric_consent").order_by("id")
    assert [r.target for r in records] == [f"member:{father.id}", f"member:{mother.id}"]
    for record in records:
        assert record.actor == f"citizen:{father.citizen_id}"  # type: ignore[attr-defined]
        assert record.details["text"] == "bio-consent"
        assert record.details["language"] == "es"
        assert record.details["agreed_by"] == "member"
        assert record.details["retention_days"] == 30
        assert "Wang" not in str(record.details) and "Li" not in str(record.details)


# --- point 1 ---------------------------------------------------------------------------------


def soft(photo: bytes) -> bytes:
    from PIL import Image, ImageFilter

    image = Image.open(io.BytesIO(photo)).convert("RGB").filter(ImageFilter.GaussianBlur(3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


async def test_the_childs_photo_path_never_speaks_of_a_video(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 704, "en", "+8613800138704")
    await register(p, "Wang Xiaoming", OWN_ID)
    await add_member(p, "Wang Xiaomei", CHILD_ID, "daughter")
    first = len(p.user.bot_messages)
    await p.tap("btn-verify")
    assert p.saw("bio-consent-child", name="Wang Xiaomei", days=30), p.texts
    await p.tap("btn-bio-agree-child", name="Wang Xiaomei")
    assert p.saw("photo-prompt"), p.texts
    app = await Application.get(member__full_name="Wang Xiaomei")
    assert app.kind is ApplicationKind.PHOTO
    # a soft photo: asked again, no attempts, no review promised
    await p.act(p.user.send_photo(soft(id_card_photo())))
    assert p.saw("checking-photo"), p.texts
    again = p.text_of("photo-again", name="Wang Xiaomei")
    answer = await p.user.wait_for(lambda m: again in (m.text or ""), timeout=120)
    assert p.text_of("result-failed", reason=p.text_of("reason-photo-too_blurry")) in (
        answer.text or ""
    ), answer.text
    assert len(lines_of(answer)) <= 3
    # a clear photo: what was checked, and that a person reviews it now
    await p.act(p.user.send_photo(id_card_photo()))
    in_review = p.text_of("result-photo-in-review")
    await p.user.wait_for(lambda m: in_review in (m.text or ""), timeout=120)
    said = "\n".join(m.text or "" for m in p.user.bot_messages[first:]).lower()
    assert "video" not in said and "attempts" not in said, said
    await app.refresh_from_db()
    assert app.kind is ApplicationKind.PHOTO


# --- points 2 and 11 -------------------------------------------------------------------------


@ENGINE_BOUND
async def test_one_challenge_per_attempt_and_short_failure_messages(
    emulator: Emulator, tmp_path: Path
) -> None:
    from tests.vision.fixtures import video

    attack = video("attack_static_photo_384").read_bytes()
    settings = make_settings(tmp_path / "data", randomise_challenge=True)
    async with running(emulator, settings):
        p = person(emulator, 705, "en", "+8613800138705")
        await register(p, "Zhou Xun", OWN_ID)
        await add_member(p, "Zhou Laoda", FATHER_ID, "father")
        await p.tap("btn-verify")
        await p.tap("btn-bio-agree", name="Zhou Laoda")
        await send_id_card(p)
        drawn = shown_steps(p)
        assert sorted(drawn) == ["blink", "turn_left", "turn_right"], p.texts
        # the practice run shows the same order, and keeps it
        await p.tap("btn-practice")
        assert shown_steps(p) == drawn
        await p.act(p.user.send_video_note(attack, duration=4, length=384))
        next_step = p.text_of("practice-next")
        practice = await p.user.wait_for(lambda m: next_step in (m.text or ""), timeout=120)
        assert len(lines_of(practice)) <= 3, practice.text
        await p.tap("btn-start-video")
        assert p.saw("video-prompt", seconds=15) and shown_steps(p) == drawn
        # a failed attempt: three lines at most, and the same order for the retry
        await p.act(p.user.send_video_note(attack, duration=4, length=384))
        retry = p.text_of("retry-next", n=2)
        failed = await p.user.wait_for(lambda m: retry in (m.text or ""), timeout=120)
        assert len(lines_of(failed)) <= 3, failed.text
        assert p.label("btn-start-video") in failed.buttons
        await p.tap("btn-start-video")
        assert shown_steps(p) == drawn


# --- point 11: the e-card's validity -----------------------------------------------------------


async def test_the_ecard_shows_its_validity_date(emulator: Emulator, bot: BotUnderTest) -> None:
    p = person(emulator, 706, "en", "+8613800138706")
    await register(p, "Kong Qiu", OWN_ID)
    await add_member(p, "Kong Laoda", FATHER_ID, "father")
    await FamilyMember.filter(full_name="Kong Laoda").update(status=MemberStatus.VERIFIED)
    await p.say("/menu")
    await p.tap("btn-family")
    await p.user.press(next(b for b in p.newest.buttons if b.startswith("Kong Laoda")))
    await p.tap("btn-ecard")
    card = next(m for m in p.last.messages if m.media_kind == "photo") if p.last else None
    assert card is not None
    label = p.text_of("ecard-valid-until", date="2000-01-01").split("2000")[0]
    assert label in (card.text or "")
