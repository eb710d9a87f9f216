"""A budget on incoming updates for the whole bot, so a flood from many accounts can't crowd out a genuine person.

Per-person flood control (`throttling.py`) stops one account; fifty accounts, each inside its own burst, still
send hundreds of updates a second. Every one of them would take a database connection, load its context and
queue a reply behind Telegram's ~30 messages a second and ~1 a second per chat — a handler waiting for its
chat's turn keeps its connection, the pool runs dry, and a newcomer's /start waits many seconds for a
connection (`bench/flood.py`: 14–20 s in the security review).

So every update passes a shared gate, with priority by how busy its sender has just been (a score: their
updates, fading with a half-life of a couple of seconds):

* someone who has been quiet (score below `light`: their first update, or a tap every second or two, with
  nothing of theirs still being handled) always goes at once — a person opening the bot, three hundred people
  tapping «Пойду» together; a burst's second message, sent while the first is handled, is not quiet;
* the others need a token (`rate` a second, `burst` at once) and one of `busy_slots` places: at most that many
  updates of busy senders are handled at once, so they can never hold the connection pool or the reply queue.
  Without a token or a place they wait in a queue, the least busy sender first, for at most `max_wait`
  seconds — one update per sender: a busy sender's next update, while one of theirs waits or runs, is
  dropped. The queue holds `max_waiting` updates; when it is full the busiest waiting update is dropped
  (those are the flood's; the person was already told «слишком много сообщений» by flood control).

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

from bot.services.ratelimit import REPLY_STANDING

MAX_TRACKED = 50_000
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

DROPPED, LIGHT, BUSY = 0, 1, 2  # what `admit` decided


class UpdateBudget(BaseMiddleware):
    def __init__(self, rate: float, burst: int, *, busy_slots: int = 8, clock: Callable[[], float] = time.monotonic,
                 half_life: float = 2.0, light: float = 1.5, max_waiting: int = 100, max_wait: float = 5.0) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.busy_slots = busy_slots
        self.clock = clock
        self.decay = math.log(2) / half_life
        self.light = light
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self.tokens = float(burst)
        self.stamp = clock()
        self.busy = 0  # updates of busy senders being handled now
        self.admitted = 0
        self.dropped = 0
        self._scores: OrderedDict[int, tuple[float, float]] = OrderedDict()
        self._waiting: list[tuple[float, int, asyncio.Future[bool]]] = []
        self._queued: set[int] = set()  # busy senders with an update waiting or running after a wait
        self._running: dict[int, int] = {}  # sender → their updates being handled now
        self._seq = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self._freed: asyncio.Event | None = None

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

    def standing(self, user_id: int) -> float:
        """The sender's score as it is now (their updates, fading)."""
        score, stamp = self._scores.get(user_id, (0.0, self.clock()))
        return score * math.exp(-self.decay * max(0.0, self.clock() - stamp))

    def _can_go(self) -> bool:
        return self.tokens >= 1.0 and self.busy < self.busy_slots

    def _take(self) -> int:
        self.tokens -= 1.0
        self.busy += 1
        self.admitted += 1
        return BUSY

    def release(self, user_id: int) -> None:
        """A busy sender's update is done: its place goes to the next in the queue."""
        self.busy -= 1
        self._queued.discard(user_id)
        if self._freed is not None:
            self._freed.set()

    # --- admission --------------------------------------------------------------------------------

    async def admit(self, user_id: int) -> int:
        """LIGHT (go, nothing to give back), BUSY (go, then `release()`), or DROPPED."""
        now = self.clock()
        self._refill(now)
        score = self._note(user_id, now)
        if score < self.light and not self._running.get(user_id):
            self.tokens = max(0.0, self.tokens - 1.0)
            self.admitted += 1
            return LIGHT
        if self._can_go() and not self._waiting:
            return self._take()
        if user_id in self._queued:  # one of theirs already waits its turn: the flood's extra copies go
            self.dropped += 1
            return DROPPED
        if len(self._waiting) >= self.max_waiting:
            worst = max(self._waiting)
            if score >= worst[0]:
                self.dropped += 1
                return DROPPED
            self._waiting.remove(worst)
            heapq.heapify(self._waiting)
            if not worst[2].done():
                worst[2].set_result(False)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (score, next(self._seq), future))
        self._queued.add(user_id)
        if self._pump is None or self._pump.done():
            self._freed = asyncio.Event()
            self._pump = asyncio.create_task(self._release_in_turn())
        try:
            admitted = await asyncio.wait_for(asyncio.shield(future), self.max_wait)
        except asyncio.TimeoutError:
            admitted = False
            if not future.done():
                future.set_result(False)
        if admitted:
            return BUSY  # counted by the pump when it gave the place; `release` forgets the sender
        self._queued.discard(user_id)
        self.dropped += 1
        return DROPPED

    async def _release_in_turn(self) -> None:
        """Gives tokens and places to the waiting updates as they free up, the least busy sender first."""
        assert self._freed is not None
        while self._waiting:
            self._refill(self.clock())
            if not self._can_go():
                # Those that gave up waiting leave the queue; nobody left: nothing to wait for.
                self._waiting = [item for item in self._waiting if not item[2].done()]
                heapq.heapify(self._waiting)
                if not self._waiting:
                    break
                self._freed.clear()
                wait = max(0.005, (1.0 - self.tokens) / self.rate) if self.tokens < 1.0 else self.max_wait
                try:
                    await asyncio.wait_for(self._freed.wait(), wait)
                except asyncio.TimeoutError:
                    pass
                continue
            _, _, future = heapq.heappop(self._waiting)
            if future.done():  # timed out or pushed out meanwhile
                continue
            self._take()
            future.set_result(True)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is None or self.rate <= 0:
            return await handler(event, data)
        decision = await self.admit(user.id)
        if decision == DROPPED:
            return None
        # Replies to this update queue for Telegram behind replies to quieter people.
        REPLY_STANDING.set(min(9, int(self.standing(user.id))))
        self._running[user.id] = self._running.get(user.id, 0) + 1
        try:
            return await handler(event, data)
        finally:
            left = self._running.pop(user.id) - 1
            if left:
                self._running[user.id] = left
            if decision == BUSY:
                self.release(user.id)
