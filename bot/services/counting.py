"""One definition per number: how pairs and groups and the roadmap's measures are counted, for every screen
that shows them (/stats and its chart, the mentoring home, a school's page, the roadmap panel, the personal
summary, the workbook, the «Аналитическая справка»). The words for each definition are in the locale files
(`monitoring.definitions.*`), shown by «ℹ️ Как считаем» and under the workbook's «Показатели».

Pairs and groups (mentoring links):
    active      the status «активна» — the only count called «активные» anywhere;
    by status   proposed / active / paused / completed (+ closed), which add up to `total`, the rows of the
                workbook's «Пары и группы»;
    a school's  links whose mentor or mentee school it is, or one of whose people belongs to it.

Roadmap measures (rows that are tasks, not events to announce; cancelled ones never count):
    all         every measure of the network's roadmap;
    this year   those due in the current school year (deadline 1 September – 31 August);
    undated     no deadline yet (the coordinator fixes it in «Дорожная карта»);
    other years the rest: due in an earlier or a later school year.
    Done by 31 December / by 31 May are shares of «this year».
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Event, EventStatus, LinkMember, LinkStatus, Membership, MentoringLink

ACTIVE = LinkStatus.ACTIVE.value
LINK_STATUSES = tuple(s.value for s in LinkStatus)


def count_if(condition: Any) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 when there are no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- pairs and groups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkCounts:
    by_status: dict[str, int]

    @property
    def active(self) -> int:
        return self.by_status.get(ACTIVE, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def get(self, status: str) -> int:
        return self.by_status.get(status, 0)


async def link_counts(session: AsyncSession, network_id: int) -> LinkCounts:
    rows = (await session.execute(select(MentoringLink.status, func.count()).where(
        MentoringLink.network_id == network_id).group_by(MentoringLink.status))).all()
    return LinkCounts({status: int(count) for status, count in rows})


def member_school(network_id: int) -> Any:
    """The school of a link member in this network (one lookup by the unique (user, network) index)."""
    m = aliased(Membership)
    return (select(m.school_id).where(m.user_id == LinkMember.user_id, m.network_id == network_id)
            .scalar_subquery())


def link_ids(network_id: int, statuses: Iterable[str] | None = None) -> Any:
    link = aliased(MentoringLink)
    stmt = select(link.id).where(link.network_id == network_id)
    return stmt.where(link.status.in_(list(statuses))) if statuses is not None else stmt


def link_schools(network_id: int, statuses: Iterable[str] | None = None) -> Any:
    """(link_id, school_id) pairs: the link's mentor and mentee schools and the schools of its people."""
    link = MentoringLink
    where = [link.network_id == network_id]
    if statuses is not None:
        where.append(link.status.in_(list(statuses)))
    return union(
        select(link.id.label("link_id"), link.mentor_school_id.label("school_id")).where(*where),
        select(link.id, link.mentee_school_id).where(*where),
        select(LinkMember.link_id, member_school(network_id))
        .where(LinkMember.link_id.in_(link_ids(network_id, statuses))),
    ).subquery()


async def active_links_by_school(session: AsyncSession, network_id: int,
                                 school_ids: list[int] | None = None) -> dict[int, int]:
    """Active pairs and groups of each school, as a school's card counts them."""
    pairs = link_schools(network_id, [ACTIVE])
    stmt = select(pairs.c.school_id, func.count()).where(pairs.c.school_id.is_not(None)).group_by(pairs.c.school_id)
    if school_ids is not None:
        stmt = stmt.where(pairs.c.school_id.in_(school_ids))
    return {int(sid): int(n) for sid, n in (await session.execute(stmt)).all()}


# --- roadmap measures --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeasureCounts:
    all: int  # every measure, not cancelled
    year: int  # due in this school year
    done_mid: int  # of `year`, done by the mid-year checkpoint (or by now, if that is earlier)
    done_end: int  # of `year`, done by the year-end checkpoint (or by now)
    due: int  # of `year`, whose deadline has passed
    due_done: int
    undated: int
    done_all: int  # of `all`, ticked done

    @property
    def other_years(self) -> int:
        return self.all - self.year - self.undated

    def extras(self) -> dict[str, int]:
        """The names the card's extras and `texts.measures_line` use."""
        return {"measures_due": self.due, "measures_due_done": self.due_done, "measures_undated": self.undated,
                "measures_all": self.all, "measures_year": self.year, "measures_year_done": self.done_end,
                "measures_other_years": self.other_years}


def _measures(network_id: int) -> list[Any]:
    """Which rows are the roadmap's measures: tasks, not cancelled."""
    return [Event.network_id == network_id, Event.is_task.is_(True), Event.status != EventStatus.CANCELLED.value]


async def measure_totals(session: AsyncSession, network_id: int) -> tuple[int, int]:
    """(done, all) over the whole roadmap — the roadmap panel's «% мер реализовано»."""
    total, done = (await session.execute(select(func.count(), func.count(Event.done_at))
                                         .where(*_measures(network_id)))).one()
    return int(done or 0), int(total or 0)


async def measure_counts(session: AsyncSession, network_id: int, period: Any) -> MeasureCounts:
    """`period` is a monitoring Period (the school year and now, in the network's zone)."""
    t = Event
    p = period
    in_year = and_(t.ends_at >= p.year_start_at, t.ends_at < p.next_year_at)

    def done_by(limit: Any) -> Any:
        return and_(in_year, t.done_at.is_not(None), t.done_at <= limit)

    row = (await session.execute(select(
        func.count(), count_if(in_year), count_if(done_by(min(p.now, p.mid_at))), count_if(done_by(min(p.now, p.end_at))),
        count_if(and_(in_year, t.ends_at <= p.now)),
        count_if(and_(in_year, t.ends_at <= p.now, t.done_at.is_not(None), t.done_at <= p.now)),
        count_if(t.ends_at.is_(None)), count_if(t.done_at.is_not(None)))
        .where(*_measures(network_id)))).one()
    total, year, done_mid, done_end, due, due_done, undated, done_all = (int(v or 0) for v in row)
    return MeasureCounts(all=total, year=year, done_mid=done_mid, done_end=done_end, due=due, due_done=due_done,
                         undated=undated, done_all=done_all)


__all__ = ["ACTIVE", "count_if", "LINK_STATUSES", "LinkCounts", "MeasureCounts", "active_links_by_school", "link_counts",
           "link_ids", "link_schools", "measure_counts", "measure_totals", "member_school"]
