"""A budget on incoming updates for the whole bot, so a flood from many accounts can't crowd out a genuine person.

Per-person flood control (`throttling.py`) stops one account; fifty accounts, each inside its own burst, still
send hundreds of updates a second, and every one of them would load its context, run its handler and queue a
reply behind Telegram's ~30 messages a second — a newcomer's /start then waits many seconds in those queues.

So every update passes a shared token bucket (`rate` a second, `burst` at once), with priority by how busy its
sender has just been (a score: their updates, fading with a half-life of a few seconds):

* someone who has been quiet (score below `light`: their first update, or a tap every few seconds) always goes
  at once — a person opening the bot, three hundred people tapping «Пойду» together;
* the others take a token when there is one; when there is none they wait in a queue, the least busy first,
  for at most `max_wait` seconds; the queue holds `max_waiting` updates, and when it is full the busiest
  waiting update is dropped (those are the flood's; the per-person note «слишком много сообщений» was given).

It runs before any query, like flood control, so a dropped update costs a dictionary lookup.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

MAX_TRACKED = 50_000
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateBudget(BaseMiddleware):
    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 half_life: float = 2.0, light: float = 1.0, max_waiting: int = 100, max_wait: float = 5.0) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self.decay = math.log(2) / half_life
        self.light = light
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self.tokens = float(burst)
        self.stamp = clock()
        self.admitted = 0
        self.dropped = 0
        self._scores: OrderedDict[int, tuple[float, float]] = OrderedDict()
        self._waiting: list[tuple[float, int, asyncio.Future[bool]]] = []
        self._seq = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    # --- bookkeeping ------------------------------------------------------------------------------

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def _note(self, user_id: int, now: float) -> float:
        """The sender's score before this update (then counts it)."""
        score, stamp = self._scores.pop(user_id, (0.0, now))
        score *= math.exp(-self.decay * max(0.0, now - stamp))
        self._scores[user_id] = (score + 1.0, now)
        while len(self._scores) > MAX_TRACKED:
            self._scores.popitem(last=False)
        return score

    def _admit(self) -> bool:
        self.admitted += 1
        return True

    # --- admission --------------------------------------------------------------------------------

    async def admit(self, user_id: int) -> bool:
        now = self.clock()
        self._refill(now)
        score = self._note(user_id, now)
        if score < self.light:
            self.tokens = max(0.0, self.tokens - 1.0)
            return self._admit()
        if self.tokens >= 1.0 and not self._waiting:
            self.tokens -= 1.0
            return self._admit()
        if len(self._waiting) >= self.max_waiting:
            worst = max(self._waiting)
            if score >= worst[0]:
                self.dropped += 1
                return False
            self._waiting.remove(worst)
            heapq.heapify(self._waiting)
            if not worst[2].done():
                worst[2].set_result(False)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (score, next(self._seq), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._release_in_turn())
        try:
            admitted = await asyncio.wait_for(asyncio.shield(future), self.max_wait)
        except asyncio.TimeoutError:
            admitted = False
            if not future.done():
                future.set_result(False)
        if admitted:
            return self._admit()
        self.dropped += 1
        return False

    async def _release_in_turn(self) -> None:
        """Hands tokens to the waiting updates as they come, the least busy sender first."""
        while self._waiting:
            self._refill(self.clock())
            if self.tokens < 1.0:
                # Those that gave up waiting leave the queue; nobody left: nothing to wait for.
                self._waiting = [item for item in self._waiting if not item[2].done()]
                heapq.heapify(self._waiting)
                if self._waiting:
                    await asyncio.sleep(max(0.005, (1.0 - self.tokens) / self.rate))
                continue
            _, _, future = heapq.heappop(self._waiting)
            if future.done():  # timed out or pushed out meanwhile
                continue
            self.tokens -= 1.0
            future.set_result(True)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None or self.rate <= 0:
            return await handler(event, data)
        if not await self.admit(user.id):
            return None
        return await handler(event, data)
