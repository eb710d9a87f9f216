"""One rate limiter for every outgoing Bot API call (aiogram-free).

Telegram's limits, loosely documented: about 30 messages a second overall, about one a second in
a private chat (short bursts are tolerated), at most 20 a minute in a group; a 429 carries
`retry_after` and the polite answer is to stop everything for that long.

Design (cheap and fair, no busy loops):

* **Global pacer** — messages are spaced `1/rate` apart (a token bucket of depth one, i.e. GCRA).
  A token bucket with a deeper burst would let `burst + rate` messages into one second, and
  Telegram (like the fake) counts a sliding one-second window; pacing keeps every window at
  `rate + 1` at most. Waiters sit in a heap ordered by (priority, arrival), so a reply or a personal
  notification overtakes a broadcast already waiting; one `call_at` timer wakes the head — no task
  per waiter, no polling. A late timer is caught up by at most half an interval, so the average
  rate stays at `rate` without bunching.
* **Per chat** — a private chat is a token bucket (`chat_burst` deep, `chat_per_sec` refill, a few
  percent slower than the nominal rate for safety); a group (negative id) is a sliding window of
  `group_per_min` in 60 s. Each chat has a FIFO lock, so a slow chat only delays its own messages;
  the chat's quota is charged at the moment the global pacer grants the message.
* **Pause** — `pause(seconds)` (a 429 anywhere) holds every pacer until the pause is over.
* **Paid broadcasts** — with `paid_per_sec` set, bulk acquisitions use a second pacer at that rate
  instead of the free budget (Telegram's `allow_paid_broadcast`).

Whoever has already been granted a message marks the context with `granted()`, so the aiogram
request middleware doesn't charge the same call twice.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

CHAT_SAFETY = 0.95  # refill private-chat buckets a little slower than nominal
# How busy the sender of the update being handled has just been (0 quiet … 9 flooding), set by the update
# budget (bot/middlewares/budget.py): replies to quiet people overtake replies to a flood.
REPLY_STANDING: ContextVar[int] = ContextVar("reply_standing", default=0)
FORGET_AFTER = 4096  # sweep idle chat states when there are more than this many


@dataclass
class Limits:
    global_per_sec: float = 28.0
    chat_per_sec: float = 1.0
    chat_burst: int = 3
    group_per_min: float = 20.0
    group_window: float = 60.5  # seconds: a hair over a minute, for safety
    paid_per_sec: float | None = None  # set: bulk messages use this budget instead of the free one

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(global_per_sec=settings.rate_global_per_sec, chat_per_sec=settings.rate_chat_per_sec,
                   group_per_min=settings.rate_group_per_min,
                   paid_per_sec=settings.rate_paid_per_sec if settings.allow_paid_broadcast else None)


@dataclass
class LimiterStats:
    granted: int = 0
    pauses: int = 0
    paused_seconds: float = 0.0
    waits: dict[str, int] = field(default_factory=lambda: {"chat": 0, "global": 0})


class _Pause:
    def __init__(self) -> None:
        self.until = 0.0


class _Pacer:
    """Grants one waiter every `1/rate` seconds, the most urgent first."""

    def __init__(self, rate: float, pause: _Pause, time: Callable[[], float], stats: LimiterStats) -> None:
        self.interval = 1.0 / rate
        self.pause = pause
        self.time = time
        self.stats = stats
        self.next_at = float("-inf")
        self.heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self.seq = itertools.count()
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0

    def _ready_at(self) -> float:
        return max(self.next_at, self.pause.until)

    def _grant(self, scheduled: float, now: float) -> None:
        self.next_at = max(scheduled + self.interval, now + self.interval / 2)
        self.stats.granted += 1

    async def acquire(self, priority: int) -> None:
        now = self.time()
        if not self.heap and now >= self._ready_at():
            self._grant(now, now)
            return
        self.stats.waits["global"] += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self.heap, (priority, next(self.seq), future))
        self._schedule()
        await future  # a cancelled waiter stays in the heap as a done future and is skipped

    def _schedule(self) -> None:
        if not self.heap:
            return
        at = self._ready_at()
        if self.timer is not None:
            if self.timer_at <= at:
                return
            self.timer.cancel()
        loop = asyncio.get_running_loop()
        self.timer_at = at
        self.timer = loop.call_at(max(at, loop.time()), self._dispatch)

    def _dispatch(self) -> None:
        self.timer = None
        now = self.time()
        while self.heap:
            ready = self._ready_at()
            if now < ready:
                break
            _, _, future = heapq.heappop(self.heap)
            if future.done():
                continue
            future.set_result(None)
            self._grant(ready, now)
        self._schedule()

    def kick(self) -> None:
        """Re-arm the timer (after a pause changed the ready time)."""
        if self.heap:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            self._schedule()


class _ChatGate:
    __slots__ = ("lock", "tokens", "updated", "events", "group", "users")

    def __init__(self, group: bool, burst: int, now: float) -> None:
        self.lock = asyncio.Lock()
        self.group = group
        self.tokens = float(burst)
        self.updated = now
        self.events: deque[float] = deque()
        self.users = 0  # coroutines holding or waiting for this gate; idle gates may be forgotten


class RateLimiter:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.stats = LimiterStats()
        self._pause = _Pause()
        self._global = _Pacer(self.limits.global_per_sec, self._pause, self.now, self.stats)
        self._paid = (_Pacer(self.limits.paid_per_sec, self._pause, self.now, self.stats)
                      if self.limits.paid_per_sec else None)
        self._chats: dict[int, _ChatGate] = {}
        self._chat_rate = self.limits.chat_per_sec * CHAT_SAFETY
        self._group_limit = max(1, int(self.limits.group_per_min))

    @classmethod
    def from_settings(cls, settings: Any) -> RateLimiter:
        return cls(Limits.from_settings(settings))

    @staticmethod
    def now() -> float:
        """The event loop's clock: the timers that wake waiters run on it."""
        return asyncio.get_running_loop().time()

    @property
    def global_rate(self) -> float:
        return self.limits.global_per_sec

    @property
    def paused_for(self) -> float:
        return max(0.0, self._pause.until - self.now())

    # --- pausing ---------------------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Everyone waits `seconds` from now (a 429 anywhere). Overlapping pauses don't add up."""
        until = self.now() + max(0.0, float(seconds))
        if until <= self._pause.until:
            return
        self.stats.pauses += 1
        self.stats.paused_seconds += until - max(self._pause.until, self.now())
        self._pause.until = until
        for pacer in (self._global, self._paid):
            if pacer is not None:
                pacer.kick()

    # --- acquiring -------------------------------------------------------------------------------

    async def acquire(self, chat_id: int | None = None, *, priority: int = 0, bulk: bool = False) -> None:
        """Wait until one message to `chat_id` may go out (None: no per-chat limit, global only)."""
        pacer = self._paid if bulk and self._paid is not None else self._global
        if chat_id is None:
            await pacer.acquire(priority)
            return
        gate = self._gate(chat_id)
        gate.users += 1
        try:
            async with gate.lock:
                while (wait := self._chat_wait(gate, self.now())) > 0:
                    self.stats.waits["chat"] += 1
                    await asyncio.sleep(wait)
                await pacer.acquire(priority)
                self._chat_take(gate, self.now())
        finally:
            gate.users -= 1

    def _gate(self, chat_id: int) -> _ChatGate:
        gate = self._chats.get(chat_id)
        if gate is None:
            if len(self._chats) >= FORGET_AFTER:
                self._forget_idle()
            gate = self._chats[chat_id] = _ChatGate(chat_id < 0, self.limits.chat_burst, self.now())
        return gate

    def _chat_wait(self, gate: _ChatGate, now: float) -> float:
        if gate.group:
            edge = now - self.limits.group_window
            while gate.events and gate.events[0] <= edge:
                gate.events.popleft()
            if len(gate.events) < self._group_limit:
                return 0.0
            return gate.events[-self._group_limit] + self.limits.group_window - now
        self._refill(gate, now)
        return 0.0 if gate.tokens >= 1.0 else (1.0 - gate.tokens) / self._chat_rate

    def _refill(self, gate: _ChatGate, now: float) -> None:
        if now > gate.updated:
            gate.tokens = min(float(self.limits.chat_burst), gate.tokens + (now - gate.updated) * self._chat_rate)
            gate.updated = now

    def _chat_take(self, gate: _ChatGate, now: float) -> None:
        if gate.group:
            gate.events.append(now)
        else:
            self._refill(gate, now)
            gate.tokens -= 1.0

    def _forget_idle(self) -> None:
        now = self.now()
        for chat_id, gate in list(self._chats.items()):
            if gate.users:
                continue
            if gate.group:
                if not gate.events or gate.events[-1] <= now - self.limits.group_window:
                    del self._chats[chat_id]
            else:
                self._refill(gate, now)
                if gate.tokens >= self.limits.chat_burst:
                    del self._chats[chat_id]

    # --- "already granted" marker for the request middleware --------------------------------------

    @staticmethod
    @contextmanager
    def granted(count: int = 1) -> Iterator[None]:
        """Marks the current task as holding `count` grants; the middleware consumes them instead of acquiring."""
        token = _GRANTED.set([count])
        try:
            yield
        finally:
            _GRANTED.reset(token)

    @staticmethod
    def take_grant() -> bool:
        grants = _GRANTED.get()
        if grants and grants[0] > 0:
            grants[0] -= 1
            return True
        return False


_GRANTED: ContextVar[list[int] | None] = ContextVar("ratelimit_granted", default=None)
