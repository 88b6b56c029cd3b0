"""The page and a person's private chat with the bot: send, press, upload, long-poll."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot.emulator.actors import DEFAULT_AGENT_ID, Cast, SimulatedUser, command_entities
from bot.emulator.errors import EmulatorError
from bot.emulator.files import image_size
from bot.emulator.records import (
    ChatEvent,
    StoredFile,
)
from bot.emulator.webchat.views import (
    _STATIC_TYPES,
    _UPLOAD_KINDS,
    MAX_EVENTS_WAIT,
    MAX_RECORDED_SECONDS,
    STATIC_DIR,
    event_view,
    keyboard_view,
    page_texts,
)
from bot.emulator.world import World


class PeopleChat:
    """Handlers of the page and of /chat/api/... for people in private chats."""

    def __init__(self, world: World, cast: Cast) -> None:
        self.emu = world
        self.cast = cast

    def person(self, data: dict[str, Any]) -> SimulatedUser:
        try:
            user_id = int(data.get("user_id") or 0)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="user_id must be a number") from None
        if user_id <= 0:
            raise web.HTTPBadRequest(text="user_id must be a positive number")
        user = self.cast.user(
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
        group = self.cast.agents
        agents = None
        if group is not None:
            agents = {
                "chat_id": group.id,
                "title": group.title,
                "agent": {"user_id": DEFAULT_AGENT_ID, "first_name": "Agent"},
            }
        admins = [
            {"user_id": admin_id, "first_name": self.cast.user(admin_id).first_name}
            for admin_id in self.emu.admin_ids
        ]
        return web.json_response(
            {
                "bot": {"id": bot.id, "name": bot.first_name, "username": bot.username},
                "agents": agents,
                "admins": admins,
            }
        )

    async def texts(self, request: web.Request) -> web.Response:
        """The page's texts in the language `lang` names (a Telegram or browser code)."""
        from bot.i18n import language_from_telegram

        language = language_from_telegram(request.query.get("lang"))
        return web.json_response({"lang": language, "texts": page_texts(language)})

    async def commands(self, request: web.Request) -> web.Response:
        """The command menu Telegram would show in this person's private chat: the first
        scope with commands (the chat, all private chats, default), in their language if set."""
        user = self.person(dict(request.query))
        language = (user.info.language_code or "").split("-")[0].lower()
        scopes: list[dict[str, Any]] = [
            {"type": "chat", "chat_id": user.id},
            {"type": "all_private_chats"},
            {"type": "default"},
        ]
        for scope in scopes:
            for code in dict.fromkeys((language, "")):
                found = self.emu.commands(scope, code)
                if found:
                    return web.json_response(
                        {"commands": [{"command": c, "description": d} for c, d in found]}
                    )
        return web.json_response({"commands": []})

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
        fields, upload = await self.form(request)
        user = self.person(fields)
        self._guard(user)
        media, caption = self.media(user, fields, upload)
        user.submit_message(user.info, media=media, text=caption, caption=True)
        return self.sent(user)

    @staticmethod
    async def form(request: web.Request) -> tuple[dict[str, Any], FileField]:
        form = await request.post()
        fields = {key: value for key, value in form.items() if not isinstance(value, FileField)}
        upload = form.get("file")
        if str(fields.get("kind") or "document") not in _UPLOAD_KINDS or not isinstance(
            upload, FileField
        ):
            raise web.HTTPBadRequest(
                text="expected kind (video, video_note, photo, document) and file"
            )
        return fields, upload

    @staticmethod
    def media(
        user: SimulatedUser, fields: dict[str, Any], upload: FileField
    ) -> tuple[tuple[str, Any, StoredFile], str]:
        """Store an uploaded file as Telegram describes it: (media, caption)."""
        kind = str(fields.get("kind") or "document")
        try:
            duration = int(fields.get("duration") or 5)
        except ValueError:
            raise web.HTTPBadRequest(text="duration must be a number of seconds") from None
        duration = min(max(duration, 1), MAX_RECORDED_SECONDS)
        data = upload.file.read()
        mime_type = upload.content_type or "application/octet-stream"
        extra: dict[str, Any] = {
            "video": {"duration": duration, "width": 640, "height": 640},
            "video_note": {"duration": duration, "length": 384},
            "photo": {},
            "document": {},
        }[kind]
        if kind == "photo":
            width, height = image_size(data)
            extra = {"width": width, "height": height}
        file_name = upload.filename if kind in ("video", "document") else None
        media = user.media_payload(kind, data, mime_type, file_name, extra)
        return media, str(fields.get("caption") or "")

    @staticmethod
    def _guard(user: SimulatedUser) -> None:
        if user.chat.blocked:
            raise web.HTTPConflict(text="this person blocked the bot")

    @staticmethod
    def poll_window(query: Any) -> tuple[int, float]:
        try:
            since = int(query.get("since", "0"))
            timeout = min(float(query.get("timeout", "25")), MAX_EVENTS_WAIT)
        except ValueError:
            raise web.HTTPBadRequest(text="since and timeout must be numbers") from None
        return since, timeout

    async def wait_events(self, chat_id: int, since: int, wait: float) -> list[ChatEvent]:
        """Events of one chat after `since`, waiting up to `wait` s for the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            found = [e for e in self.emu.events[since:] if e.chat_id == chat_id]
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self.emu.closing:
                return found
            await self.emu.events_pulse.wait(remaining)

    async def events(self, request: web.Request) -> web.Response:
        """Long poll: events of the person's chat after `since` (waits up to `timeout` s)."""
        user = self.person(dict(request.query))
        since, timeout = self.poll_window(request.query)
        found = await self.wait_events(user.chat.id, since, timeout)
        return web.json_response(
            {
                "events": [event_view(e) for e in found],
                "next": len(self.emu.events),
                "reply_keyboard": keyboard_view(user.reply_keyboard),
            }
        )

    async def download(self, request: web.Request) -> web.StreamResponse:
        stored = self.emu.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
