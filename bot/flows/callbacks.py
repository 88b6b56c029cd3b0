"""Callback data of every button the bot shows, packed and parsed in one place.

Wire format `prefix:field:field…` (the one aiogram's CallbackData used, so buttons sent by an
earlier version still parse). Parsing validates every field: anything else is `None`, and the
runtime answers it as a stale button. Telegram allows at most 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.core import Action

MAX_BYTES = 64
_SEP = ":"


class CallbackTooLong(ValueError):
    pass


def _pack(*parts: str) -> str:
    if any(_SEP in part for part in parts[1:]):
        raise ValueError("a callback field may not contain ':'")
    data = _SEP.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


@dataclass(frozen=True)
class CitizenTap:
    """A citizen's button: the action, its argument, the screen number it was shown on."""

    action: Action
    arg: str = ""
    screen: int = 0

    def pack(self) -> str:
        return _pack("c", self.action.value, self.arg, str(self.screen))


@dataclass(frozen=True)
class ReviewTap:
    """A review card's button: action, review id, and a reject reason where needed."""

    action: str
    review_id: int
    code: str = ""

    def pack(self) -> str:
        return _pack("rv", self.action, str(self.review_id), self.code)


@dataclass(frozen=True)
class AdminTap:
    action: str
    value: str = ""

    def pack(self) -> str:
        return _pack("adm", self.action, self.value)


Tap = CitizenTap | ReviewTap | AdminTap


def _int(text: str) -> int | None:
    if not text or len(text) > 18 or not text.lstrip("-").isdigit():
        return None
    return int(text)


def parse(data: str | None) -> Tap | None:
    """The button behind `data`, or None when it is not one of ours (forged, truncated,
    from a version that no longer exists)."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(_SEP)
    match parts:
        case ["c", action, arg, screen]:
            number = _int(screen)
            try:
                return CitizenTap(Action(action), arg, number) if number is not None else None
            except ValueError:
                return None
        case ["rv", action, review, code]:
            review_id = _int(review)
            return ReviewTap(action, review_id, code) if review_id is not None else None
        case ["adm", action, value]:
            return AdminTap(action, value)
        case _:
            return None
