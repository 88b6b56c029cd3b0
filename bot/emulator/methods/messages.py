"""Sending, copying and forwarding messages; chat actions."""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.methods.base import CHAT_ACTIONS, MEDIA_FIELDS, ApiBase, Body, body_of
from bot.emulator.params import Params
from bot.emulator.records import (
    BotMessage,
    ChatMessage,
    StoredFile,
)


class MessageMethods(ApiBase):
    async def send_message(self, params: Params) -> Any:
        chat, thread_id = self.destination(params)
        body = body_of(params, caption=False)
        markup = self.parse_markup(params)
        reply_to = self.reply_to(params, chat)
        self.rate_limit(chat)
        message = self.new_bot_message(chat, thread_id, body=body, markup=markup, reply_to=reply_to)
        return message.raw

    async def send_chat_action(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        action = params.text("action", required=True)
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.check_can_send(chat, params.integer("message_thread_id"))
        chat.actions.append(str(action))
        return True

    def _source(self, params: Params, verb: str) -> ChatMessage:
        _, source = self.find_message(params, verb, "from_chat_id")
        if source.service is not None:
            raise bad_request(
                f"message can't be {verb}ed" if verb == "forward" else "message can't be copied"
            )
        return source

    def _copy(self, params: Params, source: ChatMessage, *, forward: bool) -> BotMessage:
        chat, thread_id = self.destination(params)
        media: tuple[str, Any, StoredFile | None] | None = None
        for key in (*MEDIA_FIELDS, "sticker", "contact"):
            if key in source.raw:
                stored = self.emu.files.get(source.file_id or "")
                media = (key, source.raw[key], stored)
        html = source.raw.get("text") or source.raw.get("caption") or ""
        body = Body(source.text or "", source.entities, html, None)
        if not forward and params.has("caption") and media is not None:
            body = body_of(params, caption=True)
        markup = self.parse_markup(params)
        extra: dict[str, Any] | None = None
        if forward:
            origin_user = source.raw.get("from", {})
            extra = {
                "forward_origin": {"type": "user", "sender_user": origin_user, "date": source.date},
            }
        self.rate_limit(chat)
        return self.new_bot_message(
            chat,
            thread_id,
            body=body,
            markup=markup,
            media=media,
            reply_to=None if forward else self.reply_to(params, chat),
            extra=extra,
        )

    async def copy_message(self, params: Params) -> Any:
        message = self._copy(params, self._source(params, "copy"), forward=False)
        return {"message_id": message.message_id}

    async def forward_message(self, params: Params) -> Any:
        return self._copy(params, self._source(params, "forward"), forward=True).raw

    # --- chats -----------------------------------------------------------------------------
