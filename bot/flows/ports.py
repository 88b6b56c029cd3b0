"""What the conversation core needs from the outside world, as small protocols.

A runtime adapter (`bot/handlers/aiogram/`, `bot/handlers/ptb/`) implements `Messenger` over
its Telegram library; storage implements `ConversationStore`; the composition root
(`bot/wiring.py`) connects services' `Notifier` to the runners. Nothing here imports a
Telegram library: texts arrive rendered (HTML), keyboards as plain labels and callback data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.flows.effects import Published

# --------------------------------------------------------------------------------------------
# Rendered markup: what a Messenger shows under a message
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineButton:
    label: str
    data: str
    """Callback data, at most 64 bytes (see bot.flows.callbacks)."""


@dataclass(frozen=True)
class InlineMarkup:
    rows: tuple[tuple[InlineButton, ...], ...]


@dataclass(frozen=True)
class ContactRequest:
    """A one-time reply keyboard with one button that shares the user's own phone number."""

    label: str


@dataclass(frozen=True)
class RemoveReplyKeyboard:
    pass


Markup = InlineMarkup | ContactRequest | RemoveReplyKeyboard


@dataclass(frozen=True)
class Photo:
    data: bytes
    filename: str = "image.png"
    caption: str = ""


@dataclass(frozen=True)
class Document:
    """A file sent as a document (at most 50 MB through the Bot API)."""

    data: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True)
class Topic:
    thread_id: int


@dataclass(frozen=True)
class Toast:
    """The answer to a button tap, rendered and ready to send."""

    text: str
    alert: bool = False


# --------------------------------------------------------------------------------------------
# What can go wrong when talking to Telegram, said once for every runtime
# --------------------------------------------------------------------------------------------


class MessengerError(Exception):
    """A request Telegram refused. `description` is Telegram's own text (never shown to
    users)."""

    def __init__(self, description: str = "") -> None:
        super().__init__(description)
        self.description = description


class RecipientUnavailable(MessengerError):
    """The user blocked the bot, or the chat is gone: nothing can be delivered there."""


class MessageUnchanged(MessengerError):
    """An edit that would not change the message."""


class MessageGone(MessengerError):
    """The message (or topic) to edit, copy or reply in no longer exists."""


class RateLimited(MessengerError):
    """Too many requests: try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, description: str = "") -> None:
        super().__init__(description)
        self.retry_after = retry_after


class Unreachable(MessengerError):
    """Telegram could not be reached or failed on its side: a transient failure (in webhook
    mode the update is answered with an error so that Telegram delivers it again)."""


class Messenger(Protocol):
    """Sends, edits, copies, opens topics and downloads, for any chat. Every method raises
    only `MessengerError` subclasses (or a transport error the update's handling reports)."""

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Sends an HTML text; returns the new message id."""
        ...

    async def send_photo(
        self,
        chat_id: int,
        photo: Photo,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
    ) -> int: ...

    async def send_document(
        self, chat_id: int, document: Document, *, thread_id: int | None = None
    ) -> int:
        """Sends a file with an HTML caption; returns the new message id."""
        ...

    async def send_album(
        self, chat_id: int, photos: Sequence[Photo], *, thread_id: int | None = None
    ) -> list[int]:
        """Two to ten photos as one media group."""
        ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None: ...

    async def edit_markup(
        self, chat_id: int, message_id: int, markup: InlineMarkup | None
    ) -> None: ...

    async def delete(self, chat_id: int, message_id: int) -> None: ...

    async def copy(
        self, to_chat: int, from_chat: int, message_id: int, *, thread_id: int | None = None
    ) -> int: ...

    async def create_topic(self, chat_id: int, name: str) -> Topic: ...

    async def close_topic(self, chat_id: int, thread_id: int) -> None: ...

    async def edit_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        """Renames a forum topic (a deleted citizen's ticket loses their name)."""
        ...

    async def download(self, file_id: str, destination: Path) -> None: ...


# --------------------------------------------------------------------------------------------
# Conversation state
# --------------------------------------------------------------------------------------------


class ConversationStore(Protocol):
    """One JSON document per (scope, chat): the citizen conversation, an admin dialogue.
    Two bots sharing a backend never see each other's documents (the key has the bot id)."""

    async def load(self, scope: str, chat_id: int) -> dict[str, Any] | None: ...

    async def save(self, scope: str, chat_id: int, data: Mapping[str, Any] | None) -> None:
        """Stores the document; None deletes it."""
        ...

    async def close(self) -> None: ...


# --------------------------------------------------------------------------------------------
# What services publish
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForCitizen:
    """Something the citizen's conversation must hear: an analysis finished, a review was
    decided, a ticket closed."""

    citizen_id: int | None
    event: Published
    telegram_user_id: int | None = None
    """For a conversation with no citizen record yet (an anonymous support ticket)."""


@dataclass(frozen=True)
class ReviewNeeded:
    """An application entered review: the agents' desk posts its card."""

    application_id: int


Notification = ForCitizen | ReviewNeeded
Subscriber = Callable[[Notification], Awaitable[None]]


class Notifier(Protocol):
    async def publish(self, notification: Notification) -> None: ...


class FileSource(Protocol):
    """Where services fetch a file a user sent (Telegram's getFile, or the emulator's)."""

    async def download(self, file_id: str, destination: Path) -> None: ...
