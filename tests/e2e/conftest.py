"""Fixtures for end-to-end tests: the real servers' fixtures are shared with tests/storage;
`each_runtime` runs a test once on aiogram and once on python-telegram-bot."""

from collections.abc import Iterator

import pytest

from tests.e2e import harness
from tests.storage.conftest import postgres_admin_url, redis_url

__all__ = ["each_runtime", "postgres_admin_url", "redis_url"]


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
