"""Logging that never shows a secret, and SQL that never shows people's data unless asked.

The bot token travels inside every Bot API URL (``…/bot<TOKEN>/sendMessage``, ``…/file/bot<TOKEN>/…``), so an
aiohttp error or a traceback about a failed download carries it. Every log record is cleaned where it is made
(a log record factory, so every handler — the console, a file, pytest's — gets the clean one): the message with
its arguments, and the formatted exception and stack. What is cleaned: the configured token and webhook secret
(as written and URL-encoded) and anything shaped like a bot token.

SQL: SQLAlchemy logs statements only with ``LOG_SQL``, their parameters only with ``LOG_SQL_PARAMETERS``;
aiosqlite's DEBUG lines (each statement with its parameters) are off unless parameters were asked for.
"""
from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

HIDDEN = "<скрыто>"
# A bot token: the bot's numeric id, a colon, 35 characters of [A-Za-z0-9_-] (seen 30–50).
TOKEN_SHAPE = re.compile(r"\d{5,16}:[A-Za-z0-9_-]{30,64}")

_lock = threading.Lock()
_secrets: list[str] = []
_pattern: re.Pattern[str] = TOKEN_SHAPE
_base_factory = logging.getLogRecordFactory()
_installed = False


def _compile(secrets: Iterable[str]) -> re.Pattern[str]:
    variants = {v for s in secrets if len(s) >= 4 for v in (s, quote(s, safe=""))}
    alternatives = [re.escape(v) for v in sorted(variants, key=len, reverse=True)]
    return re.compile("|".join([*alternatives, TOKEN_SHAPE.pattern]))


def redact(text: str) -> str:
    """`text` with every known secret and anything shaped like a bot token replaced by «<скрыто>»."""
    return _pattern.sub(HIDDEN, text) if text else text


def _clean(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: keep the raw parts, cleaned
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    return _clean(_base_factory(*args, **kwargs))


def protect(secrets: Iterable[str] = ()) -> None:
    """Clean every log record from now on; `secrets` adds exact values (the token, the webhook secret)."""
    global _pattern, _installed
    with _lock:
        for secret in secrets:
            if secret and secret not in _secrets:
                _secrets.append(secret)
        _pattern = _compile(_secrets)
        if not _installed:
            logging.setLogRecordFactory(_factory)
            _installed = True


def quiet_sql(*, statements: bool, parameters: bool) -> None:
    """SQL loggers at WARNING unless asked: statements (LOG_SQL; SQLAlchemy logs them at INFO), parameters
    (LOG_SQL_PARAMETERS: the engine hides them otherwise, see db/session.py; aiosqlite prints them at DEBUG)."""
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO if statements else logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG if parameters else logging.WARNING)


def setup_logging(settings: Any) -> None:
    """The operator's log for `run`: level and format from settings, secrets cleaned, SQL quiet."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    protect(settings.secrets())
    quiet_sql(statements=settings.log_sql, parameters=settings.log_sql_parameters)
    # aiogram's event log would print every update; keep the operator's log readable.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
