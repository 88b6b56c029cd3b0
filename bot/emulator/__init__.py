"""An in-process Telegram Bot API emulator with simulated people, and a local web chat.

Modules import only downwards (tests/emulator/test_structure.py checks it):

    server            Emulator: the aiohttp app, lifecycle, HTTP routes
      ├─ webchat/     the page's JSON API: views, people (private chats), agents (the group)
      ├─ methods/     BotApi, one module per API area: updates, messages, media, edits,
      │               chats (and forum topics), commands; base holds what they share
      ├─ webhooks     webhook delivery (runs a webhook reply's method through a callable)
      └─ actors/      SimulatedUser, Supergroup, Cast (one actor per id)
           └─ world   World: chats, people, files, the event log, the update queue
                └─ state, records, errors, params, files, html_parser
"""

from bot.emulator.actors import SimulatedUser, Supergroup
from bot.emulator.errors import (
    ApiError,
    ButtonNotFoundError,
    EmulatorError,
    UpdateNotProcessedError,
    WaitTimeoutError,
)
from bot.emulator.records import (
    BotMessage,
    CallbackAnswer,
    ChatMessage,
    ForumTopic,
    KeyboardButton,
    Reply,
    ReplyKeyboard,
    UserMessage,
)
from bot.emulator.server import DEFAULT_TOKEN, Emulator
from bot.emulator.state import RateLimits

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotMessage",
    "ButtonNotFoundError",
    "CallbackAnswer",
    "ChatMessage",
    "Emulator",
    "EmulatorError",
    "ForumTopic",
    "KeyboardButton",
    "RateLimits",
    "Reply",
    "ReplyKeyboard",
    "SimulatedUser",
    "Supergroup",
    "UpdateNotProcessedError",
    "UserMessage",
    "WaitTimeoutError",
]
