"""An in-process Telegram Bot API emulator with simulated people, and a local web chat."""

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
