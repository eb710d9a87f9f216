"""The outbox table and its SQL: idempotent enqueueing, priority claims, leases, results."""
from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import func, select

from bot.services import outbox
from db.models import OutboxMessage, User
from tests.delivery.conftest import populate

TEXT = {"type": "text", "text": "Привет"}


async def test_enqueue_is_idempotent_by_dedupe_key(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        first = await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="k:1",
                                     clock=clock)
        again = await outbox.enqueue(session, chat_id=1, payload={"type": "text", "text": "другое"},
                                     kind="notification", dedupe_key="k:1", clock=clock)
    assert first is not None and first.id and first.status == "pending" and first.priority == 0
    assert first.not_before == clock.now()
    assert again is None
    async with sessionmaker.begin() as session:  # and across transactions
        assert await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="k:1",
                                    clock=clock) is None
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_enqueue_many_counts_only_new_rows(sessionmaker, clock) -> None:
    rows = [{"chat_id": i, "payload": TEXT, "kind": "broadcast", "dedupe_key": f"b:{i}"} for i in range(2500)]
    async with sessionmaker.begin() as session:
        assert await outbox.enqueue_many(session, rows, clock=clock, chunk=1000) == 2500
    async with sessionmaker.begin() as session:
        assert await outbox.enqueue_many(session, rows[2490:] + [
            {"chat_id": 9, "payload": TEXT, "kind": "broadcast", "dedupe_key": "b:new"}], clock=clock) == 1
        counts = await outbox.status_counts(session)
    assert counts["pending"] == 2501


async def test_payload_is_checked(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        for bad in ({"type": "text", "text": ""}, {"type": "voice"}, {"type": "copy", "from_chat_id": 1}):
            try:
                await outbox.enqueue(session, chat_id=1, payload=bad, kind="notification", dedupe_key="x",
                                     clock=clock)
            except ValueError:
                continue
            raise AssertionError(f"accepted {bad}")


async def test_claim_takes_due_rows_in_priority_order(sessionmaker, clock) -> None:
    now = clock.now()
    async with sessionmaker.begin() as session:
        for key, kind, delay in [("bulk1", "broadcast", -30), ("rem", "reminder", -5), ("later", "notification", 60),
                                 ("personal", "notification", 0), ("bulk2", "broadcast", -60)]:
            await outbox.enqueue(session, chat_id=1, payload=TEXT, kind=kind, dedupe_key=key, clock=clock,
                                 not_before=now + timedelta(seconds=delay))
    async with sessionmaker.begin() as session:
        claimed = await outbox.claim_batch(session, "w1", 10, now)
    assert [row.dedupe_key for row in claimed] == ["personal", "rem", "bulk2", "bulk1"]
    assert all(row.status == "sending" and row.claimed_by == "w1" and row.claimed_at == now for row in claimed)
    async with sessionmaker.begin() as session:
        assert await outbox.claim_batch(session, "w2", 10, now) == []  # nothing claimed twice
        later = await outbox.claim_batch(session, "w2", 10, now + timedelta(minutes=2))
    assert [row.dedupe_key for row in later] == ["later"]


async def test_concurrent_claimers_never_share_a_row(sessionmaker, clock) -> None:
    rows = [{"chat_id": i, "payload": TEXT, "kind": "broadcast", "dedupe_key": f"c:{i}"} for i in range(300)]
    async with sessionmaker.begin() as session:
        await outbox.enqueue_many(session, rows, clock=clock)

    async def claimer(name: str) -> list[int]:
        got: list[int] = []
        while True:
            async with sessionmaker.begin() as session:
                batch = await outbox.claim_batch(session, name, 7, clock.now())
            if not batch:
                return got
            got.extend(row.id for row in batch)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(claimer(f"w{i}") for i in range(4)))
    every = [row_id for got in results for row_id in got]
    assert len(every) == 300 and len(set(every)) == 300


async def test_stale_leases_are_recovered_but_not_fresh_or_own(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        for i in range(3):
            await outbox.enqueue(session, chat_id=i, payload=TEXT, kind="notification", dedupe_key=f"s{i}", clock=clock)
    async with sessionmaker.begin() as session:
        dead = await outbox.claim_batch(session, "dead", 2, clock.now())
    clock.move(timedelta(seconds=90))
    async with sessionmaker.begin() as session:
        alive = await outbox.claim_batch(session, "alive", 5, clock.now())
    assert len(dead) == 2 and len(alive) == 1
    lease = timedelta(seconds=60)
    async with sessionmaker.begin() as session:
        assert await outbox.recover_stale(session, clock.now(), lease, exclude_worker="alive") == 2
        assert await outbox.recover_stale(session, clock.now(), lease) == 0  # alive's lease is fresh
    clock.move(timedelta(seconds=90))
    async with sessionmaker.begin() as session:
        assert await outbox.recover_stale(session, clock.now(), lease, exclude_worker="alive") == 0
        again = await outbox.claim_batch(session, "new", 5, clock.now())
    assert sorted(row.id for row in again) == sorted(row.id for row in dead)
    assert all(row.attempts == 0 for row in again)


async def test_results_and_backoff(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        population = await populate(session, people=2)
        user = population.users[0]
        row = await outbox.enqueue(session, chat_id=user.messenger_id, user_id=user.id, payload=TEXT,
                                   kind="notification", dedupe_key="r", clock=clock)
        other = await outbox.enqueue(session, chat_id=5, payload=TEXT, kind="notification", dedupe_key="r2",
                                     clock=clock)
    now = clock.now()
    async with sessionmaker.begin() as session:
        await outbox.claim_batch(session, "w", 5, now)
        await outbox.mark_retry(session, row.id, now=now, delay=30, reason="500", attempts=1)
        await outbox.mark_sent(session, other.id, now=now, message_id=77, attempts=1)
    async with sessionmaker() as session:
        fresh = await session.get(OutboxMessage, row.id)
        sent = await session.get(OutboxMessage, other.id)
        assert fresh.status == "pending" and fresh.attempts == 1 and fresh.not_before == now + timedelta(seconds=30)
        assert fresh.claimed_by is None and fresh.last_error == "500"
        assert sent.status == "sent" and sent.telegram_message_id == 77 and sent.sent_at == now
    async with sessionmaker.begin() as session:
        await outbox.mark_unreachable(session, row.id, now=now, reason="Forbidden: bot was blocked by the user",
                                      user_id=user.id)
    async with sessionmaker() as session:
        person = await session.get(User, user.id)
        assert person.is_reachable is False and person.unreachable_since == now
        assert "blocked" in person.unreachable_reason
        assert (await session.get(OutboxMessage, row.id)).status == "unreachable"
    async with sessionmaker.begin() as session:
        assert await outbox.mark_reachable(session, "telegram", user.messenger_id, clock=clock)
    async with sessionmaker() as session:
        person = await session.get(User, user.id)
        assert person.is_reachable is True and person.unreachable_since is None

    rng = random.Random(1)
    delays = [outbox.backoff_delay(n, base=2, cap=60, rng=rng) for n in range(1, 9)]
    for n, delay in enumerate(delays, start=1):
        full = min(60, 2 * 2 ** (n - 1))
        assert full / 2 <= delay <= full


async def test_cancel_broadcast_and_prefix(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        for i in range(4):
            await outbox.enqueue(session, chat_id=i, payload=TEXT, kind="reminder", clock=clock,
                                 dedupe_key=f"reminder:event:7:user:{i}:1d")
        await outbox.enqueue(session, chat_id=9, payload=TEXT, kind="reminder", clock=clock,
                             dedupe_key="reminder:event:70:user:1:1d")
        await outbox.enqueue(session, chat_id=9, payload=TEXT, kind="reminder", clock=clock,
                             dedupe_key="reminder:event_7:x")  # "_" must not act as a wildcard
    async with sessionmaker.begin() as session:
        assert await outbox.cancel_by_prefix(session, "reminder:event:7:", now=clock.now()) == 4
        counts = await outbox.status_counts(session)
    assert counts["cancelled"] == 4 and counts["pending"] == 2


async def test_waker_runs_after_commit_only(sessionmaker, clock) -> None:
    calls: list[int] = []
    waker = lambda: calls.append(1)  # noqa: E731
    outbox.add_waker(waker)
    try:
        async with sessionmaker() as session:
            await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="w1", clock=clock)
            await session.rollback()
        assert calls == []
        async with sessionmaker.begin() as session:
            await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="w2", clock=clock)
        assert calls == [1]
        async with sessionmaker.begin() as session:  # a commit without new rows stays quiet
            await outbox.enqueue(session, chat_id=1, payload=TEXT, kind="notification", dedupe_key="w2", clock=clock)
        assert calls == [1]
    finally:
        outbox.remove_waker(waker)
