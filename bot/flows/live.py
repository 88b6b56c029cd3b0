"""One live screen per conversation: the message (rarely two) whose buttons still work.

A tap on the live screen whose answer is one screen of buttons edits that message in place.
Anything else (a typed message, media, a notification, an answer of several messages) is shown
at the bottom, and a screen it replaces loses its buttons first, so no keyboard in the chat
looks alive when it is not. Taps on older buttons are refused by their screen number
(`CitizenTap.screen`) whether or not their keyboard could be removed.

The bookkeeping lives in the conversation's message refs (`dict[str, int]`, saved with it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping
from dataclasses import dataclass

from bot.flows.core import InlineKeyboard, Reply

SCREEN = "screen"
"""The ref of the live screen's newest message with buttons: the one a tap edits in place."""
_OLDER = "screen.older."
"""Refs of earlier messages with live buttons shown in the same update (e.g. an offer above
the screen it leads back to)."""
_NUMBER = "screen.number"
"""The screen number (`Conversation.screen`) the live buttons carry."""
_SETTLED = "screen.settled"
"""1 when the live screen must stay as it is: something was said below it, or it carries an
outcome (the "checking" message edited into a result). A tap then answers at the bottom."""


@dataclass(frozen=True)
class LiveScreen:
    ids: tuple[int, ...] = ()
    """Messages whose buttons are live, oldest first."""
    number: int | None = None
    settled: bool = False

    @classmethod
    def of(cls, refs: MutableMapping[str, int]) -> LiveScreen:
        newest = refs.get(SCREEN)
        if newest is None:
            return cls()
        older = sorted(
            (int(key.removeprefix(_OLDER)), value)
            for key, value in refs.items()
            if key.startswith(_OLDER)
        )
        return cls(
            (*(value for _, value in older), newest),
            refs.get(_NUMBER),
            bool(refs.get(_SETTLED)),
        )

    def store(self, refs: MutableMapping[str, int]) -> None:
        for key in [k for k in refs if k.startswith(_OLDER) or k in (_NUMBER, _SETTLED)]:
            del refs[key]
        refs.pop(SCREEN, None)
        if not self.ids:
            return
        *older, newest = self.ids
        refs[SCREEN] = newest
        for index, message_id in enumerate(older):
            refs[f"{_OLDER}{index}"] = message_id
        if self.number is not None:
            refs[_NUMBER] = self.number
        if self.settled:
            refs[_SETTLED] = 1

    def replaced_by(self, screen: int) -> bool:
        """Whether the conversation moved on to another screen number (its buttons are stale)."""
        return bool(self.ids) and self.number != screen


def said_below(refs: MutableMapping[str, int]) -> None:
    """The citizen wrote (or the bot said) something under the live screen."""
    live = LiveScreen.of(refs)
    if live.ids and not live.settled:
        dataclasses.replace(live, settled=True).store(refs)


def in_place(replies: list[Reply], refs: MutableMapping[str, int]) -> list[Reply]:
    """The answer to a tap on the live screen: one screen of buttons (text, no photo) replaces
    the live screen in place, when that is one message with nothing under it."""
    live = LiveScreen.of(refs)
    if len(live.ids) != 1 or live.settled or len(replies) != 1:
        return replies
    reply = replies[0]
    if not isinstance(reply.keyboard, InlineKeyboard) or reply.photo is not None or reply.edit:
        return replies
    return [dataclasses.replace(reply, edit=SCREEN)]
