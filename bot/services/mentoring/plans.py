"""Personal development plans (ИППР): goals with due dates and done flags, per link, seen by both sides and the
coordinator."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring.access import FORBIDDEN, link_for
from bot.services.mentoring.sessions import DATE_RE, ISO_RE
from bot.services.pagination import Page, paginate
from db.models import MentoringLink, PlanGoal

GOAL_LIMIT = 500
FURTHEST_DAYS = 730
MAX_GOALS = 50


def parse_due(text: str, today: date) -> date:
    """A deadline: «20.12», «20.12.2026», «2026-12-20». Without a year, the next such day. Not in the past."""
    raw = (text or "").strip()
    iso, match = ISO_RE.match(raw), DATE_RE.match(raw)
    try:
        if iso:
            value = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif match:
            day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
            if year is None:
                value = date(today.year, month, day)
                if value < today:
                    value = date(today.year + 1, month, day)
            else:
                value = date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        else:
            raise DomainError("mentoring.errors.bad_date")
    except ValueError:
        raise DomainError("mentoring.errors.bad_date") from None
    if value < today:
        raise DomainError("mentoring.errors.past_due")
    if value > today + timedelta(days=FURTHEST_DAYS):
        raise DomainError("mentoring.errors.far_due")
    return value


def clean_goal(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not 3 <= len(value) <= GOAL_LIMIT:
        raise DomainError("mentoring.errors.goal_length", limit=GOAL_LIMIT)
    return value


async def goals(session: AsyncSession, link_id: int, page: int, size: int = 6) -> Page[PlanGoal]:
    """Open goals first (nearest due date first), then the done ones."""
    stmt = (select(PlanGoal).where(PlanGoal.link_id == link_id)
            .order_by(PlanGoal.done, PlanGoal.due_on.is_(None), PlanGoal.due_on, PlanGoal.id))
    return await paginate(session, stmt, page, size)


async def add_goal(session: AsyncSession, *, link_id: int, user_id: int, text: str, due_on: date | None,
                   clock: Clock) -> PlanGoal:
    link, _ = await link_for(session, link_id, user_id)
    count = len((await session.scalars(select(PlanGoal.id).where(PlanGoal.link_id == link.id))).all())
    if count >= MAX_GOALS:
        raise DomainError("mentoring.errors.too_many_goals", limit=MAX_GOALS)
    goal = PlanGoal(link_id=link.id, text=clean_goal(text), due_on=due_on, done=False, created_by_id=user_id,
                    created_at=clock.now())
    session.add(goal)
    await session.flush()
    return goal


async def goal_for(session: AsyncSession, goal_id: int, user_id: int) -> tuple[PlanGoal, MentoringLink, str]:
    goal = await session.get(PlanGoal, goal_id)
    if goal is None:
        raise DomainError(FORBIDDEN)
    link, role = await link_for(session, goal.link_id, user_id)
    return goal, link, role


async def toggle_goal(session: AsyncSession, goal_id: int, *, user_id: int, clock: Clock) -> PlanGoal:
    goal, _, _ = await goal_for(session, goal_id, user_id)
    goal.done = not goal.done
    goal.done_at = clock.now() if goal.done else None
    await session.flush()
    return goal


async def delete_goal(session: AsyncSession, goal_id: int, *, user_id: int) -> int:
    """Mentors and coordinators remove goals; returns the link id."""
    goal, link, role = await goal_for(session, goal_id, user_id)
    if role not in ("mentor", "coordinator"):
        raise DomainError(FORBIDDEN)
    await session.delete(goal)
    await session.flush()
    return link.id
