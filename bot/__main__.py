"""`python -m bot`: the bot (long polling or webhook) with a token; the local mode without one.
`python -m bot worker`: a video-analysis worker (production scale-out). `--help` says more."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys

from bot.config import Settings
from bot.logs import setup_logging

LOCAL_AGENTS_CHAT_ID = -1001000000001
OPERATOR_COMMANDS = ("references", "ecard", "keys")
HELP = """\
usage: python -m bot [COMMAND ...] [-h]

Without a command, run the bot: with TELEGRAM_BOT_TOKEN set it talks to Telegram (long
polling, or a webhook when WEBHOOK_URL is set); without it, the local mode starts the
embedded Bot API emulator and a web chat on 127.0.0.1 and prints the web chat's URL.
Settings come from the environment or .env (see .env.example).

commands:
  worker       a video-analysis worker (arq over REDIS_URL)
  references   the local reference photo registry (import, count)
  keys         encryption keys (generate, rotate)
  ecard        member e-cards (verify)

`python -m bot COMMAND --help` describes a command.
"""


def settle_heap() -> None:
    """What startup built (models, translations, handlers, pydantic validators) lives as long
    as the process: it is moved out of the garbage collector's reach, so that the full
    collections that come every few tens of thousands of allocations stop walking it (about
    a tenth of the CPU per update in bench/throughput)."""
    gc.collect()
    gc.freeze()


def stop_on_sigterm() -> list[bool]:
    """SIGTERM (what systemd, Docker and Kubernetes send) cancels the running task, so that the
    bot stops as on Ctrl-C: polling ends, the app closes its pool, queue and database, the
    emulator stops. Without it Python dies on the spot and leaves the process pool's workers
    and semaphores behind. Returns a flag set once the signal came."""
    received: list[bool] = []
    task = asyncio.current_task()
    if task is None:
        return received

    def on_sigterm() -> None:
        if not received:  # a second SIGTERM does not cut the closing short
            received.append(True)
            task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows' loops
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_sigterm)
    return received


async def run(settings: Settings) -> None:
    terminated = stop_on_sigterm()
    try:
        await serve(settings)
    except asyncio.CancelledError:
        if not terminated:
            raise
        current = asyncio.current_task()
        if current is not None:
            current.uncancel()
    if terminated:
        logging.getLogger("bot").info("stopped on SIGTERM")


async def serve(settings: Settings) -> None:
    from bot.wiring import build_app  # here, so that `python -m bot worker` starts fast

    emulator = None
    api_url: str | None
    if settings.local_mode:
        from bot.emulator import Emulator
        from bot.emulator.server import DEFAULT_AGENT_ID

        # The playground has an agents' group too, and its default agent may act.
        settings.agents_chat_id = settings.agents_chat_id or LOCAL_AGENTS_CHAT_ID
        if not settings.admin_ids:
            settings.admin_ids = [DEFAULT_AGENT_ID]
        emulator = Emulator(
            host=settings.local_host,
            port=settings.local_port,
            agents_chat_id=settings.agents_chat_id,
            admin_ids=settings.admin_ids,
        )
        await emulator.start()
        token, api_url = emulator.token, emulator.base_url
    else:
        assert settings.telegram_bot_token is not None
        token, api_url = settings.telegram_bot_token.get_secret_value(), settings.telegram_api_url
    app = await build_app(settings, token=token, api_url=api_url)
    try:
        await app.set_commands()
        app.start_background()
        logging.getLogger("bot").info(
            "running on the %s runtime (BOT_RUNTIME)", settings.bot_runtime
        )
        settle_heap()
        if emulator is not None:
            print(
                f"Local mode: no TELEGRAM_BOT_TOKEN set. Chat with the bot at {emulator.web_url}",
                flush=True,
            )
        if settings.webhook_url and emulator is None:
            from bot.handlers.webhook import run_webhook

            await run_webhook(app, settings)
        else:
            async with app.runtime.polling() as polling:
                # shielded: a stop (SIGTERM, Ctrl-C) cancels this wait, not the polling task,
                # which the runtime then stops on its own way out (aiogram, cancelled from
                # outside, leaves its per-bot polling running into the emulator's shutdown)
                await asyncio.shield(polling)
    finally:
        await app.close()
        if emulator is not None:
            await emulator.stop()


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(HELP, end="")
        return 0
    if argv and argv[0] not in (*OPERATOR_COMMANDS, "worker"):
        print(HELP, end="", file=sys.stderr)
        print(f"python -m bot: unknown command {argv[0]!r}", file=sys.stderr)
        return 2
    if argv and argv[0] in OPERATOR_COMMANDS:
        from bot.cli import main as cli_main

        return cli_main(argv)
    settings = Settings()
    setup_logging(settings)
    if argv[:1] == ["worker"]:
        from bot.worker import main as worker_main

        try:
            return worker_main(settings, argv[1:])
        except SystemExit as stop:  # argparse's --help and usage errors
            return stop.code if isinstance(stop.code, int) else 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
