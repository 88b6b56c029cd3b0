"""End to end: a citizen with every kind of data deletes it, and then nothing that names
them is left anywhere the test can search: the database (every table), the media folder,
the conversation store, the agents' group as the emulator holds it. Their e-card is
revoked and the statistics still add up (issue 10, point 6)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from pathlib import Path

import aiosqlite
import pytest
from tortoise import Tortoise

from bot.emulator import BotMessage
from bot.security import load_vault
from bot.services.admin.stats import Period, collect_stats
from bot.storage.conversations import STATE_FILE_NAME
from bot.storage.models import Application, ApplicationState, Review
from tests.e2e.harness import Citizen, send_id_card
from tests.e2e.test_agents import FATHER_ID, Desk, desk, jpeg, own_id
from tests.qr import decode_qr

__all__ = ["desk"]

pytestmark = pytest.mark.slow

USER_ID = 7_400_012_345  # long enough never to turn up by chance inside a hash
PHONE = "+8613877700123"
NAME, FATHER = "Ouyang Xiuying", "Ouyang Dahai"
OWN_ID = own_id(741)


async def citizen_with_everything(desk: Desk) -> tuple[Citizen, str]:
    """Registered, a father verified by an agent (video, ID card photo, key frames), his
    e-card shown, a ticket with messages both ways and an agent's note; (citizen, token)."""
    user = desk.emulator.user(USER_ID, "Xiuying", language_code="en", phone_number=PHONE)
    p = Citizen(user, "en")
    await p.say("/start")
    await p.tap("btn-accept")
    await p.tap("btn-share-phone")
    await p.say(NAME)
    await p.say(OWN_ID)
    await p.tap("btn-family")
    await p.tap("btn-add-member")
    await p.say(FATHER)
    await p.say(FATHER_ID)
    await p.tap("rel-father")
    await p.tap("btn-confirm")
    await p.tap("btn-verify")
    await p.tap("btn-bio-agree", name=FATHER)
    await send_id_card(p)
    await p.tap("btn-start-video")
    await p.act(p.user.send_video_note(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, duration=5))
    await p.user.wait_for(lambda m: p.text_of("result-in-review") in (m.text or ""), timeout=20)
    topic, _ = await desk.card()
    await desk.group.press(desk.agent_a, desk.label("agent-btn-approve"), topic)
    await desk.group.press(desk.agent_a, desk.label("agent-btn-confirm-approve"), topic)
    decision = p.text_of("decision-approved", name=FATHER)
    await p.user.wait_for(lambda m: decision in (m.text or ""), timeout=10)
    # the e-card
    await p.say("/menu")
    await p.tap("btn-family")
    await p.user.press(next(b for b in p.newest.buttons if b.startswith(FATHER)))
    await p.tap("btn-ecard")
    card = next(m for m in p.last.messages if m.media_kind == "photo") if p.last else None
    assert card is not None and card.media_bytes is not None
    token = decode_qr(card.media_bytes)
    # a ticket: the citizen writes their details and sends a photo, an agent answers and notes
    await p.say("/menu")
    await p.tap("btn-support")
    thread = desk.group.topic(f"{NAME} #1").message_thread_id
    await p.say(f"I am {NAME}, ID {OWN_ID}, phone {PHONE}")
    await p.act(p.user.send_photo(jpeg(77), 96, 96))
    await desk.group.send_text(desk.agent_a, f"Hello {NAME}, let me check", thread)
    await desk.group.send_text(desk.agent_b, f"/note {NAME} asked about {FATHER}", thread)
    await p.tap("btn-end-talk")
    return p, token


async def ecard_verify(token: str, data_dir: Path, cwd: Path) -> dict[str, object]:
    """`python -m bot ecard verify TOKEN --json`, as an operator runs it beside the bot."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "ENCRYPTION"))}
    env |= {"DATA_DIR": str(data_dir), "PYTHONPATH": str(Path(__file__).parents[2])}
    env.pop("HASH_KEY", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "ecard",
        "verify",
        token,
        "--json",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    result: dict[str, object] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def traces_in(text: str, needles: list[str]) -> list[str]:
    return [needle for needle in needles if needle in text]


async def every_row() -> str:
    """Every column of every row of every table, as text."""
    dump = []
    for model in Tortoise.apps["models"].values():
        for row in await model.all().values():
            dump.append(json.dumps(row, default=str, ensure_ascii=False))
    return "\n".join(dump)


async def test_deleting_ones_data_leaves_no_trace(desk: Desk, tmp_path: Path) -> None:
    p, token = await citizen_with_everything(desk)
    app = desk.bot.app
    assert app is not None
    settings = app.settings
    vault = load_vault(settings)
    needles = [
        NAME,
        FATHER,
        OWN_ID,
        FATHER_ID,
        PHONE,
        PHONE.removeprefix("+86"),
        str(USER_ID),
        vault.keyed_hash(OWN_ID),  # the keyed hashes join rows to a person
        vault.keyed_hash(FATHER_ID),
        vault.keyed_hash(PHONE),
    ]
    review = await Review.get(application__citizen__telegram_user_id=USER_ID)
    assert review.card_message_id is not None and review.media_message_ids
    assert traces_in(await every_row(), needles)  # the search finds them while they exist
    media = settings.data_dir / "media"
    assert any(path.is_file() for path in media.rglob("*"))
    before = await collect_stats(Period.MONTH)
    assert before.approved == 1 and before.total == 1
    valid = await ecard_verify(token, settings.data_dir, tmp_path)
    assert valid["valid"] is True, valid

    await p.say("/menu")
    await p.tap("btn-delete-data")
    await p.tap("btn-delete-confirm")
    assert p.saw("delete-done")

    # the database, every table
    assert traces_in(await every_row(), needles) == []
    assert await Application.all().count() == 0
    # the media folder: no key frame, no ID card photo
    assert [path for path in media.rglob("*") if path.is_file()] == []
    # the conversation store (every document of every scope)
    async with aiosqlite.connect(settings.data_dir / STATE_FILE_NAME) as db:
        rows = await (await db.execute("SELECT key, data FROM conversations")).fetchall()
    assert traces_in(json.dumps(rows, ensure_ascii=False), needles) == []
    # the agents' group: no name, ID, phone or Telegram id; no photo of anyone left
    live = [m for m in desk.group.messages() if not m.deleted and m.service is None]
    shown = "\n".join(
        f"{m.text}\n{m.html if isinstance(m, BotMessage) else ''}" for m in live
    ) + "\n".join(topic.name for topic in desk.group.topics)
    assert traces_in(shown, [*needles, OWN_ID[-4:] + "</code>", FATHER_ID[-4:]]) == []
    assert [m.message_id for m in live if m.media_kind is not None] == []
    assert any(desk.label("agent-reviews-topic") == t.name for t in desk.group.topics)
    erased = [m for m in live if isinstance(m, BotMessage) and "deleted at the citizen" in m.text]
    assert len(erased) == 2  # the review card and the ticket's context card
    assert all(not m.inline_keyboard for m in erased)
    # the e-card no longer verifies
    revoked = await ecard_verify(token, settings.data_dir, tmp_path)
    assert revoked["valid"] is False and revoked["revoked"] is True, revoked
    # the statistics still add up
    after = await collect_stats(Period.MONTH)
    same = ("by_state", "approved", "rejected", "reasons")
    assert {k: v for k, v in dataclasses.asdict(after).items() if k in same} == {
        k: v for k, v in dataclasses.asdict(before).items() if k in same
    }
    assert after.by_state[ApplicationState.APPROVED] == 1
