"""Simulated citizens driving the web chat's JSON API through the whole journey."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.loadrun.common import ERROR_TEXT, LANG, OUTCOME_TEXTS, SAID_ERROR, label, marker, now
from bot.domain.idnumber import check_character

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
