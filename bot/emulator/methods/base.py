"""The base of the Bot API methods: limits, text formatting, the checks and builders that
every area of the API shares."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from bot.emulator.errors import (
    BLOCKED,
    CHAT_NOT_FOUND,
    ApiError,
    bad_request,
)
from bot.emulator.html_parser import HtmlParseError, parse_html, strip_formatted, utf16_len
from bot.emulator.params import Params
from bot.emulator.records import (
    BotMessage,
    ChatMessage,
    KeyboardButton,
    ReplyKeyboard,
    StoredFile,
)
from bot.emulator.state import ChatState, raise_injected
from bot.emulator.webhooks import WebhookDelivery
from bot.emulator.world import World

Handler = Callable[[Params], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MEDIA_FIELDS = ("photo", "video", "video_note", "document", "audio", "voice", "animation")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def format_text(
    text: str | None, parse_mode: str | None, entities: Any, *, caption: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Text or caption as Telegram stores it: parsed, trimmed, length-checked."""
    source = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, parsed = parse_html(source)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif mode in ("", "markdown", "markdownv2"):
        plain = source
        parsed = list(entities) if isinstance(entities, list) else []
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    plain, parsed = strip_formatted(plain, parsed)
    if caption:
        if utf16_len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    else:
        if not plain:
            raise bad_request("message text is empty")
        if utf16_len(plain) > MAX_TEXT:
            raise bad_request("message is too long")
    return plain, parsed


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


def _buttons(markup: dict[str, Any], field: str, kind: str) -> list[Any]:
    """The buttons of a keyboard markup, row after row, once its rows are checked."""
    rows = markup[field]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {kind} must be an Array of Arrays')
    return [button for row in rows for button in row]


class Body(NamedTuple):
    """A message's text or caption as Telegram stores it, and as the bot sent it."""

    text: str
    entities: list[dict[str, Any]]
    html: str
    parse_mode: str | None


NO_BODY = Body("", [], "", None)


def parse_body(html: str, parse_mode: str | None, entities: Any, *, caption: bool) -> Body:
    text, parsed = format_text(html, parse_mode, entities, caption=caption)
    return Body(text, parsed, html, parse_mode)


def body_of(params: Params, *, caption: bool) -> Body:
    """The text (sendMessage, editMessageText) or the caption (media) of a call."""
    field, entities = ("caption", "caption_entities") if caption else ("text", "entities")
    return parse_body(
        params.text(field) or "",
        params.text("parse_mode"),
        params.obj(entities),
        caption=caption,
    )


class ApiBase:
    """The emulator's state and the helpers every area of the Bot API uses."""

    handlers: dict[str, Handler]

    def __init__(self, world: World, webhooks: WebhookDelivery) -> None:
        self.emu = world
        self.webhooks = webhooks

    async def call(self, method: str, params: Params) -> Any:
        handler = self.handlers.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        chat_id = params.values.get("chat_id")
        raise_injected(self.emu.injected_errors, method.lower(), chat_id)
        return await handler(params)

    # --- helpers ---------------------------------------------------------------------------

    def chat(self, chat_id: int | str) -> ChatState:
        chat = self.emu.find_chat(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def check_can_send(self, chat: ChatState, thread_id: int | None) -> None:
        if chat.blocked:
            raise ApiError(403, BLOCKED)
        if thread_id is not None and chat.is_forum:
            topic = chat.topics.get(thread_id)
            if topic is None or topic.deleted:
                raise bad_request("message thread not found")
            if topic.closed:
                raise bad_request("TOPIC_CLOSED")

    def rate_limit(self, chat: ChatState) -> None:
        if self.emu.rate_limiter is not None:
            self.emu.rate_limiter.acquire(chat.id, is_group=chat.type != "private")

    def parse_markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.obj("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            for button in _buttons(markup, "inline_keyboard", "InlineKeyboardMarkup"):
                self._check_inline_button(button)
        elif "keyboard" in markup:
            for button in _buttons(markup, "keyboard", "ReplyKeyboardMarkup"):
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return _canonical(markup)  # type: ignore[no-any-return]

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        elif "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
                raise bad_request("BUTTON_URL_INVALID")
        elif not any(
            key in button
            for key in (
                "web_app",
                "login_url",
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "copy_text",
                "callback_game",
                "pay",
            )
        ):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )

    def apply_keyboard(
        self, chat: ChatState, markup: dict[str, Any] | None, message_id: int
    ) -> None:
        if markup is None:
            return
        if "keyboard" in markup:
            rows = [
                [
                    KeyboardButton(
                        text=str(button["text"] if isinstance(button, dict) else button),
                        request_contact=bool(
                            isinstance(button, dict) and button.get("request_contact")
                        ),
                        request_location=bool(
                            isinstance(button, dict) and button.get("request_location")
                        ),
                    )
                    for button in row
                ]
                for row in markup["keyboard"]
            ]
            chat.reply_keyboard = ReplyKeyboard(
                rows=rows,
                one_time=bool(markup.get("one_time_keyboard")),
                message_id=message_id,
                placeholder=markup.get("input_field_placeholder"),
            )
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    def reply_to(self, params: Params, chat: ChatState) -> ChatMessage | None:
        reply_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
        parameters = params.obj("reply_parameters")
        if isinstance(parameters, dict) and parameters.get("message_id") is not None:
            reply_id = int(parameters["message_id"])
            allow_missing = bool(parameters.get("allow_sending_without_reply", allow_missing))
        if reply_id is None:
            return None
        target = chat.find(reply_id)
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def new_bot_message(
        self,
        chat: ChatState,
        thread_id: int | None,
        *,
        body: Body,
        markup: dict[str, Any] | None,
        media: tuple[str, Any, StoredFile | None] | None = None,
        reply_to: ChatMessage | None = None,
        media_group_id: str | None = None,
        extra: dict[str, Any] | None = None,
        service: str | None = None,
    ) -> BotMessage:
        message_id = chat.next_message_id()
        date = int(time.time())
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": self.emu.bot_user.to_json(),
            "date": date,
            "chat": chat.to_json(),
        }
        in_topic = chat.is_forum and thread_id is not None
        if in_topic:
            raw["message_thread_id"] = thread_id
            raw["is_topic_message"] = True
        if reply_to is not None:
            raw["reply_to_message"] = reply_to.raw
        elif in_topic and thread_id in chat.by_id and service != "forum_topic_created":
            raw["reply_to_message"] = chat.by_id[thread_id].raw
        kind: str | None = None
        stored: StoredFile | None = None
        text_key, entities_key = "text", "entities"
        if media is not None:
            kind, media_json, stored = media
            raw[kind] = media_json
            text_key, entities_key = "caption", "caption_entities"
        if body.text:
            raw[text_key] = body.text
            if body.entities:
                raw[entities_key] = body.entities
        if media_group_id is not None:
            raw["media_group_id"] = media_group_id
        if markup is not None and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        if extra:
            raw.update(extra)
        message = BotMessage(
            message_id=message_id,
            chat_id=chat.id,
            message_thread_id=thread_id if in_topic else None,
            from_user_id=self.emu.bot_user.id,
            text=body.text,
            entities=body.entities,
            date=date,
            raw=raw,
            media_kind=kind,
            file_id=stored.file_id if stored is not None else None,
            media_bytes=stored.data if stored is not None else None,
            media_group_id=media_group_id,
            service=service,
            html=body.html,
            parse_mode=body.parse_mode,
            reply_markup=markup,
        )
        chat.add(message)
        self.apply_keyboard(chat, markup, message_id)
        self.emu.log_event(chat.id, "message", message)
        return message

    def find_message(
        self, params: Params, verb: str, chat_field: str = "chat_id"
    ) -> tuple[ChatState, ChatMessage]:
        """The chat and the (not deleted) message a call names, or "message to <verb> not
        found"."""
        chat = self.chat(params.chat_id(chat_field))
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        message = chat.find(message_id)
        if message is None:
            raise bad_request(f"message to {verb} not found")
        return chat, message

    def destination(self, params: Params) -> tuple[ChatState, int | None]:
        """The chat and topic a sending call names, checked for sending."""
        chat = self.chat(params.chat_id())
        thread_id = params.integer("message_thread_id")
        self.check_can_send(chat, thread_id)
        return chat, thread_id
