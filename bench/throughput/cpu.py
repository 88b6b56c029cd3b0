"""`python -m bench.throughput.cpu`: the bot's own CPU per update, in one process, with a Bot
API that answers from memory (aiogram runtime).

The end-to-end benchmark (`python -m bench.throughput`) measures a bot process from outside;
on a shared machine its CPU per update moves by a third from run to run. Here nothing else
runs between the bot's code and its answers: updates go straight into the dispatcher
(`feed_update`, after aiogram's parsing of each update), every Bot API call is encoded as
the product sends it (`JsonSession`) and answered by an in-memory fake whose answer aiogram
parses as usual; no sockets, no emulator. What remains is the bot's work per update (routers,
middlewares, the runner, the database, the screens, aiogram's models), for the product and for
the echo bot (`bench/throughput/echo.py`) in the same process, one after the other:

    uv run python -m bench.throughput.cpu                       # SQLite, 200 citizens
    uv run python -m bench.throughput.cpu --updates 6000 --rounds 3
    uv run python -m bench.throughput.cpu --storage postgres+redis
    uv run python -m bench.throughput.cpu --storage postgres+redis --members 2
    uv run python -m bench.throughput.cpu --profile /tmp/product.prof  # cProfile, process time

The actions are the benchmark's: signed-in citizens alternate `/menu` and a tap on Family
Services, `--concurrency` of them at a time; with `--members N` each citizen has N family
members with an open application each (rows the citizen's context reads on every update).
`--no-context-versions` runs PostgreSQL + Redis without the context cache (as before
session 5), to compare in one build. The heap is frozen before measuring, as
`python -m bot` does. CPU is the process's (all threads), per update.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update

from bench.throughput import procs
from bench.throughput.driver import FAMILY, label, resident_id
from bench.throughput.echo import build as build_echo
from bot.config import Settings
from bot.flows import effects as fx
from bot.handlers.aiogram.runtime import pin_response_types, quiet_update_log
from bot.handlers.aiogram.session import JsonSession
from bot.wiring import App, build_app

BOT_ID = 7_000_000_000 + secrets.randbelow(10**6)
TOKEN = f"{BOT_ID}:bench-cpu"
_TRUE_METHODS = {"answerCallbackQuery", "deleteMessage", "setMyCommands", "deleteMyCommands"}


class MemorySession(JsonSession):
    """Answers each call as the Bot API would, from memory; remembers each chat's buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1000)
        self.buttons: dict[int, dict[str, tuple[int, str]]] = {}  # chat: label -> (msg, data)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> Any:
        payload, _ = self.build_payload(bot, method)
        self.json_dumps(payload).encode()  # the body the product would send
        name = method.__api_method__
        result: Any = True
        if name == "getMe":
            result = {"id": BOT_ID, "is_bot": True, "first_name": "Bench", "username": "b_bot"}
        elif name in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            result = self._message(payload, name)
        elif name not in _TRUE_METHODS:
            raise RuntimeError(f"bench.throughput.cpu does not answer {name}")
        content = json.dumps({"ok": True, "result": result})
        return self.check_response(bot=bot, method=method, status_code=200, content=content).result

    def _message(self, payload: dict[str, Any], name: str) -> dict[str, Any]:
        chat_id = int(payload["chat_id"])
        message_id = int(payload.get("message_id") or next(self.ids))
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "C"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bench"},
        }
        if name != "editMessageReplyMarkup":
            message["text"] = payload.get("text", "")
        markup = payload.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
            self.buttons[chat_id] = {
                b["text"]: (message_id, b.get("callback_data", ""))
                for row in markup["inline_keyboard"]
                for b in row
            }
        return message


class Citizens:
    """Updates as Telegram would send them, parsed by aiogram as its polling does."""

    def __init__(self, bot: Bot, session: MemorySession, first_user: int) -> None:
        self.bot, self.session, self.first_user = bot, session, first_user
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "C", "language_code": "en"}

    def _update(self, body: dict[str, Any]) -> Update:
        raw = {"update_id": next(self.update_ids), **body}
        return Update.model_validate(raw, context={"bot": self.bot})

    def message(self, user_id: int, text: str = "", **extra: Any) -> Update:
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "C"},
            "from": self._user(user_id),
            **extra,
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
                ]
        return self._update({"message": message})

    def tap(self, user_id: int, button: str) -> Update:
        message_id, data = self.session.buttons[user_id][button]
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "C"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bench"},
            "text": "…",
        }
        query = {
            "id": str(next(self.update_ids)),
            "from": self._user(user_id),
            "chat_instance": "1",
            "data": data,
            "message": message,
        }
        return self._update({"callback_query": query})

    def contact(self, user_id: int) -> Update:
        phone = f"+86139{user_id % 10**8:08d}"
        contact = {"phone_number": phone, "first_name": "C", "user_id": user_id}
        return self.message(user_id, contact=contact)


async def sign_in(dp: Dispatcher, bot: Bot, c: Citizens, index: int) -> None:
    user = c.first_user + index
    steps = [
        lambda: c.message(user, "/start"),
        lambda: c.tap(user, label("btn-accept")),
        lambda: c.contact(user),
        lambda: c.message(user, f"Citizen {chr(65 + index % 26)}{chr(65 + index // 26 % 26)}"),
        lambda: c.message(user, resident_id(index)),
    ]
    for step in steps:
        await dp.feed_update(bot, step())
    assert FAMILY in c.session.buttons[user], "the citizen did not reach the main menu"


async def add_family(app: App, members: int) -> None:
    """`members` family members per citizen, each with an open application, written through
    the services (as the conversation would)."""
    from bot.storage.models import Citizen as CitizenRow

    for n, citizen_id in enumerate(await CitizenRow.all().values_list("id", flat=True)):
        for m in range(members):
            relative = resident_id(n * members + m, year=1955)
            added = await app.runner.citizens.add_member(
                int(citizen_id), fx.AddMember(f"Relative {m}", relative, "father")
            )
            assert isinstance(added, fx.MemberAdded), added
            start = fx.StartApplication(added.member_id, "video")
            assert isinstance(
                await app.runner.citizens.start_application(int(citizen_id), start),
                fx.ApplicationStarted,
            )


async def measure(
    dp: Dispatcher, bot: Bot, c: Citizens, users: int, updates: int, concurrency: int
) -> float:
    """CPU seconds per update for `updates` actions, `concurrency` citizens at a time."""
    todo = iter(range(updates))
    turn = [0] * users

    async def citizen(index: int) -> None:
        user = c.first_user + index
        for _ in todo:
            update = c.message(user, "/menu") if turn[index] % 2 == 0 else c.tap(user, FAMILY)
            turn[index] += 1
            await dp.feed_update(bot, update)

    started = time.process_time()
    await asyncio.gather(*(citizen(i) for i in range(min(users, concurrency))))
    return (time.process_time() - started) / updates


@contextlib.asynccontextmanager
async def product(storage: str, args: argparse.Namespace) -> AsyncIterator[App]:
    with tempfile.TemporaryDirectory(prefix="ssc-cpu-") as data:
        env: dict[str, Any] = {"data_dir": Path(data)}
        env |= {"throttle_rate": 1e6, "throttle_burst": 10**6}  # the benchmark's, out of the way
        async with contextlib.AsyncExitStack() as stack:
            if storage == "postgres+redis":
                url = await stack.enter_async_context(procs.postgres_database(args.postgres))
                env |= {"database_url": url, "redis_url": args.redis}
                stack.push_async_callback(procs.clean_redis, args.redis, BOT_ID)
            settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]
            app = await build_app(settings, token=TOKEN, api_url="http://127.0.0.1:9")
            try:
                yield app
            finally:
                await app.close()


async def profile(dp: Dispatcher, bot: Bot, c: Citizens, args: argparse.Namespace) -> None:
    """The product's `--updates` under cProfile on process time, written to `--profile`."""
    import cProfile

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    await measure(dp, bot, c, args.citizens, args.updates, args.concurrency)
    profiler.disable()
    profiler.dump_stats(args.profile)
    print(f"profile of {args.updates} product updates in {args.profile}")


async def run(args: argparse.Namespace) -> None:
    pin_response_types()
    quiet_update_log()
    session = MemorySession()
    results: dict[str, list[float]] = {"echo": [], "product": []}
    async with product(args.storage, args) as app:
        await app.runtime.bot.session.close()
        app.runtime.bot.session = session
        dp = app.runtime.dispatcher
        assert dp is not None
        bot = app.runtime.bot
        echo = build_echo(FAMILY)
        citizens = Citizens(bot, session, first_user=10**9)
        for index in range(args.citizens):
            await sign_in(dp, bot, citizens, index)
        await add_family(app, args.members)
        if not args.context_versions:
            app.runner.citizens.contexts.versions = None  # type: ignore[attr-defined]
        await echo.feed_update(bot, citizens.message(citizens.first_user, "/menu"))
        gc.collect()
        if args.freeze:
            gc.freeze()
        for dispatcher in (dp, echo):  # warm-up
            await measure(dispatcher, bot, citizens, args.citizens, 400, args.concurrency)
        if args.profile:
            await profile(dp, bot, citizens, args)
            return
        for _ in range(args.rounds):
            for kind, dispatcher in (("product", dp), ("echo", echo)):
                cpu = await measure(
                    dispatcher, bot, citizens, args.citizens, args.updates, args.concurrency
                )
                results[kind].append(cpu * 1000)
    load = os.getloadavg()
    print(
        f"CPU ms per update, in-process ({args.storage}, {args.citizens} citizens, "
        f"{args.members} members each, {args.concurrency} at a time, "
        f"{args.updates} updates x {args.rounds} rounds; "
        f"context versions {'on' if args.context_versions else 'off'}; "
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f})"
    )
    for kind, values in results.items():
        shown = " ".join(f"{v:.3f}" for v in values)
        middle = statistics.median(values)
        print(f"  {kind:8s} median {middle:.3f}  min {min(values):.3f}  ({shown})")
    ratio = min(results["echo"]) / min(results["product"])
    print(f"  echo / product (min): {ratio:.2f}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput.cpu", description=__doc__)
    parser.add_argument("--storage", choices=("sqlite", "postgres+redis"), default="sqlite")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--members", type=int, default=0, help="family members per citizen")
    parser.add_argument(
        "--no-context-versions",
        dest="context_versions",
        action="store_false",
        help="PostgreSQL + Redis without the context cache (as before)",
    )
    parser.add_argument("--updates", type=int, default=4000, help="per round and bot")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-freeze", dest="freeze", action="store_false", help="leave the heap as it is (tests)"
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the product's updates instead")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
