"""Typed settings, read from the environment and `.env`.

Every setting has a safe embedded default, so `python -m bot` starts on a fresh machine
with nothing configured (local mode: embedded emulator, SQLite, file-based state store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("en", "es", "zh-CN")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # --- Telegram -------------------------------------------------------------------------
    # The Telegram library that runs the bot: aiogram 3 or python-telegram-bot 22 (same
    # behaviour).
    bot_runtime: Literal["aiogram", "ptb"] = "aiogram"
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8443

    # --- local mode (no token): embedded Bot API emulator and web chat --------------------
    local_host: str = "127.0.0.1"
    local_port: int = 8080

    # --- storage ---------------------------------------------------------------------------
    data_dir: Path = Path("data")
    database_url: str | None = None
    redis_url: str | None = None

    # --- people ----------------------------------------------------------------------------
    agents_chat_id: int | None = None
    agents_language: str = "en"
    review_reminder_minutes: int = 30
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Each bot process keeps the staff list (agents and admins) and the banned users' ids in
    # memory and reads them again after this many seconds: a role given or removed, or a ban
    # made, by another process counts here within it (at once in the process that handled the
    # command; an unban counts at once everywhere). 0: read on every check.
    staff_refresh_seconds: float = Field(default=2.0, ge=0.0, le=300.0)

    # --- security --------------------------------------------------------------------------
    # Base64 urlsafe 32-byte keys. Empty: a key file is created under DATA_DIR on first run.
    encryption_keys: SecretStr | None = None
    hash_key: SecretStr | None = None

    # --- conversation ----------------------------------------------------------------------
    default_language: str = "en"
    session_idle_minutes: int = 30
    max_family_members: int = 8
    child_age_years: int = 16
    max_face_attempts_per_day: int = 3
    application_expiry_hours: int = 72
    randomise_challenge: bool = True
    challenge: str = "blink,shake"

    # --- media limits ----------------------------------------------------------------------
    max_video_bytes: int = 20 * 1024 * 1024
    max_video_seconds: int = 15
    min_video_seconds: int = 1
    max_photo_bytes: int = 10 * 1024 * 1024

    # --- verification thresholds (face distance: lower is more similar) -------------------
    match_pass_distance: float = 0.45
    match_review_distance: float = 0.60
    analysis_timeout_seconds: float = 60.0
    analysis_workers: int = 1
    # "local": the embedded process pool; "arq": arq workers over REDIS_URL (python -m bot worker)
    analysis_backend: Literal["local", "arq"] = "local"

    # --- abuse protection: updates per second per user, and the burst allowed -------------
    throttle_rate: float = 2.0
    throttle_burst: int = 8

    # --- data retention --------------------------------------------------------------------
    retention_days: int = 30

    # --- e-card: how long a shown card stays valid (its QR token says when it was issued) ----
    ecard_valid_days: int = Field(default=365, ge=1, le=3650)

    log_level: str = "INFO"
    log_json: bool = False

    @field_validator("bot_runtime", mode="before")
    @classmethod
    def _runtime_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_language", "agents_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("match_review_distance")
    @classmethod
    def _ordered_thresholds(cls, value: float, info: object) -> float:
        data = getattr(info, "data", {})
        passed = data.get("match_pass_distance")
        if passed is not None and value < passed:
            raise ValueError("MATCH_REVIEW_DISTANCE must be >= MATCH_PASS_DISTANCE")
        return value

    @field_validator("analysis_backend")
    @classmethod
    def _arq_needs_redis(cls, value: str, info: object) -> str:
        if value == "arq" and not getattr(info, "data", {}).get("redis_url"):
            raise ValueError("ANALYSIS_BACKEND=arq needs REDIS_URL")
        return value

    @property
    def local_mode(self) -> bool:
        return self.telegram_bot_token is None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite://{(self.data_dir / 'bot.sqlite3').as_posix()}"
