"""Run the emulator on its own: `python -m bot.emulator [--host H] [--port P]`.

A bot started elsewhere with TELEGRAM_API_URL set to the printed base URL and the printed
token talks to it; the web chat is at the printed address.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.emulator.server import DEFAULT_TOKEN, Emulator

DEFAULT_AGENTS_CHAT_ID = -1001000000001


async def serve(host: str, port: int, token: str, agents_chat_id: int | None) -> None:
    async with Emulator(host, port, token=token, agents_chat_id=agents_chat_id) as emulator:
        print(f"Bot API emulator: {emulator.base_url}  token: {emulator.token}")
        if agents_chat_id is not None:
            print(f"Agents' group (AGENTS_CHAT_ID): {agents_chat_id}")
        print(f"Web chat: {emulator.web_url}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--agents-chat-id",
        type=int,
        default=DEFAULT_AGENTS_CHAT_ID,
        help="id of the agents' forum supergroup shown in the web chat; 0 for none",
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.token, args.agents_chat_id or None))


if __name__ == "__main__":
    main()
