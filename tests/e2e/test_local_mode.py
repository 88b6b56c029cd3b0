"""The README's run command: `python -m bot` with no token starts the emulator and the web
chat, prints the URL, and the bot answers a person who uses the page's API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, payload: dict[str, object] | None = None) -> dict[str, object]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.load(response))


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
def test_run_command_starts_local_mode_and_answers(tmp_path: Path, runtime: str) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "REDIS_URL")
    }
    env.update(
        {
            "LOCAL_PORT": str(port),
            "DATA_DIR": str(tmp_path / "data"),
            "PYTHONUNBUFFERED": "1",
            "BOT_RUNTIME": runtime,
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 180  # a loaded 2-core machine imports slowly
        url = None
        output: list[str] = []
        while time.monotonic() < deadline and url is None:
            line = process.stdout.readline()
            output.append(line)
            if not line and process.poll() is not None:
                pytest.fail(f"python -m bot exited with {process.returncode}: {''.join(output)}")
            if "http://127.0.0.1:" in line:
                url = line.strip().split()[-1]
        assert url == f"http://127.0.0.1:{port}/", "".join(output)
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"<html" in page.read().lower()
        me = {"user_id": 4242, "first_name": "Tester", "language_code": "es"}
        call(f"{url}chat/api/send", {**me, "text": "/start"})
        texts: list[str] = []
        answer_deadline = time.monotonic() + 90
        while time.monotonic() < answer_deadline:
            events = call(f"{url}chat/api/events?user_id=4242&since=0&timeout=2")
            texts = [
                str(e["message"]["text"])  # type: ignore[index]
                for e in events["events"]  # type: ignore[attr-defined]
                if e["message"]["from_bot"]  # type: ignore[index]
            ]
            if texts:
                break
        assert texts and "Aviso de privacidad" in texts[0]
        assert (tmp_path / "data" / "bot.sqlite3").exists()
        assert (tmp_path / "data" / "keys.json").exists()
        # What systemd or Docker send: the bot stops cleanly, its pool's workers included.
        process.terminate()
        rest, _ = process.communicate(timeout=60)
        output.append(rest)
        assert process.returncode == 0, "".join(output)
        assert "stopped on SIGTERM" in rest, "".join(output)
        assert "leaked" not in rest, "".join(output)
        assert " ERROR " not in rest and "Traceback" not in rest, rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
