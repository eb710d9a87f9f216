"""Numbers in button data stay within what the database stores, so a forged press is refused politely.

Every number a button carries is a row id, a page or a small value, stored as a 32-bit integer on PostgreSQL.
A forged press with a 20-digit id would otherwise reach a query and fail there (OverflowError on SQLite,
«out of int32 range» on PostgreSQL) as the generic error; here it gets «Эта кнопка устарела» before any query.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject, Update

from bot.i18n import Translator, normalize_language

INT_MAX = 2**31 - 1
_NUMBER = re.compile(r"(?<![\w.])-?\d{10,}(?![\w.])")


def out_of_range(data: str | None) -> bool:
    """Whether the press carries a number no database id can be."""
    return any(abs(int(number)) > INT_MAX for number in _NUMBER.findall(data or ""))


class CallbackIdsInRange(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else event
        if isinstance(query, CallbackQuery) and out_of_range(query.data):
            t = Translator(normalize_language(query.from_user.language_code))
            await query.answer(t("errors.stale_button"))
            return None
        return await handler(event, data)
