"""Fixtures for end-to-end tests: the real servers' fixtures are shared with tests/storage;
`each_runtime` runs a test once on aiogram and once on python-telegram-bot; `emulator` and
`bot` are one emulator and the bot in front of it with the default test settings (a test
file that needs other settings defines its own)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.emulator.testing import running_emulator
from tests.e2e import harness
from tests.e2e.harness import BotUnderTest, make_settings, running
from tests.storage.conftest import postgres_admin_url, redis_url

__all__ = ["each_runtime", "postgres_admin_url", "redis_url"]


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with running_emulator() as emu:
        yield emu


@pytest.fixture
async def bot(emulator: Emulator, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    async with running(emulator, make_settings(tmp_path / "data")) as under_test:
        yield under_test


@pytest.fixture(params=harness.RUNTIMES)
def each_runtime(request: pytest.FixtureRequest) -> Iterator[str]:
    """Use with `pytest.mark.usefixtures("each_runtime")`: the test runs once per runtime, and
    every `make_settings` in it picks that runtime."""
    before = harness.current_runtime
    harness.current_runtime = request.param
    try:
        yield request.param
    finally:
        harness.current_runtime = before
