"""The local web chat: a page where a person chats with the bot, and its JSON API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.emulator.server import Emulator


def add_web_chat_routes(app: web.Application, emulator: Emulator) -> None:
    pass
