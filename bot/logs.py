"""Logging set-up: plain text, or one JSON object per line (`LOG_JSON=true`) for log shippers.

The code never logs ID numbers, phone numbers or tokens on purpose; `MaskingFilter` is the
last line of defence against one slipping through a message, an exception text or an extra
field anyway.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from bot.config import Settings

__all__ = ["JsonFormatter", "MaskingFilter", "mask", "setup_logging"]

# An 18-character resident ID number, a phone number (11 to 15 digits, maybe with a +), and a
# bot token (`<bot id>:<35 characters>`), in that order: the longest patterns first.
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
# not inside a longer run of digits, nor a file name such as `0_20250101120000_init.py`
_PHONE = re.compile(r"(?<![\d_])\+?\d{11,15}(?![\d_])")
_PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# attributes every LogRecord has: anything else was given with `extra=`
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


def mask(text: str) -> str:
    """`text` with anything that looks like a bot token, an ID number or a phone masked."""
    text = _TOKEN.sub("[token]", text)
    text = _ID_NUMBER.sub("[id-number]", text)
    return _PHONE.sub("[phone]", text)


def _mask_value(value: object) -> object:
    return mask(value) if isinstance(value, str) else value


class MaskingFilter(logging.Filter):
    """Masks the message (with its arguments), the exception text and string extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, mask(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, the
    fields given with `extra=`, and `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = _mask_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(settings: Settings, *, stream: IO[str] | None = None) -> logging.Handler:
    """Replaces the root logger's handlers with one handler on `stream` (stderr by default),
    formatted as `LOG_JSON` says and masked; returns it. Safe to call again."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_json else logging.Formatter(_PLAIN_FORMAT))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # httpx (python-telegram-bot's HTTP client) logs every request, its URL holding the bot
    # token, at INFO: only its warnings are wanted.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
