"""What the admin dialogue remembers, what an admin can do, and the vocabulary of its
transition table."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.flows.admin import effects as fx
from bot.flows.core import Notice, T

BROADCAST_LANGUAGES = ("all", "en", "es", "zh-CN")
"""The broadcast's language filter: everyone, or the citizens who chose one language."""


class Step(StrEnum):
    IDLE = "idle"
    TEXT = "broadcast_text"
    """Waiting for the message to broadcast."""
    LANGUAGE = "broadcast_language"
    """The message is kept; waiting for the language filter."""
    CONFIRM = "broadcast_confirm"
    """The preview is shown; waiting for Send or Cancel."""
    SENDING = "broadcast_sending"
    """Delivery runs beside the chat; its report ends the broadcast."""


BROADCAST_STEPS = frozenset({Step.TEXT, Step.LANGUAGE, Step.CONFIRM})
"""The steps a broadcast can be cancelled or abandoned in."""


@dataclass(frozen=True)
class Dialogue:
    """Everything the admin dialogue remembers between updates. JSON-serialisable."""

    step: Step = Step.IDLE
    html: str = ""
    """The message to broadcast, as HTML (its formatting is kept)."""
    language: str = ""
    """"all" or a language code, once chosen."""
    at: str = ""
    """When the dialogue last moved (ISO time): a broadcast left too long is forgotten."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Dialogue:
        if not data:
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        try:
            values["step"] = Step(values.get("step", Step.IDLE))
        except ValueError:
            return cls()
        return cls(**values)


# --------------------------------------------------------------------------------------------
# What an admin does in the private chat, as the flow sees it
# --------------------------------------------------------------------------------------------


class Tap(StrEnum):
    """An admin button's action (travels in `AdminTap`'s callback data)."""

    LANGUAGE = "l"
    SEND = "s"
    CANCEL = "x"


@dataclass(frozen=True)
class Forwarded:
    """The sender of the message a command replies to, when that message was forwarded."""

    user_id: int | None
    """None: the sender hides their account in forwards."""
    name: str = ""


@dataclass(frozen=True)
class AdminCommand:
    name: str
    args: str = ""
    replied_to: Forwarded | None = None


@dataclass(frozen=True)
class AdminText:
    """A message that is not a command; `html` is its text as HTML ("" when it has none:
    a photo, a sticker)."""

    html: str


@dataclass(frozen=True)
class AdminPressed:
    """An admin button was tapped, on message `message_id`."""

    action: str
    value: str = ""
    message_id: int | None = None


AdminEvent = AdminCommand | AdminText | AdminPressed
"""What an admin can do in the chat; an adapter builds these from its updates."""

Event = AdminEvent | fx.Result
"""Everything the admin flow is fed: what the admin did, and what a command answered."""


# --------------------------------------------------------------------------------------------
# What the flow decides on, and what it produces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminContext:
    now: datetime
    admin_ids: frozenset[int] = frozenset()
    """Admins by configuration (ADMIN_IDS): never removed by a command."""
    retention_days: int = 30
    refs: Mapping[str, int] = field(default_factory=dict)
    """Message ids of earlier replies by their `ref` (the broadcast's confirmation)."""
    idle_seconds: int = 15 * 60


@dataclass(frozen=True)
class Button:
    label: T | str
    """A text to translate, or shown as it is."""
    tap: Tap
    value: str = ""


@dataclass(frozen=True)
class Chart:
    """The statistics chart, rendered by the runner (titles in the admin's language)."""

    view: fx.StatsView
    title: T
    states: T
    reasons: T
    no_data: T


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str


@dataclass(frozen=True)
class Reply:
    """One message (or several, when `lines` are longer than a message may be).

    `html`: sent exactly as it is, instead of `lines` (the broadcast preview). `ref` names the
    sent message; `edit` replaces the named message's text (and drops its buttons).
    `chart` / `document`: sent as a photo / a file with the lines as caption.
    """

    lines: tuple[T, ...] = ()
    html: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    ref: str | None = None
    edit: str | None = None
    chart: Chart | None = None
    document: Attachment | None = None


def say(*lines: T, buttons: tuple[tuple[Button, ...], ...] = (), ref: str | None = None) -> Reply:
    return Reply(tuple(lines), buttons=buttons, ref=ref)


@dataclass
class Outcome:
    """What a step produced: the new dialogue, what to show, what to do."""

    state: Dialogue
    replies: list[Reply] = field(default_factory=list)
    commands: list[fx.Command] = field(default_factory=list)
    notice: Notice | None = None
    passed_on: bool = False
    """The event is still not the admin dialogue's: once this outcome is carried out and saved,
    the runtime gives it to the citizen conversation (a row that corrects the dialogue and
    falls through, when no row then takes the event)."""


StepFn = Callable[[Dialogue, Any, AdminContext], Outcome]
"""A step function. Its event parameter is the type its table row's trigger selects."""


# --------------------------------------------------------------------------------------------
# The vocabulary of the transition table
# --------------------------------------------------------------------------------------------


def triggers_of(event: Event) -> list[str]:
    """The triggers an event matches, most specific first: `cmd:<name>`, `cmd:*`, `text`,
    `btn:<action>`, `btn:*`, `result:<EventClass>`, then `*`."""
    match event:
        case AdminCommand(name=name):
            names = [f"cmd:{name}", "cmd:*"]
        case AdminText():
            names = ["text"]
        case AdminPressed(action=action):
            names = [f"btn:{action}", "btn:*"]
        case _:
            names = [f"result:{type(event).__name__}"]
    return [*names, "*"]


def cmd(name: str | None = None) -> str:
    """A command by its name; without one, any command."""
    return f"cmd:{name or '*'}"


def btn(tap: Tap | None = None) -> str:
    return f"btn:{tap.value if tap else '*'}"


def result(event_type: type) -> str:
    return f"result:{event_type.__name__}"


TEXT, ANY = "text", "*"


@dataclass(frozen=True)
class Guard:
    """A condition on the dialogue and the context, named for the diagrams."""

    name: str
    holds: Callable[[Dialogue, AdminContext], bool]


@dataclass(frozen=True)
class Transition:
    """One row: from `source` (None: any step), on `trigger`, when `guard` holds, `fn` moves to
    one of `targets` (empty: stays). `falls_through`: the row only corrects the dialogue; the
    event is then looked up again from the new step."""

    source: Step | None
    trigger: str
    targets: frozenset[Step]
    fn: StepFn
    guard: Guard | None = None
    falls_through: bool = False


def row(
    source: Step | None,
    trigger: str,
    targets: Iterable[Step] | Step,
    fn: StepFn,
    *,
    guard: Guard | None = None,
    falls_through: bool = False,
) -> Transition:
    goals = frozenset([targets]) if isinstance(targets, Step) else frozenset(targets)
    return Transition(source, trigger, goals, fn, guard, falls_through)
