"""The deployment files: `docker compose config -q` accepts docker-compose.yml (when a Compose
CLI is installed; no Docker engine is needed for that), and the stack has what operations
rely on (checked on the text, so this part runs everywhere)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"


def compose_command() -> list[str] | None:
    """`docker compose` (v2), else the standalone `docker-compose`, else None."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone is not None else None


def test_compose_config_is_valid(tmp_path: Path) -> None:
    command = compose_command()
    if command is None:
        reason = (
            "the docker CLI has no compose plugin and docker-compose is not installed"
            if shutil.which("docker")
            else "no docker CLI installed"
        )
        pytest.skip(reason)
    # a project folder as an operator has it: the files, and .env made from .env.example
    for name in ("docker-compose.yml", "Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [*command, "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr or result.stdout


def service_block(text: str, name: str) -> str:
    """The lines of one top-level service of the compose file."""
    match = re.search(rf"^  {name}:\n((?:    .*\n|\s*\n)+)", text, flags=re.MULTILINE)
    assert match is not None, f"no service {name}"
    return match.group(1)


def test_the_stack_has_its_services_with_healthchecks() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for name in ("bot", "worker", "postgres", "redis"):
        assert "healthcheck:" in service_block(text, name), name
    assert '["python", "-m", "bot", "worker"]' in service_block(text, "worker")
    assert "image: postgres:16" in service_block(text, "postgres")
    assert "image: redis:7" in service_block(text, "redis")
    assert "/healthz" in service_block(text, "bot")
    assert "env_file: .env" in text
    for volume in ("postgres-data:", "redis-data:", "bot-data:"):
        assert volume in text


def test_the_image_runs_the_locked_set_as_a_user() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("# syntax=") and "FROM python:3.11-slim" in text
    assert "uv sync --locked --no-dev" in text
    assert re.search(r"^USER (?!root)\w+", text, flags=re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored and ".venv" in ignored and "data" in ignored  # no secrets inside
