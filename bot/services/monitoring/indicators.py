"""Indicators against targets, for a network and for its schools — one computation behind `/stats`, the
chart and the export's «Показатели» sheet, so their numbers always agree.

Every number is one aggregate query (counts, sums of CASE, EXISTS), never a loop over rows in Python:
a network of 10,000 participants and 100,000 sessions is counted in the database.

What is counted (the school year runs 1 September – 31 May; «to date» means up to the clock's now):

participation   participants (active memberships with the participant role, not erased) who, this school
                year, came to an event that has taken place (marked present; or signed up, where attendance
                wasn't kept) or are in a link that isn't just proposed and wasn't closed before the year
shnor_covered   ШНОР schools in an active link (as the mentor or mentee school, or through a member)
active_links    links with the status «active»
sessions_month  sessions held from the 1st of this month (the network's time zone) to today
events_held     events (not measures) of this school year that should have ended by now, not cancelled:
                of them, held (ended, or announced and past their end)
attendance      at held events where attendance was kept: people marked present / people signed up or present
forms_answered  answers sent / people asked, for requests (not cancelled) with a deadline in this school year
measures_mid    the roadmap's measures due in this school year: done by 31 December (target ≥40%)
measures_end    the same, done by 31 May (target ≥90%)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.clock import Clock
from bot.services.counting import (ACTIVE, LINK_STATUSES, active_links_by_school, link_counts, link_schools,
                                   measure_counts)
from bot.services.errors import DomainError
from bot.services.forms import forms_answered, forms_answered_by_school
from bot.services.monitoring.periods import Period
from bot.services.monitoring.targets import ORDER, SHARES, targets_of
from bot.services.pagination import PAGE_SIZE, Page
from db.models import (Attendance, Event, EventStatus, LinkMember, LinkStatus, Membership, MentoringLink,
                       MentoringSession, Network, School, SchoolStatus, Signup, SignupStatus, User)

PROPOSED = LinkStatus.PROPOSED.value
CANCELLED = EventStatus.CANCELLED.value
SCHOOL_KEYS = ("participation", "shnor_covered", "active_links", "sessions_month", "attendance", "forms_answered")


@dataclass(frozen=True)
class Indicator:
    key: str
    value: int  # a count, or the numerator of a share
    total: int | None = None  # the denominator of a share; None for counts
    target: int | None = None  # a percent for shares, a number for counts
    deadline: date | None = None  # the checkpoint the target is due at (measures)
    derived: bool = False  # the target follows from other numbers (sessions: one per active link)
    status: str = "none"  # ok · behind · pending (below target, checkpoint ahead) · none (no target or no data)

    @property
    def is_share(self) -> bool:
        return self.key in SHARES

    @property
    def percent(self) -> int | None:
        if not self.is_share:
            return None
        return round(100 * self.value / self.total) if self.total else None

    @property
    def shown(self) -> int | None:
        """The number the card, the chart and the sheet show: the percent of a share, else the count."""
        return self.percent if self.is_share else self.value


def judged(indicator: Indicator, today: date) -> Indicator:
    shown = indicator.shown
    if indicator.target is None or shown is None:
        return replace(indicator, status="none")
    if shown >= indicator.target:
        return replace(indicator, status="ok")
    if indicator.deadline is not None and today <= indicator.deadline:
        return replace(indicator, status="pending")
    return replace(indicator, status="behind")


@dataclass(frozen=True)
class Card:
    """Indicators as of one moment, for the network (school is None) or for one school."""

    network_id: int
    network_name: str
    period: Period
    indicators: list[Indicator]
    school_id: int | None = None
    school_name: str | None = None
    school_status: str | None = None
    extras: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators if i.key == key), None)

    @property
    def behind(self) -> int:
        return sum(1 for i in self.indicators if i.status == "behind")


# --- shared SQL pieces ------------------------------------------------------------------------------

def _events_to_date(e: Any, network_id: int, p: Period) -> list[Any]:
    """Events (not measures) of this school year that should have ended by now, not cancelled."""
    return [e.network_id == network_id, e.is_task.is_(False), e.status != CANCELLED, e.ends_at.is_not(None),
            e.ends_at >= p.year_start_at, e.ends_at <= p.now]


def _held(e: Any, p: Period) -> Any:
    return or_(e.status == EventStatus.HELD.value,
               and_(e.status == EventStatus.ANNOUNCED.value, e.ends_at <= p.now))


def _kept(e: Any) -> Any:
    """Attendance was kept at the event: someone was marked present."""
    a = aliased(Attendance)
    return select(literal(1)).select_from(a).where(a.event_id == e.id).exists()


def _held_kept_events(network_id: int, p: Period) -> Select[Any]:
    e = aliased(Event)
    return select(e.id).where(*_events_to_date(e, network_id, p), _held(e, p), _kept(e))


def _took_part(network_id: int, p: Period) -> Any:
    """Who took part this school year: present at an event that has taken place (or signed up for one where
    attendance wasn't kept), or in a link that isn't just proposed and wasn't closed before the year.

    One uncorrelated set of user ids, so the database builds it once instead of probing per participant."""
    e1 = aliased(Event)
    attended = select(Attendance.user_id).where(Attendance.event_id.in_(
        select(e1.id).where(*_events_to_date(e1, network_id, p), _held(e1, p))))
    e2 = aliased(Event)
    going = select(Signup.user_id).where(Signup.status == SignupStatus.GOING.value, Signup.event_id.in_(
        select(e2.id).where(*_events_to_date(e2, network_id, p), _held(e2, p), ~_kept(e2))))
    link = aliased(MentoringLink)
    in_link = select(LinkMember.user_id).where(LinkMember.link_id.in_(
        select(link.id).where(link.network_id == network_id, link.status != PROPOSED,
                              or_(link.closed_at.is_(None), link.closed_at >= p.year_start_at))))
    return union(attended, going, in_link)


def _participants(m: Any, network_id: int) -> list[Any]:
    return [m.network_id == network_id, m.is_active.is_(True), m.is_participant.is_(True), User.forgotten_at.is_(None)]


def _covered_schools(network_id: int) -> Any:
    """Schools in an active link: as its mentor or mentee school, or through one of its people."""
    pairs = link_schools(network_id, [ACTIVE])
    return select(pairs.c.school_id)


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _int(value: Any) -> int:
    return int(value or 0)


# --- the network -----------------------------------------------------------------------------------

async def network_card(session: AsyncSession, network: Network, clock: Clock) -> Card:
    """Every indicator of the network as of now, judged against its targets."""
    p = Period.of(network, clock.now())
    nid = network.id
    m = Membership
    participants, took = (await session.execute(
        select(func.count(), _sum(m.user_id.in_(_took_part(nid, p)))).select_from(m)
        .join(User, User.id == m.user_id).where(*_participants(m, nid)))).one()
    shnor, covered = (await session.execute(
        select(func.count(), _sum(School.id.in_(_covered_schools(nid)))).select_from(School)
        .where(School.network_id == nid, School.status == SchoolStatus.SHNOR.value))).one()
    active_links = (await link_counts(session, nid)).active
    sessions = await session.scalar(select(func.count()).select_from(MentoringSession).where(
        MentoringSession.network_id == nid, MentoringSession.held_on >= p.month_start,
        MentoringSession.held_on <= p.today))
    e = Event
    planned, held = (await session.execute(
        select(func.count(), _sum(_held(e, p))).select_from(e).where(*_events_to_date(e, nid, p)))).one()
    kept = _held_kept_events(nid, p)
    present = await session.scalar(select(func.count()).select_from(Attendance)
                                   .where(Attendance.event_id.in_(kept)))
    expected = await session.scalar(select(func.count()).select_from(union(
        select(Signup.event_id, Signup.user_id).where(Signup.event_id.in_(kept),
                                                      Signup.status == SignupStatus.GOING.value),
        select(Attendance.event_id, Attendance.user_id).where(Attendance.event_id.in_(kept))).subquery()))
    forms = await forms_answered(session, nid, since=p.year_start_at)
    measures = await measure_counts(session, nid, p)
    targets = targets_of(network)
    values: dict[str, tuple[int, int | None]] = {
        "participation": (_int(took), _int(participants)),
        "shnor_covered": (_int(covered), _int(shnor)),
        "active_links": (_int(active_links), None),
        "sessions_month": (_int(sessions), None),
        "events_held": (_int(held), _int(planned)),
        "attendance": (_int(present), _int(expected)),
        "forms_answered": (forms.submitted, forms.total),
        "measures_mid": (measures.done_mid, measures.year),
        "measures_end": (measures.done_end, measures.year),
    }
    indicators = [_indicator(key, *values[key], targets, p, active_links=_int(active_links)) for key in ORDER]
    links = await link_counts(session, nid)
    extras = {**measures.extras(), "forms_late": forms.late,
              **{f"links_{status}": links.get(status) for status in LINK_STATUSES}, "links_total": links.total}
    return Card(network_id=nid, network_name=network.name, period=p, indicators=indicators, extras=extras)


def _indicator(key: str, value: int, total: int | None, targets: dict[str, int | None], p: Period, *,
               active_links: int, school: bool = False) -> Indicator:
    target, derived = targets.get(key), False
    if key == "sessions_month" and target is None:
        target, derived = (active_links or None), True  # one meeting a month per active link
    if school and key == "active_links":
        target = None  # a network's number; a school has none of its own
    if school and key == "sessions_month" and not derived:
        target, derived = (active_links or None), True
    deadline = {"measures_mid": p.mid, "measures_end": p.year_end}.get(key)
    return judged(Indicator(key=key, value=value, total=total, target=target, deadline=deadline,
                            derived=derived), p.today)


# --- schools ---------------------------------------------------------------------------------------

async def school_cards(session: AsyncSession, network: Network, clock: Clock, *,
                       school_ids: list[int] | None = None) -> dict[int, Card]:
    """The school-level indicators (participation, ШНОР covered, links, sessions, attendance, forms) of
    every school of the network, or of `school_ids` — a handful of grouped queries for all of them."""
    p = Period.of(network, clock.now())
    nid = network.id
    stmt = select(School).where(School.network_id == nid).order_by(School.name, School.id)
    if school_ids is not None:
        stmt = stmt.where(School.id.in_(school_ids))
    schools = list((await session.scalars(stmt)).all())
    if not schools:
        return {}
    ids = [s.id for s in schools]
    m = Membership
    participation = {sid: (_int(took), _int(total)) for sid, total, took in (await session.execute(
        select(m.school_id, func.count(), _sum(m.user_id.in_(_took_part(nid, p)))).select_from(m)
        .join(User, User.id == m.user_id).where(*_participants(m, nid), m.school_id.in_(ids))
        .group_by(m.school_id))).all()}
    covered = dict((await session.execute(
        select(School.id, case((School.id.in_(_covered_schools(nid)), 1), else_=0)).where(
            School.id.in_(ids), School.status == SchoolStatus.SHNOR.value))).all())
    links = await active_links_by_school(session, nid, ids)
    pairs = link_schools(nid)
    sessions = dict((await session.execute(
        select(pairs.c.school_id, func.count()).select_from(pairs)
        .join(MentoringSession, MentoringSession.link_id == pairs.c.link_id)
        .where(pairs.c.school_id.in_(ids), MentoringSession.held_on >= p.month_start,
               MentoringSession.held_on <= p.today).group_by(pairs.c.school_id))).all())
    kept = _held_kept_events(nid, p)
    present = dict((await session.execute(
        select(m.school_id, func.count()).select_from(Attendance)
        .join(m, and_(m.user_id == Attendance.user_id, m.network_id == nid))
        .where(Attendance.event_id.in_(kept), m.school_id.in_(ids)).group_by(m.school_id))).all())
    people = union(select(Signup.event_id, Signup.user_id).where(Signup.event_id.in_(kept),
                                                                 Signup.status == SignupStatus.GOING.value),
                   select(Attendance.event_id, Attendance.user_id).where(Attendance.event_id.in_(kept))).subquery()
    expected = dict((await session.execute(
        select(m.school_id, func.count()).select_from(people)
        .join(m, and_(m.user_id == people.c.user_id, m.network_id == nid))
        .where(m.school_id.in_(ids)).group_by(m.school_id))).all())
    forms = await forms_answered_by_school(session, nid, since=p.year_start_at)
    targets = targets_of(network)
    cards: dict[int, Card] = {}
    for school in schools:
        sid = school.id
        took, total = participation.get(sid, (0, 0))
        n_links = _int(links.get(sid))
        counts = forms.get(sid)
        values: dict[str, tuple[int, int | None]] = {
            "participation": (took, total),
            "active_links": (n_links, None),
            "sessions_month": (_int(sessions.get(sid)), None),
            "attendance": (_int(present.get(sid)), _int(expected.get(sid))),
            "forms_answered": ((counts.submitted, counts.total) if counts else (0, 0)),
        }
        if school.status == SchoolStatus.SHNOR.value:
            values["shnor_covered"] = (_int(covered.get(sid)), 1)
        indicators = [_indicator(key, *values[key], targets, p, active_links=n_links, school=True)
                      for key in SCHOOL_KEYS if key in values]
        cards[sid] = Card(network_id=nid, network_name=network.name, period=p, indicators=indicators,
                          school_id=sid, school_name=school.display_name, school_status=school.status)
    return cards


async def school_card(session: AsyncSession, network: Network, school_id: int, clock: Clock) -> Card:
    """One school's indicators; a school of another network is refused."""
    cards = await school_cards(session, network, clock, school_ids=[school_id])
    if school_id not in cards:
        raise DomainError("monitoring.school_not_found")
    return cards[school_id]


async def school_page(session: AsyncSession, network: Network, clock: Clock, page: int,
                      size: int = PAGE_SIZE) -> Page[Card]:
    """Schools for the drill-down, ШНОР first, then by name — each with its indicators."""
    where = School.network_id == network.id
    total = _int(await session.scalar(select(func.count()).select_from(School).where(where)))
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    ids = list((await session.scalars(
        select(School.id).where(where)
        .order_by(case((School.status == SchoolStatus.SHNOR.value, 0), else_=1), School.name, School.id)
        .limit(size).offset(page * size))).all())
    cards = await school_cards(session, network, clock, school_ids=ids)
    return Page(items=[cards[i] for i in ids if i in cards], page=page, pages=pages, total=total)
