"""Event jobs the scheduler wakes: plan reminders of announced events, and close events that have ended
(held → the reflection form to those who came). Both are idempotent; the database is the truth."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.events import lifecycle, reminders

REMINDERS_EVERY = 300  # seconds; reminders are planned a day ahead, so any interval well under that works
FINISH_EVERY = 600


async def plan_reminders(session: AsyncSession, clock: Clock) -> int:
    return await reminders.plan_upcoming(session, clock)


async def finish_events(session: AsyncSession, clock: Clock) -> int:
    return await lifecycle.finish_ended(session, clock)
