# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""The emulator's in-memory state pieces: chats, people, the update queue, limits."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import ApiError, too_many_requests
from bot.emulator.records import ChatMessage, ForumTopic, ReplyKeyboard


class Pulse:
    """Wakes every waiter when something changed; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


@dataclass
class UserInfo:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class ChatState:
    id: int
    type: str  # "private" | "supergroup"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    messages: list[ChatMessage] = field(default_factory=list)
    by_id: dict[int, ChatMessage] = field(default_factory=dict)
    last_message_id: int = 0
    topics: dict[int, ForumTopic] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)
    reply_keyboard: ReplyKeyboard | None = None
    blocked: bool = False
    menu_button: dict[str, Any] | None = None
    actions: list[str] = field(default_factory=list)

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def add(self, message: ChatMessage) -> None:
        self.messages.append(message)
        self.by_id[message.message_id] = message

    def find(self, message_id: int) -> ChatMessage | None:
        message = self.by_id.get(message_id)
        if message is None or message.deleted:
            return None
        return message

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class PendingUpdate:
    update_id: int
    payload: dict[str, Any]
    summary: str
    done: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: bool = False

    @property
    def kind(self) -> str:
        return next(key for key in self.payload if key != "update_id")


@dataclass
class InjectedError:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | str | None


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class RateLimits:
    """Telegram's published limits on bot messages (the emulator applies them when asked)."""

    overall_per_second: int = 30
    group_per_minute: int = 20
    private_per_second: int = 1


class RateLimiter:
    """Sliding windows per limit; an over-limit message gets 429 with the seconds to wait."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._overall: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}

    @staticmethod
    def _check(window: deque[float], now: float, span: float, capacity: int) -> int | None:
        while window and now - window[0] >= span:
            window.popleft()
        if len(window) >= capacity:
            return max(1, math.ceil(span - (now - window[0])))
        return None

    def acquire(self, chat_id: int, is_group: bool) -> None:
        now = time.monotonic()
        chat_window = self._per_chat.setdefault(chat_id, deque())
        chat_span, chat_capacity = (
            (60.0, self.limits.group_per_minute)
            if is_group
            else (1.0, self.limits.private_per_second)
        )
        for window, span, capacity in (
            (self._overall, 1.0, self.limits.overall_per_second),
            (chat_window, chat_span, chat_capacity),
        ):
            wait = self._check(window, now, span, capacity)
            if wait is not None:
                raise too_many_requests(wait)
        self._overall.append(now)
        chat_window.append(now)


def raise_injected(errors: list[InjectedError], method: str, chat_id: int | str | None) -> None:
    for injected in errors:
        if injected.method != method or injected.times <= 0:
            continue
        if injected.chat_id is not None and str(injected.chat_id) != str(chat_id):
            continue
        injected.times -= 1
        if injected.times <= 0:
            errors.remove(injected)
        raise ApiError(injected.error_code, injected.description, injected.retry_after)
