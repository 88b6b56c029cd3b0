"""Fixtures for end-to-end tests: the real servers' fixtures are shared with tests/storage."""

from tests.storage.conftest import postgres_admin_url, redis_url

__all__ = ["postgres_admin_url", "redis_url"]
