"""The limiter's promises, checked on the grant times it produces (short real timings, scaled-up rates).

Assertions are about counts in windows, which the limiter guarantees by construction; nothing asserts
how fast the machine is.
"""
from __future__ import annotations

import asyncio

from bot.services.ratelimit import Limits, RateLimiter


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = start = 0
    for end, stamp in enumerate(times):
        while stamp - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def grant_times(limiter: RateLimiter, chats: list[int | None], **kwargs) -> list[float]:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def one(chat: int | None) -> None:
        await limiter.acquire(chat, **kwargs)
        times.append(loop.time())

    await asyncio.gather(*(one(chat) for chat in chats))
    return times


async def test_global_rate_is_never_exceeded_in_any_window() -> None:
    rate = 200.0
    limiter = RateLimiter(Limits(global_per_sec=rate, chat_per_sec=1000, chat_burst=100))
    times = await grant_times(limiter, list(range(1, 121)))
    assert len(times) == 120
    for window in (0.05, 0.1, 0.25):
        assert max_in_window(times, window) <= rate * window + 2
    # and it keeps going at about the rate (loose: only guards against a stalled limiter)
    assert (max(times) - min(times)) >= (120 - 2) / rate * 0.9


async def test_private_chat_gets_a_small_burst_then_its_rate() -> None:
    limiter = RateLimiter(Limits(global_per_sec=10_000, chat_per_sec=20, chat_burst=3))
    times = sorted(await grant_times(limiter, [7] * 9))
    assert times[2] - times[0] < 0.04  # the burst
    # Then the chat's rate: over any window the bucket allows at most burst + rate × window.
    for window in (0.1, 0.2, 0.3):
        assert max_in_window(times, window) <= 3 + 20 * window
    assert times[-1] - times[0] >= (9 - 3) / 20 * 0.99


async def test_group_chats_use_a_sliding_window() -> None:
    limiter = RateLimiter(Limits(global_per_sec=10_000, group_per_min=5, group_window=0.3))
    times = await grant_times(limiter, [-100] * 12)
    assert max_in_window(times, 0.3) <= 5
    assert len(times) == 12


async def test_chats_do_not_block_each_other() -> None:
    limiter = RateLimiter(Limits(global_per_sec=10_000, chat_per_sec=2, chat_burst=1))
    loop = asyncio.get_running_loop()
    start = loop.time()
    slow = asyncio.ensure_future(grant_times(limiter, [1, 1, 1]))  # the third waits about a second
    await asyncio.sleep(0.01)
    fast = await grant_times(limiter, list(range(2, 30)))
    assert max(fast) - start < 0.5
    assert not slow.done()
    await slow


async def test_pause_holds_everyone() -> None:
    limiter = RateLimiter(Limits(global_per_sec=1000))
    loop = asyncio.get_running_loop()
    await limiter.acquire(1)
    limiter.pause(0.3)
    paused_at = loop.time()
    limiter.pause(0.1)  # a shorter pause doesn't shorten the first
    times = await grant_times(limiter, [2, 3, None])
    assert min(times) - paused_at >= 0.29
    assert limiter.stats.pauses == 1


async def test_pause_during_waits_reschedules_waiters() -> None:
    limiter = RateLimiter(Limits(global_per_sec=20))
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(grant_times(limiter, list(range(1, 11))))
    await asyncio.sleep(0.12)  # a few went out
    limiter.pause(0.4)
    paused_at = loop.time()
    times = await task
    during = [t for t in times if paused_at + 0.001 < t < paused_at + 0.39]
    assert during == []
    assert len(times) == 10


async def test_urgent_waiters_go_first() -> None:
    limiter = RateLimiter(Limits(global_per_sec=50))
    order: list[str] = []

    async def one(name: str, priority: int) -> None:
        await limiter.acquire(None, priority=priority)
        order.append(name)

    await limiter.acquire(None)  # the next grant is 20 ms away: everyone below queues
    tasks = [asyncio.ensure_future(one(f"bulk{i}", 20)) for i in range(5)]
    await asyncio.sleep(0)
    tasks.append(asyncio.ensure_future(one("reply", -10)))
    tasks.append(asyncio.ensure_future(one("reminder", 10)))
    await asyncio.gather(*tasks)
    assert order[:2] == ["reply", "reminder"]
    assert order[2:] == [f"bulk{i}" for i in range(5)]


async def test_cancelled_waiters_are_skipped() -> None:
    limiter = RateLimiter(Limits(global_per_sec=50))
    await limiter.acquire(None)
    doomed = asyncio.ensure_future(limiter.acquire(None))
    await asyncio.sleep(0)
    doomed.cancel()
    await asyncio.wait_for(limiter.acquire(None), timeout=1)


async def test_paid_budget_for_bulk_only() -> None:
    limiter = RateLimiter(Limits(global_per_sec=5, paid_per_sec=1000))
    loop = asyncio.get_running_loop()
    start = loop.time()
    await grant_times(limiter, list(range(1, 50)), bulk=True, priority=20)
    assert loop.time() - start < 0.5  # 49 bulk messages at the paid rate, not 10 s at the free one


async def test_granted_marker_is_per_task() -> None:
    assert RateLimiter.take_grant() is False
    with RateLimiter.granted():
        assert RateLimiter.take_grant() is True
        assert RateLimiter.take_grant() is False
    assert RateLimiter.take_grant() is False


async def test_idle_chats_are_forgotten() -> None:
    import bot.services.ratelimit as ratelimit

    limiter = RateLimiter(Limits(global_per_sec=100_000, chat_per_sec=1000, chat_burst=1))
    old = ratelimit.FORGET_AFTER
    ratelimit.FORGET_AFTER = 50
    try:
        for chat in range(1, 200):
            await limiter.acquire(chat)
            await asyncio.sleep(0.001)
        assert len(limiter._chats) <= 60
    finally:
        ratelimit.FORGET_AFTER = old
