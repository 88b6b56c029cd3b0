"""Constants, the bot's texts as the citizens see them, statistics and loopback helpers."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.emulator.html_parser import parse_html
from bot.flows.core import T
from bot.i18n import Translator

ROOT = Path(__file__).resolve().parents[2]


LOOPBACK = "127.0.0.1"
TOKEN = "987650777:bench-load-token"  # its own bot id: its own fsm keys
AGENTS_CHAT_ID = -1001000000001
AGENT_ID = 20001
DB_PREFIX = "ssc_bench_"
LANG = "en"
OUTCOME_KEYS = (
    "result-approved",
    "result-in-review",
    "result-rejected",
    "result-retry",
    "result-unreadable",
    "locked-offer",
)
FAULTS = ("none", "kill-worker", "kill-bot", "restart-redis")
PERSISTENT_REDIS: list[list[str]] = []  # the command of the private persistent redis-server


_TRANSLATOR = Translator()


def label(key: str, **params: Any) -> str:
    """A button label as the citizen sees it."""
    return _TRANSLATOR.render(LANG, T(key, params), for_html=False)


def text_of(key: str, **params: Any) -> str:
    """A message as the citizen sees it (HTML parsed out)."""
    return parse_html(_TRANSLATOR.render(LANG, T(key, params)))[0]


def marker(key: str, **params: Any) -> str:
    """The first line of a message: enough to recognise it, whatever its parameters."""
    return text_of(key, **params).strip().splitlines()[0]


OUTCOME_TEXTS = {key: marker(key) for key in OUTCOME_KEYS}
# a failed attempt opens with its reason; its last line ("Attempts left today: n...") marks it
OUTCOME_TEXTS["result-retry"] = text_of("retry-next", n=0).split("0")[0].strip()
ERROR_TEXT = marker("error-generic")
SAID_ERROR = "the bot said something went wrong"


def now() -> float:
    return time.perf_counter()


def percentile(values: Iterable[float], q: float) -> float | None:
    data = sorted(values)
    if not data:
        return None
    rank = max(0, math.ceil(q / 100 * len(data)) - 1)
    return data[rank]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else None,
        "mean": sum(values) / len(values) if values else None,
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def require_loopback(url: str, what: str) -> None:
    host = urlsplit(url).hostname
    if host != LOOPBACK:
        raise SystemExit(f"{what} must be on {LOOPBACK}, not {host!r}: this bench is loopback only")


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, "", ""))
