"""Configuration read from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.sqlite3"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Everything the bot reads at start-up; see `.env.example` for the meaning of each."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    bot_token: SecretStr
    telegram_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    # NoDecode: "1,2,3" is not JSON, our validator splits it.
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    events_file: Path = Path("events.toml")
    # redis://host:6379/0: forms in progress survive restarts and any replica can serve them.
    redis_url: str | None = None
    log_level: LogLevel = "INFO"
    # Seconds the bot waits on SIGTERM for updates being handled and messages in flight.
    shutdown_timeout: float = Field(default=10.0, gt=0)
    # Messages per second for bulk sends (reminder waves, broadcasts). Telegram allows about 30.
    send_rate: float = Field(default=25.0, gt=0, le=30)
    # How often the reminder planner looks at the database for due work, in seconds.
    reminder_check_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Seconds without a heartbeat after which a replica counts as gone and the others take
    # over the messages it had claimed (several processes on one database).
    replica_timeout: float = Field(default=30.0, ge=1, le=3600)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        # A token is "<bot id>:<secret>"; catching a pasted placeholder early saves a
        # confusing "Unauthorized" from Telegram later.
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id.isdigit() or len(secret) < 5:
            raise ValueError("expected the form 123456789:AAE... as given by @BotFather")
        return SecretStr(token)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            ids = []
            for part in parts:
                if not part:
                    continue
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"{part!r} is not a Telegram user id (digits only)")
                ids.append(int(part))
            return frozenset(ids)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(
                "must be an SQLAlchemy URL such as sqlite+aiosqlite:///data/bot.sqlite3"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class SettingsError(Exception):
    """Start-up configuration is unusable; the message is one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is not set (put it in .env or the environment)"
                lines.append(f"{name} {message}")
            else:
                lines.append(f"{name}: {message}")
        raise SettingsError("; ".join(lines)) from None
