"""End to end: the admin commands in the private chat, against the emulator. Authorisation,
statistics (text and chart), staff, bans, broadcasts under 429s and blocked users, thresholds,
the CSV export, retention and the audit log."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.idnumber import mask_id
from bot.emulator import Emulator
from bot.emulator.records import UserMessage
from bot.emulator.testing import running_emulator
from bot.flows.core import T
from bot.services.admin.bans import BanService
from bot.services.admin.thresholds import THRESHOLDS_KEY, current_thresholds
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    AuditLog,
    Ban,
    Citizen,
    KeyValue,
    ReferencePhoto,
    Staff,
    StaffRole,
)
from tests.e2e.harness import TRANSLATOR, BotUnderTest, make_settings, running
from tests.e2e.harness import Citizen as Person
from tests.records import citizen, father_application

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("each_runtime")]

ADMIN = 90001
AGENTS = -1001000000888
ADMIN_COMMANDS = (
    "admin",
    "stats",
    "agents",
    "agent_add",
    "agent_remove",
    "ban",
    "unban",
    "broadcast",
    "export",
    "threshold",
    "purge",
    "audit",
)


@dataclass
class Setup:
    emulator: Emulator
    bot: BotUnderTest
    admin: Person
    data_dir: Path


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with running_emulator(agents_chat_id=AGENTS) as emu:
        admin = Person(emu.user(ADMIN, "Admin", language_code="en"), "en")
        data_dir = tmp_path / "data"
        settings = make_settings(data_dir, admin_ids=[ADMIN], agents_chat_id=AGENTS)
        async with running(emu, settings) as under_test:
            yield Setup(emu, under_test, admin, data_dir)


async def make_application(
    owner: Citizen,
    number: int,
    state: ApplicationState,
    *,
    reasons: tuple[str, ...] = (),
    decided: datetime | None = None,
    seconds_to_decision: float | None = None,
) -> tuple[Application, str]:
    """An application of a father with his own full ID number (returned)."""
    app, full_id = await father_application(
        owner, state, number=number, reasons=reasons, decided=decided
    )
    if seconds_to_decision is not None and decided is not None:
        for at, event_state in (
            (decided - timedelta(seconds=seconds_to_decision), ApplicationState.CHECKING),
            (decided, state),
        ):
            event = await ApplicationEvent.create(application=app, state=event_state, actor="t")
            await ApplicationEvent.filter(id=event.id).update(at=at)
    return app, full_id


def forwarded_into(emu: Emulator, chat_id: int, origin: dict[str, object]) -> int:
    """Puts a message forwarded by the chat's user into that chat (as the client shows it);
    returns its id, to reply to."""
    chat = emu.chats[chat_id]
    message_id = chat.next_message_id()
    now = int(time.time())
    raw = {
        "message_id": message_id,
        "from": emu.users[chat_id].to_json(),
        "date": now,
        "chat": chat.to_json(),
        "text": "a forwarded message",
        "forward_origin": {**origin, "date": now},
    }
    chat.add(
        UserMessage(
            message_id=message_id,
            chat_id=chat_id,
            message_thread_id=None,
            from_user_id=chat_id,
            text="a forwarded message",
            entities=[],
            date=now,
            raw=raw,
        )
    )
    return message_id


# --------------------------------------------------------------------------- authorisation


async def test_non_admins_get_no_admin_behaviour_and_no_hint(setup: Setup) -> None:
    emu = setup.emulator
    outsider = emu.user(90002, "Visitor", language_code="en")
    await Staff.create(telegram_user_id=90003, role=StaffRole.AGENT)
    agent = emu.user(90003, "Agent", language_code="en")
    for person in (outsider, agent):
        await person.send_text("/start")
        baseline = await person.send_text("/frobnicate")
        assert baseline.texts
        for name in ADMIN_COMMANDS:
            reply = await person.send_text(f"/{name} 90002")
            assert reply.texts == baseline.texts, name
            assert all(m.media_kind is None for m in reply.messages), name
    # a forged admin button is treated like any stale button
    stale = TRANSLATOR("en", "button-stale", for_html=False)
    menu = outsider.last_bot_message
    assert menu is not None
    pressed = await outsider.press_callback(menu.message_id, "adm:s:")
    assert pressed.callback_answer is not None
    assert pressed.callback_answer.text == stale
    assert not pressed.messages
    assert not await Ban.exists()
    assert await Staff.all().count() == 1
    assert not await AuditLog.filter(action__startswith="admin_").exists()
    assert not await KeyValue.filter(key=THRESHOLDS_KEY).exists()
    # citizens' command menu is unchanged; only the admin's chat has the admin commands
    everyone = [c for c, _ in emu.commands({"type": "all_private_chats"}, "en")]
    assert "stats" not in everyone
    assert emu.commands({"type": "chat", "chat_id": 90002}, "en") == []


# ------------------------------------------------------------------------------ menus, help


async def test_help_and_command_menus_per_role_and_language(setup: Setup) -> None:
    emu, admin = setup.emulator, setup.admin
    reply = await admin.say("/admin")
    for name in ADMIN_COMMANDS:
        assert f"/{name} — " in reply.text
    own = [c for c, _ in emu.commands({"type": "chat", "chat_id": ADMIN}, "en")]
    assert own[:6] == ["start", "menu", "cancel", "language", "logout", "help"]
    assert set(ADMIN_COMMANDS) <= set(own)
    chinese = dict(emu.commands({"type": "chat", "chat_id": ADMIN}, "zh"))
    assert chinese["stats"] == TRANSLATOR("zh-CN", "admin-cmd-stats", for_html=False)
    assert dict(emu.commands({"type": "chat", "chat_id": ADMIN}, ""))["stats"] == TRANSLATOR(
        "en", "admin-cmd-stats", for_html=False
    )
    group = [c for c, _ in emu.commands({"type": "chat", "chat_id": AGENTS}, "en")]
    assert group == ["close", "note", "approve", "reject"]

    # an admin added by role gets the admin menu; removed, loses it
    emu.user(90010, "Deputy", language_code="es")
    await admin.say("/agent_add 90010 admin")
    deputy = dict(emu.commands({"type": "chat", "chat_id": 90010}, "es"))
    assert deputy["ban"] == TRANSLATOR("es", "admin-cmd-ban", for_html=False)
    assert (await Staff.get(telegram_user_id=90010)).role is StaffRole.ADMIN
    await admin.say("/agent_remove 90010")
    assert emu.commands({"type": "chat", "chat_id": 90010}, "es") == []
    assert emu.commands({"type": "chat", "chat_id": 90010}, "") == []


# -------------------------------------------------------------------------------- /stats


async def test_stats_as_text_and_chart(setup: Setup) -> None:
    admin = setup.admin
    owner = await citizen(91001)
    now = datetime.now(UTC)
    await make_application(
        owner, 1, ApplicationState.APPROVED, decided=now, seconds_to_decision=100
    )
    await make_application(
        owner,
        2,
        ApplicationState.REJECTED,
        reasons=("no_blink", "match_low"),
        decided=now,
        seconds_to_decision=140,
    )
    await make_application(owner, 3, ApplicationState.IN_REVIEW, reasons=("no_blink",))

    reply = await admin.say("/stats 7d")

    text = "\n".join(reply.texts)
    assert admin.text_of("admin-stats-total", count=3) in text
    approved = T("state-approved", {})
    assert admin.text_of("admin-stats-state", state=approved, count=1) in text
    assert admin.text_of("admin-stats-rate", rate="50%", approved=1, decided=2) in text
    assert admin.text_of("admin-stats-median", duration="2:00") in text
    assert admin.text_of("admin-stats-reason", rank=1, reason="no_blink", count=2) in text
    assert admin.text_of("admin-stats-queues", tickets=0, reviews=0) in text
    photos = [m for m in reply.messages if m.media_kind == "photo"]
    assert len(photos) == 1
    assert photos[0].media_bytes is not None
    assert photos[0].media_bytes.startswith(b"\x89PNG")

    usage = await admin.say("/stats yesterday")
    assert usage.texts == [admin.text_of("admin-stats-usage")]
    today = await admin.say("/stats")  # default: the last 7 days
    assert any(admin.text_of("admin-stats-total", count=3) in t for t in today.texts)


# ------------------------------------------------------------------------------- staff


async def test_agents_added_and_removed_by_id_and_by_forward(setup: Setup) -> None:
    emu, admin = setup.emulator, setup.admin
    await admin.say("/agent_add 92001")
    assert admin.saw("admin-agent-added", id="92001", role=T("admin-role-agent", {}))
    await admin.say("/agent_add 92001")
    assert admin.saw("admin-agent-unchanged", id="92001", role=T("admin-role-agent", {}))

    helper = emu.user(92002, "Li", "Na", language_code="zh-hans")
    forwarded = forwarded_into(emu, ADMIN, {"type": "user", "sender_user": helper.info.to_json()})
    reply = await admin.user.send_text("/agent_add", reply_to=forwarded)
    assert (
        TRANSLATOR(
            "en",
            T("admin-agent-added", {"id": "92002", "role": T("admin-role-agent", {})}),
            for_html=False,
        )
        in reply.text
    )
    row = await Staff.get(telegram_user_id=92002)
    assert (row.role, row.name, row.added_by) == (StaffRole.AGENT, "Li Na", ADMIN)

    hidden = forwarded_into(emu, ADMIN, {"type": "hidden_user", "sender_user_name": "Anon"})
    reply = await admin.user.send_text("/agent_add", reply_to=hidden)
    assert reply.texts == [admin.text_of("admin-target-hidden")]
    reply = await admin.say("/agent_add")
    assert reply.texts == [admin.text_of("admin-target-usage", command="agent_add")]

    listing = await admin.say("/agents")
    assert "90001 · admin" in listing.text
    assert "92001 · agent" in listing.text and "92002 · agent · Li Na" in listing.text

    await admin.say(f"/agent_remove {ADMIN}")
    assert admin.saw("admin-agent-config", id=str(ADMIN))
    await admin.say("/agent_remove 92001")
    assert admin.saw("admin-agent-removed", id="92001")
    await admin.say("/agent_remove 92001")
    assert admin.saw("admin-agent-not-staff", id="92001")
    assert [s.telegram_user_id for s in await Staff.all()] == [92002]


# -------------------------------------------------------------------------------- bans


async def test_a_banned_user_is_told_once_then_ignored_until_unbanned(setup: Setup) -> None:
    emu, admin = setup.emulator, setup.admin
    await citizen(93001, "es")
    user = emu.user(93001, "Banned", language_code="en")
    privacy = await user.send_text("/start")
    accept_label = privacy.last.buttons[0]

    await admin.say("/ban 93001 spam")
    assert admin.saw("admin-banned", id="93001")
    await admin.say("/ban 93001")
    assert admin.saw("admin-ban-already", id="93001")

    notice_es = TRANSLATOR("es", "admin-banned-notice", for_html=False)
    first = await user.send_text("hola")
    assert first.texts == [notice_es]  # in the language they chose, once
    assert not (await user.send_text("/start")).messages
    assert not (await user.send_text("/help")).messages
    tap = await user.press(accept_label)
    assert not tap.messages
    assert tap.callback_answer is not None and not tap.callback_answer.text

    # a second banned user whose first update is a button tap gets the notice as an alert
    other = emu.user(93002, "Other", language_code="zh-hans")
    other_privacy = await other.send_text("/start")
    await admin.say("/ban 93002")
    tap = await other.press(other_privacy.last.buttons[0])
    assert tap.callback_answer is not None
    assert tap.callback_answer.text == TRANSLATOR("zh-CN", "admin-banned-notice", for_html=False)
    assert tap.callback_answer.show_alert
    assert not (await other.send_text("hi")).messages

    await admin.say("/unban 93001")
    assert admin.saw("admin-unbanned", id="93001")
    back = await user.send_text("/start")
    assert back.messages and notice_es not in back.texts
    await admin.say("/unban 93001")
    assert admin.saw("admin-unban-not-banned", id="93001")

    await Staff.create(telegram_user_id=93003, role=StaffRole.AGENT)
    await admin.say("/ban 93003")
    assert admin.saw("admin-ban-staff", id="93003")
    assert not await Ban.exists(telegram_user_id=93003)


# ---------------------------------------------------------------------------- broadcast


async def test_broadcast_under_429s_with_blocked_and_unreachable_users(setup: Setup) -> None:
    emu, admin = setup.emulator, setup.admin
    people = {
        94001: "en",
        94002: "en",
        94003: "es",
        94004: "zh-CN",
        94005: "es",  # blocks the bot
        94006: "en",  # banned: left out
    }
    for user_id, language in people.items():
        await citizen(user_id, language)
        emu.user(user_id, f"P{user_id}")
    await citizen(94999, "en")  # never started the bot: "chat not found"
    emu.user(94005).block()
    await BanService().ban(94006, by=ADMIN)

    await admin.say("/broadcast")
    assert admin.saw("admin-broadcast-ask")
    message = "Offices are closed on Friday & Saturday."
    chooser = await admin.say(message)
    assert chooser.buttons == [
        "Everyone",
        "English",
        "Español",
        "简体中文",
        admin.label("admin-broadcast-cancel"),
    ]
    preview = await admin.tap("admin-broadcast-all")
    assert preview.texts[-2] == message  # exactly as recipients will see it, then the question
    assert admin.saw("admin-broadcast-preview", count=6, language=T("admin-broadcast-all", {}))

    emu.inject_error("sendMessage", 429, retry_after=1, times=2)
    started = time.monotonic()
    done = await admin.tap("admin-broadcast-send")
    assert admin.saw("admin-broadcast-sending", count=6)
    report = await admin.user.wait_for(lambda m: "Broadcast finished" in m.text, timeout=15)
    assert time.monotonic() - started >= 2.0  # retry_after honoured twice
    assert report.text == admin.text_of("admin-broadcast-report", delivered=4, blocked=1, failed=1)
    for user_id in (94001, 94002, 94003, 94004):
        copies = [m for m in emu.user(user_id).bot_messages if m.text == message]
        assert len(copies) == 1, user_id
    for user_id in (94005, 94006):
        assert not [m for m in emu.user(user_id).bot_messages if m.text == message]
    # a second tap on the old Send button sends nothing again
    stale = await admin.user.press_callback(done.messages[0].message_id, "adm:s:")
    assert stale.callback_answer is not None
    assert stale.callback_answer.text == admin.label("admin-broadcast-stale")

    # a language filter; and a cancelled broadcast sends nothing
    await admin.say("/broadcast")
    await admin.say("Solo en español")
    await admin.tap("language-name-es")
    assert admin.saw("admin-broadcast-preview", count=2, language=T("language-name-es", {}))
    await admin.tap("admin-broadcast-send")
    report = await admin.user.wait_for(lambda m: "Broadcast finished" in m.text, timeout=15)
    assert report.text == admin.text_of("admin-broadcast-report", delivered=1, blocked=1, failed=0)
    assert [m.text for m in emu.user(94003).bot_messages][-1] == "Solo en español"

    await admin.say("/broadcast")
    await admin.say("/cancel")
    assert admin.saw("admin-broadcast-cancelled")
    after = await admin.say("not a broadcast")
    assert not any(admin.text_of("admin-broadcast-language") in t for t in after.texts)
    # a citizen's command half-way drops the broadcast, says so, and is answered as usual:
    # the admin's next text is not taken for the message
    await admin.say("/broadcast")
    menu = await admin.say("/menu")
    assert menu.texts[0] == admin.text_of("admin-broadcast-cancelled"), menu.texts
    after = await admin.say("Wang Xiaoming")
    assert not any(admin.text_of("admin-broadcast-language") in t for t in after.texts)
    again = await admin.say("/menu")  # what the citizen conversation answers to /menu
    assert again.texts and menu.texts[1:] == again.texts, (menu.texts, again.texts)
    audit = await AuditLog.filter(action="admin_broadcast").order_by("id")
    assert [(a.details["delivered"], a.details["language"]) for a in audit] == [
        (4, "all"),
        (1, "es"),
    ]


# ---------------------------------------------------------------------------- /threshold


async def test_thresholds_validated_and_shared(setup: Setup) -> None:
    admin = setup.admin
    await admin.say("/threshold")
    assert admin.saw(
        "admin-threshold-show",
        **{"pass": "0.45", "review": "0.6"},
        source=T("admin-threshold-source-settings", {}),
    )
    for bad, code in (
        ("0.5", "format"),
        ("x 0.5", "format"),
        ("0 0.5", "range"),
        ("0.4 1.5", "range"),
        ("nan 0.5", "range"),
        ("0.6 0.5", "order"),
    ):
        await admin.say(f"/threshold {bad}")
        assert admin.saw(f"admin-threshold-error-{code}"), bad
        assert not await KeyValue.filter(key=THRESHOLDS_KEY).exists(), bad
    await admin.say("/threshold 0.4 0.5")
    assert admin.saw("admin-threshold-set", **{"pass": "0.4", "review": "0.5"})
    assert await current_thresholds(setup.bot.settings) == (0.4, 0.5)
    await admin.say("/threshold 0.7 0.6")
    assert await current_thresholds(setup.bot.settings) == (0.4, 0.5)
    await admin.say("/threshold")
    assert admin.saw(
        "admin-threshold-show",
        **{"pass": "0.4", "review": "0.5"},
        source=T("admin-threshold-source-admin", {}),
    )


# ----------------------------------------------------------------- /export, /purge, /audit


async def test_export_purge_and_audit(setup: Setup) -> None:
    admin, data_dir = setup.admin, setup.data_dir
    owner = await citizen(95001)
    now = datetime.now(UTC)
    old, old_id = await make_application(
        owner, 1, ApplicationState.APPROVED, decided=now - timedelta(days=31)
    )
    recent, recent_id = await make_application(
        owner, 2, ApplicationState.REJECTED, reasons=("no_blink",), decided=now - timedelta(days=2)
    )
    media = data_dir / "media"
    for app in (old, recent):
        (media / f"app_{app.id}").mkdir(parents=True)
        (media / f"app_{app.id}" / "1_frontal.jpg").write_bytes(b"\xff\xd8jpeg")
    references = data_dir / "references"
    references.mkdir(parents=True, exist_ok=True)
    for name, age in (("old", 40), ("new", 1)):
        (references / f"{name}.bin").write_bytes(b"token")
        await ReferencePhoto.create(
            id_hash=name, path=f"references/{name}.bin", created_at=now - timedelta(days=age)
        )

    reply = await admin.say("/export")
    document = reply.last
    assert document.media_kind == "document" and document.media_bytes is not None
    text = document.media_bytes.decode("utf-8")
    for full in (old_id, recent_id, owner.id_enc):
        assert full not in text
    assert not re.search(r"\d{17}[\dX]", text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [str(old.id), str(recent.id)]
    assert rows[1]["member_id_masked"] == mask_id(recent_id)
    assert (rows[1]["state"], rows[1]["reasons"], rows[1]["relationship"]) == (
        "rejected",
        "no_blink",
        "father",
    )
    assert document.text == admin.text_of("admin-export-caption", count=2)

    await admin.say("/purge")
    assert admin.saw("admin-purge-done", days=30, frames=1, references=1)
    assert not (media / f"app_{old.id}").exists()
    assert (media / f"app_{recent.id}" / "1_frontal.jpg").exists()
    assert not (references / "old.bin").exists() and (references / "new.bin").exists()
    assert [r.id_hash for r in await ReferencePhoto.all()] == ["new"]

    await admin.say("/ban 95009")
    reply = await admin.say("/audit 3")
    lines = "\n".join(reply.texts)
    assert admin.text_of("admin-audit-title", count=3) in lines
    actions = [line.split(" · ")[2] for line in lines.splitlines()[1:]]
    assert actions == ["admin_export", "admin_purge", "admin_ban"]
    assert str(ADMIN) not in lines and "95009" not in lines  # pseudonymous
    assert setup.bot.app is not None
    target = setup.bot.app.runner.citizens.audit.pseudonym("tg", 95009)
    assert f"admin_ban · {target}" in lines
    usage = await admin.say("/audit 500")
    assert usage.texts == [admin.text_of("admin-audit-usage")]
    assert await AuditLog.filter(action="admin_audit_viewed").count() == 1
