"""Outbox payloads for form requests, reminders and nudges: text in the recipient's language and one
«Заполнить» button. The button's callback data is built here as plain text, in the format of
`keyboards.forms.FormOpenCb` (a test keeps the two in step), because services don't import aiogram.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Translator

OPEN_PREFIX = "fo"


def open_callback(request_id: int) -> str:
    return f"{OPEN_PREFIX}:{request_id}"


def local_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y")


def payload(kind: str, *, language: str, request_id: int, title: str, deadline: datetime, tz: ZoneInfo,
            questions: int, event: str | None = None) -> dict[str, Any]:
    """kind: "new", "reflection", "remind" or "nudge"."""
    t = Translator(language)
    text = t(f"forms.notify.{kind}", title=title, deadline=local_date(deadline, tz), questions=questions,
             event=event or title)
    button = {"text": t("forms.notify.button"), "callback_data": open_callback(request_id)}
    return {"type": "text", "text": text, "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[button]]}}
