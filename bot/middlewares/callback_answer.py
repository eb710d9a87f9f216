"""Every button press gets exactly one answer, so the phone's spinner always stops — and the busiest
buttons get it before the update touches the database.

* `AnswerCallbacks` (an outer middleware on updates, before the session is used) first asks the early
  answerers: a feature may answer a press from memory (e.g. «Пойду» under an announcement, see
  bot/services/events/rsvp_gate.py). Whatever the handlers leave unanswered is answered empty after them.
* `NoteCallbackAnswers` (a request middleware on the bot) notices answers, so nothing is answered twice
  (Telegram rejects a second answer). When a handler answers a press that was answered early and says
  something else (the early look was stale: the event was just cancelled, say), its words reach the person
  as a message instead of being lost.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, TelegramObject, Update

log = logging.getLogger(__name__)

# Given a press, the toast to show at once — or None when only the handler can tell.
EarlyAnswerer = Callable[[CallbackQuery], Awaitable[str | None]]


@dataclass
class _Press:
    query_id: str
    user_id: int
    answered: bool = False
    early_text: str | None = None


_press: ContextVar[_Press | None] = ContextVar("callback_press", default=None)


class NoteCallbackAnswers(BaseRequestMiddleware):
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        press = _press.get()
        if not isinstance(method, AnswerCallbackQuery) or press is None or method.callback_query_id != press.query_id:
            return await make_request(bot, method)
        if not press.answered:
            press.answered = True
            return await make_request(bot, method)
        if method.text and method.text != press.early_text:
            # Answered early from a stale look; the handler knows better and the person should hear it.
            await bot(SendMessage(chat_id=press.user_id, text=method.text, parse_mode=None))
        return True  # type: ignore[return-value]  # what Telegram answers to answerCallbackQuery


class AnswerCallbacks(BaseMiddleware):
    def __init__(self, early: list[EarlyAnswerer] | None = None) -> None:
        self.early = early if early is not None else []  # kept, not copied: the app may add to it

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else event
        if not isinstance(query, CallbackQuery):
            return await handler(event, data)
        press = _Press(query.id, query.from_user.id)
        token = _press.set(press)
        try:
            await self._answer_early(query, press)
            return await handler(event, data)
        finally:
            if not press.answered:
                with suppress(TelegramAPIError):
                    await query.answer()
            _press.reset(token)

    async def _answer_early(self, query: CallbackQuery, press: _Press) -> None:
        for answerer in self.early:
            try:
                text = await answerer(query)
            except Exception:  # an early answer is an optimisation: the handler still answers
                log.exception("early answer for %r failed", query.data)
                continue
            if text is not None:
                with suppress(TelegramAPIError):
                    await query.answer(text)
                press.early_text = text
                return
