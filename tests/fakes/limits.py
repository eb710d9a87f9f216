"""Rate limits of the fake Bot API: token buckets and sliding windows.

Telegram documents its limits only loosely ("about 30 messages per second
overall, about one per second per chat, at most 20 per minute per group"),
so these numbers are defaults, not truths. What matters for the tests is that
a bot which ignores them gets a 429 with ``retry_after`` and that the refusals
are counted.

All functions take ``now`` explicitly (a monotonic clock value) so that unit
tests can drive time by hand.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Callable


@dataclass
class LimitConfig:
    """Numbers for :class:`RateLimiter`; ``enabled=False`` turns every check off."""

    enabled: bool = True
    global_per_second: int = 30
    # Private chats: small burst, then about one message a second.
    private_burst: int = 3
    private_per_second: float = 1.0
    # Groups, supergroups and channels (negative ids or "@name").
    group_per_minute: int = 20

    def as_dict(self) -> dict:
        return asdict(self)

    def update(self, **values: object) -> None:
        for key, value in values.items():
            if not hasattr(self, key):
                raise KeyError(f"unknown limit setting {key!r}")
            setattr(self, key, type(getattr(self, key))(value))


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; one token per message."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = float(capacity)
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    @property
    def idle(self) -> bool:
        # A full bucket carries no information and can be forgotten.
        return self.tokens >= self.capacity


class SlidingWindow:
    """At most ``limit`` events within any ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = int(limit)
        self.window = float(window)
        self.events: deque[float] = deque()

    def _prune(self, now: float) -> None:
        edge = now - self.window
        while self.events and self.events[0] <= edge:
            self.events.popleft()

    def wait_time(self, now: float) -> float:
        self._prune(now)
        if len(self.events) < self.limit:
            return 0.0
        if self.limit <= 0:
            return math.inf
        # The oldest event that keeps the window full must leave it first.
        return self.events[len(self.events) - self.limit] + self.window - now

    def add(self, now: float) -> None:
        self.events.append(now)


def is_group_chat(chat_id: int | str | None) -> bool:
    """Telegram convention: private chats have positive ids, everything else negative."""
    if isinstance(chat_id, str):
        return True  # "@channelname"
    return chat_id is not None and chat_id < 0


class RateLimiter:
    """Global + per-chat limits of one bot.

    :meth:`acquire` is all-or-nothing: a refused request consumes nothing, so a
    client that waits the advertised ``retry_after`` really gets through.
    """

    def __init__(self, config: LimitConfig | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or LimitConfig()
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        c = self.config
        self._global = SlidingWindow(c.global_per_second, 1.0)
        self._private: dict[int, TokenBucket] = {}
        self._groups: dict[int | str, SlidingWindow] = {}

    def wait_time(self, chat_id: int | str | None, now: float | None = None) -> float:
        """Seconds the caller has to wait; 0.0 means the request would pass."""
        c = self.config
        if not c.enabled:
            return 0.0
        now = self.clock() if now is None else now
        # Limits may have been changed at run time: keep the windows in sync.
        self._global.limit = c.global_per_second
        waits = [self._global.wait_time(now)]
        if chat_id is not None:
            if is_group_chat(chat_id):
                window = self._groups.get(chat_id)
                if window is not None:
                    window.limit = c.group_per_minute
                    waits.append(window.wait_time(now))
                elif c.group_per_minute <= 0:
                    waits.append(math.inf)
            else:
                bucket = self._private.get(chat_id)  # type: ignore[arg-type]
                if bucket is not None:
                    bucket.capacity, bucket.rate = float(c.private_burst), float(c.private_per_second)
                    waits.append(bucket.wait_time(now))
                elif c.private_burst <= 0:
                    waits.append(math.inf)
        return max(waits)

    def acquire(self, chat_id: int | str | None, now: float | None = None) -> float:
        """Consume quota and return 0.0, or return the wait time and consume nothing."""
        c = self.config
        if not c.enabled:
            return 0.0
        now = self.clock() if now is None else now
        wait = self.wait_time(chat_id, now)
        if wait > 0:
            return wait
        self._global.add(now)
        if chat_id is not None:
            if is_group_chat(chat_id):
                self._groups.setdefault(chat_id, SlidingWindow(c.group_per_minute, 60.0)).add(now)
            else:
                bucket = self._private.get(chat_id)  # type: ignore[arg-type]
                if bucket is None:
                    bucket = TokenBucket(c.private_burst, c.private_per_second, now)
                    self._private[chat_id] = bucket  # type: ignore[index]
                bucket.take(now)
        if len(self._private) > 10_000:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        # Benchmarks touch many chats; keep memory flat.
        for key in [k for k, b in self._private.items() if b.wait_time(now) == 0 and b.idle]:
            del self._private[key]


def retry_after_seconds(wait: float) -> int:
    """Telegram always advertises a whole number of seconds, at least 1."""
    if math.isinf(wait):
        return 3600
    return max(1, math.ceil(wait))
