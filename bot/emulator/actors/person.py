# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""A person in a private chat with the bot."""

from __future__ import annotations

import time
from typing import Any

from bot.emulator.actors.base import FAKE_WEBP, ChatActor, MessagePredicate, command_entities
from bot.emulator.errors import EmulatorError
from bot.emulator.files import image_size
from bot.emulator.records import (
    BotMessage,
    ChatMessage,
    Reply,
    ReplyKeyboard,
    StoredFile,
)
from bot.emulator.state import ChatState, UserInfo
from bot.emulator.world import World


class SimulatedUser(ChatActor):
    """A person in a private chat with the bot (chat id = user id)."""

    def __init__(self, emulator: World, info: UserInfo, chat: ChatState) -> None:
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
        kind: str,
        data: bytes,
        file: tuple[str | None, str | None],
        fields: dict[str, Any],
        caption: str | None,
        timeout: float | None,
    ) -> Reply:
        """Send one media message; `file` is (MIME type, file name)."""
        mime_type, file_name = file
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
        file = ("video/mp4", None)
        return await self._send_media(
            "video_note", data, file, {"duration": duration, "length": length}, None, timeout
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
        file = (mime_type, file_name)
        return await self._send_media("video", data, file, fields, caption, timeout)

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
        file = ("image/jpeg", None)
        return await self._send_media("photo", data, file, fields, caption, timeout)

    async def send_document(
        self,
        data: bytes,
        file_name: str = "document.bin",
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        timeout: float | None = None,
    ) -> Reply:
        file = (mime_type, file_name)
        return await self._send_media("document", data, file, {}, caption, timeout)

    async def send_sticker(self, emoji: str = "👍", *, timeout: float | None = None) -> Reply:
        fields = {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        file = ("image/webp", None)
        return await self._send_media("sticker", FAKE_WEBP, file, fields, None, timeout)

    async def send_voice(
        self, data: bytes, duration: int = 1, *, timeout: float | None = None
    ) -> Reply:
        file = ("audio/ogg", None)
        return await self._send_media("voice", data, file, {"duration": duration}, None, timeout)

    async def wait_for(
        self, predicate: MessagePredicate | None = None, timeout: float = 10.0
    ) -> BotMessage:
        """The next bot message or edit in this chat (after the last Reply or wait_for)."""
        return await self._wait_for(predicate, timeout, None)

    def delete_message(self, message_id: int) -> None:
        """The person deletes a message of the chat for both sides, as private chats allow;
        Telegram does not tell the bot."""
        message = self.chat.find(message_id)
        if message is None:
            raise EmulatorError(f"no message {message_id} in chat {self.chat.id} to delete")
        message.deleted = True
        self.emu.log_event(self.chat.id, "delete", message)

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
