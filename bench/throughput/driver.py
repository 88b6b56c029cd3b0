"""Simulated citizens inside the benchmark's process, talking to an in-process emulator.

The emulator's event log is watched per chat (`BenchEmulator.log_event`), so a reply is
timed when the bot's Bot API call reaches the emulator, without polling over HTTP.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.domain.idnumber import check_character
from bot.emulator import BotMessage, Emulator, SimulatedUser
from bot.emulator.actors import command_entities
from bot.emulator.html_parser import parse_html
from bot.emulator.records import ChatEvent
from bot.flows.core import T
from bot.i18n import Translator

LANG = "en"
_TRANSLATOR = Translator()


def label(key: str, **params: Any) -> str:
    """A button label as the citizen sees it."""
    return _TRANSLATOR.render(LANG, T(key, params), for_html=False)


def marker(key: str, **params: Any) -> str:
    """The first line of a message as the citizen sees it: enough to recognise it."""
    return parse_html(_TRANSLATOR.render(LANG, T(key, params)))[0].strip().splitlines()[0]


FAMILY = label("btn-family")


class StepFailedError(Exception):
    pass


@dataclass
class Watch:
    """The bot's events in one chat since the citizen's last action, with their times."""

    events: list[tuple[float, ChatEvent]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class BenchEmulator(Emulator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.watches: dict[int, Watch] = {}
        self.api_calls = 0
        """Bot API calls received other than getUpdates: what a bot sends per update."""

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info.get("method", "").lower() != "getupdates":
            self.api_calls += 1
        return await super()._handle_api(request)

    def log_event(self, chat_id: int, kind: str, message: Any = None, answer: Any = None) -> Any:
        event = super().log_event(chat_id, kind, message, answer)
        watch = self.watches.get(chat_id)
        if watch is not None and (kind == "callback_answer" or isinstance(message, BotMessage)):
            watch.events.append((time.perf_counter(), event))
            watch.changed.set()
        # the benchmark reads events through the watches: keep the log from growing
        if len(self.events) > 10_000:
            del self.events[:5_000]
        return event


def resident_id(index: int, year: int = 1985) -> str:
    day, month = 1 + index % 28, 1 + (index // 28) % 12
    seq = 2 * (index // 336) + 1
    first17 = f"440304{year}{month:02d}{day:02d}{seq % 1000:03d}"
    return first17 + check_character(first17)


@dataclass
class Citizen:
    user: SimulatedUser
    watch: Watch
    index: int
    menu_message: int | None = None
    tap_data: str | None = None
    next_action: str = "menu"
    busy: bool = False

    @property
    def name(self) -> str:
        return f"Citizen {chr(65 + self.index % 26)}{chr(65 + self.index // 26 % 26)}"


Predicate = Callable[[ChatEvent], bool]


def bot_message(pred: Callable[[BotMessage], bool]) -> Predicate:
    def matches(event: ChatEvent) -> bool:
        message = event.message
        return (
            event.kind in ("message", "edit")
            and isinstance(message, BotMessage)
            and message.service is None
            and pred(message)
        )

    return matches


def has_button(text: str) -> Predicate:
    return bot_message(lambda m: text in m.buttons)


def says(text: str) -> Predicate:
    return bot_message(lambda m: text in m.text)


class Driver:
    def __init__(self, emulator: BenchEmulator, *, timeout_s: float = 30.0) -> None:
        self.emu = emulator
        self.timeout_s = timeout_s
        self.latencies: list[tuple[float, float, str]] = []  # (done at, latency s, action)
        self.failures: list[str] = []

    def citizen(self, index: int, user_id: int) -> Citizen:
        user = self.emu.user(
            user_id=user_id,
            first_name=f"C{index}",
            language_code=LANG,
            phone_number=f"+86139{user_id % 10**8:08d}",
        )
        watch = Watch()
        self.emu.watches[user_id] = watch
        return Citizen(user, watch, index)

    async def _until(self, c: Citizen, *preds: Predicate) -> tuple[float, list[ChatEvent]]:
        """Waits until every predicate matched an event of this action; the time of the last."""
        pending = list(preds)
        seen = 0
        last = 0.0
        matched: list[ChatEvent] = []
        deadline = time.perf_counter() + self.timeout_s
        while pending:
            while seen < len(c.watch.events) and pending:
                at, event = c.watch.events[seen]
                seen += 1
                for pred in pending:
                    if pred(event):
                        pending.remove(pred)
                        matched.append(event)
                        last = at
                        break
            if not pending:
                break
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise StepFailedError(f"user {c.user.id}: no reply within {self.timeout_s} s")
            c.watch.changed.clear()
            try:
                await asyncio.wait_for(c.watch.changed.wait(), remaining)
            except TimeoutError:
                continue
        return last, matched

    def _begin(self, c: Citizen) -> float:
        c.watch.events.clear()
        c.watch.changed.clear()
        return time.perf_counter()

    def say(self, c: Citizen, text: str) -> None:
        c.user.submit_message(c.user.info, text=text, entities=command_entities(text))

    def tap(self, c: Citizen, message_id: int, data: str) -> str:
        _, _, query_id = c.user.submit_callback(c.user.info, message_id, data)
        return query_id

    @staticmethod
    def _button(message: BotMessage, text: str) -> str:
        for row in message.inline_keyboard:
            for label_, data in row:
                if label_ == text and data is not None:
                    return str(data)
        raise StepFailedError(f"no button {text!r}")

    # --- signing in (the product only) --------------------------------------------------

    async def register(self, c: Citizen) -> None:
        """/start, Accept, share the phone, name, own ID number: the main menu."""
        self._begin(c)
        self.say(c, "/start")
        accept = label("btn-accept")
        _, found = await self._until(c, has_button(accept))
        message = found[0].message
        assert isinstance(message, BotMessage)
        self._begin(c)
        self.tap(c, message.message_id, self._button(message, accept))
        await self._until(c, has_button(label("btn-share-phone")))
        self._begin(c)
        contact = {"phone_number": c.user.phone_number, "first_name": "C", "user_id": c.user.id}
        c.user.submit_message(
            c.user.info, media=("contact", contact, None), contact_phone=c.user.phone_number
        )
        await self._until(c, says(marker("reg-name-prompt")))
        self._begin(c)
        self.say(c, c.name)
        await self._until(c, says(marker("reg-id-prompt")))
        self._begin(c)
        self.say(c, resident_id(c.index))
        await self._until(c, has_button(FAMILY))

    # --- the measured actions ------------------------------------------------------------

    async def act(self, c: Citizen) -> float:
        """The citizen's next action (`/menu`, then a tap on Family Services, ...): its
        reply latency in seconds."""
        if c.next_action == "tap" and c.menu_message is not None and c.tap_data is not None:
            started = self._begin(c)
            query_id = self.tap(c, c.menu_message, c.tap_data)
            done, _ = await self._until(
                c,
                lambda e: (
                    e.kind == "callback_answer"
                    and e.callback_answer is not None
                    and e.callback_answer.query_id == query_id
                ),
                bot_message(lambda m: True),
            )
            c.next_action = "menu"
            kind = "tap"
        else:
            started = self._begin(c)
            self.say(c, "/menu")
            done, found = await self._until(c, has_button(FAMILY))
            message = found[0].message
            assert isinstance(message, BotMessage)
            c.menu_message = message.message_id
            c.tap_data = self._button(message, FAMILY)
            c.next_action = "tap"
            kind = "menu"
        latency = done - started
        self.latencies.append((done, latency, kind))
        return latency

    async def _act_counted(self, c: Citizen) -> None:
        c.busy = True
        try:
            await self.act(c)
        except StepFailedError as error:
            self.failures.append(str(error))
        finally:
            c.busy = False

    async def closed_loop(self, citizens: list[Citizen], until: float) -> None:
        """Every citizen acts again as soon as its reply came: the process saturates."""

        async def loop(c: Citizen) -> None:
            while time.perf_counter() < until:
                await self._act_counted(c)

        await asyncio.gather(*(loop(c) for c in citizens))

    async def open_loop(
        self, citizens: list[Citizen], rate: float, until: float, rng: random.Random
    ) -> int:
        """Actions arrive at `rate` per second (Poisson), each from an idle citizen;
        returns how many arrivals found no idle citizen (a sign of saturation)."""
        tasks: set[asyncio.Task[None]] = set()
        skipped = 0
        at = time.perf_counter()
        while True:
            at += rng.expovariate(rate)
            if at >= until:
                break
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            idle = [c for c in citizens if not c.busy]
            if not idle:
                skipped += 1
                continue
            c = rng.choice(idle)
            c.busy = True
            task = asyncio.create_task(self._act_counted(c))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
        return skipped
