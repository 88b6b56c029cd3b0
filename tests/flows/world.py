"""An in-memory stand-in for the services, to drive the pure citizen flow in unit tests.

It carries out the flow's commands on plain dicts and answers with the same result events
the real services return, so whole conversations run without a database or Telegram.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain.idnumber import mask_id, parse_resident_id
from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.core import (
    ApplicationView,
    CitizenView,
    Context,
    FlowConfig,
    MemberView,
    Outcome,
    Reply,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def fake_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class World:
    config: FlowConfig = field(default_factory=FlowConfig)
    now: datetime = NOW
    citizens: dict[int, dict[str, object]] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    members: dict[int, dict[str, object]] = field(default_factory=dict)
    apps: dict[int, dict[str, object]] = field(default_factory=dict)
    log: list[object] = field(default_factory=list)
    next_id: int = 1
    draws: int = 0
    """Each context gets fresh entropy, as the runtime gives each update a random draw."""

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def context(self, conv: flow.Conversation) -> Context:
        cid = conv.citizen_id
        self.draws += 1
        entropy = 7 + 7919 * self.draws
        base = Context(now=self.now, config=self.config, entropy=entropy, hash_id=fake_hash)
        if cid is None or cid not in self.citizens:
            return base
        c = self.citizens[cid]
        mine = [m for m in self.members.values() if m["citizen"] == cid]
        return Context(
            now=self.now,
            config=self.config,
            entropy=entropy,
            hash_id=fake_hash,
            citizen=CitizenView(
                id=cid,
                name=str(c["name"]),
                id_masked=mask_id(str(c["id"])),
                birth_date=parse_resident_id(str(c["id"]), today=self.now.date()).birth_date,
                id_hash=fake_hash(str(c["id"])),
                biometric_consent=bool(c.get("consent")),
                member_id_hashes=tuple(fake_hash(str(m["id_number"])) for m in mine),
            ),
            members=tuple(
                MemberView(
                    id=int(m["pk"]),  # type: ignore[call-overload]
                    name=str(m["name"]),
                    id_masked=mask_id(str(m["id_number"])),
                    birth_date=parse_resident_id(
                        str(m["id_number"]), today=self.now.date()
                    ).birth_date,
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
                    created_at=self.now,
                    reasons=(),
                    timeline=(),
                )
                for aid, a in self.apps.items()
                if a["citizen"] == cid
            ),
        )

    def execute(
        self, conv: flow.Conversation, command: fx.CitizenCommand
    ) -> fx.CommandResult | None:
        self.log.append(command)
        cid = conv.citizen_id
        match command:
            case fx.LookupPhone(phone=phone):
                return fx.PhoneLookedUp(self.phones.get(phone))
            case fx.SignIn(citizen_id=citizen_id):
                return fx.SignedIn(citizen_id)
            case fx.RegisterCitizen(phone=phone, name=name, id_number=number):
                if any(c["id"] == number for c in self.citizens.values()):
                    return fx.RegistrationRefused("id_taken")
                new = self._id()
                self.citizens[new] = {"name": name, "id": number}
                self.phones[phone] = new
                return fx.Registered(new)
            case fx.AddMember(name=name, id_number=number, relationship=rel):
                pk = self._id()
                self.members[pk] = {
                    "pk": pk,
                    "citizen": cid,
                    "name": name,
                    "id_number": number,
                    "relationship": rel,
                }
                return fx.MemberAdded(pk)
            case fx.RemoveMember(member_id=member_id):
                self.members.pop(member_id, None)
            case fx.GiveBiometricConsent(member_id=member_id):
                assert cid is not None
                self.members[member_id]["consent"] = True
            case fx.StartApplication(member_id=member_id, kind=kind):
                same = [
                    aid
                    for aid, a in self.apps.items()
                    if a["member"] == member_id and a["kind"] == kind and a["state"] == "submitted"
                ]
                if same:
                    return fx.ApplicationStarted(same[-1])
                aid = self._id()
                self.apps[aid] = {
                    "citizen": cid,
                    "member": member_id,
                    "kind": kind,
                    "state": "submitted",
                }
                return fx.ApplicationStarted(aid)
            case fx.OpenTicket():
                return fx.TicketOpened(1)
            case fx.DeleteAccount(citizen_id=citizen_id):
                self.citizens.pop(citizen_id)
        return None


@dataclass
class Chat:
    """One citizen's conversation driven through the flow with strict transition checks."""

    world: World
    conv: flow.Conversation = field(default_factory=flow.Conversation)
    replies: list[Reply] = field(default_factory=list)
    notices: list[object] = field(default_factory=list)

    def send(self, event: flow.Event) -> list[str]:
        """Feeds an event (and the result events of its commands); returns the message ids shown."""
        self.replies = []
        pending: list[flow.Event] = [event]
        while pending:
            current = pending.pop(0)
            outcome: Outcome[flow.Conversation, fx.CitizenCommand] = flow.step(
                self.conv, current, self.world.context(self.conv), strict=True
            )
            self.conv = outcome.state
            self.replies += outcome.replies
            if outcome.notice is not None:
                self.notices.append(outcome.notice)
            for command in outcome.commands:
                answer = self.world.execute(self.conv, command)
                if answer is not None:
                    pending.append(answer)
        return self.keys

    @property
    def keys(self) -> list[str]:
        return [line.key for reply in self.replies for line in reply.lines]

    @property
    def buttons(self) -> list[tuple[str, str]]:
        from bot.flows.core import InlineKeyboard

        out = []
        for reply in self.replies:
            if isinstance(reply.keyboard, InlineKeyboard):
                out += [(b.label.key, b.action.value) for row in reply.keyboard.rows for b in row]
        return out


def later(world: World, minutes: int) -> None:
    world.now = world.now + timedelta(minutes=minutes)
