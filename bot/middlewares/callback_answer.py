"""Every button press gets exactly one answer, so the phone's spinner always stops.

Handlers may answer a query themselves (a toast, an alert); whatever they leave unanswered is answered
empty after them. A request middleware on the bot notices answers, so nothing is answered twice
(Telegram rejects a second answer).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, TelegramObject

_answered: ContextVar[set[str] | None] = ContextVar("answered_callbacks", default=None)


class NoteCallbackAnswers(BaseRequestMiddleware):
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if isinstance(method, AnswerCallbackQuery):
            answered = _answered.get()
            if answered is not None:
                answered.add(method.callback_query_id)
        return await make_request(bot, method)


class AnswerCallbacks(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answered: set[str] = set()
        token = _answered.set(answered)
        try:
            return await handler(event, data)
        finally:
            _answered.reset(token)
            if event.id not in answered:
                with suppress(TelegramAPIError):
                    await event.answer()
