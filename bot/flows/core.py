"""The vocabulary every flow speaks: events in, replies and commands out.

Nothing here knows Telegram. Handlers translate updates into events and render replies;
services execute commands, and some commands answer with a result event that is fed back
into the same flow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeVar

# --------------------------------------------------------------------------------------------
# Localised text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """A localised text: a message id in `locales/` and its parameters (escaped on render)."""

    key: str
    params: Mapping[str, str | int | float | T] = field(default_factory=dict)


def t(key: str, **params: str | int | float | T) -> T:
    return T(key, params)


# --------------------------------------------------------------------------------------------
# Buttons and keyboards
# --------------------------------------------------------------------------------------------


class Action(StrEnum):
    """What a button does. Values are short: they travel in 64-byte callback data."""

    ACCEPT = "acc"
    DECLINE = "dec"
    MENU = "menu"
    FAMILY = "fam"
    APPLICATIONS = "apps"
    SUPPORT = "sup"
    LANGUAGE = "lang"
    SET_LANGUAGE = "setl"
    DELETE_DATA = "del"
    CONFIRM = "ok"
    CANCEL = "no"
    BACK = "back"
    ADD_MEMBER = "add"
    OPEN_MEMBER = "mem"
    REMOVE_MEMBER = "rm"
    VERIFY = "ver"
    RELATION = "rel"
    EDIT_NAME = "ename"
    EDIT_ID = "eid"
    EDIT_RELATION = "erel"
    PRACTICE = "prac"
    START_VIDEO = "go"
    RETRY = "retry"
    OPEN_APPLICATION = "app"
    HUMAN_REVIEW = "hrev"
    LOGOUT = "out"
    END_TALK = "endt"
    ECARD = "card"


@dataclass(frozen=True)
class Button:
    label: T
    action: Action
    arg: str = ""


@dataclass(frozen=True)
class InlineKeyboard:
    rows: tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class ReplyButton:
    label: T
    request_contact: bool = False


@dataclass(frozen=True)
class ContactKeyboard:
    """A reply keyboard with one button that shares the user's own phone number."""

    button: ReplyButton


@dataclass(frozen=True)
class RemoveKeyboard:
    pass


Keyboard = InlineKeyboard | ContactKeyboard | RemoveKeyboard


# --------------------------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One message to show. `lines` are joined with newlines.

    `ref` names the sent message so that a later reply can replace it (`edit=ref`);
    an edit whose message is gone is sent as a new message instead.
    """

    lines: tuple[T, ...]
    keyboard: Keyboard | None = None
    ref: str | None = None
    edit: str | None = None
    photo: bytes | None = None


def say(*lines: T, keyboard: Keyboard | None = None, ref: str | None = None) -> Reply:
    return Reply(tuple(lines), keyboard, ref=ref)


@dataclass(frozen=True)
class Notice:
    """A short answer to a button tap (a toast), e.g. for stale buttons."""

    text: T
    alert: bool = False


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandSent:
    name: str
    args: str = ""
    message_id: int = 0


@dataclass(frozen=True)
class TextSent:
    text: str
    message_id: int = 0


@dataclass(frozen=True)
class ContactShared:
    phone: str
    is_own: bool
    message_id: int = 0


@dataclass(frozen=True)
class ButtonPressed:
    action: Action
    arg: str = ""


class MediaKind(StrEnum):
    VIDEO_NOTE = "video_note"
    VIDEO = "video"
    PHOTO = "photo"
    DOCUMENT = "document"
    STICKER = "sticker"
    VOICE = "voice"
    AUDIO = "audio"
    ANIMATION = "animation"
    OTHER = "other"


@dataclass(frozen=True)
class MediaSent:
    kind: MediaKind
    file_id: str
    file_size: int | None = None
    duration: int | None = None
    mime_type: str | None = None
    message_id: int = 0


# --------------------------------------------------------------------------------------------
# Snapshot of the world the flow decides on (loaded by the runtime before each step)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberView:
    id: int
    name: str
    id_masked: str
    birth_date: date
    relationship: str
    status: str
    failed_attempts_today: int
    locked: bool
    consent: bool = False
    """The member (or, for a child, their parent or guardian) agreed to be filmed/photographed."""


@dataclass(frozen=True)
class ApplicationEventView:
    state: str
    at: datetime


@dataclass(frozen=True)
class ApplicationView:
    id: int
    member_id: int
    member_name: str
    kind: str
    state: str
    created_at: datetime
    reasons: tuple[str, ...]
    timeline: tuple[ApplicationEventView, ...]


@dataclass(frozen=True)
class CitizenView:
    id: int
    name: str
    id_masked: str
    birth_date: date
    id_hash: str
    biometric_consent: bool
    member_id_hashes: tuple[str, ...]


@dataclass(frozen=True)
class FlowConfig:
    max_members: int = 8
    child_age: int = 16
    session_idle_minutes: int = 30
    max_attempts_per_day: int = 3
    challenge: tuple[str, ...] = ("blink", "shake")
    randomise_challenge: bool = True
    agents_configured: bool = False
    max_video_bytes: int = 20 * 1024 * 1024
    max_video_seconds: int = 15
    min_video_seconds: int = 1
    max_photo_bytes: int = 10 * 1024 * 1024
    retention_days: int = 30
    ecard_valid_days: int = 365


@dataclass(frozen=True)
class Context:
    now: datetime
    config: FlowConfig
    citizen: CitizenView | None = None
    members: tuple[MemberView, ...] = ()
    applications: tuple[ApplicationView, ...] = ()
    entropy: int = 0
    hash_id: Callable[[str], str] | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    def member(self, member_id: int | None) -> MemberView | None:
        return next((m for m in self.members if m.id == member_id), None)

    def application(self, application_id: int | None) -> ApplicationView | None:
        return next((a for a in self.applications if a.id == application_id), None)


S = TypeVar("S")
C = TypeVar("C")


@dataclass
class Outcome(Generic[S, C]):
    """What a step produced: the new state, what to show, what to do (commands of the
    flow's own closed set `C`)."""

    state: S
    replies: list[Reply] = field(default_factory=list)
    commands: list[C] = field(default_factory=list)
    notice: Notice | None = None


UserEvent = CommandSent | TextSent | ContactShared | ButtonPressed | MediaSent
"""What a person can do in a chat, as every flow sees it."""
