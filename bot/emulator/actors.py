# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""Simulated people and groups: they send updates to the bot and observe what it does."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.emulator.errors import ButtonNotFoundError, EmulatorError
from bot.emulator.html_parser import utf16_len
from bot.emulator.methods import image_size
from bot.emulator.records import (
    BotMessage,
    ChatEvent,
    ChatMessage,
    ForumTopic,
    Reply,
    ReplyKeyboard,
    StoredFile,
    UserMessage,
)
from bot.emulator.state import ChatState, PendingUpdate, UserInfo

if TYPE_CHECKING:
    from bot.emulator.server import Emulator

MessagePredicate = Callable[[BotMessage], bool]
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_FAKE_WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
    b"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


def command_entities(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


class _ChatActor:
    """What people in one chat share: sending into it, pressing buttons, watching the bot."""

    def __init__(self, emulator: Emulator, chat: ChatState) -> None:
        self.emu = emulator
        self.chat = chat
        self._cursor = 0

    # --- composing updates -----------------------------------------------------------------

    def _user_message(
        self,
        sender: UserInfo,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        text: str = "",
        entities: list[dict[str, Any]] | None = None,
        caption: bool = False,
        media: tuple[str, Any, StoredFile | None] | None = None,
        contact_phone: str | None = None,
    ) -> UserMessage:
        chat = self.chat
        message_id = chat.next_message_id()
        date = int(time.time())
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.to_json(),
            "date": date,
            "chat": chat.to_json(),
        }
        if thread_id is not None and chat.is_forum:
            raw["message_thread_id"] = thread_id
            raw["is_topic_message"] = True
        target_id = reply_to if reply_to is not None else thread_id
        if target_id is not None:
            target = chat.find(target_id)
            if target is None and reply_to is not None:
                raise EmulatorError(f"message {reply_to} to reply to is not in chat {chat.id}")
            if target is not None:
                raw["reply_to_message"] = target.raw
        entities = entities or []
        stored: StoredFile | None = None
        kind: str | None = None
        if media is not None:
            kind, media_json, stored = media
            raw[kind] = media_json
        text_key, entities_key = (
            ("caption", "caption_entities") if caption else ("text", "entities")
        )
        if text:
            raw[text_key] = text
            if entities:
                raw[entities_key] = entities
        message = UserMessage(
            message_id=message_id,
            chat_id=chat.id,
            message_thread_id=thread_id if chat.is_forum else None,
            from_user_id=sender.id,
            text=text,
            entities=entities,
            date=date,
            raw=raw,
            media_kind=kind,
            file_id=stored.file_id if stored is not None else None,
            media_bytes=stored.data if stored is not None else None,
            contact_phone=contact_phone,
        )
        chat.add(message)
        self.emu.log_event(chat.id, "message", message)
        return message

    def submit_message(self, sender: UserInfo, **fields: Any) -> tuple[PendingUpdate, int]:
        """Queue a message update without waiting: (the update, the event-log mark)."""
        mark = len(self.emu.events)
        message = self._user_message(sender, **fields)
        what = message.media_kind or "text"
        summary = (
            f"{what} message {message.text[:40]!r} from user {sender.id} in chat {self.chat.id}"
        )
        return self.emu.submit_update("message", message.raw, summary), mark

    async def _finish(
        self, update: PendingUpdate, mark: int, timeout: float | None, query_id: str | None = None
    ) -> Reply:
        reply = await self.emu.process(update, mark, {self.chat.id}, timeout, query_id=query_id)
        self._cursor = len(self.emu.events)
        return reply

    async def _send_message(self, sender: UserInfo, timeout: float | None, **fields: Any) -> Reply:
        update, mark = self.submit_message(sender, **fields)
        return await self._finish(update, mark, timeout)

    async def _callback(
        self, sender: UserInfo, message_id: int, data: str, timeout: float | None
    ) -> Reply:
        update, mark, query_id = self.submit_callback(sender, message_id, data)
        return await self._finish(update, mark, timeout, query_id)

    def submit_callback(
        self, sender: UserInfo, message_id: int, data: str
    ) -> tuple[PendingUpdate, int, str]:
        """Queue a callback_query update without waiting: (update, mark, query id)."""
        message = self.chat.find(message_id)
        if message is None:
            raise EmulatorError(f"no message {message_id} in chat {self.chat.id} to press on")
        query_id = self.emu.new_query_id()
        self.emu.open_queries[query_id] = (sender.id, self.chat.id)
        body = {
            "id": query_id,
            "from": sender.to_json(),
            "message": message.raw,
            "chat_instance": str(abs(self.chat.id) * 7919 % 10**12),
            "data": data,
        }
        summary = f"callback {data!r} from user {sender.id} on message {message_id}"
        mark = len(self.emu.events)
        return self.emu.submit_update("callback_query", body, summary), mark, query_id

    async def _press(
        self,
        sender: UserInfo,
        label: str,
        timeout: float | None,
        thread_id: int | None = None,
        phone_number: str | None = None,
    ) -> Reply:
        inline = self._find_inline(label, thread_id)
        keyboard = self.chat.reply_keyboard
        key = None
        if keyboard is not None:
            key = next((b for row in keyboard.rows for b in row if b.text == label), None)
        if inline is not None and (
            key is None or keyboard is None or inline[0].message_id > keyboard.message_id
        ):
            message, target = inline
            if target is None:
                raise EmulatorError(f"button {label!r} has no callback data or url")
            if not target.startswith("cb:"):
                raise EmulatorError(f"button {label!r} opens {target}; nothing reaches the bot")
            return await self._callback(sender, message.message_id, target[3:], timeout)
        if key is not None and keyboard is not None:
            if keyboard.one_time:
                self.chat.reply_keyboard = None
            if key.request_contact:
                return await self._send_message(
                    sender,
                    timeout,
                    thread_id=thread_id,
                    media=("contact", self._contact(sender, phone_number or "", None), None),
                    contact_phone=phone_number,
                )
            if key.request_location:
                location = {"latitude": 39.9042, "longitude": 116.4074}
                return await self._send_message(
                    sender, timeout, thread_id=thread_id, media=("location", location, None)
                )
            return await self._send_message(
                sender, timeout, thread_id=thread_id, text=label, entities=command_entities(label)
            )
        raise ButtonNotFoundError(
            f"no button {label!r} in chat {self.chat.id}; the newest message offers "
            f"{self._newest_buttons()}, the reply keyboard {keyboard.labels if keyboard else None}"
        )

    def _find_inline(
        self, label: str, thread_id: int | None
    ) -> tuple[BotMessage, str | None] | None:
        for message in reversed(self.chat.messages):
            if not isinstance(message, BotMessage) or message.deleted:
                continue
            if thread_id is not None and message.message_thread_id != thread_id:
                continue
            for row in (message.reply_markup or {}).get("inline_keyboard") or []:
                for button in row:
                    if button.get("text") == label:
                        if "callback_data" in button:
                            return message, "cb:" + str(button["callback_data"])
                        target = button.get("url") or button.get("web_app", {}).get("url")
                        return message, str(target) if target else None
        return None

    def _newest_buttons(self) -> list[str]:
        for message in reversed(self.chat.messages):
            if isinstance(message, BotMessage) and not message.deleted and message.inline_keyboard:
                return [label for row in message.inline_keyboard for label, _ in row]
        return []

    @staticmethod
    def _contact(
        sender: UserInfo, phone_number: str, user_id: int | None, **names: str | None
    ) -> dict[str, Any]:
        own = user_id is None or user_id == sender.id
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": names.get("first_name") or (sender.first_name if own else "Contact"),
            "user_id": sender.id if user_id is None else user_id,
        }
        last_name = names.get("last_name") or (sender.last_name if own else None)
        if last_name:
            contact["last_name"] = last_name
        return contact

    # --- watching the bot ------------------------------------------------------------------

    def _bot_events(
        self, predicate: MessagePredicate | None, thread_id: int | None
    ) -> Callable[[ChatEvent], bool]:
        def matches(event: ChatEvent) -> bool:
            message = event.message
            return (
                event.chat_id == self.chat.id
                and event.kind in ("message", "edit")
                and isinstance(message, BotMessage)
                and message.service is None
                and (thread_id is None or message.message_thread_id == thread_id)
                and (predicate is None or predicate(message))
            )

        return matches

    async def _wait_for(
        self, predicate: MessagePredicate | None, timeout: float, thread_id: int | None
    ) -> BotMessage:
        event = await self.emu.wait_for_event(
            self._cursor,
            self._bot_events(predicate, thread_id),
            timeout,
            f"matching bot message in chat {self.chat.id}",
        )
        self._cursor = event.seq
        assert isinstance(event.message, BotMessage)
        return event.message


class SimulatedUser(_ChatActor):
    """A person in a private chat with the bot (chat id = user id)."""

    def __init__(self, emulator: Emulator, info: UserInfo, chat: ChatState) -> None:
        super().__init__(emulator, chat)
        self.info = info
        self.phone_number = f"+1555{info.id % 10**7:07d}"

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def first_name(self) -> str:
        return self.info.first_name

    @property
    def language_code(self) -> str | None:
        return self.info.language_code

    def _check_not_blocked(self) -> None:
        if self.chat.blocked:
            raise EmulatorError(f"user {self.id} blocked the bot: call unblock() first")

    async def send_text(
        self, text: str, *, reply_to: int | None = None, timeout: float | None = None
    ) -> Reply:
        """Send a text or a command; returns what the bot sent or edited while handling it."""
        self._check_not_blocked()
        if not text.strip():
            raise EmulatorError("Telegram clients do not send empty messages")
        return await self._send_message(
            self.info, timeout, text=text, entities=command_entities(text), reply_to=reply_to
        )

    async def send_contact(
        self,
        phone_number: str,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Reply:
        """Share a contact: one's own when user_id is None, as a request_contact button does."""
        self._check_not_blocked()
        contact = self._contact(
            self.info, phone_number, user_id, first_name=first_name, last_name=last_name
        )
        return await self._send_message(
            self.info, timeout, media=("contact", contact, None), contact_phone=phone_number
        )

    async def press(self, label: str, *, timeout: float | None = None) -> Reply:
        """Press the newest inline button, or reply-keyboard button, with this label."""
        self._check_not_blocked()
        return await self._press(self.info, label, timeout, phone_number=self.phone_number)

    async def press_callback(
        self, message_id: int, data: str, *, timeout: float | None = None
    ) -> Reply:
        """Send raw callback data for a message, as a stale or forged button would."""
        self._check_not_blocked()
        return await self._callback(self.info, message_id, data, timeout)

    async def _send_media(
        self,
        *,
        kind: str,
        data: bytes,
        mime_type: str | None,
        file_name: str | None,
        fields: dict[str, Any],
        caption: str | None,
        timeout: float | None,
    ) -> Reply:
        self._check_not_blocked()
        media = self.media_payload(kind, data, mime_type, file_name, fields)
        return await self._send_message(
            self.info, timeout, media=media, text=caption or "", caption=True
        )

    def media_payload(
        self,
        kind: str,
        data: bytes,
        mime_type: str | None,
        file_name: str | None,
        fields: dict[str, Any],
    ) -> tuple[str, Any, StoredFile]:
        """Store an upload and describe it as Telegram does: (field name, JSON, the file)."""
        stored = self.emu.store_file(data, kind, mime_type, file_name)
        media_json: Any = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            **fields,
        }
        if kind == "photo":
            media_json = [media_json]
        else:
            if mime_type and kind not in ("video_note", "sticker"):
                media_json["mime_type"] = mime_type
            if file_name:
                media_json["file_name"] = file_name
        return kind, media_json, stored

    async def send_video_note(
        self, data: bytes, duration: int = 5, length: int = 384, *, timeout: float | None = None
    ) -> Reply:
        return await self._send_media(
            kind="video_note",
            data=data,
            mime_type="video/mp4",
            file_name=None,
            fields={"duration": duration, "length": length},
            caption=None,
            timeout=timeout,
        )

    async def send_video(
        self,
        data: bytes,
        duration: int = 5,
        width: int = 640,
        height: int = 640,
        mime_type: str = "video/mp4",
        file_name: str | None = None,
        *,
        caption: str | None = None,
        timeout: float | None = None,
    ) -> Reply:
        fields = {"duration": duration, "width": width, "height": height}
        return await self._send_media(
            kind="video",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
            fields=fields,
            caption=caption,
            timeout=timeout,
        )

    async def send_photo(
        self,
        data: bytes,
        width: int | None = None,
        height: int | None = None,
        *,
        caption: str | None = None,
        timeout: float | None = None,
    ) -> Reply:

        if width is None or height is None:
            width, height = image_size(data)
        fields = {"width": width, "height": height}
        return await self._send_media(
            kind="photo",
            data=data,
            mime_type="image/jpeg",
            file_name=None,
            fields=fields,
            caption=caption,
            timeout=timeout,
        )

    async def send_document(
        self,
        data: bytes,
        file_name: str = "document.bin",
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        timeout: float | None = None,
    ) -> Reply:
        return await self._send_media(
            kind="document",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
            fields={},
            caption=caption,
            timeout=timeout,
        )

    async def send_sticker(self, emoji: str = "👍", *, timeout: float | None = None) -> Reply:
        fields = {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._send_media(
            kind="sticker",
            data=_FAKE_WEBP,
            mime_type="image/webp",
            file_name=None,
            fields=fields,
            caption=None,
            timeout=timeout,
        )

    async def send_voice(
        self, data: bytes, duration: int = 1, *, timeout: float | None = None
    ) -> Reply:
        return await self._send_media(
            kind="voice",
            data=data,
            mime_type="audio/ogg",
            file_name=None,
            fields={"duration": duration},
            caption=None,
            timeout=timeout,
        )

    async def wait_for(
        self, predicate: MessagePredicate | None = None, timeout: float = 10.0
    ) -> BotMessage:
        """The next bot message or edit in this chat (after the last Reply or wait_for)."""
        return await self._wait_for(predicate, timeout, None)

    def block(self) -> None:
        """The person blocks the bot: sends to them now fail with 403."""
        self._set_blocked(True)

    def unblock(self) -> None:
        self._set_blocked(False)

    def _set_blocked(self, blocked: bool) -> None:
        if self.chat.blocked == blocked:
            return
        self.chat.blocked = blocked
        bot = self.emu.bot_user.to_json()
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        body = {
            "chat": self.chat.to_json(),
            "from": self.info.to_json(),
            "date": int(time.time()),
            "old_chat_member": {
                "status": old,
                "user": bot,
                **({"until_date": 0} if old == "kicked" else {}),
            },
            "new_chat_member": {
                "status": new,
                "user": bot,
                **({"until_date": 0} if new == "kicked" else {}),
            },
        }
        self.emu.submit_update(
            "my_chat_member",
            body,
            f"user {self.id} {'blocked' if blocked else 'unblocked'} the bot",
        )

    @property
    def messages(self) -> list[ChatMessage]:
        """Everything in the chat, both sides, in order (deleted ones flagged)."""
        return list(self.chat.messages)

    @property
    def bot_messages(self) -> list[BotMessage]:
        return [m for m in self.chat.messages if isinstance(m, BotMessage) and m.service is None]

    @property
    def last_bot_message(self) -> BotMessage | None:
        return next((m for m in reversed(self.bot_messages) if not m.deleted), None)

    @property
    def reply_keyboard(self) -> ReplyKeyboard | None:
        return self.chat.reply_keyboard

    def __repr__(self) -> str:
        return f"SimulatedUser(id={self.id}, first_name={self.first_name!r})"


class Supergroup(_ChatActor):
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
