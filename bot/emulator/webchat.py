"""The local web chat: a page where a person chats with the bot, and its JSON API.

The page (static/) renders messages from their text and entities (never from bot HTML), so a
message can only show Telegram's formatting. A person is one simulated user chosen in the
page header; every call names it by `user_id`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot.emulator.actors import SimulatedUser, command_entities
from bot.emulator.errors import EmulatorError
from bot.emulator.methods import image_size
from bot.emulator.records import BotMessage, ChatEvent, ChatMessage, ReplyKeyboard

if TYPE_CHECKING:
    from bot.emulator.server import Emulator

STATIC_DIR = Path(__file__).parent / "static"
_STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_UPLOAD_KINDS = frozenset({"video", "video_note", "photo", "document"})
MAX_EVENTS_WAIT = 60.0


def message_view(message: ChatMessage) -> dict[str, Any]:
    """A message as the page renders it: text + entities, media link, buttons."""
    view: dict[str, Any] = {
        "message_id": message.message_id,
        "thread_id": message.message_thread_id,
        "from_bot": message.is_bot,
        "sender": message.raw.get("from", {}).get("first_name", ""),
        "text": message.text,
        "entities": message.entities,
        "date": message.date,
        "deleted": message.deleted,
        "service": message.service,
        "media": None,
        "inline_keyboard": [],
        "edited": 0,
    }
    if message.media_kind == "contact":
        view["media"] = {"kind": "contact", "phone": message.raw["contact"]["phone_number"]}
    elif message.media_kind is not None and message.file_id is not None:
        body = message.raw.get(message.media_kind)
        details = body if isinstance(body, dict) else {}
        view["media"] = {
            "kind": message.media_kind,
            "url": f"/chat/api/media/{message.file_id}",
            "file_name": details.get("file_name"),
            "mime_type": details.get("mime_type"),
        }
    elif message.media_kind is not None:
        view["media"] = {"kind": message.media_kind}
    if isinstance(message, BotMessage):
        view["edited"] = message.edited
        view["inline_keyboard"] = [
            [
                {
                    "text": button.get("text", ""),
                    "callback_data": button.get("callback_data"),
                    "url": button.get("url"),
                }
                for button in row
            ]
            for row in (message.reply_markup or {}).get("inline_keyboard") or []
        ]
    return view


def event_view(event: ChatEvent) -> dict[str, Any]:
    view: dict[str, Any] = {"seq": event.seq, "kind": event.kind}
    if event.message is not None:
        view["message"] = message_view(event.message)
    if event.callback_answer is not None:
        view["text"] = event.callback_answer.text
        view["show_alert"] = event.callback_answer.show_alert
    return view


def keyboard_view(keyboard: ReplyKeyboard | None) -> dict[str, Any] | None:
    if keyboard is None:
        return None
    return {
        "rows": [
            [{"text": b.text, "request_contact": b.request_contact} for b in row]
            for row in keyboard.rows
        ],
        "placeholder": keyboard.placeholder,
    }


class WebChat:
    """Handlers of the page and of /chat/api/..."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def person(self, data: dict[str, Any]) -> SimulatedUser:
        try:
            user_id = int(data.get("user_id") or 0)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="user_id must be a number") from None
        if user_id <= 0:
            raise web.HTTPBadRequest(text="user_id must be a positive number")
        user = self.emu.user(
            user_id,
            first_name=str(data["first_name"]) if data.get("first_name") else None,
            language_code=str(data["language_code"]) if data.get("language_code") else None,
        )
        if data.get("phone_number"):
            user.phone_number = str(data["phone_number"])
        return user

    @staticmethod
    async def body(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

    @staticmethod
    def sent(user: SimulatedUser) -> web.Response:
        return web.json_response({"ok": True, "reply_keyboard": keyboard_view(user.reply_keyboard)})

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC_DIR / name
        if "/" in name or path.suffix not in _STATIC_TYPES or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": _STATIC_TYPES[path.suffix]})

    async def info(self, request: web.Request) -> web.Response:
        bot = self.emu.bot_user
        return web.json_response(
            {"bot": {"id": bot.id, "name": bot.first_name, "username": bot.username}}
        )

    async def send_text(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        user = self.person(data)
        text = str(data.get("text") or "")
        if not text.strip():
            raise web.HTTPBadRequest(text="text is empty")
        self._guard(user)
        user.submit_message(user.info, text=text, entities=command_entities(text))
        return self.sent(user)

    async def press(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        user = self.person(data)
        self._guard(user)
        try:
            user.submit_callback(user.info, int(data["message_id"]), str(data["data"]))
        except (KeyError, TypeError, ValueError, EmulatorError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return self.sent(user)

    async def keyboard(self, request: web.Request) -> web.Response:
        """A tap on a reply-keyboard button: its text, or the person's contact."""
        data = await self.body(request)
        user = self.person(data)
        self._guard(user)
        label = str(data.get("text") or "")
        keyboard = user.reply_keyboard
        button = None
        if keyboard is not None:
            button = next((b for row in keyboard.rows for b in row if b.text == label), None)
        if keyboard is None or button is None:
            raise web.HTTPBadRequest(text=f"no reply-keyboard button {label!r}")
        if keyboard.one_time:
            user.chat.reply_keyboard = None
        if button.request_contact:
            self._submit_contact(user, user.phone_number)
        else:
            user.submit_message(user.info, text=label, entities=command_entities(label))
        return self.sent(user)

    async def contact(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        user = self.person(data)
        self._guard(user)
        self._submit_contact(user, str(data.get("phone_number") or user.phone_number))
        return self.sent(user)

    @staticmethod
    def _submit_contact(user: SimulatedUser, phone: str) -> None:
        contact = {"phone_number": phone, "first_name": user.first_name, "user_id": user.id}
        user.submit_message(user.info, media=("contact", contact, None), contact_phone=phone)

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {key: value for key, value in form.items() if not isinstance(value, FileField)}
        user = self.person(fields)
        self._guard(user)
        kind = str(fields.get("kind") or "document")
        upload = form.get("file")
        if kind not in _UPLOAD_KINDS or not isinstance(upload, FileField):
            raise web.HTTPBadRequest(
                text="expected kind (video, video_note, photo, document) and file"
            )
        data = upload.file.read()
        mime_type = upload.content_type or "application/octet-stream"
        extra: dict[str, Any] = {
            "video": {"duration": 5, "width": 640, "height": 640},
            "video_note": {"duration": 5, "length": 384},
            "photo": {},
            "document": {},
        }[kind]
        if kind == "photo":
            width, height = image_size(data)
            extra = {"width": width, "height": height}
        file_name = upload.filename if kind in ("video", "document") else None
        media = user.media_payload(kind, data, mime_type, file_name, extra)
        user.submit_message(
            user.info, media=media, text=str(fields.get("caption") or ""), caption=True
        )
        return self.sent(user)

    @staticmethod
    def _guard(user: SimulatedUser) -> None:
        if user.chat.blocked:
            raise web.HTTPConflict(text="this person blocked the bot")

    async def events(self, request: web.Request) -> web.Response:
        """Long poll: events of the person's chat after `since` (waits up to `timeout` s)."""
        user = self.person(dict(request.query))
        try:
            since = int(request.query.get("since", "0"))
            timeout = min(float(request.query.get("timeout", "25")), MAX_EVENTS_WAIT)
        except ValueError:
            raise web.HTTPBadRequest(text="since and timeout must be numbers") from None
        chat_id = user.chat.id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [e for e in self.emu.events[since:] if e.chat_id == chat_id]
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self.emu.closing:
                break
            await self.emu.events_pulse.wait(remaining)
        return web.json_response(
            {
                "events": [event_view(e) for e in found],
                "next": len(self.emu.events),
                "reply_keyboard": keyboard_view(user.reply_keyboard),
            }
        )

    async def media(self, request: web.Request) -> web.StreamResponse:
        stored = self.emu.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


def add_web_chat_routes(app: web.Application, emulator: Emulator) -> None:
    chat = WebChat(emulator)
    app.router.add_get("/", chat.index)
    app.router.add_get("/chat/static/{name}", chat.static)
    app.router.add_get("/chat/api/info", chat.info)
    app.router.add_post("/chat/api/send", chat.send_text)
    app.router.add_post("/chat/api/press", chat.press)
    app.router.add_post("/chat/api/keyboard", chat.keyboard)
    app.router.add_post("/chat/api/contact", chat.contact)
    app.router.add_post("/chat/api/upload", chat.upload)
    app.router.add_get("/chat/api/events", chat.events)
    app.router.add_get("/chat/api/media/{file_id}", chat.media)
