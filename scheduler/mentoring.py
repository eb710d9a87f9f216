"""Mentoring planners the scheduler wakes hourly: quiet-link nudges and flags, ИППР due-date reminders.

Every message they plan has a dedupe key and is timed for 9:00–20:00 in the network's zone, so any
interval works and a late or doubled run plans nothing twice.
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.mentoring.reminders import plan_goal_reminders, plan_quiet_link_nudges

EVERY = 3600


async def quiet_links(session: AsyncSession, clock: Clock) -> None:
    await plan_quiet_link_nudges(session, clock)


async def plan_goals(session: AsyncSession, clock: Clock) -> None:
    await plan_goal_reminders(session, clock)
