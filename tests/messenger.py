"""A recording fake of the `Messenger` port: chats, topics and messages kept in memory, so
the core can be tested without Telegram (or the emulator)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.flows.ports import (
    Document,
    InlineMarkup,
    Markup,
    MessageGone,
    Photo,
    RecipientUnavailable,
    Topic,
)


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str = ""
    photo: bytes | None = None
    markup: Markup | None = None
    thread_id: int | None = None
    copied_from: tuple[int, int] | None = None
    deleted: bool = False

    @property
    def labels(self) -> list[str]:
        if not isinstance(self.markup, InlineMarkup):
            return []
        return [button.label for row in self.markup.rows for button in row]

    def data_of(self, label: str) -> str:
        assert isinstance(self.markup, InlineMarkup), self.markup
        for row in self.markup.rows:
            for button in row:
                if button.label == label:
                    return button.data
        raise AssertionError(f"no button {label!r} in {self.labels}")


@dataclass
class RecordingMessenger:
    messages: list[Sent] = field(default_factory=list)
    topics: dict[int, str] = field(default_factory=dict)
    closed_topics: set[int] = field(default_factory=set)
    deleted_topics: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    _next: int = 100

    def _id(self) -> int:
        self._next += 1
        return self._next

    def _check(self, chat_id: int, thread_id: int | None) -> None:
        if chat_id in self.blocked:
            raise RecipientUnavailable("Forbidden: bot was blocked by the user")
        if thread_id is not None and thread_id in self.deleted_topics:
            raise MessageGone("Bad Request: message thread not found")

    def _store(self, sent: Sent) -> int:
        self.messages.append(sent)
        return sent.message_id

    def find(self, chat_id: int, message_id: int) -> Sent:
        for sent in self.messages:
            if sent.chat_id == chat_id and sent.message_id == message_id:
                return sent
        raise MessageGone("Bad Request: message to edit not found")

    def live(self, chat_id: int, thread_id: int | None = None) -> list[Sent]:
        return [
            m
            for m in self.messages
            if m.chat_id == chat_id
            and not m.deleted
            and (thread_id is None or m.thread_id == thread_id)
        ]

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        self.calls.append("send_text")
        self._check(chat_id, thread_id)
        return self._store(Sent(chat_id, self._id(), text, None, markup, thread_id))

    async def send_photo(
        self,
        chat_id: int,
        photo: Photo,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
    ) -> int:
        self.calls.append("send_photo")
        self._check(chat_id, thread_id)
        return self._store(Sent(chat_id, self._id(), photo.caption, photo.data, markup, thread_id))

    async def send_document(
        self, chat_id: int, document: Document, *, thread_id: int | None = None
    ) -> int:
        self.calls.append("send_document")
        self._check(chat_id, thread_id)
        sent = Sent(chat_id, self._id(), document.caption, document.data, None, thread_id)
        return self._store(sent)

    async def send_album(
        self, chat_id: int, photos: Sequence[Photo], *, thread_id: int | None = None
    ) -> list[int]:
        self.calls.append("send_album")
        self._check(chat_id, thread_id)
        return [
            self._store(Sent(chat_id, self._id(), p.caption, p.data, None, thread_id))
            for p in photos
        ]

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        self.calls.append("edit_text")
        sent = self.find(chat_id, message_id)
        if sent.deleted:
            raise MessageGone("Bad Request: message to edit not found")
        sent.text, sent.markup = text, markup

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineMarkup | None) -> None:
        self.calls.append("edit_markup")
        self.find(chat_id, message_id).markup = markup

    async def delete(self, chat_id: int, message_id: int) -> None:
        self.calls.append("delete")
        sent = self.find(chat_id, message_id)
        if sent.deleted:
            raise MessageGone("Bad Request: message to delete not found")
        sent.deleted = True

    async def copy(
        self, to_chat: int, from_chat: int, message_id: int, *, thread_id: int | None = None
    ) -> int:
        self.calls.append("copy")
        self._check(to_chat, thread_id)
        text = next(
            (m.text for m in self.messages if (m.chat_id, m.message_id) == (from_chat, message_id)),
            "",
        )
        sent = Sent(to_chat, self._id(), text, None, None, thread_id, (from_chat, message_id))
        return self._store(sent)

    async def create_topic(self, chat_id: int, name: str) -> Topic:
        self.calls.append("create_topic")
        thread = self._id()
        self.topics[thread] = name
        return Topic(thread)

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        self.calls.append("close_topic")
        self._check(chat_id, thread_id)
        self.closed_topics.add(thread_id)

    async def edit_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        self.calls.append("edit_topic")
        self._check(chat_id, thread_id)
        self.topics[thread_id] = name

    async def download(self, file_id: str, destination: Path) -> None:
        destination.write_bytes(b"")

    def user_writes(self, chat_id: int, text: str, thread_id: int | None = None) -> int:
        """A message someone sent (a citizen in their chat, an agent in a topic)."""
        return self._store(Sent(chat_id, self._id(), text, None, None, thread_id))

    def delete_topic(self, thread_id: int) -> None:
        """An agent deletes a topic with everything in it."""
        self.deleted_topics.add(thread_id)
        for sent in self.messages:
            if sent.thread_id == thread_id:
                sent.deleted = True
