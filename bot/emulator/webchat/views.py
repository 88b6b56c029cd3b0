"""How the page sees messages, events, topics and keyboards; the page's own texts."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from bot.emulator.records import (
    BotMessage,
    ChatEvent,
    ChatMessage,
    ForumTopic,
    ReplyKeyboard,
)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
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
