"""The scheduler only wakes planners: each runs in its own transaction, and a failing one harms no other."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import select

from bot.services.networks import create_network
from db.models import Network
from db.session import make_sessionmaker
from scheduler import Job, build_scheduler


async def test_jobs_run_commit_and_survive_a_failing_neighbour(engine, clock) -> None:  # type: ignore[no-untyped-def]
    woken: list[str] = []

    async def plans(session, clock):  # type: ignore[no-untyped-def]
        await create_network(session, slug=f"n{len(woken)}", name="Сеть", timezone="Europe/Moscow")

    async def breaks(session, clock):  # type: ignore[no-untyped-def]
        raise RuntimeError("planner bug")

    sessionmaker = make_sessionmaker(engine)
    scheduler = build_scheduler([Job("breaks", breaks, 3600), Job("plans", plans, 3600)], sessionmaker, clock,
                                after=lambda: woken.append("sender"))
    scheduler.start()
    try:
        for job in scheduler.get_jobs():
            job.modify(next_run_time=datetime.now(timezone.utc))
        for _ in range(100):
            if woken:
                break
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
    assert woken == ["sender"], "only the successful job wakes the sender"
    async with sessionmaker() as session:
        assert (await session.scalars(select(Network.slug))).all() == ["n0"]
