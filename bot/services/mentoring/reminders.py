"""Planners the scheduler wakes up: quiet-link nudges and ИППР due-date reminders.

Both only enqueue outbox rows with dedupe keys, so running them every hour, twice, or from two instances
sends each message once. Messages are timed for daytime in the network's zone (9:00–20:00).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.clock import Clock
from bot.services.mentoring import notices
from bot.services.mentoring import vocabulary as vocab
from bot.services.networks import coordinators_of
from db.models import LinkMember, LinkStatus, MentoringLink, Network, PlanGoal, Side


@dataclass
class NudgeReport:
    nudges: int = 0  # mentors nudged
    flagged: int = 0  # links newly flagged to coordinators
    digests: int = 0  # coordinator messages


def quiet_since(link: MentoringLink) -> date:
    """The day the link last showed life: its latest session, else its start, else its creation."""
    return link.last_session_on or link.starts_on or link.created_at.date()


async def plan_quiet_link_nudges(session: AsyncSession, clock: Clock) -> NudgeReport:
    """An active link with no session for N weeks (network setting, default 3) nudges its mentors once per
    quiet spell; after the flag period (default 2N weeks) it is flagged to the coordinators in one digest."""
    report = NudgeReport()
    now = clock.now()
    for network in (await session.scalars(select(Network).order_by(Network.id))).all():
        weeks, flag_weeks = vocab.quiet_weeks(network), vocab.flag_weeks(network)
        today = vocab.local_today(network, now)
        nudge_before = today - timedelta(weeks=weeks)
        flag_before = today - timedelta(weeks=flag_weeks)
        at = vocab.polite_time(network, now)
        stmt = (select(MentoringLink).where(
            MentoringLink.network_id == network.id, MentoringLink.status == LinkStatus.ACTIVE.value,
            or_(MentoringLink.last_session_on <= nudge_before,
                MentoringLink.last_session_on.is_(None) & or_(MentoringLink.starts_on.is_(None),
                                                              MentoringLink.starts_on <= nudge_before)))
            .options(selectinload(MentoringLink.members).selectinload(LinkMember.user),
                     selectinload(MentoringLink.mentor_school), selectinload(MentoringLink.mentee_school))
            .order_by(MentoringLink.id))
        flagged: list[MentoringLink] = []
        for link in (await session.scalars(stmt)).all():
            since = quiet_since(link)
            if since > nudge_before:
                continue
            for mentor in link.people(Side.MENTOR):
                report.nudges += await notices.quiet_nudge(session, link, mentor, since, weeks, clock=clock,
                                                           not_before=at)
            if since <= flag_before and link.quiet_flagged_since != since:
                link.quiet_flagged_since = since
                flagged.append(link)
        if flagged:
            report.flagged += len(flagged)
            for coordinator in await coordinators_of(session, network.id):
                report.digests += await notices.quiet_digest(session, network, coordinator, flagged, flag_weeks,
                                                             clock=clock, not_before=at)
    await session.flush()
    return report


async def plan_goal_reminders(session: AsyncSession, clock: Clock) -> int:
    """On a goal's due date (or the day after, if the job was down) both sides of the link are reminded."""
    sent = 0
    now = clock.now()
    for network in (await session.scalars(select(Network).order_by(Network.id))).all():
        today = vocab.local_today(network, now)
        at = vocab.polite_time(network, now)
        stmt = (select(PlanGoal, MentoringLink).join(MentoringLink, MentoringLink.id == PlanGoal.link_id).where(
            PlanGoal.done.is_(False), PlanGoal.due_on.between(today - timedelta(days=1), today),
            MentoringLink.network_id == network.id, MentoringLink.status == LinkStatus.ACTIVE.value)
            .options(selectinload(MentoringLink.members).selectinload(LinkMember.user),
                     selectinload(MentoringLink.mentor_school), selectinload(MentoringLink.mentee_school)))
        for goal, link in (await session.execute(stmt)).all():
            for member in link.members:
                sent += await notices.goal_due(session, goal, link, member.user, clock=clock, not_before=at)
    return sent
