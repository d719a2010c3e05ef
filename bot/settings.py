"""Configuration read from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.services.delivery.mail.config import Sender, SmtpServer, parse_sender, parse_smtp_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.sqlite3"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# What Telegram accepts as setWebhook's secret_token:
# https://core.telegram.org/bots/api#setwebhook
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
HEALTH_PATH = "/healthz"


class Settings(BaseSettings):
    """Everything the bot reads at start-up; see `.env.example` for the meaning of each."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Empty: the web page runs alone (a newcomer's first run); the bot joins once it is set.
    bot_token: SecretStr = SecretStr("")
    telegram_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    # NoDecode: "1,2,3" is not JSON, our validator splits it.
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    events_file: Path = Path("events.toml")
    # redis://host:6379/0: forms in progress survive restarts and any replica can serve them.
    redis_url: str | None = None
    log_level: LogLevel = "INFO"
    # uvloop (where installed: bot/loop.py) or asyncio's own loop.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    # Seconds the bot waits on SIGTERM for updates being handled and messages in flight.
    shutdown_timeout: float = Field(default=10.0, gt=0)
    # Messages per second, everything the bot sends together: replies first, then reminder
    # waves, certificates and broadcasts. Telegram allows about 30.
    send_rate: float = Field(default=25.0, gt=0, le=30)
    # How often the reminder planner looks at the database for due work, in seconds.
    reminder_check_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Seconds without a heartbeat after which a replica counts as gone and the others take
    # over the messages it had claimed (several processes on one database).
    replica_timeout: float = Field(default=30.0, ge=1, le=3600)
    # A name stable across restarts of one service unit, different for every process running
    # at the same time (the systemd units set it: host name and unit name). A process starting
    # under it takes back at once what its previous life had claimed, without the timeout.
    replica_name: str | None = Field(default=None, max_length=200)
    # Webhook mode (`python -m bot webhook`): the public URL Telegram posts updates to; its
    # path is the path the bot listens on.
    webhook_url: str | None = None
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; empty: derived from the token.
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # The web pages (web/): where `python -m bot run` serves them (webhook mode serves them on
    # WEBHOOK_HOST:WEBHOOK_PORT, on the same application as the webhook).
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # The address people reach the pages at (https://conf.example.org), written into links and
    # QR codes; empty: the local address, with a warning at start-up.
    public_url: str | None = None
    # Form posts per minute from one client address (a class registering from one school
    # address stays well within it).
    web_rate_limit: int = Field(default=30, ge=1, le=100_000)
    # Addresses of the reverse proxies whose X-Forwarded-For is believed (comma-separated);
    # empty: the connecting address is the client's.
    web_trusted_proxies: Annotated[frozenset[str], NoDecode] = frozenset()
    # The largest request body the pages accept, in bytes (uploads included).
    web_max_body: int = Field(default=2 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    # Signs the pages' CSRF tokens; empty: derived from BOT_TOKEN (see web_secret_key).
    web_secret: SecretStr | None = None
    # E-mail, the second channel: smtp://user:password@host:587 (STARTTLS when the server offers
    # it) or smtps://user:password@host:465 (TLS from the start); empty: e-mail is off.
    smtp_url: SecretStr | None = None
    # The sender of every e-mail, `Name <noreply@example.org>`; required with SMTP_URL. Its
    # domain also ends our Message-IDs.
    mail_from: str | None = Field(default=None, validate_default=True)
    # E-mails per second (the SMTP server's or provider's limit); qq.com, 163.com and the like
    # get a fraction of it (bot/services/delivery/mail/pacer.py).
    email_rate: float = Field(default=5.0, gt=0, le=1000)
    # At most this many e-mails in any 24 hours (a provider's daily quota); empty: no limit.
    email_daily_limit: int | None = Field(default=None, ge=1)
    # A web registration whose address is not confirmed within this many days is removed
    # (e-mail on only: without e-mail nothing is pending).
    pending_days: int = Field(default=7, ge=1, le=365)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            return SecretStr("")
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

    @field_validator("web_trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            addresses = frozenset(p.strip() for p in value.replace(";", ",").split(","))
            addresses -= {""}
            for address in addresses:
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    raise ValueError(f"{address!r} is not an IP address") from None
            return addresses
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the address people open, like https://conf.example.org")
        return value

    @field_validator("web_secret")
    @classmethod
    def _web_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value().strip()) < 16:
            raise ValueError("at least 16 characters (random ones)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parse_smtp_url(value.get_secret_value())  # the message never repeats the password
        return SecretStr(value.get_secret_value().strip())

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            if info.data.get("smtp_url") is not None:
                raise ValueError(
                    "not set, and SMTP_URL needs it: the sender of the e-mails, like "
                    "MAIL_FROM=Наша общая Победа <noreply@example.org>"
                )
            return None
        parse_sender(value)
        return value.strip()

    @field_validator("email_daily_limit", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("replica_name")
    @classmethod
    def _replica_name(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

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

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        # Telegram itself posts to https:// only; a self-hosted Bot API server may use http://.
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// URL Telegram posts updates to")
        parts = urlsplit(value)
        if not parts.hostname:
            raise ValueError("has no host name")
        if (parts.path or "/") == HEALTH_PATH:
            raise ValueError(f"{HEALTH_PATH} is the health check; choose another path")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        if not WEBHOOK_SECRET_SHAPE.fullmatch(secret):
            raise ValueError("1-256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return SecretStr(secret)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def has_bot_token(self) -> bool:
        """False on a newcomer's first run: the web page runs, the bot waits for BOT_TOKEN."""
        return bool(self.bot_token.get_secret_value())

    @property
    def mail_enabled(self) -> bool:
        """SMTP_URL is set: e-mail is the second channel. Without it the bot is Telegram only."""
        return self.smtp_url is not None

    @property
    def smtp_server(self) -> SmtpServer | None:
        if self.smtp_url is None:
            return None
        return parse_smtp_url(self.smtp_url.get_secret_value())

    @model_validator(mode="after")
    def _mail_links_need_a_lasting_secret(self) -> Settings:
        # E-mailed links are signed with the web secret (bot/services/registration/
        # mail_links.py): a key made up at start-up would end every link at the next restart.
        if self.mail_enabled and self.web_secret is None and not self.has_bot_token:
            raise ValueError(
                "WEB_SECRET: not set, and e-mail without BOT_TOKEN needs it: the links in the "
                "e-mails are signed with it (at least 16 characters, the same on every replica)"
            )
        return self

    @property
    def mail_sender(self) -> Sender | None:
        return parse_sender(self.mail_from) if self.mail_from else None

    @property
    def web_address(self) -> str:
        """Where the pages are reached: PUBLIC_URL, else the local address they listen on."""
        return self.public_url or f"http://{self.web_host}:{self.web_port}"

    @cached_property
    def web_secret_key(self) -> bytes:
        """WEB_SECRET; else derived from BOT_TOKEN like the webhook secret, so that every replica
        agrees and nothing needs sharing. Without a token (the web page alone, a newcomer's one
        process) a random key for this process: after a restart a form opened before it is
        refused once with "reload the page", which is all a demo needs."""
        if self.web_secret is not None:
            return self.web_secret.get_secret_value().encode()
        if self.has_bot_token:
            token = self.bot_token.get_secret_value().encode()
            return hmac.new(token, b"victory-bot web secret", hashlib.sha256).digest()
        return secrets.token_bytes(32)

    @property
    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL: where the webhook app takes Telegram's requests."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def webhook_secret_token(self) -> str:
        """WEBHOOK_SECRET, or one derived from the bot token: every replica with the same
        token computes the same value, and it changes when the token is revoked."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        token = self.bot_token.get_secret_value().encode()
        # 64 hex characters: within Telegram's 1-256 of A-Z a-z 0-9 _ -.
        return hmac.new(token, b"victory-bot webhook secret", hashlib.sha256).hexdigest()


class SettingsError(Exception):
    """Start-up configuration is unusable; the message is one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else ""
            message = error["msg"].removeprefix("Value error, ")
            if not name:  # a rule over several settings: its message names them
                lines.append(message)
            elif error["type"] == "missing":
                message = "is not set (put it in .env or the environment)"
                lines.append(f"{name} {message}")
            else:
                lines.append(f"{name}: {message}")
        raise SettingsError("; ".join(lines)) from None
