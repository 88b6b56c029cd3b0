"""Edits, deletions and answers to callback queries."""

from __future__ import annotations

import time
from typing import Any

from bot.emulator.errors import (
    BLOCKED,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    bad_request,
)
from bot.emulator.methods.base import ApiBase, Body, body_of
from bot.emulator.params import Params
from bot.emulator.records import (
    BotMessage,
    CallbackAnswer,
)
from bot.emulator.state import ChatState


class EditMethods(ApiBase):
    def editable(self, params: Params) -> tuple[ChatState, BotMessage]:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat, message = self.find_message(params, "edit")
        if not isinstance(message, BotMessage) or message.service is not None:
            raise bad_request("message can't be edited")
        if chat.blocked:
            raise ApiError(403, BLOCKED)
        return chat, message

    def apply_edit(
        self,
        chat: ChatState,
        message: BotMessage,
        body: Body,
        markup: dict[str, Any] | None,
    ) -> Any:
        text, entities = body.text, body.entities
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        current = (
            message.reply_markup
            if message.reply_markup and "inline_keyboard" in message.reply_markup
            else None
        )
        if text == message.text and entities == message.entities and inline == current:
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities = text, entities
        message.html, message.parse_mode = body.html, body.parse_mode
        message.reply_markup = inline
        message.edited += 1
        raw = message.raw
        text_key, entities_key = (
            ("caption", "caption_entities") if message.media_kind else ("text", "entities")
        )
        raw.pop(entities_key, None)
        raw.pop("reply_markup", None)
        raw[text_key] = text
        if not text:
            raw.pop(text_key)
        if entities:
            raw[entities_key] = entities
        if inline is not None:
            raw["reply_markup"] = inline
        raw["edit_date"] = int(time.time())
        self.emu.log_event(chat.id, "edit", message)
        return raw

    async def edit_message_text(self, params: Params) -> Any:
        return self._edit_formatted(params, caption=False)

    async def edit_message_caption(self, params: Params) -> Any:
        return self._edit_formatted(params, caption=True)

    def _edit_formatted(self, params: Params, *, caption: bool) -> Any:
        """editMessageText (the text of a text message) or editMessageCaption (of media)."""
        chat, message = self.editable(params)
        if (message.media_kind is not None) != caption:
            what = "caption" if caption else "text"
            raise bad_request(f"there is no {what} in the message to edit")
        return self.apply_edit(
            chat, message, body_of(params, caption=caption), self.parse_markup(params)
        )

    async def edit_message_reply_markup(self, params: Params) -> Any:
        chat, message = self.editable(params)
        same = Body(message.text or "", message.entities, message.html or "", message.parse_mode)
        return self.apply_edit(chat, message, same, self.parse_markup(params))

    async def delete_message(self, params: Params) -> Any:
        chat, message = self.find_message(params, "delete")
        message.deleted = True
        self.emu.log_event(chat.id, "delete", message)
        return True

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.text("callback_query_id", required=True)
        assert query_id is not None
        origin = self.emu.open_queries.pop(query_id, None)
        if origin is None:
            raise bad_request(QUERY_TOO_OLD)
        user_id, chat_id = origin
        answer = CallbackAnswer(
            query_id=query_id,
            user_id=user_id,
            text=params.text("text"),
            show_alert=params.flag("show_alert"),
            url=params.text("url"),
        )
        self.emu.callback_answers.append(answer)
        self.emu.log_event(chat_id, "callback_answer", answer=answer)
        return True
