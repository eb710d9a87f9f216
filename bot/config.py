"""Settings from the environment and `.env` (pydantic-settings). Every one is documented in .env.example."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.services.uploads.limits import FileLimits

TELEGRAM_API_URL = "https://api.telegram.org"
MAX_API_URL = "https://platform-api2.max.ru"  # older pages say platform-api.max.ru; the paths are the same
NO_MESSENGER = ("Не задан ни BOT_TOKEN (Telegram), ни MAX_BOT_TOKEN (MAX): укажите в .env хотя бы один — "
                "токен от @BotFather или токен бота с платформы MAX для партнёров.")

# What to tell an operator about each setting when it is wrong.
HINTS = {
    "bot_token": "укажите токен от @BotFather: BOT_TOKEN=123456:ABC… в .env",
    "bot_api_url": "адрес Bot API, например BOT_API_URL=https://api.telegram.org",
    "database_url": "например DATABASE_URL=sqlite+aiosqlite:///data/bot.sqlite3",
    "admin_ids": "числовые Telegram id через запятую, например ADMIN_IDS=12345,67890",
    "max_admin_ids": "числовые id в MAX через запятую, например MAX_ADMIN_IDS=12345,67890",
    "timezone": "название часового пояса IANA, например TIMEZONE=Europe/Moscow",
    "webhook_url": "полный https-адрес с путём, например WEBHOOK_URL=https://bot.example.org/tg",
    "webhook_secret": "задайте WEBHOOK_SECRET (1–256 символов A-Z a-z 0-9 _ -) вместе с WEBHOOK_URL",
    "webhook_port": "номер порта 1–65535, например WEBHOOK_PORT=8080",
    "log_level": "DEBUG, INFO, WARNING или ERROR",
    "upload_max_mb": "размер файла в МБ, например UPLOAD_MAX_MB=10",
    "upload_max_unpacked_mb": "объём распакованного файла в МБ, например UPLOAD_MAX_UNPACKED_MB=100",
    "upload_max_rows": "целое число, например UPLOAD_MAX_ROWS=20000",
    "upload_max_columns": "целое число, например UPLOAD_MAX_COLUMNS=200",
    "upload_max_cells": "целое число, например UPLOAD_MAX_CELLS=1000000",
    "upload_parse_seconds": "секунды, например UPLOAD_PARSE_SECONDS=30",
    "upload_parse_memory_mb": "МБ (не меньше 256), например UPLOAD_PARSE_MEMORY_MB=768",
    "updates_per_sec": "число, например UPDATES_PER_SEC=20 (0 — без общего бюджета)",
    "max_api_url": "адрес MAX Bot API, например MAX_API_URL=https://platform-api2.max.ru",
    "max_webhook_url": "полный https-адрес с путём, например MAX_WEBHOOK_URL=https://bot.example.org/max",
    "max_webhook_secret": "задайте MAX_WEBHOOK_SECRET (5–256 символов A-Z a-z 0-9 -) вместе с MAX_WEBHOOK_URL",
}


class SettingsError(Exception):
    """A one-line, operator-facing explanation of a bad setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///data/bot.sqlite3"
    redis_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)  # Telegram ids
    max_admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)  # MAX ids
    timezone: str = "Europe/Moscow"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    # MAX, the second front end (docs/messengers.md): set the token and it runs beside Telegram.
    max_bot_token: SecretStr | None = None
    max_api_url: str = MAX_API_URL
    max_bot_username: str | None = None
    max_webhook_url: str | None = None
    max_webhook_secret: SecretStr | None = None

    # Delivery limits (Telegram: ~30 msg/s overall, ~1/s per chat, 20/min per group).
    rate_global_per_sec: float = Field(default=28.0, gt=0)
    rate_chat_per_sec: float = Field(default=1.0, gt=0)
    rate_group_per_min: float = Field(default=20.0, gt=0)
    allow_paid_broadcast: bool = False
    rate_paid_per_sec: float = Field(default=1000.0, gt=0)
    # Flood control for incoming updates, per user.
    throttle_per_sec: float = Field(default=3.0, gt=0)
    throttle_burst: int = Field(default=10, ge=1)
    # Updates loading their context (dialog state, the person) at once; a burst waits its turn after its
    # early answer (bench/rsvp.py: 8–16 is best on 2 cores; more only lengthens the event loop's queue).
    loading_slots: int = Field(default=16, ge=1)
    shutdown_grace_sec: float = Field(default=10.0, ge=0)
    # A budget on incoming updates for the whole bot: when many accounts flood at once, updates of people
    # who have just been busy wait (or are dropped) while a newcomer's /start goes first (0: no budget).
    updates_per_sec: float = Field(default=20.0, ge=0)
    updates_burst: int = Field(default=40, ge=1)
    updates_busy_slots: int = Field(default=8, ge=1)  # updates of busy senders handled at once

    # Files people send (imports, forms, roadmaps): read in a capped worker process, within these bounds.
    upload_max_mb: float = Field(default=10.0, gt=0, le=20)  # the Bot API serves files up to 20 MB
    upload_max_unpacked_mb: float = Field(default=100.0, gt=0)
    upload_max_rows: int = Field(default=20_000, ge=10)
    upload_max_columns: int = Field(default=200, ge=10)
    upload_max_cells: int = Field(default=1_000_000, ge=100)
    upload_parse_seconds: float = Field(default=30.0, gt=0)
    upload_parse_memory_mb: int = Field(default=768, ge=256)

    # SQL in the log: statements at DEBUG only when asked, their parameters (people's data) only when asked too.
    log_sql: bool = False
    log_sql_parameters: bool = False

    @field_validator("admin_ids", "max_admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("bot_api_url", "webhook_url", "max_api_url", "max_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value.rstrip("/") if parsed.path in ("", "/") else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("unknown log level")
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql://")):
            raise ValueError("expected sqlite+aiosqlite:// or postgresql+asyncpg://")
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("webhook_secret: required when WEBHOOK_URL is set")
        return self

    @model_validator(mode="after")
    def _max_webhook_needs_secret(self) -> Settings:
        if not self.max_webhook_url:
            return self
        secret = self.max_webhook_secret.get_secret_value() if self.max_webhook_secret else ""
        # MAX sends it back in X-Max-Bot-Api-Secret; it takes 5–256 of A-Z a-z 0-9 and the hyphen.
        if not (5 <= len(secret) <= 256) or not all(c.isascii() and (c.isalnum() or c == "-") for c in secret):
            raise ValueError("max_webhook_secret: required with MAX_WEBHOOK_URL")
        return self

    @property
    def webhook_path(self) -> str:
        if not self.webhook_url:
            return "/"
        return urlparse(self.webhook_url).path or "/"

    def file_limits(self) -> FileLimits:
        """The bounds every upload is read under (bot/services/uploads)."""
        mb = 1024 * 1024
        return FileLimits(max_bytes=int(self.upload_max_mb * mb),
                          max_unpacked_bytes=int(self.upload_max_unpacked_mb * mb), max_rows=self.upload_max_rows,
                          max_cols=self.upload_max_columns, max_cells=self.upload_max_cells,
                          parse_seconds=self.upload_parse_seconds, parse_memory_mb=self.upload_parse_memory_mb)

    def secrets(self) -> list[str]:
        """Values the log must never show (bot/logs.py)."""
        values = [self.bot_token, self.webhook_secret, self.max_bot_token, self.max_webhook_secret]
        return [v.get_secret_value().strip() for v in values if v is not None and v.get_secret_value().strip()]

    def admins(self) -> dict[str, list[int]]:
        """Administrators per messenger: ADMIN_IDS are Telegram ids, MAX_ADMIN_IDS are MAX ids."""
        return {"telegram": list(self.admin_ids), "max": list(self.max_admin_ids)}

    @property
    def telegram_enabled(self) -> bool:
        return self.bot_token is not None and bool(self.bot_token.get_secret_value().strip())

    @property
    def max_enabled(self) -> bool:
        return self.max_bot_token is not None and bool(self.max_bot_token.get_secret_value().strip())

    def require_messenger(self) -> None:
        """`run` serves whichever messengers have a token; with none there is nothing to serve."""
        if not self.telegram_enabled and not self.max_enabled:
            raise SettingsError(NO_MESSENGER)

    def token(self) -> str:
        if not self.telegram_enabled:
            if not self.max_enabled:
                raise SettingsError(NO_MESSENGER)
            raise SettingsError(f"Не задан BOT_TOKEN: {HINTS['bot_token']}.")
        assert self.bot_token is not None
        return self.bot_token.get_secret_value().strip()

    def max_token(self) -> str:
        if not self.max_enabled:
            raise SettingsError("Не задан MAX_BOT_TOKEN: укажите токен бота с платформы MAX для партнёров в .env.")
        assert self.max_bot_token is not None
        return self.max_bot_token.get_secret_value().strip()


def _explain(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    message = str(first.get("msg", ""))
    if not field and ":" in message:  # model-level checks name their field first
        field = message.split(":", 1)[0].removeprefix("Value error, ").strip()
    hint = HINTS.get(field, "проверьте значение в .env")
    return f"Неверная настройка {field.upper()}: {hint}."


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None
