"""The citizen flow's unit tests, driven through the real runner with fake ports.

`World` implements the runner's ports (`bot.flows.citizen_ports.Citizens` and `Verification`,
and the runner's `SupportDesk`) on plain dicts, answering with the same result events the real
services return. `Chat` feeds one citizen's events to a real `CitizenRunner`: it loads and
locks the conversation, steps the flow (strict transition checks), carries out the commands on
the World, feeds their results back, renders through a recording messenger and saves the
conversation encrypted. So whole conversations run without a database or Telegram, through the
one loop the bot runs.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from bot.domain.idnumber import mask_id, parse_resident_id
from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.citizen_ports import Actor
from bot.flows.core import (
    ApplicationEventView,
    ApplicationView,
    ButtonPressed,
    CitizenView,
    CommandSent,
    ContactShared,
    Context,
    FlowConfig,
    InlineKeyboard,
    MediaSent,
    MemberView,
    Reply,
    TextSent,
)
from bot.flows.ports import Toast
from bot.flows.runner import SCOPE, CitizenInput, CitizenRunner
from bot.i18n import Translator
from bot.security import Vault, generate_key
from bot.services.erasure import GroupTraces
from tests.messenger import RecordingMessenger, Sent
from tests.store import MemoryStore

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
USER = 5151
"""The citizen's Telegram user id (and private chat)."""
TR = Translator()
VAULT = Vault([generate_key()], generate_key())


def fake_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class World:
    """Citizens, members and applications in dicts; `log` lists what the runner asked of the
    services, as the flow's commands (`fx.SignOut("idle")`, `fx.RelayToAgents(5)`, ...)."""

    config: FlowConfig = field(default_factory=FlowConfig)
    now: datetime = NOW
    citizens: dict[int, dict[str, object]] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    members: dict[int, dict[str, object]] = field(default_factory=dict)
    apps: dict[int, dict[str, object]] = field(default_factory=dict)
    log: list[object] = field(default_factory=list)
    erased: list[GroupTraces] = field(default_factory=list)
    next_id: int = 1
    draws: int = 0
    """Each context gets a fresh draw, as the real service passes on the runner's random one;
    here the draws are counted, so that a failing test fails again the same way."""

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    # ---------------------------------------------------------------- Citizens: the snapshot

    async def load_context(self, citizen_id: int | None, *, now: datetime, entropy: int) -> Context:
        self.draws += 1
        entropy = 7 + 7919 * self.draws
        base = Context(now=now, config=self.config, entropy=entropy, hash_id=fake_hash)
        if citizen_id is None or citizen_id not in self.citizens:
            return base
        c = self.citizens[citizen_id]
        mine = [m for m in self.members.values() if m["citizen"] == citizen_id]
        return Context(
            now=now,
            config=self.config,
            entropy=entropy,
            hash_id=fake_hash,
            citizen=CitizenView(
                id=citizen_id,
                name=str(c["name"]),
                id_masked=mask_id(str(c["id"])),
                birth_date=parse_resident_id(str(c["id"]), today=now.date()).birth_date,
                id_hash=fake_hash(str(c["id"])),
                biometric_consent=bool(c.get("consent")),
                member_id_hashes=tuple(fake_hash(str(m["id_number"])) for m in mine),
            ),
            members=tuple(
                MemberView(
                    id=int(m["pk"]),  # type: ignore[call-overload]
                    name=str(m["name"]),
                    id_masked=mask_id(str(m["id_number"])),
                    birth_date=parse_resident_id(str(m["id_number"]), today=now.date()).birth_date,
                    relationship=str(m["relationship"]),
                    status=str(m.get("status", "not_verified")),
                    failed_attempts_today=0,
                    locked=bool(m.get("locked")),
                    consent=bool(m.get("consent")),
                )
                for m in mine
            ),
            applications=tuple(
                ApplicationView(
                    id=aid,
                    member_id=int(a["member"]),  # type: ignore[call-overload]
                    member_name="x",
                    kind=str(a["kind"]),
                    state=str(a["state"]),
                    created_at=now,
                    reasons=(),
                    timeline=tuple(ApplicationEventView(state, now) for state in a["events"]),  # type: ignore[attr-defined]
                )
                for aid, a in self.apps.items()
                if a["citizen"] == citizen_id
            ),
        )

    async def telegram_user_of(self, citizen_id: int) -> int | None:
        return USER if citizen_id in self.citizens else None

    # --------------------------------------------------------------- Citizens: the account

    async def record_privacy(self, actor: Actor, accepted: bool) -> None:
        self.log.append(fx.RecordPrivacyDecision(accepted))

    async def lookup_phone(self, phone: str) -> fx.PhoneLookedUp:
        self.log.append(fx.LookupPhone(phone))
        return fx.PhoneLookedUp(self.phones.get(phone))

    async def sign_in(self, actor: Actor, citizen_id: int) -> fx.SignedIn:
        self.log.append(fx.SignIn(citizen_id))
        return fx.SignedIn(citizen_id)

    async def sign_out(self, actor: Actor, reason: str) -> None:
        self.log.append(fx.SignOut(reason))

    async def register(
        self, actor: Actor, cmd: fx.RegisterCitizen
    ) -> fx.Registered | fx.RegistrationRefused:
        self.log.append(cmd)
        if any(c["id"] == cmd.id_number for c in self.citizens.values()):
            return fx.RegistrationRefused("id_taken")
        new = self._id()
        self.citizens[new] = {"name": cmd.name, "id": cmd.id_number}
        self.phones[cmd.phone] = new
        return fx.Registered(new)

    async def group_traces(self, actor: Actor, citizen_id: int) -> GroupTraces:
        return GroupTraces()

    async def delete_account(self, actor: Actor, citizen_id: int) -> None:
        self.log.append(fx.DeleteAccount(citizen_id))
        self.citizens.pop(citizen_id)

    async def set_language(self, citizen_id: int, language: str) -> None:
        self.log.append(fx.SetLanguage(language))

    # ------------------------------------------------------- Citizens: members, applications

    async def add_member(self, citizen_id: int, cmd: fx.AddMember) -> fx.MemberAdded:
        self.log.append(cmd)
        pk = self._id()
        self.members[pk] = {
            "pk": pk,
            "citizen": citizen_id,
            "name": cmd.name,
            "id_number": cmd.id_number,
            "relationship": cmd.relationship,
        }
        return fx.MemberAdded(pk)

    async def member_traces(self, citizen_id: int, member_id: int) -> GroupTraces:
        return GroupTraces()

    async def remove_member(self, citizen_id: int, member_id: int) -> None:
        self.log.append(fx.RemoveMember(member_id))
        self.members.pop(member_id, None)

    async def give_biometric_consent(self, citizen_id: int, cmd: fx.GiveBiometricConsent) -> None:
        self.log.append(cmd)
        self.members[cmd.member_id]["consent"] = True

    async def start_application(
        self, citizen_id: int, cmd: fx.StartApplication
    ) -> fx.ApplicationStarted:
        self.log.append(cmd)
        same = [
            aid
            for aid, a in self.apps.items()
            if a["member"] == cmd.member_id and a["kind"] == cmd.kind and a["state"] == "submitted"
        ]
        if same:
            return fx.ApplicationStarted(same[-1])
        aid = self._id()
        self.apps[aid] = {
            "citizen": citizen_id,
            "member": cmd.member_id,
            "kind": cmd.kind,
            "state": "submitted",
            "events": ["submitted"],
        }
        return fx.ApplicationStarted(aid)

    async def ecard(self, citizen_id: int, member_id: int) -> fx.EcardReady | None:
        self.log.append(fx.ShowEcard(member_id))
        member = self.members.get(member_id)
        if member is None or member.get("status") != "verified":
            return None
        valid_until = (self.now + timedelta(days=self.config.ecard_valid_days)).date()
        return fx.EcardReady(member_id, b"png", valid_until=valid_until)

    # ------------------------------------------------------------------------- Verification

    async def accept_reference(
        self, citizen_id: int, cmd: fx.SubmitReferencePhoto
    ) -> fx.ReferenceAccepted:
        self.log.append(cmd)
        return fx.ReferenceAccepted(cmd.application_id)

    async def submit(self, citizen_id: int, cmd: fx.SubmitMedia) -> None:
        """Queued: the outcome arrives later (a test sends `fx.AnalysisFinished`); a real
        attempt is checked from now on, as the service records it."""
        self.log.append(cmd)
        if not cmd.practice:
            self.apps[cmd.application_id]["events"].append("checking")  # type: ignore[attr-defined]

    async def request_human_review(self, citizen_id: int, application_id: int) -> None:
        self.log.append(fx.RequestHumanReview(application_id))

    # -------------------------------------------------------------------- the support desk

    async def open_ticket(
        self, user_id: int, citizen_id: int | None, step: str
    ) -> fx.TicketOpened | fx.TicketUnavailable:
        self.log.append(fx.OpenTicket(step))
        return fx.TicketOpened(1)

    async def relay_from_citizen(self, user_id: int, message_id: int) -> None:
        self.log.append(fx.RelayToAgents(message_id))

    async def close_from_citizen(self, user_id: int) -> None:
        self.log.append(fx.CloseTicket())

    async def erase_citizen(self, traces: GroupTraces) -> None:
        self.erased.append(traces)


class _ShownRunner(CitizenRunner):
    """The real runner, keeping the replies it rendered in the last update for the tests to
    read (`Chat.keys`, `Chat.buttons`); they are rendered and sent all the same."""

    shown: list[Reply]

    async def _render(
        self, chat_id: int, conv: flow.Conversation, refs: dict[str, int], replies: list[Reply]
    ) -> None:
        self.shown = list(replies)
        await super()._render(chat_id, conv, refs, replies)


T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Runs one update on a loop of its own (the tests read as plain steps)."""
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(work)


class Chat:
    """One citizen's private chat with the bot: events in through the runner, replies out
    through the messenger; `conv` is the conversation as the runner stored it."""

    def __init__(self, world: World, conv: flow.Conversation | None = None) -> None:
        self.world = world
        self.messenger = RecordingMessenger()
        self.store = MemoryStore()
        self.runner = _ShownRunner(
            bot_id=1,
            messenger=self.messenger,
            store=self.store,
            citizens=world,
            verification=world,
            translator=TR,
            vault=VAULT,
            desk=world,
            strict=True,
            clock=lambda: world.now,
        )
        self.replies: list[Reply] = []
        self.notices: list[Toast] = []
        if conv is not None:  # a conversation as some earlier update left it
            self.store.docs[(SCOPE, USER)] = {"c": conv.to_dict(), "refs": {}}

    def send(self, event: CitizenInput) -> list[str]:
        """Feeds an event (a tap is on the live screen); returns the Fluent ids of the lines
        the runner showed."""
        if isinstance(event, TextSent | CommandSent | ContactShared | MediaSent):
            self._citizen_wrote(event.message_id)
        screen = self.conv.screen if isinstance(event, ButtonPressed) else None
        self.runner.shown = []
        toast = _run(self.runner.feed(user_id=USER, event=event, screen=screen))
        self.replies = self.runner.shown
        if toast is not None:
            self.notices.append(toast)
        return self.keys

    def _citizen_wrote(self, message_id: int) -> None:
        """The citizen's message, in the chat where the runner may delete it."""
        if message_id and all(m.message_id != message_id for m in self.messenger.messages):
            self.messenger.messages.append(Sent(USER, message_id, "(the citizen's message)"))

    @property
    def conv(self) -> flow.Conversation:
        conv, _refs = _run(self.runner._load(USER))
        return conv

    @property
    def keys(self) -> list[str]:
        return [line.key for reply in self.replies for line in reply.lines]

    @property
    def buttons(self) -> list[tuple[str, str]]:
        out = []
        for reply in self.replies:
            if isinstance(reply.keyboard, InlineKeyboard):
                out += [(b.label.key, b.action.value) for row in reply.keyboard.rows for b in row]
        return out

    @property
    def deleted(self) -> list[int]:
        """The ids of the messages removed from the chat."""
        return [m.message_id for m in self.messenger.messages if m.chat_id == USER and m.deleted]


def later(world: World, minutes: int) -> None:
    world.now = world.now + timedelta(minutes=minutes)
