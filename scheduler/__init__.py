"""APScheduler only wakes the planners up; the database is the truth.

Every job is idempotent (outbox rows carry unique dedupe keys), so a job that runs late after a restart, or
on two instances at once, plans nothing twice. Features add their jobs to JOBS in scheduler/jobs.py.
"""
from __future__ import annotations

import asyncio
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


class PlannerScheduler(AsyncIOScheduler):
    """APScheduler that knows which of its jobs are running, so a shutdown can let them finish (or stop them)
    before the database engine closes under them."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.running_jobs: set[asyncio.Task[None]] = set()

    async def stop(self, grace_sec: float) -> int:
        """Takes no new runs, waits up to `grace_sec` for the running ones, then cancels the rest (their
        transactions roll back whole; the next start plans again). Returns how many were cancelled.
        (APScheduler's own shutdown cancels running coroutines at once, hence the pause first.)"""
        if self.running:
            self.pause()
        pending: set[asyncio.Task[None]] = set(self.running_jobs)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=grace_sec)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self.running:
            self.shutdown(wait=False)
        return len(pending)


def _runner(job: Job, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
            after: Callable[[], None] | None, running: set[asyncio.Task[None]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)  # type: ignore[arg-type]
        try:
            async with sessionmaker.begin() as session:
                await job.func(session, clock)
        except asyncio.CancelledError:
            # Stopped at shutdown: the transaction rolled back and the job is idempotent, so this is no error
            # (APScheduler would log a traceback for it).
            log.info("job %s stopped at shutdown", job.name)
            return
        except Exception:  # noqa: BLE001 - one failing planner must not stop the others; it runs again soon
            log.exception("job %s failed", job.name)
            return
        finally:
            if task is not None:
                running.discard(task)  # type: ignore[arg-type]
        if after is not None:
            after()  # e.g. wake the sender: the job may have queued messages due now

    return run


def build_scheduler(jobs: list[Job], sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
                    after: Callable[[], None] | None = None) -> PlannerScheduler:
    scheduler = PlannerScheduler(timezone="UTC")
    for job in jobs:
        scheduler.add_job(_runner(job, sessionmaker, clock, after, scheduler.running_jobs), "interval",
                          seconds=job.every_seconds,
                          id=job.name, max_instances=1, coalesce=True, misfire_grace_time=None,
                          next_run_time=None)
    return scheduler
