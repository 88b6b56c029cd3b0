"""Shared helpers for the vision tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 120) -> tuple[int, Any, str]:
    """Run ``python -m bot.vision`` and return (exit code, parsed stdout JSON, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot.vision", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    payload = json.loads(proc.stdout) if "--json" in args else proc.stdout
    assert len(lines) == 1 or "--json" not in args, proc.stdout
    return proc.returncode, payload, proc.stderr


@pytest.fixture(scope="session")
def cli() -> Any:
    return run_cli
