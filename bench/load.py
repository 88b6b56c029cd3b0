"""Load and fault runs of the whole bot on loopback: `uv run python bench/load.py [options]`.

What runs, every piece in its own process group on 127.0.0.1 (and stopped at the end):

- the Bot API emulator (`python -m bot.emulator`), whose webhook points at
- a round-robin HTTP proxy (in this script) standing for the load balancer, in front of
- `--bots` bot processes in webhook mode (`python -m bot`, distinct `WEBHOOK_PORT`s, one shared
  `DATA_DIR` and shared keys, a fresh temporary PostgreSQL database, Redis `--redis-url`), and
- `--workers` analysis workers (`python -m bot worker`, arq over the same Redis).

`--citizens` simulated citizens (at most `--concurrency` at a time) then go through the web
chat's JSON API of the emulator (`/chat/api/send|press|keyboard|upload|events`): /start,
privacy, share phone, name, own ID number, Family Services, add a member (name, ID number,
father, confirm), verify, biometric consent, the ID card photo, "I'm ready", a genuine video
note, and the outcome message.

Reported: updates per second, reply latency (a user action to the bot's reply it waits for),
analysis throughput and latency (video sent to outcome message), and the checks: every
application has exactly one decision in `application_event` and every citizen got exactly one
outcome message in the emulator's event log. A table goes to stdout and JSON to
`bench/out/load-<timestamp>.json` (the processes' logs next to it, in `load-<timestamp>/`).

`--fault kill-worker|kill-bot|restart-redis` injects one fault once `--fault-at` of the
citizens have sent their video: SIGKILL to the process group of worker 1 or of bot 1, or
`redis-cli shutdown nosave` and a fresh `redis-server` (no persistence, as on CI).

`--mode polling` runs one bot in long polling instead (no proxy): a baseline.

Safety: only 127.0.0.1 is ever targeted; the temporary database (`ssc_bench_<hex>`) is dropped
and the Redis keys of the run (`arq:*`, `ssc:*`, `fsm:<bot id>:*` in the Redis database of
`--redis-url`, by default 9 so that nothing else is touched) are deleted at start and at the
end; every wait has a deadline and the whole run stops after `--max-seconds`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import redis.asyncio as aioredis
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/load.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))

from bot.domain.idnumber import check_character  # noqa: E402
from bot.emulator.html_parser import parse_html  # noqa: E402
from bot.flows.core import T  # noqa: E402
from bot.i18n import Translator  # noqa: E402

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


def start_persistent_redis(directory: Path) -> str:
    """A private redis-server with the append-only file on a free loopback port; its URL."""
    import socket

    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port = sock.getsockname()[1]
    command = [
        "redis-server", "--daemonize", "yes", "--bind", LOOPBACK, "--port", str(port),
        "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", str(directory),
        "--logfile", str(directory / "redis.log"),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=15, capture_output=True)
    PERSISTENT_REDIS[:] = [command]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        ping = subprocess.run(
            ["redis-cli", "-h", LOOPBACK, "-p", str(port), "ping"], capture_output=True, check=False
        )
        if ping.stdout.strip() == b"PONG":
            return f"redis://{LOOPBACK}:{port}/0"
        time.sleep(0.1)
    raise RuntimeError("the private redis-server did not start")


REDIS_RESTART = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]

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


def redis_db(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path else 0


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    killed_at: float | None = None
    restarts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """The process and its children (it leads its own session: pgid == pid)."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def start_proc(
    name: str, args: list[str], env: dict[str, str], log_dir: Path, cwd: Path = ROOT
) -> Proc:
    log = log_dir / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(  # one session per process: killpg reaches its children
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Proc(name, popen, log, args, env, cwd)


def restart_proc(proc: Proc) -> None:
    """Starts a process that exited again, as a supervisor (compose's restart policy) would."""
    fresh = start_proc(proc.name, proc.args, proc.env, proc.log.parent, proc.cwd)
    proc.restarts.append({"exit_code": proc.popen.poll(), "new_pid": fresh.popen.pid})
    proc.popen = fresh.popen


async def supervise(procs: list[Proc], run_started: float) -> None:
    """Restarts bots and workers that exit by themselves (not those the fault killed)."""
    while True:
        await asyncio.sleep(1.0)
        for proc in procs:
            if not proc.alive and proc.killed_at is None:
                print(f"[supervisor] {proc.name} exited ({proc.popen.poll()}): restarted")
                restart_proc(proc)
                proc.restarts[-1]["at_s"] = round(now() - run_started, 2)


async def stop_procs(procs: list[Proc], grace_s: float = 10.0) -> None:
    for proc in procs:
        proc.kill_group(signal.SIGTERM)
    deadline = now() + grace_s
    for proc in procs:
        remaining = deadline - now()
        if remaining > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(proc.popen.wait, remaining)
    for proc in procs:
        proc.kill_group(signal.SIGKILL)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=5)


async def wait_http(
    session: aiohttp.ClientSession, url: str, proc: Proc | None, timeout_s: float
) -> None:
    deadline = now() + timeout_s
    while now() < deadline:
        if proc is not None and not proc.alive:
            raise RuntimeError(f"{proc.name} exited early; see {proc.log}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


async def wait_log(proc: Proc, pattern: str, timeout_s: float) -> None:
    deadline = now() + timeout_s
    regex = re.compile(pattern)
    while now() < deadline:
        if not proc.alive:
            raise RuntimeError(f"{proc.name} exited early; see {proc.log}")
        if regex.search(proc.log_text()):
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"{proc.name} did not log {pattern!r} within {timeout_s} s")


# --- the load balancer -------------------------------------------------------------------------


@dataclass
class Backend:
    url: str
    up: bool = True
    down_until: float = 0.0
    forwarded: int = 0
    connect_errors: int = 0
    broken: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    update_ids: list[int] = field(default_factory=list)
    broken_update_ids: list[int] = field(default_factory=list)


class Proxy:
    """Round robin over the bots' webhook servers; a bot that refuses connections (or fails its
    /healthz) is skipped until it answers again. A request whose bot broke off mid-way gets a
    502, which the emulator (like Telegram) retries."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = [Backend(url) for url in backends]
        self._next = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._health: asyncio.Task[None] | None = None
        self.port = 0
        self.requests = 0
        self.no_backend = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, LOOPBACK, self.port).start()
        self._health = asyncio.create_task(self._check_health())

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def close(self) -> None:
        if self._health is not None:
            self._health.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _pick(self) -> list[Backend]:
        """Backends in round-robin order from the next one, healthy ones first."""
        n = len(self.backends)
        start, self._next = self._next, (self._next + 1) % n
        order = [self.backends[(start + i) % n] for i in range(n)]
        t = now()
        return [b for b in order if b.up and b.down_until <= t] + [
            b for b in order if not (b.up and b.down_until <= t)
        ]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        self.requests += 1
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        update_id = -1
        with contextlib.suppress(ValueError, TypeError, KeyError):
            update_id = int(json.loads(body)["update_id"])
        for backend in self._pick():
            try:
                async with self._session.request(
                    request.method, backend.url + request.path_qs, data=body, headers=headers
                ) as resp:
                    data = await resp.read()
                    backend.forwarded += 1
                    backend.statuses[resp.status] += 1
                    backend.update_ids.append(update_id)
                    return web.Response(
                        status=resp.status,
                        body=data,
                        headers={"Content-Type": resp.headers.get("Content-Type", "text/plain")},
                    )
            except aiohttp.ClientConnectorError:
                backend.connect_errors += 1
                backend.down_until = now() + 2.0
                continue  # nothing reached that bot: the next one may take it
            except (aiohttp.ClientError, TimeoutError):
                backend.broken += 1
                backend.broken_update_ids.append(update_id)
                backend.down_until = now() + 2.0
                return web.Response(status=502, text="bot broke off")
        self.no_backend += 1
        return web.Response(status=502, text="no bot available")

    async def _check_health(self) -> None:
        assert self._session is not None
        while True:
            for backend in self.backends:
                try:
                    async with self._session.get(
                        backend.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        backend.up = resp.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    backend.up = False
            await asyncio.sleep(1.0)


# --- simulated citizens ------------------------------------------------------------------------


class StepFailedError(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


@dataclass
class Progress:
    started: int = 0
    videos_sent: int = 0
    outcomes: int = 0
    failed: int = 0
    done: int = 0
    actions: int = 0
    action_times: list[float] = field(default_factory=list)
    video_event: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Citizen:
    index: int
    user_id: int
    phone: str
    name: str
    own_id: str
    member_name: str
    member_id: str
    since: int = 0
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    latencies: list[tuple[str, float, float]] = field(default_factory=list)
    """(step, seconds to the first bot event, seconds to the awaited reply)"""
    video_sent_at: float | None = None
    outcome_at: float | None = None
    outcome: str | None = None
    failed_step: str | None = None
    failure: str | None = None
    last_texts: list[str] = field(default_factory=list)
    error_retries: int = 0
    resends: int = 0
    outcomes: list[str] = field(default_factory=list)
    analysis_s: list[float] = field(default_factory=list)
    """per video sent: seconds from sending it to its outcome message"""


def make_citizen(index: int) -> Citizen:
    """Distinct phone, own ID number (a man born in 1985) and father (born 1956)."""
    day, month = 1 + index % 28, 1 + (index // 28) % 12
    seq = 2 * (index // 336) + 1
    own17 = f"4403041985{month:02d}{day:02d}{seq % 1000:03d}"
    father17 = f"4403041956{month:02d}{day:02d}{seq % 1000:03d}"
    return Citizen(
        index=index,
        user_id=700_000 + index,
        phone=f"+86139{index:08d}",
        name=f"Citizen {chr(65 + index % 26)}{chr(65 + index // 26 % 26)}",
        own_id=own17 + check_character(own17),
        member_name=f"Father {chr(65 + index % 26)}{chr(65 + index // 26 % 26)}",
        member_id=father17 + check_character(father17),
    )


class Driver:
    """Drives citizens through the emulator's web chat JSON API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        progress: Progress,
        *,
        step_timeout_s: float,
        outcome_timeout_s: float,
        deadline: float,
        photo: bytes,
        video: bytes,
        error_retries: int = 2,
        resends: int = 1,
    ) -> None:
        self.http = session
        self.base = base_url
        self.progress = progress
        self.step_timeout_s = step_timeout_s
        self.outcome_timeout_s = outcome_timeout_s
        self.deadline = deadline
        self.photo = photo
        self.video = video
        self.error_retries = error_retries
        self.resends = resends

    def who(self, c: Citizen) -> dict[str, Any]:
        return {
            "user_id": c.user_id,
            "first_name": c.name.split()[0],
            "language_code": LANG,
            "phone_number": c.phone,
        }

    async def _post(self, path: str, c: Citizen, **payload: Any) -> None:
        async with self.http.post(f"{self.base}{path}", json={**self.who(c), **payload}) as resp:
            if resp.status != 200:
                raise StepFailedError(path, f"HTTP {resp.status}: {(await resp.text())[:200]}")
        self._count_action()

    def _count_action(self) -> None:
        self.progress.actions += 1
        self.progress.action_times.append(now())

    async def _upload(self, c: Citizen, kind: str, data: bytes, filename: str, mime: str) -> None:
        form = aiohttp.FormData()
        for key, value in self.who(c).items():
            form.add_field(key, str(value))
        form.add_field("kind", kind)
        form.add_field("duration", "5")
        form.add_field("file", data, filename=filename, content_type=mime)
        async with self.http.post(f"{self.base}/chat/api/upload", data=form) as resp:
            if resp.status != 200:
                raise StepFailedError("upload", f"HTTP {resp.status}: {(await resp.text())[:200]}")
        self._count_action()

    async def _poll(self, c: Citizen, wait_s: float) -> list[dict[str, Any]]:
        """New bot events of the citizen's chat (long poll up to wait_s)."""
        params = {"user_id": str(c.user_id), "since": str(c.since), "timeout": f"{wait_s:.2f}"}
        async with self.http.get(
            f"{self.base}/chat/api/events",
            params=params,
            timeout=aiohttp.ClientTimeout(total=wait_s + 30),
        ) as resp:
            if resp.status != 200:
                raise StepFailedError("events", f"HTTP {resp.status}")
            body = await resp.json()
        c.since = int(body["next"])
        bot_events = []
        for event in body["events"]:
            message = event.get("message")
            if event["kind"] in ("message", "edit") and message and message["from_bot"]:
                c.messages[int(message["message_id"])] = message
                c.last_texts = ([*c.last_texts, message["text"] or ""])[-4:]
                bot_events.append(event)
            elif event["kind"] == "callback_answer":
                bot_events.append(event)
        return bot_events

    async def _until(
        self,
        c: Citizen,
        step: str,
        started: float,
        done: Callable[[], bool],
        timeout_s: float,
    ) -> float | None:
        """Polls until done() holds; returns the time of the first bot event seen, if any."""
        first: float | None = None
        limit = min(started + timeout_s, self.deadline)
        while not done():
            remaining = limit - now()
            if remaining <= 0:
                raise StepFailedError(step, f"no awaited reply within {timeout_s:.0f} s")
            events = await self._poll(c, min(remaining, 20.0))
            if events and first is None:
                first = now()
        return first

    async def step(
        self,
        c: Citizen,
        step: str,
        act: Callable[[], Awaitable[None]],
        expect: tuple[str | tuple[str, dict[str, Any]], ...],
        *,
        timeout_s: float | None = None,
    ) -> None:
        """Does one action and waits until every `expect` text shows in a bot message sent or
        edited after the action. When the bot answers "something went wrong, please try
        again", the citizen does so after two seconds (at most `error_retries` times)."""
        for attempt in range(self.error_retries + 1):
            try:
                await self._step_once(c, step, act, expect, timeout_s)
                return
            except StepFailedError as exc:
                if exc.detail != SAID_ERROR or attempt == self.error_retries:
                    raise
                c.error_retries += 1
                await asyncio.sleep(2.0)

    async def _step_once(
        self,
        c: Citizen,
        step: str,
        act: Callable[[], Awaitable[None]],
        expect: tuple[str | tuple[str, dict[str, Any]], ...],
        timeout_s: float | None,
    ) -> None:
        marks = {mid: (m["text"] or "") for mid, m in c.messages.items()}
        wanted = [marker(e) if isinstance(e, str) else marker(e[0], **e[1]) for e in expect]

        def fresh_texts() -> list[str]:
            return [
                m["text"] or ""
                for mid, m in c.messages.items()
                if (m["text"] or "") != marks.get(mid)
            ]

        def done() -> bool:
            texts = fresh_texts()
            if any(ERROR_TEXT in t for t in texts):
                raise StepFailedError(step, SAID_ERROR)
            return all(any(w in t for t in texts) for w in wanted)

        started = now()
        await act()
        first = await self._until(c, step, started, done, timeout_s or self.step_timeout_s)
        finished = now()
        c.latencies.append((step, (first or finished) - started, finished - started))

    def _button(self, c: Citizen, text: str) -> tuple[int, str] | None:
        for mid in sorted(c.messages, reverse=True):
            for row in c.messages[mid].get("inline_keyboard") or []:
                for button in row:
                    if button.get("text") == text and button.get("callback_data"):
                        return mid, str(button["callback_data"])
        return None

    def press(self, c: Citizen, key: str, **params: Any) -> Callable[[], Awaitable[None]]:
        async def act() -> None:
            found = self._button(c, label(key, **params))
            if found is None:
                raise StepFailedError(key, "no such button on screen")
            await self._post("/chat/api/press", c, message_id=found[0], data=found[1])

        return act

    def say(self, c: Citizen, text: str) -> Callable[[], Awaitable[None]]:
        async def act() -> None:
            await self._post("/chat/api/send", c, text=text)

        return act

    async def journey(self, c: Citizen) -> None:
        self.progress.started += 1
        s = self.step
        await s(c, "start", self.say(c, "/start"), ("privacy-notice",))
        await s(c, "accept", self.press(c, "btn-accept"), ("sign-in-prompt",))

        async def share() -> None:
            await self._post("/chat/api/keyboard", c, text=label("btn-share-phone"))

        await s(c, "share_phone", share, ("reg-new-account", "reg-name-prompt"))
        await s(c, "name", self.say(c, c.name), ("reg-id-prompt",))
        await s(c, "own_id", self.say(c, c.own_id), ("reg-done", ("menu-title", {"name": c.name})))
        await s(c, "family", self.press(c, "btn-family"), ("family-empty",))
        await self._wait_button(c, "family", "btn-add-member")
        await s(c, "add_member", self.press(c, "btn-add-member"), ("add-name-prompt",))
        await s(c, "member_name", self.say(c, c.member_name), ("add-id-prompt",))
        await s(c, "member_id", self.say(c, c.member_id), ("add-relation-prompt",))
        await s(c, "relation", self.press(c, "rel-father"), ("add-confirm-title",))
        await s(c, "confirm", self.press(c, "btn-confirm"), ("member-added",))
        await self._wait_button(c, "confirm", "btn-verify")
        consent = ("bio-consent", {"name": c.member_name, "days": 30})
        await s(c, "verify", self.press(c, "btn-verify"), (consent,))
        agree = self.press(c, "btn-bio-agree", name=c.member_name)
        await s(c, "consent", agree, ("id-photo-prompt",))

        async def photo() -> None:
            await self._upload(c, "photo", self.photo, "id.jpg", "image/jpeg")

        await s(c, "id_photo", photo, ("id-photo-accepted", "liveness-ready"))
        await s(c, "ready", self.press(c, "btn-start-video"), (("video-prompt", {"seconds": 15}),))

        async def video() -> None:
            c.video_sent_at = now()
            await self._upload(c, "video_note", self.video, "v.mp4", "video/mp4")
            self.progress.videos_sent += 1
            self.progress.video_event.set()

        await self._video_and_outcome(c, "video", video)
        while c.outcome == "result-unreadable" and c.resends < self.resends:
            # "We could not read that file. Please record the video again.": the citizen does
            c.resends += 1
            await self._video_and_outcome(c, f"video_resend{c.resends}", video)
        self.progress.outcomes += 1

    async def _video_and_outcome(
        self, c: Citizen, step: str, send: Callable[[], Awaitable[None]]
    ) -> None:
        marks = {mid: (m["text"] or "") for mid, m in c.messages.items()}
        await self.step(c, step, send, ("checking",))
        assert c.video_sent_at is not None
        outcome_texts = list(OUTCOME_TEXTS.items())

        def decided() -> bool:
            for mid, m in c.messages.items():
                text = m["text"] or ""
                if text == marks.get(mid):
                    continue
                for key, wanted in outcome_texts:
                    if wanted in text:
                        c.outcome = key
                        return True
            return False

        c.outcome = None
        await self._until(c, f"{step}:outcome", c.video_sent_at, decided, self.outcome_timeout_s)
        c.outcome_at = now()
        c.analysis_s.append(c.outcome_at - c.video_sent_at)
        assert c.outcome is not None
        c.outcomes.append(c.outcome)

    async def _wait_button(self, c: Citizen, step: str, key: str) -> None:
        text = label(key)
        await self._until(
            c,
            f"{step}:{key}",
            now(),
            lambda: self._button(c, text) is not None,
            self.step_timeout_s,
        )

    async def run(self, c: Citizen) -> None:
        try:
            await self.journey(c)
        except StepFailedError as exc:
            c.failed_step, c.failure = exc.step, exc.detail
            self.progress.failed += 1
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            c.failed_step, c.failure = "http", repr(exc)
            self.progress.failed += 1
        finally:
            self.progress.done += 1

    async def transcript(self, c: Citizen) -> list[dict[str, Any]]:
        """Every event of the citizen's chat."""
        params = {"user_id": str(c.user_id), "since": "0", "timeout": "0"}
        async with self.http.get(f"{self.base}/chat/api/events", params=params) as resp:
            body = await resp.json()
        return list(body["events"])


def count_outcomes(events: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(distinct bot messages bearing an outcome text, events that newly showed one,
    'something went wrong' messages)."""
    shown: dict[int, str] = {}
    messages: set[int] = set()
    newly = 0
    errors = 0
    for event in events:
        message = event.get("message")
        if event["kind"] not in ("message", "edit") or not message or not message["from_bot"]:
            continue
        text = message["text"] or ""
        mid = int(message["message_id"])
        if event["kind"] == "message" and ERROR_TEXT in text:
            errors += 1
        keys = [k for k, t in OUTCOME_TEXTS.items() if t in text]
        if keys:
            messages.add(mid)
            if shown.get(mid) != keys[0]:
                newly += 1
            shown[mid] = keys[0]
        else:
            shown.pop(mid, None)
    return len(messages), newly, errors


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Run:
    args: argparse.Namespace
    out_dir: Path
    stamp: str
    log_dir: Path
    data_dir: Path
    db_url: str = ""
    procs: list[Proc] = field(default_factory=list)
    bots: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    emulator: Proc | None = None
    proxy: Proxy | None = None
    fault_log: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: float = 0.0
    source: Path = ROOT
    source_desc: str = ""


async def create_database(admin_url: str) -> str:
    name = DB_PREFIX + secrets.token_hex(5)
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, db_url: str) -> None:
    name = urlsplit(db_url).path.lstrip("/")
    if not name.startswith(DB_PREFIX):
        raise ValueError(f"refusing to drop {name!r}")
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run_patterns() -> list[str]:
    return ["arq:*", "ssc:*", f"fsm:{TOKEN.split(':', maxsplit=1)[0]}:*"]


async def clean_redis(url: str) -> int:
    client = aioredis.from_url(url, socket_connect_timeout=3)
    try:
        deleted = 0
        for pattern in run_patterns():
            keys = [k async for k in client.scan_iter(match=pattern, count=500)]
            for i in range(0, len(keys), 500):
                deleted += int(await client.delete(*keys[i : i + 500]))
        return deleted
    finally:
        await client.aclose()


async def redis_leftovers(url: str) -> dict[str, Any]:
    """What the run left in Redis before cleaning: queue, stream, pending entries, media."""
    client = aioredis.from_url(url, socket_connect_timeout=3)
    try:
        info: dict[str, Any] = {
            "queue_len": int(await client.zcard("ssc:analysis:queue")),
            "stream_len": int(await client.xlen("ssc:analysis:results")),
            "media_keys": len([k async for k in client.scan_iter("ssc:analysis:media:*")]),
            "in_progress_keys": len([k async for k in client.scan_iter("arq:in-progress:*")]),
        }
        try:
            pending = await client.xpending("ssc:analysis:results", "bot")
            info["stream_pending"] = int(pending["pending"])
            groups = await client.xinfo_consumers("ssc:analysis:results", "bot")
            info["consumers"] = [
                {
                    "name": g["name"].decode() if isinstance(g["name"], bytes) else g["name"],
                    "pending": int(g["pending"]),
                }
                for g in groups
            ]
        except aioredis.ResponseError as exc:
            info["stream_pending"] = f"n/a ({exc})"
        return info
    finally:
        await client.aclose()


async def database_checks(db_url: str, citizens: list[Citizen]) -> dict[str, Any]:
    conn = await asyncpg.connect(db_url, timeout=5)
    try:
        apps = await conn.fetch(
            "SELECT a.id, a.state, a.attempts, c.telegram_user_id AS uid "
            "FROM application a JOIN citizen c ON c.id = a.citizen_id"
        )
        events = await conn.fetch(
            "SELECT application_id, state, actor, note FROM application_event ORDER BY id"
        )
        n_citizens = await conn.fetchval("SELECT count(*) FROM citizen")
        n_members = await conn.fetchval("SELECT count(*) FROM family_member")
        verified = await conn.fetchval(
            "SELECT count(*) FROM family_member WHERE status = 'verified'"
        )
    finally:
        await conn.close()
    by_app: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for event in events:
        by_app[int(event["application_id"])].append(event)
    apps_by_user: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for app in apps:
        apps_by_user[int(app["uid"])].append(app)
    states = Counter(str(a["state"]) for a in apps)
    anomalies: list[dict[str, Any]] = []
    double = 0
    undecided = 0
    for app in apps:
        history = by_app.get(int(app["id"]), [])
        # each video ('checking') must be followed by exactly one decision before the next one
        segments: list[int] = []
        for e in history:
            if str(e["state"]) == "checking":
                segments.append(0)
            elif segments and not str(e["actor"]).startswith("citizen"):
                segments[-1] += 1
        final = str(app["state"]) in ("approved", "rejected", "in_review")
        if any(n > 1 for n in segments):
            double += 1
        elif not final or not segments or segments[-1] == 0:
            undecided += 1
        if any(n != 1 for n in segments) or len(segments) != 1 or not final:
            anomalies.append(
                {
                    "application": int(app["id"]),
                    "user_id": int(app["uid"]),
                    "state": str(app["state"]),
                    "history": [
                        f"{e['state']} by {e['actor']}" + (f" ({e['note']})" if e["note"] else "")
                        for e in history
                    ],
                }
            )
    reached_video = [c for c in citizens if c.video_sent_at is not None]
    no_application = [c.user_id for c in reached_video if not apps_by_user.get(c.user_id)]
    return {
        "citizens": int(n_citizens),
        "members": int(n_members),
        "members_verified": int(verified),
        "applications": len(apps),
        "application_states": dict(states),
        "applications_decided_exactly_once": len(apps) - double - undecided,
        "videos_released_as_lost": sum(1 for e in events if str(e["note"]) == "analysis_lost"),
        "applications_decided_twice_or_more": double,
        "applications_undecided": undecided,
        "citizens_with_video_but_no_application": no_application,
        "anomalies": anomalies[:50],
    }


def log_findings(run: Run) -> dict[str, Any]:
    """Evidence from the processes' logs."""
    found: dict[str, Any] = {}
    for proc in run.procs:
        text = proc.log_text()
        found[proc.name] = {
            "errors": len(re.findall(r" ERROR ", text)),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "claimed_results": text.count("claimed analysis result"),
            "duplicate_updates_dropped": text.count("was seen before: dropped"),
            "ignored_late_results": len(re.findall(r"arrived in state \S+: ignored", text)),
            "exit_code": proc.popen.poll(),
            "restarted_by_supervisor": proc.restarts,
        }
        errors = [line for line in text.splitlines() if " ERROR " in line]
        if errors:
            found[proc.name]["first_errors"] = [line[:300] for line in errors[:5]]
    for worker in run.workers:
        if worker.killed_at is None:
            continue
        text = worker.log_text()
        started = set(re.findall(r"→ (analysis:\d+:[0-9a-f]+):analyse", text))
        finished = set(re.findall(r"← (analysis:\d+:[0-9a-f]+):analyse", text))
        interrupted = sorted(started - finished)
        found[worker.name]["jobs_interrupted_by_kill"] = interrupted
        found[worker.name]["interrupted_jobs_finished_by"] = {
            job: [
                other.name
                for other in run.workers
                if other is not worker and f"← {job}:analyse" in other.log_text()
            ]
            for job in interrupted
        }
    for bot in run.bots:
        if bot.killed_at is None:
            continue
        text = bot.log_text()
        handled = {int(x) for x in re.findall(r"Update id=(\d+) is (?:not )?handled", text)}
        index = run.bots.index(bot)
        sent: list[int] = []
        if run.proxy is not None:
            sent = [u for u in run.proxy.backends[index].update_ids if u >= 0]
        found[bot.name]["updates_accepted_not_handled"] = sorted(set(sent) - handled)
        others = "\n".join(b.log_text() for b in run.bots if b is not bot)
        broken = run.proxy.backends[index].broken_update_ids if run.proxy is not None else []
        found[bot.name]["updates_in_flight_at_kill"] = {
            str(u): (
                "handled by another bot after the retry"
                if re.search(rf"Update id={u} is handled", others)
                else "dropped as a duplicate by another bot (LOST)"
                if re.search(rf"update {u} was seen before", others)
                else "never handled"
            )
            for u in broken
        }
    return found


async def scrape_metrics(session: aiohttp.ClientSession, urls: list[str]) -> dict[str, Any]:
    wanted = ("ssc_updates_total", "ssc_duplicate_updates_total", "ssc_decisions_total")
    found: dict[str, Any] = {}
    for url in urls:
        values: dict[str, float] = defaultdict(float)
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                text = await resp.text()
        except (aiohttp.ClientError, TimeoutError):
            found[url] = "unreachable"
            continue
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in wanted:
                with contextlib.suppress(ValueError):
                    values[line.split("{", 1)[0].split(" ", 1)[0]] += float(line.rsplit(" ", 1)[1])
        found[url] = dict(values)
    return found


async def inject_fault(run: Run, progress: Progress, total: int) -> None:
    args = run.args
    if args.fault == "none":
        return
    threshold = max(1, math.ceil(args.fault_at * total))
    deadline = now() + args.max_seconds
    while progress.videos_sent < threshold and progress.done < total and now() < deadline:
        progress.video_event.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(progress.video_event.wait(), 1.0)
    t = now()
    entry: dict[str, Any] = {"fault": args.fault, "videos_sent": progress.videos_sent}
    if args.fault == "kill-worker":
        victim = run.workers[0]
        victim.kill_group(signal.SIGKILL)
        victim.killed_at = t
        entry["killed"] = victim.name
        entry["pid"] = victim.popen.pid
    elif args.fault == "kill-bot":
        victim = run.bots[0]
        victim.kill_group(signal.SIGKILL)
        victim.killed_at = t
        entry["killed"] = victim.name
        entry["pid"] = victim.popen.pid
    elif args.fault == "restart-redis":
        port = str(urlsplit(args.redis_url).port or 6379)
        down = await asyncio.to_thread(
            subprocess.run,
            ["redis-cli", "-h", LOOPBACK, "-p", port, "shutdown"]
            + ([] if args.redis_persistent else ["nosave"]),
            capture_output=True,
            timeout=15,
            check=False,
        )
        entry["shutdown"] = (down.returncode, down.stdout.decode().strip())
        await asyncio.sleep(args.redis_down_s)
        restart = PERSISTENT_REDIS[0] if args.redis_persistent else REDIS_RESTART
        up = await asyncio.to_thread(
            subprocess.run, restart, capture_output=True, timeout=15, check=False
        )
        entry["restart"] = (up.returncode, up.stderr.decode().strip()[:200])
        limit = now() + 15
        while now() < limit:
            ping = await asyncio.to_thread(
                subprocess.run,
                ["redis-cli", "-h", LOOPBACK, "-p", "6379", "ping"],
                capture_output=True,
                timeout=5,
                check=False,
            )
            if ping.stdout.strip() == b"PONG":
                break
            await asyncio.sleep(0.2)
        entry["down_s"] = round(now() - t, 2)
    entry["at_s"] = round(t - run.started_at, 2)
    run.fault_log.append(entry)
    print(f"[fault] {entry}", flush=True)


def base_env() -> dict[str, str]:
    """The environment without any of the bot's settings (they are set explicitly)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "REDIS_", "ANALYSIS_"))
    }
    keep["PYTHONUNBUFFERED"] = "1"
    return keep


def bot_env(run: Run, emulator_url: str, port: int, secret: str, keys: tuple[str, str]) -> dict:
    env = base_env()
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator_url,
            "DATABASE_URL": run.db_url,
            "REDIS_URL": run.args.redis_url,
            "ANALYSIS_BACKEND": "arq",
            "DATA_DIR": str(run.data_dir),
            "RANDOMISE_CHALLENGE": "false",
            "THROTTLE_RATE": "1000",
            "THROTTLE_BURST": "1000",
            "ENCRYPTION_KEYS": keys[0],
            "HASH_KEY": keys[1],
            "AGENTS_CHAT_ID": str(AGENTS_CHAT_ID),
            "ADMIN_IDS": str(AGENT_ID),
            "LOG_LEVEL": "INFO",
            "LOG_JSON": "false",
        }
    )
    if run.args.mode == "webhook":
        assert run.proxy is not None
        env.update(
            {
                "WEBHOOK_URL": f"{run.proxy.url}/webhook",
                "WEBHOOK_SECRET": secret,
                "WEBHOOK_HOST": LOOPBACK,
                "WEBHOOK_PORT": str(port),
            }
        )
    return env


async def execute(run: Run) -> dict[str, Any]:
    args = run.args
    from bot.security import generate_key
    from tests.vision.fixtures import reference, video

    photo = reference("astronaut").read_bytes()
    clip = video("genuine_shake_left_384_0").read_bytes()
    keys = (generate_key(), generate_key())
    secret = secrets.token_urlsafe(24)
    total_deadline = now() + args.max_seconds

    print(f"cleaned {await clean_redis(args.redis_url)} stale keys in {args.redis_url}")
    run.db_url = await create_database(args.postgres_admin_url)
    print(f"database {urlsplit(run.db_url).path.lstrip('/')}")
    python = sys.executable
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=120),
        connector=aiohttp.TCPConnector(limit=args.concurrency * 2 + 10),
    ) as http:
        emu_port = free_port()
        run.emulator = start_proc(
            "emulator",
            [
                python,
                "-m",
                "bot.emulator",
                "--host",
                LOOPBACK,
                "--port",
                str(emu_port),
                "--token",
                TOKEN,
                "--agents-chat-id",
                str(AGENTS_CHAT_ID),
            ],
            base_env(),
            run.log_dir,
            run.source,
        )
        run.procs.append(run.emulator)
        emulator_url = f"http://{LOOPBACK}:{emu_port}"
        await wait_http(http, f"{emulator_url}/chat/api/info", run.emulator, 30)

        n_bots = args.bots if args.mode == "webhook" else 1
        ports = [free_port() for _ in range(n_bots)]
        if args.mode == "webhook":
            run.proxy = Proxy([f"http://{LOOPBACK}:{p}" for p in ports])
            await run.proxy.start()
        for i in range(args.workers):
            worker = start_proc(
                f"worker{i + 1}",
                [python, "-m", "bot", "worker", *args.worker_arg],
                bot_env(run, emulator_url, 0, secret, keys),
                run.log_dir,
                run.source,
            )
            run.workers.append(worker)
            run.procs.append(worker)
        for i, port in enumerate(ports):
            bot = start_proc(
                f"bot{i + 1}",
                [python, "-m", "bot"],
                bot_env(run, emulator_url, port, secret, keys),
                run.log_dir,
                run.source,
            )
            run.bots.append(bot)
            run.procs.append(bot)
            if i == 0:  # the first one applies the migrations alone
                await _bot_ready(http, args.mode, bot, port)
        for bot, port in zip(run.bots[1:], ports[1:], strict=True):
            await _bot_ready(http, args.mode, bot, port)
        for worker in run.workers:
            await wait_log(worker, r"Starting worker", 60)
        await asyncio.sleep(args.warmup_s)  # the workers warm the engine up in their child

        citizens = [make_citizen(i) for i in range(args.citizens)]
        progress = Progress()
        driver = Driver(
            http,
            emulator_url,
            progress,
            step_timeout_s=args.step_timeout,
            error_retries=args.error_retries,
            resends=args.resends,
            outcome_timeout_s=args.outcome_timeout,
            deadline=total_deadline,
            photo=photo,
            video=clip,
        )
        gate = asyncio.Semaphore(args.concurrency)

        async def one(c: Citizen) -> None:
            async with gate:
                await driver.run(c)

        async def report_progress() -> None:
            while True:
                await asyncio.sleep(10)
                print(
                    f"  t={now() - run.started_at:6.1f}s started={progress.started} "
                    f"videos={progress.videos_sent} outcomes={progress.outcomes} "
                    f"failed={progress.failed} done={progress.done}/{len(citizens)}",
                    flush=True,
                )

        run.started_at = now()
        reporter = asyncio.create_task(report_progress())
        supervisor = asyncio.create_task(
            supervise(run.bots + run.workers if args.supervise else [], run.started_at)
        )
        fault = asyncio.create_task(inject_fault(run, progress, len(citizens)))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        everyone = asyncio.ensure_future(asyncio.gather(*(one(c) for c in citizens)))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait(
            {everyone, stopping},
            timeout=max(1.0, total_deadline - now()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if not everyone.done():
            why = "interrupted" if stop.is_set() else "the run hit --max-seconds"
            run.notes.append(f"{why}: unfinished citizens count as failed")
            everyone.cancel()
            await asyncio.gather(everyone, return_exceptions=True)
            for c in citizens:
                if c.outcome_at is None and c.failed_step is None:
                    c.failed_step, c.failure = "unfinished", why
        stopping.cancel()
        finished_at = now()
        reporter.cancel()
        fault.cancel()
        supervisor.cancel()
        await asyncio.gather(reporter, fault, supervisor, return_exceptions=True)
        # late duplicates: give stray results a moment to show up before counting
        await asyncio.sleep(args.settle_s)

        transcripts = {c.user_id: await driver.transcript(c) for c in citizens}
        metrics_urls = (
            [f"http://{LOOPBACK}:{p}/metrics" for p in ports] if args.mode == "webhook" else []
        )
        metrics = await scrape_metrics(http, metrics_urls)
    db = await database_checks(run.db_url, citizens)
    leftovers = await redis_leftovers(args.redis_url)
    return assemble(run, citizens, progress, transcripts, db, leftovers, metrics, finished_at)


async def _bot_ready(http: aiohttp.ClientSession, mode: str, bot: Proc, port: int) -> None:
    if mode == "webhook":
        await wait_http(http, f"http://{LOOPBACK}:{port}/healthz", bot, 90)
    else:
        await wait_log(bot, r"Start polling|Run polling", 90)


def assemble(
    run: Run,
    citizens: list[Citizen],
    progress: Progress,
    transcripts: dict[int, list[dict[str, Any]]],
    db: dict[str, Any],
    leftovers: dict[str, Any],
    metrics: dict[str, Any],
    finished_at: float,
) -> dict[str, Any]:
    duration = finished_at - run.started_at
    reply = [lat for c in citizens for (_s, _f, lat) in c.latencies]
    first = [f for c in citizens for (_s, f, _l) in c.latencies]
    analysis = [seconds for c in citizens for seconds in c.analysis_s]
    videos = [c.video_sent_at for c in citizens if c.video_sent_at is not None]
    outcomes_at = [c.outcome_at for c in citizens if c.outcome_at is not None]
    window = (max(outcomes_at) - min(videos)) if videos and outcomes_at else 0.0
    times = sorted(progress.action_times)
    peak = 0.0
    j = 0
    for i, t in enumerate(times):  # most actions in any 10 s window
        while times[j] < t - 10.0:
            j += 1
        peak = max(peak, (i - j + 1) / 10.0)
    per_citizen = []
    exactly_one = 0
    more_than_one = []
    none_received = []
    error_messages = 0
    for c in citizens:
        distinct, newly, errors = count_outcomes(transcripts.get(c.user_id, []))
        error_messages += errors
        attempts = 1 + c.resends  # one outcome message per video sent
        if newly == attempts and distinct <= attempts:
            exactly_one += 1
        elif newly > attempts or distinct > attempts:
            more_than_one.append(
                {"user_id": c.user_id, "messages": distinct, "shown": newly, "videos": attempts}
            )
        else:
            none_received.append(c.user_id)
        if c.failed_step is not None or newly != attempts or c.resends or c.error_retries:
            per_citizen.append(
                {
                    "user_id": c.user_id,
                    "failed_step": c.failed_step,
                    "failure": c.failure,
                    "outcome_messages": distinct,
                    "outcome_shown": newly,
                    "outcomes": c.outcomes,
                    "resends": c.resends,
                    "error_retries": c.error_retries,
                    "last_texts": [t[:120] for t in c.last_texts],
                }
            )
    steps: dict[str, list[float]] = defaultdict(list)
    for c in citizens:
        for step, _f, lat in c.latencies:
            steps[step].append(lat)
    result: dict[str, Any] = {
        "when": run.stamp,
        "config": {
            k: (v if not isinstance(v, Path) else str(v)) for k, v in vars(run.args).items()
        },
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "bot_source": run.source_desc,
        "duration_s": round(duration, 2),
        "citizens": len(citizens),
        "completed": sum(1 for c in citizens if c.outcome is not None),
        "failed": sum(1 for c in citizens if c.failed_step is not None),
        "failed_steps": dict(Counter(c.failed_step for c in citizens if c.failed_step)),
        "outcomes": dict(Counter(c.outcome for c in citizens if c.outcome)),
        "first_outcomes": dict(Counter(c.outcomes[0] for c in citizens if c.outcomes)),
        "video_resends": sum(c.resends for c in citizens),
        "error_retries": sum(c.error_retries for c in citizens),
        "updates": progress.actions,
        "updates_per_s": round(progress.actions / duration, 2) if duration else None,
        "updates_per_s_peak_10s": round(peak, 2),
        "reply_latency_s": summary(reply),
        "first_reply_latency_s": summary(first),
        "reply_latency_by_step_s": {k: summary(v) for k, v in steps.items()},
        "analysis": {
            "videos": len(analysis),
            "throughput_videos_per_s": round(len(analysis) / window, 3) if window else None,
            "window_s": round(window, 2),
            "latency_s": summary(analysis),
        },
        "checks": {
            "citizens_with_exactly_one_outcome_message": exactly_one,
            "citizens_with_more_than_one": more_than_one,
            "citizens_with_none": none_received,
            "error_messages_sent": error_messages,
            "database": db,
        },
        "redis_before_cleanup": leftovers,
        "bot_metrics": metrics,
        "faults": run.fault_log,
        "logs": log_findings(run),
        "proxy": (
            {
                "requests": run.proxy.requests,
                "no_backend": run.proxy.no_backend,
                "backends": [
                    {
                        "url": b.url,
                        "forwarded": b.forwarded,
                        "connect_errors": b.connect_errors,
                        "broken": b.broken,
                        "broken_update_ids": b.broken_update_ids,
                        "statuses": dict(b.statuses),
                    }
                    for b in run.proxy.backends
                ],
            }
            if run.proxy is not None
            else None
        ),
        "problems": per_citizen[:100],
        "notes": run.notes,
        "log_dir": str(run.log_dir),
    }
    lost = len(citizens) - exactly_one - len(more_than_one)
    result["verdict"] = {
        "lost": lost,
        "decided_twice": db["applications_decided_twice_or_more"] + len(more_than_one),
        "ok": lost == 0 and not more_than_one and db["applications_decided_twice_or_more"] == 0,
    }
    return result


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 1000:.0f} ms" if unit == "ms" else f"{value:.2f}{unit}"
    return f"{value}{unit}"


def print_table(result: dict[str, Any]) -> None:
    reply, first, ana = (
        result["reply_latency_s"],
        result["first_reply_latency_s"],
        result["analysis"]["latency_s"],
    )
    checks = result["checks"]
    db = checks["database"]
    rows = [
        ("bot source", result["bot_source"]),
        ("mode / fault", f"{result['config']['mode']} / {result['config']['fault']}"),
        ("citizens (concurrency)", f"{result['citizens']} ({result['config']['concurrency']})"),
        (
            "completed / failed",
            f"{result['completed']} / {result['failed']} {result['failed_steps'] or ''}",
        ),
        ("outcomes (first outcomes)", f"{result['outcomes']} ({result['first_outcomes']})"),
        (
            "error retries / video resends",
            f"{result['error_retries']} / {result['video_resends']}",
        ),
        ("duration", fmt(result["duration_s"], " s")),
        ("updates (user actions)", result["updates"]),
        (
            "updates/s avg (peak 10 s)",
            f"{result['updates_per_s']} ({result['updates_per_s_peak_10s']})",
        ),
        (
            "reply latency p50/p95/p99",
            f"{fmt(reply['p50'], 'ms')} / {fmt(reply['p95'], 'ms')} / {fmt(reply['p99'], 'ms')}",
        ),
        (
            "first reply p50/p95/p99",
            f"{fmt(first['p50'], 'ms')} / {fmt(first['p95'], 'ms')} / {fmt(first['p99'], 'ms')}",
        ),
        ("analysis throughput", f"{result['analysis']['throughput_videos_per_s']} videos/s"),
        (
            "analysis latency p50/p95/p99",
            f"{fmt(ana['p50'], ' s')} / {fmt(ana['p95'], ' s')} / {fmt(ana['p99'], ' s')}",
        ),
        ("applications (states)", f"{db['applications']} {db['application_states']}"),
        (
            "decided exactly once / twice+ / none",
            f"{db['applications_decided_exactly_once']} / "
            f"{db['applications_decided_twice_or_more']} / {db['applications_undecided']}",
        ),
        (
            "citizens with exactly 1 outcome msg",
            f"{checks['citizens_with_exactly_one_outcome_message']} "
            f"(more: {len(checks['citizens_with_more_than_one'])}, "
            f"none: {len(checks['citizens_with_none'])})",
        ),
        ("'something went wrong' sent", checks["error_messages_sent"]),
        (
            "lost / decided twice",
            f"{result['verdict']['lost']} / {result['verdict']['decided_twice']}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")
    restarts = {
        k: len(v["restarted_by_supervisor"])
        for k, v in result["logs"].items()
        if v.get("restarted_by_supervisor")
    }
    if restarts:
        print(f"  {'supervisor restarts'.ljust(width)}  {restarts}")
    for fault in result["faults"]:
        print(f"  {'fault'.ljust(width)}  {fault}")
    print()


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True, timeout=60)
    return done.stdout.decode().strip()


def export_rev(rev: str, into: Path) -> str:
    """The tree of `rev` into `into` (git archive); returns 'commit <sha>'."""
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=120)
    return f"commit {sha}"


def describe_tree() -> str:
    sha = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "bot", "locales")
    return f"working tree at {sha}" + (" with uncommitted changes in bot/" if dirty else "")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/load.py", description=(__doc__ or "").split("\n", 1)[0]
    )
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--bots", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mode", choices=("webhook", "polling"), default="webhook")
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument(
        "--fault-at", type=float, default=0.4, help="fraction of the videos sent before the fault"
    )
    parser.add_argument("--redis-down-s", type=float, default=2.0)
    parser.add_argument("--redis-url", default=f"redis://{LOOPBACK}:6379/9")
    parser.add_argument(
        "--redis-persistent",
        action="store_true",
        help="run a private redis-server with the append-only file (fsync always) on a free "
        "loopback port instead of the machine's, as production should; restart-redis then "
        "restarts that one and its data survives",
    )
    parser.add_argument("--postgres-admin-url", default=f"postgres://postgres@{LOOPBACK}:5432/test")
    parser.add_argument("--step-timeout", type=float, default=60.0)
    parser.add_argument("--outcome-timeout", type=float, default=420.0)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    parser.add_argument("--warmup-s", type=float, default=5.0)
    parser.add_argument("--settle-s", type=float, default=5.0)
    parser.add_argument(
        "--worker-arg",
        action="append",
        default=[],
        help="extra argument for `python -m bot worker` (repeat), e.g. --worker-arg=--grace=5",
    )
    parser.add_argument(
        "--rev",
        default=None,
        help="run the bot processes from this commit (git archive into a temp dir) instead of "
        "the working tree, e.g. --rev HEAD while others edit the tree",
    )
    parser.add_argument(
        "--error-retries",
        type=int,
        default=2,
        help="times a citizen repeats an action the bot answered with 'something went wrong'",
    )
    parser.add_argument(
        "--resends",
        type=int,
        default=1,
        help="times a citizen sends the video again when asked to ('could not read that file')",
    )
    parser.add_argument(
        "--no-supervise",
        dest="supervise",
        action="store_false",
        help="do not restart bots and workers that exit by themselves (compose would)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)
    if args.citizens < 1 or args.concurrency < 1 or args.bots < 1 or args.workers < 1:
        parser.error("--citizens, --concurrency, --bots and --workers must be at least 1")
    if args.fault == "kill-bot" and (args.mode != "webhook" or args.bots < 2):
        parser.error("--fault kill-bot needs --mode webhook and at least 2 bots")
    if args.fault == "kill-worker" and args.workers < 2:
        parser.error("--fault kill-worker needs at least 2 workers")
    require_loopback(args.redis_url, "--redis-url")
    require_loopback(args.postgres_admin_url, "--postgres-admin-url")
    if (
        args.fault == "restart-redis"
        and not args.redis_persistent
        and urlsplit(args.redis_url).port not in (None, 6379)
    ):
        parser.error("--fault restart-redis restarts the Redis on 127.0.0.1:6379 only")
    return args


async def main_async(args: argparse.Namespace) -> int:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir: Path = args.out
    log_dir = out_dir / f"load-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="ssc-bench-data-"))
    redis_dir: Path | None = None
    if args.redis_persistent:
        redis_dir = Path(tempfile.mkdtemp(prefix="ssc-bench-redis-"))
        args.redis_url = await asyncio.to_thread(start_persistent_redis, redis_dir)
    run = Run(args, out_dir, stamp, log_dir, data_dir)
    result: dict[str, Any] | None = None
    source_dir: Path | None = None
    try:
        if args.rev:
            source_dir = Path(tempfile.mkdtemp(prefix="ssc-bench-src-"))
            run.source, run.source_desc = source_dir, export_rev(args.rev, source_dir)
        else:
            run.source_desc = describe_tree()
        print(f"bot source: {run.source_desc}")
        result = await execute(run)
    finally:
        if run.proxy is not None:
            await run.proxy.close()
        await stop_procs(run.procs)
        if run.db_url:
            with contextlib.suppress(Exception):
                await drop_database(args.postgres_admin_url, run.db_url)
        with contextlib.suppress(Exception):
            await clean_redis(args.redis_url)
        shutil.rmtree(data_dir, ignore_errors=True)
        if redis_dir is not None:
            port = str(urlsplit(args.redis_url).port)
            await asyncio.to_thread(
                subprocess.run,
                ["redis-cli", "-h", LOOPBACK, "-p", port, "shutdown", "nosave"],
                capture_output=True,
                timeout=15,
                check=False,
            )
            shutil.rmtree(redis_dir, ignore_errors=True)
        if source_dir is not None:
            shutil.rmtree(source_dir, ignore_errors=True)
    path = out_dir / f"load-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print_table(result)
    print(f"JSON: {path}\nlogs: {log_dir}")
    return 0 if result["verdict"]["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
