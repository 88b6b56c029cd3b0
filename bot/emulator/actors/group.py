# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""A supergroup (the agents' forum) where the bot is an administrator."""

from __future__ import annotations

from bot.emulator.actors.base import ChatActor, MessagePredicate, command_entities
from bot.emulator.actors.person import SimulatedUser
from bot.emulator.errors import EmulatorError
from bot.emulator.records import (
    BotMessage,
    ChatMessage,
    ForumTopic,
    Reply,
)


class Supergroup(ChatActor):
    """A supergroup (a forum, for the agents) where the bot is an administrator."""

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    @property
    def is_forum(self) -> bool:
        return self.chat.is_forum

    def add_member(self, user: SimulatedUser, status: str = "member") -> None:
        """Add a person; status is member, administrator or creator."""
        if status not in ("member", "administrator", "creator"):
            raise EmulatorError(f"unknown member status {status!r}")
        self.chat.members[user.id] = status

    def check_member(self, user: SimulatedUser, thread_id: int | None) -> None:
        """Raise EmulatorError unless this person may post (in this topic, if given)."""
        status = self.chat.members.get(user.id)
        if status is None:
            raise EmulatorError(
                f"user {user.id} is not a member of {self.chat.id}: add_member() first"
            )
        if thread_id is not None and self.chat.is_forum:
            topic = self.chat.topics.get(thread_id)
            if topic is None or topic.deleted:
                raise EmulatorError(f"no topic {thread_id} in {self.chat.id}")
            if topic.closed and status == "member":
                raise EmulatorError(f"topic {thread_id} is closed; members cannot post in it")

    async def send_text(
        self,
        from_user: SimulatedUser,
        text: str,
        message_thread_id: int | None = None,
        *,
        reply_to: int | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """A member writes in the group (in a topic when message_thread_id is given)."""
        self.check_member(from_user, message_thread_id)
        return await self._send_message(
            from_user.info,
            timeout,
            thread_id=message_thread_id,
            reply_to=reply_to,
            text=text,
            entities=command_entities(text),
        )

    async def press(
        self,
        from_user: SimulatedUser,
        label: str,
        message_thread_id: int | None = None,
        *,
        timeout: float | None = None,
    ) -> Reply:
        """A member presses the newest inline button with this label (in that topic, if given)."""
        self.check_member(from_user, None)
        return await self._press(from_user.info, label, timeout, thread_id=message_thread_id)

    async def press_callback(
        self, from_user: SimulatedUser, message_id: int, data: str, *, timeout: float | None = None
    ) -> Reply:
        self.check_member(from_user, None)
        return await self._callback(from_user.info, message_id, data, timeout)

    async def wait_for(
        self,
        predicate: MessagePredicate | None = None,
        timeout: float = 10.0,
        thread_id: int | None = None,
    ) -> BotMessage:
        return await self._wait_for(predicate, timeout, thread_id)

    @property
    def topics(self) -> list[ForumTopic]:
        return [topic for topic in self.chat.topics.values() if not topic.deleted]

    def topic(self, name: str) -> ForumTopic:
        """The newest open or closed topic with this name."""
        for topic in reversed(self.topics):
            if topic.name == name:
                return topic
        raise EmulatorError(f"no topic named {name!r}; topics: {[t.name for t in self.topics]}")

    def messages(self, thread_id: int | None = None) -> list[ChatMessage]:
        """Messages of one topic, or of the whole group when thread_id is None."""
        return [
            m for m in self.chat.messages if thread_id is None or m.message_thread_id == thread_id
        ]

    def bot_messages(self, thread_id: int | None = None) -> list[BotMessage]:
        return [
            m for m in self.messages(thread_id) if isinstance(m, BotMessage) and m.service is None
        ]

    def __repr__(self) -> str:
        return f"Supergroup(id={self.id}, title={self.title!r})"
