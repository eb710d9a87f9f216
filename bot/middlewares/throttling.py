"""Flood control for incoming updates: a token bucket per person; one polite note, then quiet."""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot.i18n import Translator, normalize_language

MAX_TRACKED = 50_000  # enough for any network; oldest buckets are forgotten first


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[int, tuple[float, float, bool]] = OrderedDict()

    def _take(self, user_id: int) -> tuple[bool, bool]:
        """Returns (allowed, warn): warn once per flood so the person knows why the bot is quiet."""
        now = self.clock()
        tokens, stamp, warned = self._buckets.pop(user_id, (float(self.burst), now, False))
        tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
        if tokens >= 1:
            self._buckets[user_id] = (tokens - 1, now, False)
            allowed, warn = True, False
        else:
            self._buckets[user_id] = (tokens, now, True)
            allowed, warn = False, not warned
        while len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return allowed, warn

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        # An outer middleware on updates, before any query: a flood costs no database work.
        inner = (event.message or event.callback_query) if isinstance(event, Update) else event
        user = data.get("event_from_user")
        if user is None or not isinstance(inner, (Message, CallbackQuery)):
            return await handler(event, data)
        allowed, warn = self._take(user.id)
        if allowed:
            return await handler(event, data)
        t: Translator = data.get("t") or Translator(normalize_language(user.language_code))
        if isinstance(inner, CallbackQuery):
            await inner.answer(t("errors.too_fast"))
        elif warn and inner.chat.type == "private":
            await inner.answer(t("errors.too_fast"))
        return None
