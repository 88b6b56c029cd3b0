"""Plain records of what happened in the emulated chats, for tests and the web chat."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

InlineButton = tuple[str, str | None]
"""An inline button as (label, callback_data or url)."""


@dataclass
class ChatMessage:
    """One message in a chat, from either side. `raw` is the Telegram Message JSON."""

    message_id: int
    chat_id: int
    message_thread_id: int | None
    from_user_id: int
    text: str
    """The text or caption as Telegram shows it, entities parsed out."""
    entities: list[dict[str, Any]]
    date: int
    raw: dict[str, Any]
    media_kind: str | None = None
    """photo, video, video_note, document, sticker, voice, contact..."""
    file_id: str | None = None
    media_bytes: bytes | None = None
    media_group_id: str | None = None
    deleted: bool = False
    service: str | None = None
    """For service messages: the service field name, e.g. forum_topic_created."""

    @property
    def is_bot(self) -> bool:
        return False

    def snapshot(self) -> ChatMessage:
        return copy.copy(self)


@dataclass
class UserMessage(ChatMessage):
    """A message a simulated person sent."""

    contact_phone: str | None = None


@dataclass
class BotMessage(ChatMessage):
    """A message the bot sent; `html` is the text or caption exactly as sent."""

    html: str = ""
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    edited: int = 0

    @property
    def is_bot(self) -> bool:
        return True

    @property
    def inline_keyboard(self) -> list[list[InlineButton]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                (str(button.get("text", "")), button.get("callback_data") or button.get("url"))
                for button in row
            ]
            for row in rows
        ]

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline buttons, then of a reply keyboard sent with this message."""
        labels = [label for row in self.inline_keyboard for label, _ in row]
        keyboard = (self.reply_markup or {}).get("keyboard") or []
        labels.extend(
            str(button["text"] if isinstance(button, dict) else button)
            for row in keyboard
            for button in row
        )
        return labels

    def snapshot(self) -> BotMessage:
        return copy.copy(self)


@dataclass(frozen=True)
class KeyboardButton:
    text: str
    request_contact: bool = False
    request_location: bool = False


@dataclass
class ReplyKeyboard:
    """The reply keyboard a chat currently shows."""

    rows: list[list[KeyboardButton]]
    one_time: bool
    message_id: int
    placeholder: str | None = None

    @property
    def labels(self) -> list[str]:
        return [button.text for row in self.rows for button in row]


@dataclass
class ForumTopic:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class ChatEvent:
    """One entry of the emulator's event log: a message (new, edited, deleted) or an answer."""

    seq: int
    chat_id: int
    kind: str  # "message" | "edit" | "delete" | "callback_answer"
    message: ChatMessage | None = None
    callback_answer: CallbackAnswer | None = None


@dataclass
class Reply:
    """What the bot sent or edited in the relevant chat(s) while it processed one update."""

    update_id: int
    messages: list[BotMessage] = field(default_factory=list)
    """Snapshots, in order, of bot messages sent or edited in the relevant chat(s)."""
    elsewhere: list[BotMessage] = field(default_factory=list)
    """Bot messages sent or edited in other chats meanwhile (e.g. the agents' group)."""
    deleted: list[int] = field(default_factory=list)
    callback_answer: CallbackAnswer | None = None

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[BotMessage]:
        return iter(self.messages)

    def __getitem__(self, index: int) -> BotMessage:
        return self.messages[index]

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.messages]

    @property
    def last(self) -> BotMessage:
        if not self.messages:
            raise AssertionError(f"the bot sent nothing in reply to update {self.update_id}")
        return self.messages[-1]

    @property
    def text(self) -> str:
        """Text of the last message sent or edited."""
        return self.last.text

    @property
    def buttons(self) -> list[str]:
        """Button labels of the last message sent or edited."""
        return self.last.buttons
