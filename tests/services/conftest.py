from tests.storage.conftest import sqlite_db, sqlite_db_url

__all__ = ["sqlite_db", "sqlite_db_url"]
