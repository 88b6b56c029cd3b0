"""The Bot API methods, with Telegram's semantics and error texts."""

from __future__ import annotations

import asyncio
import io
import json
import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.emulator.errors import (
    BLOCKED,
    CHAT_NOT_FOUND,
    NOT_MODIFIED,
    POLLING_CONFLICT,
    QUERY_TOO_OLD,
    WEBHOOK_CONFLICT,
    ApiError,
    bad_request,
)
from bot.emulator.html_parser import HtmlParseError, parse_html, strip_formatted, utf16_len
from bot.emulator.params import Params, UploadedFile
from bot.emulator.records import (
    BotMessage,
    CallbackAnswer,
    ChatMessage,
    ForumTopic,
    KeyboardButton,
    ReplyKeyboard,
    StoredFile,
)
from bot.emulator.state import ChatState, WebhookConfig, raise_injected

if TYPE_CHECKING:
    from bot.emulator.server import Emulator

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


def image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except Exception:
        return 640, 480


class BotApi:
    """Implements each Bot API method against the emulator's state."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.handlers: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self.get_me,
                "getUpdates": self.get_updates,
                "setWebhook": self.set_webhook,
                "deleteWebhook": self.delete_webhook,
                "getWebhookInfo": self.get_webhook_info,
                "logOut": self.log_out,
                "close": self.log_out,
                "sendMessage": self.send_message,
                "editMessageText": self.edit_message_text,
                "editMessageCaption": self.edit_message_caption,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "deleteMessage": self.delete_message,
                "answerCallbackQuery": self.answer_callback_query,
                "sendPhoto": self._media_sender("photo"),
                "sendVideo": self._media_sender("video"),
                "sendVideoNote": self._media_sender("video_note"),
                "sendDocument": self._media_sender("document"),
                "sendAudio": self._media_sender("audio"),
                "sendVoice": self._media_sender("voice"),
                "sendAnimation": self._media_sender("animation"),
                "sendMediaGroup": self.send_media_group,
                "sendChatAction": self.send_chat_action,
                "getFile": self.get_file,
                "copyMessage": self.copy_message,
                "forwardMessage": self.forward_message,
                "getChat": self.get_chat,
                "getChatMember": self.get_chat_member,
                "setMyCommands": self.set_my_commands,
                "getMyCommands": self.get_my_commands,
                "deleteMyCommands": self.delete_my_commands,
                "setMyDescription": self._bot_text_setter("description"),
                "getMyDescription": self._bot_text_getter("description"),
                "setMyShortDescription": self._bot_text_setter("short_description"),
                "getMyShortDescription": self._bot_text_getter("short_description"),
                "setMyName": self._bot_text_setter("name"),
                "getMyName": self._bot_text_getter("name"),
                "setChatMenuButton": self.set_chat_menu_button,
                "getChatMenuButton": self.get_chat_menu_button,
                "createForumTopic": self.create_forum_topic,
                "editForumTopic": self.edit_forum_topic,
                "closeForumTopic": self._topic_closer(closed=True),
                "reopenForumTopic": self._topic_closer(closed=False),
                "deleteForumTopic": self.delete_forum_topic,
            }.items()
        }

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
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
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
        text: str,
        entities: list[dict[str, Any]],
        html: str,
        parse_mode: str | None,
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
        if media is not None:
            kind, media_json, stored = media
            raw[kind] = media_json
            if text:
                raw["caption"] = text
                if entities:
                    raw["caption_entities"] = entities
        elif text:
            raw["text"] = text
            if entities:
                raw["entities"] = entities
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
            text=text,
            entities=entities,
            date=date,
            raw=raw,
            media_kind=kind,
            file_id=stored.file_id if stored is not None else None,
            media_bytes=stored.data if stored is not None else None,
            media_group_id=media_group_id,
            service=service,
            html=html,
            parse_mode=parse_mode,
            reply_markup=markup,
        )
        chat.add(message)
        self.apply_keyboard(chat, markup, message_id)
        self.emu.log_event(chat.id, "message", message)
        return message

    def stored_file(self, reference: Any, upload: UploadedFile | None, kind: str) -> StoredFile:
        if upload is not None:
            return self.emu.store_file(upload.data, kind, upload.content_type, upload.filename)
        if not isinstance(reference, str) or not reference:
            raise bad_request(f"there is no {kind} in the request")
        stored = self.emu.files.get(reference)
        if stored is not None:
            return stored
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    @staticmethod
    def media_json(kind: str, stored: StoredFile, params: dict[str, Any]) -> Any:
        def number(name: str, default: int) -> int:
            value = params.get(name)
            return int(value) if value not in (None, "") else default

        base = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if kind == "photo":
            width, height = image_size(stored.data)
            return [{**base, "width": width, "height": height}]
        if kind == "video_note":
            return {**base, "length": number("length", 384), "duration": number("duration", 0)}
        if kind in ("video", "animation"):
            result = {
                **base,
                "width": number("width", 640),
                "height": number("height", 640),
                "duration": number("duration", 0),
            }
        elif kind in ("audio", "voice"):
            result = {**base, "duration": number("duration", 0)}
        else:
            result = dict(base)
        if stored.mime_type:
            result["mime_type"] = stored.mime_type
        if stored.file_name and kind != "voice":
            result["file_name"] = stored.file_name
        return result

    # --- updates and webhooks --------------------------------------------------------------

    async def get_me(self, params: Params) -> Any:
        return {
            **self.emu.bot_user.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> Any:
        emu = self.emu
        if emu.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.integer("timeout") or 0, 0)
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            emu.allowed_updates = [str(kind) for kind in allowed] or None
        emu.confirm_updates(offset)
        emu.poll_generation += 1
        generation = emu.poll_generation
        emu.updates_pulse.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = emu.deliverable_updates(limit)
            if batch or emu.closing:
                return [update.payload for update in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await emu.updates_pulse.wait(remaining)
            if emu.poll_generation != generation:
                raise ApiError(409, POLLING_CONFLICT)

    async def set_webhook(self, params: Params) -> Any:
        url = params.text("url")
        if not url:
            await self.emu.set_webhook(None)
            return True
        if not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        secret = params.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            self.emu.allowed_updates = [str(kind) for kind in allowed] or None
        if params.flag("drop_pending_updates"):
            self.emu.drop_pending_updates()
        config = WebhookConfig(url=url, secret_token=secret)
        config.max_connections = params.integer("max_connections") or 40
        await self.emu.set_webhook(config)
        return True

    async def delete_webhook(self, params: Params) -> Any:
        if params.flag("drop_pending_updates"):
            self.emu.drop_pending_updates()
        await self.emu.set_webhook(None)
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        webhook = self.emu.webhook
        info: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.emu.update_queue),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        if self.emu.allowed_updates:
            info["allowed_updates"] = list(self.emu.allowed_updates)
        return info

    async def log_out(self, params: Params) -> Any:
        return True

    # --- messages --------------------------------------------------------------------------

    async def send_message(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        thread_id = params.integer("message_thread_id")
        self.check_can_send(chat, thread_id)
        html = params.text("text") or ""
        parse_mode = params.text("parse_mode")
        text, entities = format_text(html, parse_mode, params.obj("entities"), caption=False)
        markup = self.parse_markup(params)
        reply_to = self.reply_to(params, chat)
        self.rate_limit(chat)
        message = self.new_bot_message(
            chat,
            thread_id,
            text=text,
            entities=entities,
            html=html,
            parse_mode=parse_mode,
            markup=markup,
            reply_to=reply_to,
        )
        return message.raw

    def _media_sender(self, kind: str) -> Handler:
        async def send(params: Params) -> Any:
            chat = self.chat(params.chat_id())
            thread_id = params.integer("message_thread_id")
            self.check_can_send(chat, thread_id)
            reference = params.values.get(kind)
            stored = self.stored_file(reference, params.upload(reference, kind), kind)
            html = params.text("caption") or ""
            parse_mode = params.text("parse_mode")
            text, entities = format_text(
                html, parse_mode, params.obj("caption_entities"), caption=True
            )
            markup = self.parse_markup(params)
            reply_to = self.reply_to(params, chat)
            self.rate_limit(chat)
            message = self.new_bot_message(
                chat,
                thread_id,
                text=text,
                entities=entities,
                html=html,
                parse_mode=parse_mode,
                markup=markup,
                media=(kind, self.media_json(kind, stored, params.values), stored),
                reply_to=reply_to,
            )
            return message.raw

        return send

    async def send_media_group(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        thread_id = params.integer("message_thread_id")
        self.check_can_send(chat, thread_id)
        items = params.obj("media")
        if not isinstance(items, list):
            raise bad_request("can't parse media JSON object")
        if len(items) < 2:
            raise bad_request("media group must include 2-10 items")
        if len(items) > 10:
            raise bad_request("too much messages to send as an album")
        kinds = {item.get("type") if isinstance(item, dict) else None for item in items}
        if not kinds <= {"photo", "video", "document", "audio"}:
            raise bad_request("can't parse InputMedia: unsupported media type")
        if len(kinds) > 1 and kinds & {"document", "audio"}:
            lonely = "document" if "document" in kinds else "audio"
            raise bad_request(f"{lonely} can't be mixed with other media types")
        prepared = []
        for item in items:
            kind = str(item["type"])
            reference = item.get("media")
            stored = self.stored_file(reference, params.upload(reference, kind), kind)
            html = str(item.get("caption") or "")
            parse_mode = item.get("parse_mode")
            text, entities = format_text(
                html, parse_mode, item.get("caption_entities"), caption=True
            )
            prepared.append((kind, stored, html, parse_mode, text, entities, item))
        reply_to = self.reply_to(params, chat)
        self.rate_limit(chat)
        group_id = str(secrets.randbelow(10**17) + 10**17)
        results = []
        for kind, stored, html, parse_mode, text, entities, item in prepared:
            message = self.new_bot_message(
                chat,
                thread_id,
                text=text,
                entities=entities,
                html=html,
                parse_mode=parse_mode,
                markup=None,
                media=(kind, self.media_json(kind, stored, item), stored),
                reply_to=reply_to,
                media_group_id=group_id,
            )
            results.append(message.raw)
        return results

    def editable(self, params: Params) -> tuple[ChatState, BotMessage]:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.chat(params.chat_id())
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        message = chat.find(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not isinstance(message, BotMessage) or message.service is not None:
            raise bad_request("message can't be edited")
        if chat.blocked:
            raise ApiError(403, BLOCKED)
        return chat, message

    def apply_edit(
        self,
        chat: ChatState,
        message: BotMessage,
        *,
        text: str,
        entities: list[dict[str, Any]],
        html: str,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> Any:
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        current = (
            message.reply_markup
            if message.reply_markup and "inline_keyboard" in message.reply_markup
            else None
        )
        if text == message.text and entities == message.entities and inline == current:
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities = text, entities
        message.html, message.parse_mode = html, parse_mode
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
        chat, message = self.editable(params)
        if message.media_kind is not None:
            raise bad_request("there is no text in the message to edit")
        html = params.text("text") or ""
        parse_mode = params.text("parse_mode")
        text, entities = format_text(html, parse_mode, params.obj("entities"), caption=False)
        return self.apply_edit(
            chat,
            message,
            text=text,
            entities=entities,
            html=html,
            parse_mode=parse_mode,
            markup=self.parse_markup(params),
        )

    async def edit_message_caption(self, params: Params) -> Any:
        chat, message = self.editable(params)
        if message.media_kind is None:
            raise bad_request("there is no caption in the message to edit")
        html = params.text("caption") or ""
        parse_mode = params.text("parse_mode")
        text, entities = format_text(html, parse_mode, params.obj("caption_entities"), caption=True)
        return self.apply_edit(
            chat,
            message,
            text=text,
            entities=entities,
            html=html,
            parse_mode=parse_mode,
            markup=self.parse_markup(params),
        )

    async def edit_message_reply_markup(self, params: Params) -> Any:
        chat, message = self.editable(params)
        return self.apply_edit(
            chat,
            message,
            text=message.text,
            entities=message.entities,
            html=message.html,
            parse_mode=message.parse_mode,
            markup=self.parse_markup(params),
        )

    async def delete_message(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        message = chat.find(message_id)
        if message is None:
            raise bad_request("message to delete not found")
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

    async def send_chat_action(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        action = params.text("action", required=True)
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.check_can_send(chat, params.integer("message_thread_id"))
        chat.actions.append(str(action))
        return True

    async def get_file(self, params: Params) -> Any:
        file_id = params.text("file_id", required=True)
        stored = self.emu.files.get(file_id or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _source(self, params: Params, verb: str) -> ChatMessage:
        source_chat = self.chat(params.chat_id("from_chat_id"))
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        source = source_chat.find(message_id)
        if source is None:
            raise bad_request(f"message to {verb} not found")
        if source.service is not None:
            raise bad_request(
                f"message can't be {verb}ed" if verb == "forward" else "message can't be copied"
            )
        return source

    def _copy(self, params: Params, source: ChatMessage, *, forward: bool) -> BotMessage:
        chat = self.chat(params.chat_id())
        thread_id = params.integer("message_thread_id")
        self.check_can_send(chat, thread_id)
        media: tuple[str, Any, StoredFile | None] | None = None
        for key in (*MEDIA_FIELDS, "sticker", "contact"):
            if key in source.raw:
                stored = self.emu.files.get(source.file_id or "")
                media = (key, source.raw[key], stored)
        html = source.raw.get("text") or source.raw.get("caption") or ""
        text, entities, parse_mode = source.text, source.entities, None
        if not forward and params.has("caption") and media is not None:
            html = params.text("caption") or ""
            parse_mode = params.text("parse_mode")
            text, entities = format_text(
                html, parse_mode, params.obj("caption_entities"), caption=True
            )
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
            text=text,
            entities=entities,
            html=html,
            parse_mode=parse_mode,
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

    async def get_chat(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def get_chat_member(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        user_id = params.integer("user_id", required=True)
        assert user_id is not None
        if user_id == self.emu.bot_user.id:
            user_json = self.emu.bot_user.to_json()
            status = "administrator" if chat.type != "private" else "member"
        else:
            user = self.emu.users.get(user_id)
            if user is None:
                raise bad_request("user not found")
            user_json = user.to_json()
            if chat.type == "private":
                status = "member" if chat.id == user_id else "left"
            else:
                status = chat.members.get(user_id, "left")
        member: dict[str, Any] = {"status": status, "user": user_json}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                        "can_send_welcome_messages",
                        "can_manage_topics",
                        "can_pin_messages",
                    ),
                    True,
                )
            )
            member["is_anonymous"] = False
            member["can_be_edited"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    # --- commands and menu -----------------------------------------------------------------

    def _scope_and_language(self, params: Params) -> tuple[str, str]:
        scope = params.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            chat = self.chat(scope["chat_id"])
            scope = {**scope, "chat_id": chat.id}
        if "user_id" in scope:
            scope = {**scope, "user_id": int(scope["user_id"])}
        language = params.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too much commands")
        parsed: list[tuple[str, str]] = []
        for item in commands:
            command = str(item.get("command", "")) if isinstance(item, dict) else ""
            description = str(item.get("description", "")) if isinstance(item, dict) else ""
            if not _COMMAND_RE.fullmatch(command.removeprefix("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            parsed.append((command.removeprefix("/"), description))
        key = self._scope_and_language(params)
        if parsed:
            self.emu.command_sets[key] = parsed
        else:
            self.emu.command_sets.pop(key, None)
        return True

    async def get_my_commands(self, params: Params) -> Any:
        key = self._scope_and_language(params)
        return [
            {"command": command, "description": description}
            for command, description in self.emu.command_sets.get(key, [])
        ]

    async def delete_my_commands(self, params: Params) -> Any:
        self.emu.command_sets.pop(self._scope_and_language(params), None)
        return True

    def _bot_text_setter(self, field: str) -> Handler:
        async def setter(params: Params) -> Any:
            language = params.text("language_code") or ""
            if language and not re.fullmatch(r"[a-z]{2}", language):
                raise bad_request("invalid language code specified")
            value = params.text(field) or ""
            self.emu.bot_texts[(field, language)] = value
            return True

        return setter

    def _bot_text_getter(self, field: str) -> Handler:
        async def getter(params: Params) -> Any:
            language = params.text("language_code") or ""
            default = self.emu.bot_user.first_name if field == "name" else ""
            return {field: self.emu.bot_texts.get((field, language), default)}

        return getter

    async def set_chat_menu_button(self, params: Params) -> Any:
        button = params.obj("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button JSON object")
        if params.has("chat_id"):
            self.chat(params.chat_id()).menu_button = button
        else:
            self.emu.default_menu_button = button
        return True

    async def get_chat_menu_button(self, params: Params) -> Any:
        if params.has("chat_id"):
            chat = self.chat(params.chat_id())
            if chat.menu_button is not None:
                return chat.menu_button
        return self.emu.default_menu_button

    # --- forum topics ----------------------------------------------------------------------

    def forum(self, params: Params) -> ChatState:
        chat = self.chat(params.chat_id())
        if chat.type != "supergroup" or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def topic(self, chat: ChatState, params: Params) -> ForumTopic:
        thread_id = params.integer("message_thread_id", required=True)
        topic = chat.topics.get(thread_id or 0)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return topic

    def topic_service(
        self, chat: ChatState, thread_id: int, service: str, body: dict[str, Any]
    ) -> BotMessage:
        return self.new_bot_message(
            chat,
            thread_id,
            text="",
            entities=[],
            html="",
            parse_mode=None,
            markup=None,
            extra={service: body},
            service=service,
        )

    async def create_forum_topic(self, params: Params) -> Any:
        chat = self.forum(params)
        name = params.text("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = params.integer("icon_color") or TOPIC_COLORS[0]
        if color not in TOPIC_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        emoji = params.text("icon_custom_emoji_id")
        thread_id = chat.last_message_id + 1
        topic = ForumTopic(
            message_thread_id=thread_id, name=name, icon_color=color, icon_custom_emoji_id=emoji
        )
        chat.topics[thread_id] = topic
        body: dict[str, Any] = {"name": name, "icon_color": color}
        if emoji:
            body["icon_custom_emoji_id"] = emoji
        self.topic_service(chat, thread_id, "forum_topic_created", body)
        return {"message_thread_id": thread_id, **body}

    async def edit_forum_topic(self, params: Params) -> Any:
        chat = self.forum(params)
        topic = self.topic(chat, params)
        name = params.text("name")
        emoji = params.values.get("icon_custom_emoji_id")
        changed: dict[str, Any] = {}
        if name is not None and name != topic.name:
            if len(name) > 128:
                raise bad_request("TOPIC_TITLE_TOO_LONG")
            changed["name"] = name
        if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
            changed["icon_custom_emoji_id"] = emoji
        if not changed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name = changed.get("name", topic.name)
        if "icon_custom_emoji_id" in changed:
            topic.icon_custom_emoji_id = changed["icon_custom_emoji_id"] or None
        self.topic_service(chat, topic.message_thread_id, "forum_topic_edited", changed)
        return True

    def _topic_closer(self, *, closed: bool) -> Handler:
        async def close_or_reopen(params: Params) -> Any:
            chat = self.forum(params)
            topic = self.topic(chat, params)
            if topic.closed == closed:
                raise bad_request("TOPIC_NOT_MODIFIED")
            topic.closed = closed
            service = "forum_topic_closed" if closed else "forum_topic_reopened"
            self.topic_service(chat, topic.message_thread_id, service, {})
            return True

        return close_or_reopen

    async def delete_forum_topic(self, params: Params) -> Any:
        chat = self.forum(params)
        topic = self.topic(chat, params)
        topic.deleted = True
        for message in chat.messages:
            if message.message_thread_id == topic.message_thread_id and not message.deleted:
                message.deleted = True
                self.emu.log_event(chat.id, "delete", message)
        return True


def guess_extension(mime_type: str | None, file_name: str | None, kind: str) -> str:
    if file_name and "." in file_name:
        return file_name.rsplit(".", 1)[1].lower()
    if mime_type:
        extension = mimetypes.guess_extension(mime_type)
        if extension:
            return extension.lstrip(".")
    return {"photo": "jpg", "video": "mp4", "video_note": "mp4", "voice": "oga"}.get(kind, "bin")
