"""End to end: the real aiogram bot, services and SQLite storage against the emulator,
driven by simulated citizens who tap the buttons the bot shows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.emulator.testing import running_emulator
from bot.storage.models import AuditLog, Citizen, FamilyMember
from tests.e2e.harness import ENGINE_BOUND, BotUnderTest, make_settings, running, send_id_card
from tests.e2e.harness import Citizen as Person
from tests.ids import rid
from tests.qr import decode_qr

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("each_runtime")]


def plain_jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 180, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


OWN_ID = rid("44030419850612001")  # man born 1985
FATHER_ID = rid("44030419560203001")  # man born 1956
MOTHER_ID = rid("44030419580911002")  # woman born 1958


def person(
    emulator: Emulator, user_id: int, lang: str, phone: str, code: str | None = None
) -> Person:
    user = emulator.user(
        user_id=user_id, first_name=f"P{user_id}", language_code=code or lang, phone_number=phone
    )
    return Person(user, lang if lang != "zh-hans" else "zh-CN")


async def register(p: Person, name: str, own_id: str) -> None:
    await p.say("/start")
    assert p.saw("privacy-notice")
    await p.tap("btn-accept")
    assert p.user.reply_keyboard is not None
    assert p.label("btn-share-phone") in p.user.reply_keyboard.labels
    await p.tap("btn-share-phone")
    assert p.saw("reg-new-account")
    await p.say(name)
    assert p.saw("reg-id-prompt")
    await p.say(own_id)
    assert p.saw("reg-done"), p.texts
    assert p.saw("menu-title", name=name)


async def add_member(p: Person, name: str, number: str, relation: str) -> None:
    await p.tap("btn-family")
    await p.tap("btn-add-member")
    assert p.saw("add-name-prompt")
    await p.say(name)
    assert p.saw("add-id-prompt")
    await p.say(number)
    assert p.saw("add-relation-prompt"), p.texts
    await p.tap(f"rel-{relation}")
    assert p.saw("add-confirm-title"), p.texts
    await p.tap("btn-confirm")
    assert p.saw("member-added")


async def test_first_time_registration_to_the_video_request(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 501, "en", "+8613800138001")
    await register(p, "Wang Xiaoming", OWN_ID)
    await add_member(p, "Wang Dagang", FATHER_ID, "father")
    assert p.saw("member-id", id=FATHER_ID[:3] + "*" * 11 + FATHER_ID[-4:])
    await p.tap("btn-verify")
    assert p.saw("bio-consent", name="Wang Dagang", days=30)
    await p.tap("btn-bio-agree", name="Wang Dagang")
    # no reference face on file: the ID card photo is asked for, bad ones refused
    assert p.saw("id-photo-prompt")
    await p.act(p.user.send_sticker())
    assert p.saw("photo-wrong-kind")
    await p.act(p.user.send_photo(plain_jpeg(), 64, 64))
    assert p.saw("id-photo-error-no-face"), p.texts
    await send_id_card(p)
    assert p.saw("liveness-ready")
    await p.tap("btn-start-video")
    assert p.saw("video-prompt", seconds=15)
    # nothing sensitive in clear in the database
    citizen = await Citizen.get(telegram_user_id=501)
    assert OWN_ID not in citizen.id_enc and citizen.id_masked.endswith(OWN_ID[-4:])
    member = await FamilyMember.get(citizen=citizen)
    assert FATHER_ID not in member.id_enc
    assert await AuditLog.filter(action="biometric_consent").count() == 1


async def test_bad_inputs_get_clear_answers_and_change_nothing(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 502, "en", "+8613800138002")
    old = (await p.say("/start")).last  # as shown then, with its buttons
    assert old.inline_keyboard
    await p.tap("btn-accept")
    await p.say("+86 138 0013 8002")
    assert p.saw("contact-typed")
    await p.share_phone("+8613900000000", of_user=999)
    assert p.saw("contact-not-own")
    await p.tap("btn-share-phone")
    await p.say("<b>bold</b>")
    assert p.saw("name-error-invalid-characters")
    await p.say("李雷")
    await p.say(OWN_ID[:-1] + ("1" if OWN_ID[-1] != "1" else "2"))
    assert p.saw("id-error-checksum"), p.texts
    await p.say("4403041985061200")
    assert p.saw("id-error-length")
    await p.say(rid("44030420990101001"))
    assert p.saw("id-error-future-birth-date")
    assert await Citizen.all().count() == 0
    await p.say(OWN_ID)
    assert p.saw("reg-done")
    # add member: bad values at each step
    await p.tap("btn-family")
    await p.tap("btn-add-member")
    await p.say("12345")
    assert p.saw("name-error-invalid-characters")
    await p.say("😀😀")
    assert p.saw("name-error-invalid-characters")
    await p.say("A" * 41)
    assert p.saw("name-error-too-long")
    await p.say("韩梅梅")
    await p.say(OWN_ID)
    assert p.saw("member-is-self")
    await p.say(rid("44030419950101002"))  # a woman ten years younger
    await p.tap("rel-mother")
    assert p.saw("relation-too-young")
    await p.tap("rel-father")
    assert p.saw("relation-sex-male")
    await p.act(p.user.send_sticker())
    assert p.saw("unexpected")
    await p.tap("btn-cancel")
    assert await FamilyMember.all().count() == 0
    # a video where none is expected, a stale button (its keyboard is gone; the tap was sent
    # before that, or by a client that kept it)
    await p.act(p.user.send_video_note(b"\x00" * 100, duration=3))
    assert p.saw("unexpected")
    assert [m.message_id for m in p.user.bot_messages if m.inline_keyboard] == [p.newest.message_id]
    reply = await p.user.press_callback(old.message_id, old.inline_keyboard[0][0][1] or "")
    assert reply.callback_answer is not None
    assert reply.callback_answer.text == p.label("button-stale")
    forged = await p.user.press_callback(old.message_id, "c:del:999:99999")
    assert forged.callback_answer is not None and forged.callback_answer.text == p.label(
        "button-stale"
    )
    garbage = await p.user.press_callback(old.message_id, "garbage")
    assert garbage.callback_answer is not None
    assert await Citizen.all().count() == 1


async def test_video_step_refusals(emulator: Emulator, bot: BotUnderTest) -> None:
    p = person(emulator, 503, "en", "+8613800138003")
    await register(p, "Li Lei", OWN_ID)
    await add_member(p, "Li Gang", FATHER_ID, "father")
    await p.tap("btn-verify")
    await p.tap("btn-bio-agree", name="Li Gang")
    await send_id_card(p)
    await p.tap("btn-start-video")
    await p.act(p.user.send_photo(b"\xff\xd8\xff" + b"0" * 100, width=100, height=100))
    assert p.saw("video-wrong-kind"), p.texts
    await p.say("here you go")
    assert p.saw("unexpected")
    await p.act(p.user.send_document(b"%PDF-1.4", "a.pdf", "application/pdf"))
    assert p.saw("video-wrong-kind")
    await p.act(p.user.send_video(b"\x00" * 10, duration=120))
    assert p.saw("video-too-long", seconds=15)
    await p.act(p.user.send_video_note(b"\x00" * 10, duration=0))
    assert p.saw("video-too-short", seconds=1)
    await p.act(p.user.send_sticker())
    assert p.saw("video-wrong-kind")
    await p.act(p.user.send_voice(b"\x00" * 10, duration=2))
    assert p.saw("video-wrong-kind")


async def test_returning_citizen_and_logout(emulator: Emulator, bot: BotUnderTest) -> None:
    p = person(emulator, 504, "en", "+8613800138004")
    await register(p, "Han Meimei", OWN_ID)
    await p.say("/logout")
    assert p.saw("logged-out")
    await p.tap("btn-share-phone")
    assert p.saw("signed-in")
    assert p.saw("menu-title", name="Han Meimei")


async def test_restart_in_the_middle_of_adding_a_member(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 505, "en", "+8613800138005")
    await register(p, "Zhang San", OWN_ID)
    await p.tap("btn-family")
    await p.tap("btn-add-member")
    await p.say("Zhang Laosan")
    await p.say(FATHER_ID)
    assert p.saw("add-relation-prompt")
    await bot.restart()
    await p.tap("rel-father")
    assert p.saw("add-confirm-title"), p.texts
    await p.tap("btn-confirm")
    assert p.saw("member-added")
    assert await FamilyMember.filter(full_name="Zhang Laosan").count() == 1


async def test_state_store_keeps_no_id_number_in_clear(emulator: Emulator, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with running(emulator, settings):
        p = person(emulator, 506, "en", "+8613800138006")
        await register(p, "Zhao Si", OWN_ID)
        await p.tap("btn-family")
        await p.tap("btn-add-member")
        await p.say("Zhao Laosi")
        await p.say(FATHER_ID)
    raw = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("state.sqlite3*"))
    assert raw, "the embedded state store is a file under DATA_DIR"
    assert FATHER_ID.encode() not in raw
    assert b"8613800138006" not in raw


async def test_two_citizens_at_once(emulator: Emulator, bot: BotUnderTest) -> None:
    a = person(emulator, 507, "en", "+8613800138007")
    b = person(emulator, 508, "es", "+8613800138008")
    other_id = rid("11010519900307002")
    await asyncio.gather(register(a, "Sun Wukong", OWN_ID), register(b, "María López", other_id))
    await asyncio.gather(
        add_member(a, "Sun Dasheng", FATHER_ID, "father"),
        add_member(b, "Ana López", MOTHER_ID, "mother"),
    )
    assert await FamilyMember.filter(citizen__telegram_user_id=507).count() == 1
    assert await FamilyMember.filter(citizen__telegram_user_id=508).count() == 1


@pytest.mark.parametrize(
    ("code", "lang", "name"), [("es", "es", "José Pérez"), ("zh-hans", "zh-CN", "王小明")]
)
async def test_transcript_in_other_languages(
    emulator: Emulator, bot: BotUnderTest, code: str, lang: str, name: str
) -> None:
    user = emulator.user(
        user_id=600 + len(code), first_name="X", language_code=code, phone_number="+8613800138010"
    )
    p = Person(user, lang)
    await register(p, name, OWN_ID)
    member = "Ana María" if lang == "es" else "王大刚"
    await add_member(p, member, FATHER_ID, "father")
    await p.tap("btn-verify")
    assert p.saw("bio-consent", name=member, days=30)


async def test_language_switch_and_commands_per_language(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    p = person(emulator, 520, "en", "+8613800138020")
    await p.say("/start")
    await p.tap("btn-language")
    await p.tap("language-name-es")
    p.lang = "es"
    assert p.saw("privacy-notice")
    commands = emulator.commands(scope="all_private_chats", language_code="zh")
    assert ("start", "启动或显示菜单") in commands or any(name == "start" for name, _ in commands)


async def test_delete_my_data(emulator: Emulator, bot: BotUnderTest) -> None:
    p = person(emulator, 530, "en", "+8613800138030")
    await register(p, "Qian Wu", OWN_ID)
    await add_member(p, "Qian Laowu", FATHER_ID, "father")
    await p.say("/menu")
    await p.tap("btn-delete-data")
    assert p.saw("delete-confirm")
    await p.tap("btn-delete-confirm")
    assert p.saw("delete-done")
    assert await Citizen.all().count() == 0
    assert await FamilyMember.all().count() == 0
    assert await AuditLog.filter(action="account_deleted").count() == 1


async def test_flooding_is_throttled_with_one_notice(emulator: Emulator, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", throttle_rate=0.01, throttle_burst=2)
    async with running(emulator, settings):
        p = person(emulator, 540, "en", "+8613800138040")
        await p.say("/start")
        await p.say("/start")
        assert p.saw("privacy-notice")
        await p.say("/start")
        assert p.texts == [p.text_of("throttled")]
        await p.say("/start")
        assert p.texts == []
        reply = await p.user.press(p.label("btn-accept"))
        assert reply.callback_answer is not None
        assert reply.callback_answer.text == p.label("throttled")


@ENGINE_BOUND
async def test_video_goes_through_the_engine_and_the_verdict_reaches_the_chat(
    emulator: Emulator, tmp_path: Path
) -> None:
    from bot.jobs.local import LocalJobQueue
    from bot.storage.models import Application, ApplicationState, MemberStatus
    from tests.vision.fixtures import video

    genuine = video("genuine_shake_left_384_0").read_bytes()
    attack = video("attack_static_photo_384").read_bytes()
    data_dir = tmp_path / "data"
    queue = LocalJobQueue(1, timeout_s=120)
    try:
        async with running(emulator, make_settings(data_dir), queue=queue):
            p = person(emulator, 550, "en", "+8613800138050")
            await register(p, "Zhou Xun", OWN_ID)
            await add_member(p, "Zhou Laoda", FATHER_ID, "father")
            await p.tap("btn-verify")
            await p.tap("btn-bio-agree", name="Zhou Laoda")
            await send_id_card(p)
            await p.tap("btn-start-video")
            # an attack: a photo held to the camera, no blink, no real head turn
            await p.act(p.user.send_video_note(attack, duration=4, length=384))
            assert p.saw("checking"), p.texts
            retry = p.text_of("retry-next", n=2)
            message = await p.user.wait_for(lambda m: retry in (m.text or ""), timeout=120)
            assert p.text_of("result-failed", reason=p.text_of("reason-no_blink")) in (
                message.text or ""
            )
            app = await Application.get(citizen__telegram_user_id=550)
            assert app.state is ApplicationState.SUBMITTED and app.attempts == 1
            # the genuine video matches the ID card's face: approved automatically
            await p.tap("btn-start-video")
            await p.act(p.user.send_video_note(genuine, duration=5, length=384))
            approved = p.text_of("result-approved")
            await p.user.wait_for(lambda m: approved in (m.text or ""), timeout=120)
            await app.refresh_from_db()
            assert app.state is ApplicationState.APPROVED
            assert float(app.scores["distance"]) <= 0.45  # type: ignore[arg-type]
            member = await FamilyMember.get(id=app.member_id)
            assert member.status is MemberStatus.VERIFIED
            # the reference is kept encrypted, never as a plain image
            stored = (data_dir / "media" / (app.reference_path or "")).read_bytes()
            assert not stored.startswith(b"\xff\xd8") and b"JFIF" not in stored
            # raw videos are deleted right after analysis; key frames are kept for review
            assert list((data_dir / "media" / "incoming").iterdir()) == []
            frames = list((data_dir / "media" / f"app_{app.id}").glob("*.jpg"))
            assert frames and all(f.read_bytes()[:2] == b"\xff\xd8" for f in frames)
            # the timeline shows every step
            await p.say("/menu")
            await p.tap("btn-applications")
            await p.user.press(next(b for b in p.newest.buttons if b.startswith(f"#{app.id}")))
            shown = p.newest.text or ""
            for state in ("submitted", "checking", "approved"):
                assert p.label(f"state-{state}") in shown
            # the verified member's e-card: masked details and a QR code of a signed token
            await p.say("/menu")
            await p.tap("btn-family")
            await p.user.press(next(b for b in p.newest.buttons if b.startswith("Zhou Laoda")))
            await p.tap("btn-ecard")
            card = next(m for m in p.last.messages if m.media_kind == "photo") if p.last else None
            assert card is not None and card.media_bytes is not None
            assert FATHER_ID not in (card.text or "") and FATHER_ID[-4:] in (card.text or "")
            token = decode_qr(card.media_bytes)
            from bot.security import load_vault
            from bot.services.ecard import verify_token

            claims = verify_token(load_vault(make_settings(data_dir)), token)
            assert claims.to_json_dict()["relationship"] == "father"
    finally:
        await queue.close()


async def test_production_storage_postgres_and_redis_survive_a_restart(
    tmp_path: Path, postgres_admin_url: str, redis_url: str
) -> None:
    """The same journey on PostgreSQL and Redis (conversation state), with a restart midway."""
    from tests import dbutil

    database_url = await dbutil.create_temp_database(postgres_admin_url)
    token = "987650001:e2e-production-storage"  # its own bot id: its own Redis keys
    try:
        async with running_emulator(token=token) as emu:
            settings = make_settings(
                tmp_path / "data", database_url=database_url, redis_url=redis_url
            )
            async with running(emu, settings) as bot:
                p = person(emu, 560, "zh-hans", "+8613800138060")
                await register(p, "王小明", OWN_ID)
                await p.tap("btn-family")
                await p.tap("btn-add-member")
                await p.say("王大刚")
                await p.say(FATHER_ID)
                await bot.restart()
                await p.tap("rel-father")
                assert p.saw("add-confirm-title"), p.texts
                await p.tap("btn-confirm")
                assert p.saw("member-added")
                assert await FamilyMember.filter(full_name="王大刚").count() == 1
                assert not (tmp_path / "data" / "state.sqlite3").exists()
    finally:
        await dbutil.delete_redis_keys(redis_url, "fsm:987650001:*")
        await dbutil.drop_database(database_url, postgres_admin_url)


async def test_a_reference_on_file_skips_the_id_card_photo(
    emulator: Emulator, tmp_path: Path
) -> None:
    from bot.security import load_vault
    from bot.services.references import LocalReferenceRegistry
    from tests.e2e.harness import id_card_photo

    settings = make_settings(tmp_path / "data")
    async with running(emulator, settings):
        registry = LocalReferenceRegistry(load_vault(settings), settings.data_dir)
        await registry.put(FATHER_ID, id_card_photo())
        p = person(emulator, 560, "en", "+8613800138056")
        await register(p, "Qin Shi", OWN_ID)
        await add_member(p, "Qin Laoda", FATHER_ID, "father")
        await p.tap("btn-verify")
        await p.tap("btn-bio-agree", name="Qin Laoda")
        assert p.saw("liveness-ready") and not p.saw("id-photo-prompt")


async def test_the_daily_purge_removes_old_key_frames(emulator: Emulator, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.storage.models import Application, ApplicationKind, ApplicationState

    settings = make_settings(tmp_path / "data", retention_days=30)
    async with running(emulator, settings) as bot:
        p = person(emulator, 570, "en", "+8613800138070")
        await register(p, "Kong Qiu", OWN_ID)
        await add_member(p, "Kong Laoda", FATHER_ID, "father")
        member = await FamilyMember.get(full_name="Kong Laoda")
        now = datetime.now(UTC)
        folders = {}
        for age_days in (40, 5):
            app = await Application.create(
                citizen_id=member.citizen_id,  # type: ignore[attr-defined]
                member=member,
                kind=ApplicationKind.VIDEO,
                state=ApplicationState.APPROVED,
                expires_at=now,
                decided_at=now - timedelta(days=age_days),
            )
            folder = settings.data_dir / "media" / f"app_{app.id}"
            folder.mkdir(parents=True)
            (folder / "1_frontal.jpg").write_bytes(b"\xff\xd8frame")
            app.media_dir = folder.name
            await app.save()
            folders[age_days] = folder
        assert bot.app is not None
        await bot.app.periodic_duties(purge_due=True)
        assert not folders[40].exists() and folders[5].exists()


async def test_anything_but_a_tap_at_the_privacy_notice_gets_a_hint(
    emulator: Emulator, bot: BotUnderTest
) -> None:
    """A sticker, a contact or a text at the notice: a short hint to tap Accept or Decline,
    and the notice's buttons stay live; a sticker as the very first message opens the
    notice (its Accept used to be answered as a stale button)."""
    p = person(emulator, 531, "es", "+8613800138031")
    await p.act(p.user.send_sticker())
    assert p.saw("privacy-notice"), p.texts
    notice = p.newest
    for send in (p.user.send_sticker, lambda: p.user.send_contact(p.user.phone_number)):
        await p.act(send())
        assert p.texts == [p.text_of("privacy-hint")], p.texts
        assert not p.newest.buttons
    await p.say("hola")
    assert p.texts == [p.text_of("privacy-hint")], p.texts
    current = next(m for m in p.user.bot_messages if m.message_id == notice.message_id)
    assert p.label("btn-accept") in current.buttons
    await p.tap("btn-accept")
    assert p.saw("sign-in-prompt"), p.texts
