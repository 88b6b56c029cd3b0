# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""What simulated people and groups share: sending updates, waiting for the bot's reply,
finding and pressing buttons."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from bot.emulator.errors import ButtonNotFoundError, EmulatorError
from bot.emulator.html_parser import utf16_len
from bot.emulator.records import (
    BotMessage,
    ChatEvent,
    Reply,
    StoredFile,
    UserMessage,
)
from bot.emulator.state import ChatState, PendingUpdate, UserInfo
from bot.emulator.world import World

MessagePredicate = Callable[[BotMessage], bool]
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
FAKE_WEBP = (
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


class ChatActor:
    """What people in one chat share: sending into it, pressing buttons, watching the bot."""

    def __init__(self, emulator: World, chat: ChatState) -> None:
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
