"""Per-update context: a database session, the acting person, their language."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.fsm_storage import update_session
from bot.i18n import Translator, normalize_language
from bot.messengers import platform_of
from bot.services.people import load_user
from bot.viewer import Viewer

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlight:
    """The updates being handled, so shutdown can wait for them (bounded) and then stop the stragglers."""

    def __init__(self) -> None:
        self.count = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.discard(task)
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def cancel(self, timeout: float = 2.0) -> int:
        """Cancels what is still running (its transaction rolls back) and waits for it, bounded.
        Returns how many were cancelled."""
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        return len(tasks)


class DbSessionMiddleware(BaseMiddleware):
    """One session per update; committed when the handler succeeds, rolled back otherwise."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], in_flight: InFlight) -> None:
        self.sessionmaker = sessionmaker
        self.in_flight = in_flight

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.in_flight.enter()
        try:
            async with self.sessionmaker() as session:
                data["session"] = session
                token = update_session.set(session)
                try:
                    result = await handler(event, data)
                    await session.commit()
                    return result
                finally:
                    update_session.reset(token)
        finally:
            self.in_flight.leave()


class ViewerMiddleware(BaseMiddleware):
    """Loads the person behind the update and picks their language for every reply."""

    def __init__(self, admins: Mapping[str, Iterable[int]]) -> None:
        # Administrators per messenger (ADMIN_IDS are Telegram ids, MAX_ADMIN_IDS MAX ids): the same number on
        # the other messenger is somebody else.
        self.admins = {platform: frozenset(ids) for platform, ids in admins.items()}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        if tg_user is None:
            data["viewer"] = None
            data["t"] = Translator()
            return await handler(event, data)
        platform = platform_of(data.get("bot"))
        user = await load_user(session, platform, tg_user.id)
        if user is not None and tg_user.username != user.username and user.consent_at is not None:
            user.username = tg_user.username
        is_admin = tg_user.id in self.admins.get(platform, ())
        viewer = Viewer(messenger_id=tg_user.id, user=user, is_admin=is_admin,
                        memberships=list(user.memberships) if user else [], platform=platform)
        language = user.language if user is not None else normalize_language(tg_user.language_code)
        data["viewer"] = viewer
        data["t"] = Translator(language)
        return await handler(event, data)


class LoadingSlots:
    """At most `slots` updates load their context (dialog state, the person) at once; the rest wait their turn,
    after their early answer. Handlers themselves aren't limited: a long export or a reply waiting for
    Telegram's rate limiter must not hold up everyone else.

    A burst of hundreds of updates otherwise interleaves hundreds of query chains on one event loop: every step
    of every chain sits in the loop's ready queue, and the next batch of updates — and their early answers —
    waits behind all of them. A few at a time finish sooner, and the pool isn't drained.

        dp.update.outer_middleware(slots.enter)   # before dialog state is read
        dp.update.outer_middleware(slots.leave)   # after the person is loaded
    """

    def __init__(self, slots: int) -> None:
        self._semaphore = asyncio.Semaphore(slots)
        self._held: ContextVar[list[bool] | None] = ContextVar("loading_slot", default=None)

    async def enter(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        await self._semaphore.acquire()
        held = [True]
        token = self._held.set(held)
        try:
            return await handler(event, data)
        finally:
            self._held.reset(token)
            if held[0]:
                self._semaphore.release()

    async def leave(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        held = self._held.get()
        if held is not None and held[0]:
            held[0] = False
            self._semaphore.release()
        return await handler(event, data)
