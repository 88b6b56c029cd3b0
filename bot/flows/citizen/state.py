"""What the citizen conversation remembers, and the vocabulary of its transition table."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.flows import effects as fx
from bot.flows.core import (
    Action,
    ButtonPressed,
    CommandSent,
    ContactShared,
    Context,
    MediaSent,
    Outcome,
    TextSent,
    UserEvent,
)

LANGUAGES = ("en", "es", "zh-CN")
RELATIONSHIPS = (
    "spouse",
    "father",
    "mother",
    "son",
    "daughter",
    "grandparent",
    "grandchild",
    "other",
)


class Step(StrEnum):
    NEW = "new"
    WELCOME = "welcome"
    SIGN_IN = "sign_in"
    REG_NAME = "reg_name"
    REG_ID = "reg_id"
    MENU = "menu"
    FAMILY = "family"
    MEMBER = "member"
    MEMBER_REMOVE = "member_remove"
    ADD_NAME = "add_name"
    ADD_ID = "add_id"
    ADD_RELATION = "add_relation"
    ADD_CONFIRM = "add_confirm"
    BIO_CONSENT = "bio_consent"
    LIVENESS_READY = "liveness_ready"
    AWAIT_VIDEO = "await_video"
    AWAIT_PHOTO = "await_photo"
    AWAIT_ID_PHOTO = "await_id_photo"
    CHECKING = "checking"
    APPLICATIONS = "applications"
    APPLICATION = "application"
    LANGUAGE = "language"
    DELETE_CONFIRM = "delete_confirm"
    SUPPORT = "support"
    SUPPORT_CHAT = "support_chat"


SIGNED_OUT_STEPS = frozenset({Step.NEW, Step.WELCOME, Step.SIGN_IN, Step.REG_NAME, Step.REG_ID})


@dataclass
class Draft:
    """A family member being added (kept across steps; the ID number is encrypted at rest)."""

    name: str = ""
    id_number: str = ""
    relationship: str = ""
    editing: bool = False


@dataclass
class Conversation:
    """Everything the citizen conversation remembers between updates. JSON-serialisable."""

    step: Step = Step.NEW
    lang: str = "en"
    lang_chosen: bool = False
    privacy_accepted: bool = False
    citizen_id: int | None = None
    last_active: str | None = None
    phone: str = ""
    reg_name: str = ""
    draft: Draft = field(default_factory=Draft)
    member_id: int | None = None
    application_id: int | None = None
    challenge: list[str] = field(default_factory=list)
    practice: bool = False
    evidence: str = ""
    """What the open attempt sends: "video" or "photo" (set when it is received)."""
    return_to: Step | None = None
    screen: int = 0

    def to_dict(self) -> dict[str, Any]:
        """What `dataclasses.asdict` gives, without its deep copy of every value (this runs on
        every update): the fields are plain values, the draft a flat dataclass."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["draft"] = {name: getattr(self.draft, name) for name in _DRAFT_FIELDS}
        data["challenge"] = list(self.challenge)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        if not data:
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        draft = Draft(**values.pop("draft", None) or {})
        conv = cls(**values, draft=draft)
        conv.step = Step(conv.step)
        if conv.return_to is not None:
            conv.return_to = Step(conv.return_to)
        return conv

    @property
    def signed_in(self) -> bool:
        return self.citizen_id is not None


_FIELDS = tuple(f.name for f in dataclasses.fields(Conversation))
_DRAFT_FIELDS = tuple(f.name for f in dataclasses.fields(Draft))


Event = UserEvent | fx.Published | fx.CommandResult
"""Everything the citizen flow is fed: what the person did, what a command answered, and what
reached the conversation from outside (analyses, agents)."""

Result = Outcome[Conversation, fx.CitizenCommand]
StepFn = Callable[[Conversation, Any, Context], Result]
"""A step function. Its event parameter is the type its table row's trigger selects."""

GuardFn = Callable[[Conversation, Event, Context], bool]


# --------------------------------------------------------------------------------------------
# The vocabulary of the transition table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    """What an event must be to fire a transition: `btn:<action>`, `cmd:<name>`, `text`,
    `contact`, `media`, `result:<EventClass>`, or a wildcard (`btn:*`, `cmd:*`, `*`)."""

    name: str

    @staticmethod
    def of(event: Event) -> list[Trigger]:
        """The triggers an event matches, most specific first."""
        match event:
            case ButtonPressed(action=action):
                names = [f"btn:{action.value}", "btn:*"]
            case CommandSent(name=name):
                names = [f"cmd:{name}", "cmd:*"]
            case TextSent():
                names = ["text"]
            case ContactShared():
                names = ["contact"]
            case MediaSent():
                names = ["media"]
            case _:
                names = [f"result:{type(event).__name__}"]
        return [Trigger(name) for name in [*names, "*"]]


def btn(action: Action | None = None) -> Trigger:
    """A button press (any button with no action)."""
    return Trigger(f"btn:{action.value if action else '*'}")


def cmd(name: str = "*") -> Trigger:
    return Trigger(f"cmd:{name}")


def result(event_type: type) -> Trigger:
    return Trigger(f"result:{event_type.__name__}")


TEXT, CONTACT, MEDIA, ANY = Trigger("text"), Trigger("contact"), Trigger("media"), Trigger("*")


@dataclass(frozen=True)
class Guard:
    """A condition on the conversation and the context, named for the diagrams."""

    name: str
    holds: GuardFn


@dataclass(frozen=True)
class Transition:
    """One row: from `source` (None: any step), on `trigger`, when `guard` holds, `fn` moves to
    one of `targets` (empty: stays). `returns`: goes back to the step it was opened from.
    `falls_through`: the row only corrects the state; the event is then handled from the new
    step by the rest of the table."""

    source: Step | None
    trigger: Trigger
    targets: frozenset[Step]
    fn: StepFn
    returns: bool = False
    guard: Guard | None = None
    falls_through: bool = False


def row(
    source: Step | None,
    trigger: Trigger,
    targets: Iterable[Step] | Step,
    fn: StepFn,
    *,
    guard: Guard | None = None,
    returns: bool = False,
    falls_through: bool = False,
) -> Transition:
    goals = frozenset([targets]) if isinstance(targets, Step) else frozenset(targets)
    return Transition(source, trigger, goals, fn, returns, guard, falls_through)
