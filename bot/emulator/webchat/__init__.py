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

from aiohttp import web

from bot.emulator.actors import Cast
from bot.emulator.webchat.agents import WebChat
from bot.emulator.webchat.views import STATIC_DIR, page_texts
from bot.emulator.world import World

__all__ = ["STATIC_DIR", "WebChat", "add_web_chat_routes", "page_texts"]


def add_web_chat_routes(app: web.Application, world: World, cast: Cast) -> None:
    chat = WebChat(world, cast)
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
