"""The admin runner with fake ports (a recording Messenger, an in-memory conversation store)
on a real SQLite database: staff check, the broadcast's paced delivery and its report, menus,
the CSV export as a document, and what is left to the citizen conversation."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.flows.admin import AdminCommand, AdminPressed, AdminText, Tap
from bot.flows.admin_runner import AdminRunner, Handled
from bot.flows.admin_screen import chunks
from bot.flows.callbacks import AdminTap, parse
from bot.flows.core import t
from bot.flows.menus import MenuUpdate, RoleMenus
from bot.flows.ports import (
    Document,
    InlineMarkup,
    Markup,
    Photo,
    RateLimited,
    RecipientUnavailable,
    Topic,
)
from bot.i18n import Translator
from bot.security import Vault, generate_key
from bot.services.admin.bans import BanService
from bot.services.admin.broadcast import deliver_broadcast
from bot.services.audit import Audit
from bot.services.staff import StaffService
from bot.storage.models import AuditLog, Staff, StaffRole
from tests.services.test_admin import citizen
from tests.storage.conftest import sqlite_db, sqlite_db_url
from tests.store import MemoryStore

__all__ = ["sqlite_db", "sqlite_db_url"]

ADMIN = 90001
TR = Translator()


class RecordingMessenger:
    """Records what the runner sends; `refuse` maps a chat to the error sending raises."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, Any]] = []
        self.refuse: dict[int, list[Exception]] = {}
        self._next = 100

    def _id(self) -> int:
        self._next += 1
        return self._next

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        errors = self.refuse.get(chat_id)
        if errors:
            raise errors.pop(0)
        self.sent.append(("text", chat_id, (text, markup)))
        return self._id()

    async def send_photo(
        self,
        chat_id: int,
        photo: Photo,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
    ) -> int:
        self.sent.append(("photo", chat_id, photo))
        return self._id()

    async def send_document(
        self, chat_id: int, document: Document, *, thread_id: int | None = None
    ) -> int:
        self.sent.append(("document", chat_id, document))
        return self._id()

    async def send_album(
        self, chat_id: int, photos: Sequence[Photo], *, thread_id: int | None = None
    ) -> list[int]:
        raise NotImplementedError

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        self.sent.append(("edit", chat_id, (message_id, text, markup)))

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineMarkup | None) -> None:
        self.sent.append(("markup", chat_id, (message_id, markup)))

    async def delete(self, chat_id: int, message_id: int) -> None:
        raise NotImplementedError

    async def copy(
        self, to_chat: int, from_chat: int, message_id: int, *, thread_id: int | None = None
    ) -> int:
        raise NotImplementedError

    async def create_topic(self, chat_id: int, name: str) -> Topic:
        raise NotImplementedError

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        raise NotImplementedError

    async def download(self, file_id: str, destination: Path) -> None:
        raise NotImplementedError

    def texts(self, chat_id: int) -> list[str]:
        return [item[0] for kind, chat, item in self.sent if kind == "text" and chat == chat_id]

    def last_message_id(self) -> int:
        return self._next


class MenuPort:
    """A runtime's menu port that records the menus it was asked to set or withdraw."""

    def __init__(self) -> None:
        self.applied: list[MenuUpdate] = []

    async def apply(self, update: MenuUpdate) -> None:
        self.applied.append(update)


class NoReferences:
    async def purge_older_than(self, days: int) -> int:
        return 0


async def english(user_id: int, language_code: str | None) -> str:
    return "en"


async def no_wait(seconds: float) -> None:
    pass


@pytest.fixture
def world(
    sqlite_db: str, tmp_path: Path
) -> tuple[AdminRunner, RecordingMessenger, MemoryStore, MenuPort]:
    messenger, store, port = RecordingMessenger(), MemoryStore(), MenuPort()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", admin_ids=[ADMIN])  # type: ignore[call-arg]
    staff = StaffService([ADMIN])
    menus = RoleMenus(port, TR, staff.admins, agents_chat_id=None)
    runner = AdminRunner(
        bot_id=1,
        messenger=messenger,
        store=store,
        staff=staff,
        audit=Audit(Vault([generate_key()], generate_key())),
        translator=TR,
        settings=settings,
        references=NoReferences(),
        media_dir=tmp_path / "media",
        language_of=english,
        menus=menus,
        deliver=functools.partial(deliver_broadcast, sleep=no_wait),
    )
    return runner, messenger, store, port


def rendered(key: str, **params: str | int) -> str:
    return TR.render("en", t(key, **params))


async def test_only_admins_are_served_and_nothing_is_kept_for_others(world: Any) -> None:
    runner, messenger, store, _ = world
    assert await runner.feed(user_id=5, event=AdminCommand("stats")) is None
    assert await runner.feed(user_id=5, event=AdminCommand("broadcast")) is None
    assert messenger.sent == [] and store.docs == {}
    assert not await AuditLog.exists()


async def test_a_broadcast_is_delivered_paced_and_reported(world: Any) -> None:
    runner, messenger, store, _ = world
    for user_id, language in ((11, "en"), (12, "en"), (13, "en"), (14, "es")):
        await citizen(user_id, language)
    await BanService().ban(13, by=ADMIN)
    messenger.refuse[12] = [RecipientUnavailable("blocked")]
    messenger.refuse[11] = [RateLimited(1.0), RateLimited(1.0)]

    await runner.feed(user_id=ADMIN, event=AdminCommand("broadcast"))
    assert store.docs[("admin", ADMIN)]["d"]["step"] == "broadcast_text"
    await runner.feed(user_id=ADMIN, event=AdminText("<b>Hello</b>"))
    chooser = messenger.sent[-1][2][1]
    assert isinstance(chooser, InlineMarkup)
    taps = [parse(button.data) for row in chooser.rows for button in row]
    assert taps[0] == AdminTap(Tap.LANGUAGE.value, "all")
    chooser_id = messenger.last_message_id()

    await runner.feed(user_id=ADMIN, event=AdminPressed(Tap.LANGUAGE.value, "en", chooser_id))
    assert ("markup", ADMIN, (chooser_id, None)) in messenger.sent
    assert messenger.texts(ADMIN)[-2] == "<b>Hello</b>"
    confirm_id = messenger.last_message_id()

    stale = await runner.feed(user_id=ADMIN, event=AdminPressed(Tap.SEND.value, "", 1))
    assert isinstance(stale, Handled) and stale.toast is not None
    assert stale.toast.text == TR("en", "admin-broadcast-stale", for_html=False)

    await runner.feed(user_id=ADMIN, event=AdminPressed(Tap.SEND.value, "", confirm_id))
    await runner.join()

    assert messenger.texts(11) == ["<b>Hello</b>"]  # after two 429s, once
    assert messenger.texts(12) == [] and messenger.texts(13) == [] and messenger.texts(14) == []
    edits = [item for kind, _, item in messenger.sent if kind == "edit"]
    assert edits and edits[0][0] == confirm_id
    report = rendered("admin-broadcast-report", delivered=1, blocked=1, failed=0)
    assert messenger.texts(ADMIN)[-1] == report
    assert ("admin", ADMIN) not in store.docs  # the dialogue is over
    line = await AuditLog.get(action="admin_broadcast")
    assert (line.details["delivered"], line.details["blocked"]) == (1, 1)

    again = await runner.feed(user_id=ADMIN, event=AdminPressed(Tap.SEND.value, "", confirm_id))
    assert isinstance(again, Handled) and again.toast is not None  # sent once only
    assert messenger.texts(11) == ["<b>Hello</b>"]


async def test_texts_and_cancel_outside_a_broadcast_are_left_to_the_citizen(world: Any) -> None:
    runner, messenger, _, _ = world
    assert await runner.feed(user_id=ADMIN, event=AdminText("hello")) is None
    assert await runner.feed(user_id=ADMIN, event=AdminCommand("cancel")) is None
    assert messenger.sent == []


async def test_staff_changes_refresh_the_menus_and_the_export_is_a_document(world: Any) -> None:
    runner, messenger, _, port = world
    await runner.feed(user_id=ADMIN, event=AdminCommand("agent_add", "92001 admin"))
    assert (await Staff.get(telegram_user_id=92001)).role is StaffRole.ADMIN
    # both admins' menus set again, in each language (and the default)
    assert {(u.chat_id, u.language_code) for u in port.applied} == {
        (chat, code) for chat in (ADMIN, 92001) for code in ("en", None, "es", "zh")
    }
    assert all(u.commands is not None for u in port.applied)
    set_before = len(port.applied)
    await runner.feed(user_id=ADMIN, event=AdminCommand("agent_add", "92001 admin"))
    assert len(port.applied) == set_before  # unchanged: no menu call
    await runner.feed(user_id=ADMIN, event=AdminCommand("agent_remove", "92001"))
    withdrawn = port.applied[set_before:]
    assert {(u.chat_id, u.commands) for u in withdrawn if u.chat_id == 92001} == {(92001, None)}

    await runner.feed(user_id=ADMIN, event=AdminCommand("export"))
    kind, chat, document = messenger.sent[-1]
    assert (kind, chat) == ("document", ADMIN)
    assert document.filename.startswith("applications-") and document.data.startswith(b"id,")
    assert document.caption == rendered("admin-export-caption", count=0)
    actions = [a.action for a in await AuditLog.all().order_by("id")]
    assert actions == ["admin_agent_add", "admin_agent_remove", "admin_export"]


async def test_an_admin_given_or_removed_here_counts_at_once(world: Any) -> None:
    """The runner's staff list is kept in memory (no query per update), yet a role changed
    by a command handled in this process counts for the very next update."""
    runner, messenger, _, _ = world
    assert await runner.feed(user_id=92005, event=AdminCommand("stats")) is None
    await runner.feed(user_id=ADMIN, event=AdminCommand("agent_add", "92005 admin"))
    assert await runner.is_admin(92005)
    assert await runner.feed(user_id=92005, event=AdminCommand("admin")) is not None
    await runner.feed(user_id=ADMIN, event=AdminCommand("agent_remove", "92005"))
    assert not await runner.is_admin(92005)
    sent = len(messenger.sent)
    assert await runner.feed(user_id=92005, event=AdminCommand("admin")) is None
    assert len(messenger.sent) == sent  # nothing shown to the former admin


def test_long_lists_are_cut_at_lines_below_the_message_limit() -> None:
    lines = [f"{n:04d} " + "x" * 95 for n in range(100)]
    pieces = chunks(lines)
    assert len(pieces) == 3 and all(len(piece) <= 4000 for piece in pieces)
    assert "\n".join(pieces).split("\n") == lines
