"""Audiences and broadcasts: the right people, each once, with progress, cancel and a report."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import audiences, broadcasts, outbox
from bot.services.delivery_errors import Blocked, Transient
from bot.services.errors import DomainError
from bot.services.ratelimit import Limits, RateLimiter
from bot.services.sender import Sender
from db.models import Membership, OutboxMessage, User
from tests.delivery.conftest import ScriptedTransport, populate

TEXT = {"type": "text", "text": "Семинар переносится на пятницу", "parse_mode": None}


async def test_audiences_pick_the_right_people(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        p = await populate(session, people=20)
        u = p.users
        u[2].is_reachable = False  # blocked the bot
        u[4].messenger_id = None  # imported in advance, never opened the bot
        (await session.scalar(select(Membership).where(Membership.user_id == u[6].id))).is_active = False
        u[8].forgotten_at = clock.now()
    net = p.network.id
    async with sessionmaker() as session:
        everyone = {r.user_id for r in await audiences.resolve(session, net, "everyone")}
        assert everyone == {user.id for user in u} - {u[2].id, u[4].id, u[6].id, u[8].id}
        mentors = {r.user_id for r in await audiences.resolve(session, net, {"kind": "mentors"})}
        assert mentors == {u[i].id for i in (0, 5, 10, 15)}
        coordinators = await audiences.resolve(session, net, "coordinators")
        assert [r.user_id for r in coordinators] == [u[0].id]
        shnor = {r.user_id for r in await audiences.resolve(
            session, net, {"kind": "school_status", "statuses": ["shnor"]})}
        assert shnor == {u[i].id for i in range(0, 20, 2)} - {u[2].id, u[4].id, u[6].id, u[8].id}
        leader_mentors = {r.user_id for r in await audiences.resolve(
            session, net, {"kind": "schools", "school_ids": [p.schools["leader"].id], "roles": ["mentor"]})}
        assert leader_mentors == {u[5].id, u[15].id}
        size = await audiences.size(session, net, "everyone")
        assert (size.reachable, size.unreachable) == (16, 2)  # inactive and forgotten aren't audience at all
        # each person once, telegram ids carried along
        rows = await audiences.resolve(session, net, "everyone")
        assert len(rows) == len({r.user_id for r in rows})
        assert all(r.messenger_id == next(x.messenger_id for x in u if x.id == r.user_id) for r in rows)
        with pytest.raises(DomainError):
            await audiences.resolve(session, net, {"kind": "schools", "school_ids": []})
        with pytest.raises(DomainError):
            await audiences.resolve(session, net, {"kind": "aliens"})


async def test_audience_extension_point(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        p = await populate(session, people=6)

    async def signups(session, network_id, spec):  # type: ignore[no-untyped-def]
        return select(User.id).where(User.id.in_([p.users[1].id, p.users[3].id]))

    audiences.register_audience("test_event", signups)
    async with sessionmaker() as session:
        got = await audiences.resolve(session, p.network.id, {"kind": "test_event", "event_id": 1})
    assert [r.user_id for r in got] == [p.users[1].id, p.users[3].id]


async def test_broadcast_lifecycle(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        p = await populate(session, people=30)
        p.users[7].is_reachable = False
        p.users[7].unreachable_reason = "Forbidden: bot was blocked by the user"
        author = p.users[0]
        broadcast, count = await broadcasts.create_broadcast(session, p.network, TEXT, "everyone", author, clock)
        bid = broadcast.id
    assert count == 29 and broadcast.total == 29 and broadcast.skipped == 1 and broadcast.status == "queued"
    async with sessionmaker() as session:
        keys = set((await session.scalars(select(OutboxMessage.dedupe_key)
                                          .where(OutboxMessage.broadcast_id == bid))).all())
    assert keys == {f"broadcast:{bid}:user:{user.id}" for user in p.users if user is not p.users[7]}

    u = p.users
    transport = ScriptedTransport(script={u[3].messenger_id: [Blocked("Forbidden: user is deactivated")],
                                          u[4].messenger_id: [Transient("Internal Server Error")]})
    sender = Sender(sessionmaker, transport, RateLimiter(Limits(global_per_sec=10_000)), clock, "w",
                    max_attempts=1, rng=random.Random(1))
    await sender.drain_once(limit=20)
    async with sessionmaker.begin() as session:
        progress = await broadcasts.broadcast_progress(session, bid, clock=clock)
        assert (progress.sent, progress.unreachable, progress.failed, progress.pending) == (18, 1, 1, 9)
        assert progress.eta_seconds is not None and progress.eta_seconds > 0
        assert progress.bar(10).count("▓") == 7
        await broadcasts.refresh_statuses(session, clock)
        cancelled = await broadcasts.cancel_broadcast(session, bid, clock)
    assert cancelled == 9
    async with sessionmaker.begin() as session:
        progress = await broadcasts.broadcast_progress(session, bid, clock=clock)
        assert progress.status == "cancelled" and progress.pending == 0 and progress.cancelled == 9
        assert progress.finished and progress.eta_seconds is None
        report = await broadcasts.unreached_report(session, bid)
    by_status: dict[str, set[int]] = {}
    for row in report:
        by_status.setdefault(row.status, set()).add(row.user_id)
    assert by_status["unreachable"] == {u[3].id}
    assert by_status["failed"] == {u[4].id}
    assert by_status["skipped"] == {u[7].id}
    assert len(by_status["cancelled"]) == 9
    skipped = next(row for row in report if row.status == "skipped")
    assert "blocked" in skipped.reason and skipped.school and skipped.full_name == u[7].full_name
    assert await sender.drain_once() == 0  # cancelled rows never go out


async def test_broadcast_finishes_and_history(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        p = await populate(session, people=5)
        first, _ = await broadcasts.create_broadcast(session, p.network, TEXT, "mentors", None, clock)
        clock.move(timedelta(minutes=1))
        second, n = await broadcasts.create_broadcast(
            session, p.network, {"type": "copy", "from_chat_id": 100_000, "message_id": 9}, "coordinators", None, clock)
        nobody, zero = await broadcasts.create_broadcast(
            session, p.network, TEXT, {"kind": "school_status", "statuses": ["curator"]}, None, clock)
    assert n == 1 and zero == 0 and nobody.status == "done"
    sender = Sender(sessionmaker, ScriptedTransport(), RateLimiter(Limits(global_per_sec=10_000)), clock, "w")
    await sender.drain()
    async with sessionmaker.begin() as session:
        finished = await broadcasts.refresh_statuses(session, clock)
        assert set(finished) == {first.id, second.id}
        page = await broadcasts.history(session, p.network.id, 0)
    assert [b.id for b in page.items] == [nobody.id, second.id, first.id]
    assert page.items[2].summary == TEXT["text"] and page.items[1].status == "done"


async def test_one_broadcast_is_enqueued_once(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        p = await populate(session, people=5)
        broadcast, n = await broadcasts.create_broadcast(session, p.network, TEXT, "everyone", None, clock)
        rows = [{"chat_id": 1, "user_id": user.id, "payload": TEXT, "kind": "broadcast",
                 "dedupe_key": broadcasts.dedupe_key(broadcast.id, user.id)} for user in p.users]
        assert await outbox.enqueue_many(session, rows, clock=clock) == 0
    assert n == 5


async def test_the_eta_counts_what_is_queued_ahead_at_the_limiter_pace(sessionmaker, clock) -> None:
    """Issue 10: an honest ETA — this broadcast's place in the sender's queue over the limiter's pace, steady
    while sending (it was 6 s, then 1 min 8 s for a 6 s send)."""
    async with sessionmaker.begin() as session:
        p = await populate(session, people=30)
        first, _ = await broadcasts.create_broadcast(session, p.network, TEXT, "everyone", None, clock)
        second, total = await broadcasts.create_broadcast(session, p.network, TEXT, "everyone", None, clock)
    async with sessionmaker() as session:
        ahead = await broadcasts.broadcast_progress(session, second.id, clock=clock, rate=10)
        own = await broadcasts.broadcast_progress(session, first.id, clock=clock, rate=10)
    assert ahead.ahead == 30 and not ahead.sending, "the first broadcast is in front of it"
    assert ahead.eta_seconds == pytest.approx(6.0) and own.eta_seconds == pytest.approx(3.0)
    assert own.sending and own.ahead == 0, "nothing in front: it is being sent, not waiting"
    sender = Sender(sessionmaker, ScriptedTransport(), RateLimiter(Limits(global_per_sec=10_000)), clock, "w")
    etas = []
    for _ in range(4):
        await sender.drain_once(limit=10)
        clock.move(timedelta(seconds=1))
        async with sessionmaker() as session:
            etas.append((await broadcasts.broadcast_progress(session, second.id, clock=clock, rate=10)).eta_seconds)
    assert etas == pytest.approx([5.0, 4.0, 3.0, 2.0]), "a steady count down, no jumps"
    assert total == 30
