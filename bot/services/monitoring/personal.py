"""A mentor's or participant's own small summary: their links, sessions, events, forms and plan goals."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.counting import ACTIVE
from bot.services.forms import personal_summary as forms_summary
from bot.services.monitoring.indicators import _events_to_date, _held, _int, _sum
from bot.services.monitoring.periods import Period
from db.models import (Attendance, Event, EventStatus, LinkMember, LinkStatus, MentoringLink, MentoringSession,
                       Network, PlanGoal, Side, Signup, SignupStatus)



@dataclass(frozen=True)
class Personal:
    period: Period
    links_as_mentor: int  # active pairs and groups (counting.ACTIVE), as on every other screen
    links_as_mentee: int
    sessions_year: int  # in the person's links, this school year
    sessions_month: int
    logged_by_me: int  # this school year, as the mentor who logged them
    to_confirm: int  # sessions in the person's links as a mentee, not confirmed yet
    events_attended: int  # this school year
    events_going: int  # upcoming, signed up
    forms_pending: int
    forms_overdue: int
    forms_submitted: int
    goals_done: int  # plan (ИППР) goals of the person's open links
    goals_total: int
    goals_overdue: int

    @property
    def goals_percent(self) -> int | None:
        return round(100 * self.goals_done / self.goals_total) if self.goals_total else None


async def personal_summary(session: AsyncSession, user_id: int, network: Network, clock: Clock) -> Personal:
    p = Period.of(network, clock.now())
    nid = network.id
    mine = (select(LinkMember.link_id).join(MentoringLink, MentoringLink.id == LinkMember.link_id)
            .where(LinkMember.user_id == user_id, MentoringLink.network_id == nid))
    as_mentee = mine.where(LinkMember.side == Side.MENTEE.value)
    as_mentor, as_mentee_n = (await session.execute(
        select(_sum(LinkMember.side == Side.MENTOR.value), _sum(LinkMember.side == Side.MENTEE.value))
        .select_from(LinkMember).join(MentoringLink, MentoringLink.id == LinkMember.link_id)
        .where(LinkMember.user_id == user_id, MentoringLink.network_id == nid, MentoringLink.status == ACTIVE))).one()
    s = MentoringSession
    in_year = and_(s.held_on >= p.year_start, s.held_on <= p.today)
    year, month, logged, to_confirm = (await session.execute(select(
        _sum(in_year), _sum(and_(s.held_on >= p.month_start, s.held_on <= p.today)),
        _sum(and_(in_year, s.author_id == user_id)),
        _sum(and_(s.link_id.in_(as_mentee), s.confirmed_at.is_(None),
                  or_(s.author_id.is_(None), s.author_id != user_id))))
        .where(s.network_id == nid, s.link_id.in_(mine)))).one()
    attended = await session.scalar(
        select(func.count()).select_from(Attendance).join(Event, Event.id == Attendance.event_id)
        .where(Attendance.user_id == user_id, *_events_to_date(Event, nid, p), _held(Event, p)))
    going = await session.scalar(
        select(func.count()).select_from(Signup).join(Event, Event.id == Signup.event_id)
        .where(Signup.user_id == user_id, Signup.status == SignupStatus.GOING.value, Event.network_id == nid,
               Event.status != EventStatus.CANCELLED.value, Event.ends_at > p.now))
    forms = await forms_summary(session, user_id, nid, clock)
    g = PlanGoal
    done, total, overdue = (await session.execute(select(
        _sum(g.done.is_(True)), func.count(), _sum(and_(g.done.is_(False), g.due_on < p.today)))
        .select_from(g).join(MentoringLink, MentoringLink.id == g.link_id)
        .where(g.link_id.in_(mine), MentoringLink.status != LinkStatus.PROPOSED.value))).one()
    return Personal(period=p, links_as_mentor=_int(as_mentor), links_as_mentee=_int(as_mentee_n),
                    sessions_year=_int(year), sessions_month=_int(month), logged_by_me=_int(logged),
                    to_confirm=_int(to_confirm), events_attended=_int(attended), events_going=_int(going),
                    forms_pending=forms.pending, forms_overdue=forms.overdue, forms_submitted=forms.submitted,
                    goals_done=_int(done), goals_total=_int(total), goals_overdue=_int(overdue))
