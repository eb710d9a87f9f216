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


async def test_shutdown_lets_a_running_job_finish_and_stops_a_stuck_one_quietly(engine, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    """The bot closes its database right after the scheduler: a planner still running must finish first, or be
    stopped with its transaction rolled back — never left to fail against a closed engine with a traceback."""
    started: dict[str, asyncio.Event] = {"quick": asyncio.Event(), "stuck": asyncio.Event()}
    finished: list[str] = []

    async def quick(session, clock):  # type: ignore[no-untyped-def]
        started["quick"].set()
        await asyncio.sleep(0.3)
        await session.scalars(select(Network.slug))  # a read: SQLite lets one writer in at a time
        finished.append("quick")

    async def stuck(session, clock):  # type: ignore[no-untyped-def]
        await create_network(session, slug="stuck", name="Сеть", timezone="Europe/Moscow")
        started["stuck"].set()
        await asyncio.sleep(3600)
        finished.append("stuck")

    sessionmaker = make_sessionmaker(engine)
    scheduler = build_scheduler([Job("quick", quick, 3600), Job("stuck", stuck, 3600)], sessionmaker, clock)
    scheduler.start()
    for job in scheduler.get_jobs():
        job.modify(next_run_time=datetime.now(timezone.utc))
    await asyncio.wait_for(asyncio.gather(started["quick"].wait(), started["stuck"].wait()), 10)
    with caplog.at_level("INFO"):
        cancelled = await scheduler.stop(grace_sec=1.5)
    assert cancelled == 1
    assert finished == ["quick"]
    assert not scheduler.running_jobs
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info], caplog.text
    assert "job stuck stopped at shutdown" in caplog.text
    async with sessionmaker() as session:  # the stuck job's write rolled back with it
        assert (await session.scalars(select(Network.slug))).all() == []
