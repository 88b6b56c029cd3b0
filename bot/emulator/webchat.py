"""The local web chat: a page where a person chats with the bot, and its JSON API.

The page (static/) renders messages from their text and entities (never from bot HTML), so a
message can only show Telegram's formatting. A person is one simulated user chosen in the
page header; every call names it by `user_id`.

The agents' side (/chat/api/group/...) shows one forum supergroup (the emulator's
`agents_chat_id` unless a call names another `chat_id`): its topics, its messages with their
thread ids, and lets an agent (`user_id`, added as a member on first use) write, upload and
press inline buttons in a topic (`thread_id`; none means General).

The page's own texts live in `locales/<lang>/webchat.ftl` (the `webchat-*` ids) and reach it
as JSON from /chat/api/texts, placeholders left as `{name}` for the page to fill in.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot.emulator.actors import SimulatedUser, Supergroup, command_entities
from bot.emulator.errors import EmulatorError
from bot.emulator.methods import image_size
from bot.emulator.records import (
    BotMessage,
    ChatEvent,
    ChatMessage,
    ForumTopic,
    ReplyKeyboard,
    StoredFile,
)
from bot.emulator.server import DEFAULT_AGENT_ID

if TYPE_CHECKING:
    from bot.emulator.server import Emulator

STATIC_DIR = Path(__file__).parent / "static"
_STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_UPLOAD_KINDS = frozenset({"video", "video_note", "photo", "document"})
_AGENT_ROLES = frozenset({"member", "administrator", "creator"})
MAX_EVENTS_WAIT = 60.0
MAX_RECORDED_SECONDS = 60


def _variables(entry: Any) -> list[str]:
    """The names of the variables a Fluent message uses (`{ $name }`)."""
    from fluent.syntax import ast
    from fluent.syntax.visitor import Visitor

    names: list[str] = []

    class Collect(Visitor):
        def visit_VariableReference(self, node: ast.VariableReference) -> None:
            names.append(node.id.name)

    Collect().visit(entry)
    return names


@functools.cache
def page_texts(language: str) -> dict[str, str]:
    """The page's texts in one of the bot's languages, `{name}` where a value goes."""
    from fluent.runtime import FluentBundle, FluentResource
    from fluent.syntax import ast, parse

    from bot.i18n import LOCALES_DIR

    source = (LOCALES_DIR / language / "webchat.ftl").read_text(encoding="utf-8")
    bundle = FluentBundle([language], use_isolating=False)
    bundle.add_resource(FluentResource(source))
    texts: dict[str, str] = {}
    for entry in parse(source).body:
        if not isinstance(entry, ast.Message):
            continue
        message = bundle.get_message(entry.id.name)
        if message.value is None:
            continue
        args = {name: "{" + name + "}" for name in _variables(entry)}
        text, _ = bundle.format_pattern(message.value, args)
        texts[entry.id.name] = str(text)
    return texts


def message_view(message: ChatMessage) -> dict[str, Any]:
    """A message as the page renders it: text + entities, media link, buttons."""
    view: dict[str, Any] = {
        "message_id": message.message_id,
        "thread_id": message.message_thread_id,
        "media_group_id": message.media_group_id,
        "from_bot": message.is_bot,
        "from_id": message.from_user_id,
        "sender": message.raw.get("from", {}).get("first_name", ""),
        "text": message.text,
        "entities": message.entities,
        "date": message.date,
        "deleted": message.deleted,
        "service": message.service,
        "service_name": None,
        "media": None,
        "inline_keyboard": [],
        "edited": 0,
    }
    if message.service is not None:
        details = message.raw.get(message.service)
        if isinstance(details, dict) and details.get("name"):
            view["service_name"] = str(details["name"])
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
        view["user_id"] = event.callback_answer.user_id
        view["show_alert"] = event.callback_answer.show_alert
    return view


def topics_view(topics: list[ForumTopic]) -> list[dict[str, Any]]:
    """General first (thread_id None: messages without a thread), then the open topics."""
    general: dict[str, Any] = {"thread_id": None, "name": "General", "closed": False}
    return [general] + [
        {
            "thread_id": topic.message_thread_id,
            "name": topic.name,
            "closed": topic.closed,
            "icon_color": topic.icon_color,
        }
        for topic in topics
    ]


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
        group = self.emu.agents
        agents = None
        if group is not None:
            agents = {
                "chat_id": group.id,
                "title": group.title,
                "agent": {"user_id": DEFAULT_AGENT_ID, "first_name": "Agent"},
            }
        admins = [
            {"user_id": admin_id, "first_name": self.emu.user(admin_id).first_name}
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

    # --- the agents' supergroup ------------------------------------------------------------

    def group(self, data: Any) -> Supergroup:
        """The supergroup a call names by chat_id, else the emulator's agents' group."""
        raw = data.get("chat_id")
        if raw in (None, ""):
            if self.emu.agents is None:
                raise web.HTTPNotFound(text="no agents' group: start Emulator(agents_chat_id=...)")
            return self.emu.agents
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="chat_id must be a number") from None
        chat = self.emu.chats.get(chat_id)
        if chat is None or chat.type != "supergroup":
            raise web.HTTPNotFound(text=f"no supergroup {chat_id}")
        return self.emu.supergroup(chat_id)

    @staticmethod
    def thread(data: Any) -> int | None:
        raw = data.get("thread_id")
        if raw in (None, "", "null", "general"):
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="thread_id must be a number or empty") from None

    def agent(self, group: Supergroup, data: dict[str, Any]) -> SimulatedUser:
        """The writing agent, made a member (with `role`, if given) on first use."""
        agent = self.person(data)
        role = str(data.get("role") or "")
        if role and role not in _AGENT_ROLES:
            raise web.HTTPBadRequest(text=f"role must be one of {sorted(_AGENT_ROLES)}")
        if role or agent.id not in group.chat.members:
            group.add_member(agent, role or "member")
        return agent

    @staticmethod
    def group_sent(group: Supergroup) -> web.Response:
        return web.json_response({"ok": True, "topics": topics_view(group.topics)})

    async def group_topics(self, request: web.Request) -> web.Response:
        group = self.group(request.query)
        return web.json_response(
            {"chat_id": group.id, "title": group.title, "topics": topics_view(group.topics)}
        )

    async def group_events(self, request: web.Request) -> web.Response:
        """Long poll: every event of the group after `since`; messages carry their thread_id."""
        group = self.group(request.query)
        since, timeout = self.poll_window(request.query)
        found = await self.wait_events(group.id, since, timeout)
        return web.json_response(
            {
                "events": [event_view(e) for e in found],
                "next": len(self.emu.events),
                "topics": topics_view(group.topics),
            }
        )

    async def group_send(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        group = self.group(data)
        agent = self.agent(group, data)
        thread_id = self.thread(data)
        text = str(data.get("text") or "")
        if not text.strip():
            raise web.HTTPBadRequest(text="text is empty")
        try:
            group.check_member(agent, thread_id)
        except EmulatorError as error:
            raise web.HTTPConflict(text=str(error)) from None
        group.submit_message(
            agent.info, thread_id=thread_id, text=text, entities=command_entities(text)
        )
        return self.group_sent(group)

    async def group_press(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        group = self.group(data)
        agent = self.agent(group, data)
        try:
            group.submit_callback(agent.info, int(data["message_id"]), str(data["data"]))
        except (KeyError, TypeError, ValueError, EmulatorError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return self.group_sent(group)

    async def group_upload(self, request: web.Request) -> web.Response:
        fields, upload = await self.form(request)
        group = self.group(fields)
        agent = self.agent(group, fields)
        thread_id = self.thread(fields)
        try:
            group.check_member(agent, thread_id)
        except EmulatorError as error:
            raise web.HTTPConflict(text=str(error)) from None
        media, caption = self.media(agent, fields, upload)
        group.submit_message(
            agent.info, thread_id=thread_id, media=media, text=caption, caption=True
        )
        return self.group_sent(group)

    async def download(self, request: web.Request) -> web.StreamResponse:
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
    app.router.add_get("/chat/api/texts", chat.texts)
    app.router.add_get("/chat/api/commands", chat.commands)
    app.router.add_post("/chat/api/send", chat.send_text)
    app.router.add_post("/chat/api/press", chat.press)
    app.router.add_post("/chat/api/keyboard", chat.keyboard)
    app.router.add_post("/chat/api/contact", chat.contact)
    app.router.add_post("/chat/api/upload", chat.upload)
    app.router.add_get("/chat/api/events", chat.events)
    app.router.add_get("/chat/api/media/{file_id}", chat.download)
    app.router.add_get("/chat/api/group/topics", chat.group_topics)
    app.router.add_get("/chat/api/group/events", chat.group_events)
    app.router.add_post("/chat/api/group/send", chat.group_send)
    app.router.add_post("/chat/api/group/press", chat.group_press)
    app.router.add_post("/chat/api/group/upload", chat.group_upload)
