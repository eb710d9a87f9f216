"""The sender with a scripted transport: every error class ends where it should."""
from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import select

from bot.services import outbox
from bot.services.delivery_errors import Blocked, Rejected, RetryAfter, Transient
from bot.services.ratelimit import Limits, RateLimiter
from bot.services.sender import FileLeadership, Sender, SoloLeadership, leadership_for
from db.models import OutboxMessage, User
from tests.delivery.conftest import ScriptedTransport, populate

TEXT = {"type": "text", "text": "Напоминание"}
FAST = Limits(global_per_sec=10_000, chat_per_sec=10_000, chat_burst=100)


def make_sender(sessionmaker, transport, clock, **options) -> Sender:  # type: ignore[no-untyped-def]
    options.setdefault("rng", random.Random(7))
    return Sender(sessionmaker, transport, RateLimiter(options.pop("limits", FAST)), clock, "test-worker", **options)


async def rows(sessionmaker) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return {row.dedupe_key: row for row in (await session.scalars(select(OutboxMessage))).all()}


async def test_each_error_class_lands_in_its_status(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        population = await populate(session, people=5)
        for user in population.users:
            await outbox.enqueue(session, chat_id=user.messenger_id, user_id=user.id, payload=TEXT,
                                 kind="notification", dedupe_key=f"n:{user.id}", clock=clock)
    u = population.users
    transport = ScriptedTransport(script={
        u[1].messenger_id: [Blocked("Forbidden: bot was blocked by the user")],
        u[2].messenger_id: [Rejected("Bad Request: can't parse entities")],
        u[3].messenger_id: [Transient("Internal Server Error"), 555],
        u[4].messenger_id: [RetryAfter(3), 556],
    })
    sender = make_sender(sessionmaker, transport, clock)
    assert await sender.drain_once() == 5
    assert sender.limiter.paused_for > 2  # the 429 paused everyone
    by_key = await rows(sessionmaker)
    ok, blocked, bad, flaky, flood = (by_key[f"n:{user.id}"] for user in u)
    assert ok.status == "sent" and ok.telegram_message_id and ok.attempts == 1
    assert blocked.status == "unreachable" and "blocked" in blocked.last_error
    assert bad.status == "failed" and "parse entities" in bad.last_error and bad.attempts == 1
    assert flaky.status == "pending" and flaky.attempts == 1 and flaky.not_before > clock.now()
    assert flood.status == "pending" and flood.attempts == 0  # a 429 doesn't count as an attempt
    assert flood.not_before == clock.now() + timedelta(seconds=3)
    async with sessionmaker() as session:
        person = await session.get(User, u[1].id)
        assert person.is_reachable is False and person.unreachable_since == clock.now()

    clock.move(timedelta(seconds=10))  # backoff and the flood wait are over
    sender.limiter = RateLimiter(FAST)
    assert await sender.drain_once() == 2
    by_key = await rows(sessionmaker)
    assert by_key[f"n:{u[3].id}"].status == "sent" and by_key[f"n:{u[3].id}"].telegram_message_id == 555
    assert by_key[f"n:{u[3].id}"].attempts == 2
    assert by_key[f"n:{u[4].id}"].status == "sent" and by_key[f"n:{u[4].id}"].attempts == 1
    assert transport.sent_to(u[1].messenger_id) == 1  # the blocked one is not retried


async def test_transient_errors_give_up_after_max_attempts(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, chat_id=42, payload=TEXT, kind="notification", dedupe_key="t", clock=clock)
    transport = ScriptedTransport(script={42: [Transient("Bad Gateway")]})
    sender = make_sender(sessionmaker, transport, clock, max_attempts=4, backoff_base=1, backoff_cap=8)
    delays = []
    for attempt in range(1, 5):
        assert await sender.drain_once() == 1
        row = (await rows(sessionmaker))["t"]
        if attempt < 4:
            assert row.status == "pending" and row.attempts == attempt
            delay = (row.not_before - clock.now()).total_seconds()
            full = min(8, 2 ** (attempt - 1))
            assert full / 2 <= delay <= full
            delays.append(delay)
            assert await sender.drain_once() == 0  # not due before its backoff
            clock.move(timedelta(seconds=delay))
    assert row.status == "failed" and row.attempts == 4 and "Bad Gateway" in row.last_error
    assert delays == sorted(delays)


async def test_unexpected_transport_exceptions_are_retried_not_fatal(sessionmaker, clock) -> None:
    class Broken:
        async def send(self, chat_id, payload):  # type: ignore[no-untyped-def]
            raise KeyError("oops")

    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="b", clock=clock)
    sender = make_sender(sessionmaker, Broken(), clock)
    await sender.drain_once()
    row = (await rows(sessionmaker))["b"]
    assert row.status == "pending" and row.attempts == 1 and "KeyError" in row.last_error


async def test_expired_reminders_are_missed_not_sent(sessionmaker, clock) -> None:
    start = clock.now() + timedelta(hours=1)
    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="reminder", dedupe_key="r:1d", clock=clock,
                             not_before=start - timedelta(days=1), expires_at=start)
        await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="reminder", dedupe_key="r:old", clock=clock,
                             not_before=start - timedelta(days=3), expires_at=clock.now() - timedelta(days=1))
    transport = ScriptedTransport()
    await make_sender(sessionmaker, transport, clock).drain_once()
    by_key = await rows(sessionmaker)
    assert by_key["r:1d"].status == "sent"  # fell due while down, but the event hasn't started
    assert by_key["r:old"].status == "missed"
    assert len(transport.calls) == 1


async def test_cancelled_while_in_flight_still_records_sent(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        row = await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="broadcast", dedupe_key="c", clock=clock)
        claimed = await outbox.claim_batch(session, "w", 1, clock.now())
    async with sessionmaker.begin() as session:
        await outbox.mark_sent(session, row.id, now=clock.now(), message_id=5)
    assert (await rows(sessionmaker))["c"].status == "sent" and claimed


async def test_paid_bulk_marks_the_payload(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="broadcast", dedupe_key="p1", clock=clock)
        await outbox.enqueue(session, chat_id=2, payload=TEXT, kind="notification", dedupe_key="p2", clock=clock)
    transport = ScriptedTransport()
    await make_sender(sessionmaker, transport, clock, paid_bulk=True).drain_once()
    payloads = {chat: payload for chat, payload in transport.calls}
    assert payloads[1].get("allow_paid_broadcast") is True
    assert "allow_paid_broadcast" not in payloads[2]


async def test_run_loop_sends_everything_in_priority_order_and_stops_cleanly(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        await outbox.enqueue_many(session, [
            {"chat_id": 1000 + i, "payload": TEXT, "kind": "broadcast", "dedupe_key": f"bulk:{i}"} for i in range(60)
        ], clock=clock)
        await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="first", clock=clock)
    transport = ScriptedTransport()
    sender = make_sender(sessionmaker, transport, clock, limits=Limits(global_per_sec=400), batch=10)
    task = asyncio.create_task(sender.run())
    for _ in range(200):
        await asyncio.sleep(0.02)
        if sender.sent_total == 61:
            break
    async with sessionmaker.begin() as session:  # queued while running: woken at once by the commit hook
        outbox.add_waker(sender.wake)
        await outbox.enqueue(session, chat_id=2, payload=TEXT, kind="notification", dedupe_key="late", clock=clock)
    for _ in range(100):
        await asyncio.sleep(0.02)
        if sender.sent_total == 62:
            break
    outbox.remove_waker(sender.wake)
    sender.stop()
    await asyncio.wait_for(task, timeout=5)
    assert transport.calls[0][0] == 1  # the personal notification went first
    assert len(transport.calls) == 62
    counts = {row.status for row in (await rows(sessionmaker)).values()}
    assert counts == {"sent"}


async def test_stop_gives_unsent_claims_back(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        await outbox.enqueue_many(session, [
            {"chat_id": 1000 + i, "payload": TEXT, "kind": "broadcast", "dedupe_key": f"s:{i}"} for i in range(40)
        ], clock=clock)
    transport = ScriptedTransport()
    sender = make_sender(sessionmaker, transport, clock, limits=Limits(global_per_sec=20), batch=20)
    task = asyncio.create_task(sender.run())
    await asyncio.sleep(0.3)
    sender.stop()
    await asyncio.wait_for(task, timeout=5)
    statuses = [row.status for row in (await rows(sessionmaker)).values()]
    assert statuses.count("sent") == len(transport.calls)
    assert statuses.count("sending") == 0  # nothing left claimed
    assert statuses.count("pending") == 40 - len(transport.calls) > 0


async def test_leadership_file_lock_is_exclusive(tmp_path) -> None:
    first, second = FileLeadership(tmp_path / "db.lock"), FileLeadership(tmp_path / "db.lock")
    assert await first.acquire() and not await second.acquire()
    await first.release()
    assert await second.acquire()
    await second.release()
    assert isinstance(await _solo(), SoloLeadership)


async def _solo() -> SoloLeadership:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        return leadership_for(engine)  # type: ignore[return-value]
    finally:
        await engine.dispose()
