"""APScheduler only wakes the planners up; the database is the truth.

Every job is idempotent (outbox rows carry unique dedupe keys), so a job that runs late after a restart, or
on two instances at once, plans nothing twice. Features add their jobs to JOBS in scheduler/jobs.py.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.clock import Clock

log = logging.getLogger("scheduler")

JobFunc = Callable[[AsyncSession, Clock], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    every_seconds: int


def _runner(job: Job, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
            after: Callable[[], None] | None) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            async with sessionmaker.begin() as session:
                await job.func(session, clock)
        except Exception:  # noqa: BLE001 - one failing planner must not stop the others; it runs again soon
            log.exception("job %s failed", job.name)
            return
        if after is not None:
            after()  # e.g. wake the sender: the job may have queued messages due now

    return run


def build_scheduler(jobs: list[Job], sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
                    after: Callable[[], None] | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in jobs:
        scheduler.add_job(_runner(job, sessionmaker, clock, after), "interval", seconds=job.every_seconds,
                          id=job.name, max_instances=1, coalesce=True, misfire_grace_time=None,
                          next_run_time=None)
    return scheduler
