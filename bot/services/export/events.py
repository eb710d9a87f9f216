"""Rows of the «Мероприятия» and «Посещаемость» sheets (the events feature has no export of its own).

Like the mentoring sheets, each is an async iterator of chunks: the header row alone, then data rows read a
chunk at a time (events by keyset; attendance as one streamed query), so memory stays flat.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.events.core import slots
from bot.services.events.times import format_slot
from bot.services.monitoring.periods import Period
from db.models import Attendance, Event, EventStatus, Membership, Network, School, Signup, SignupStatus, User

CHUNK = 2000
EVENT_COLUMNS = ("number", "section", "title", "kind", "is_task", "when_text", "dates", "starts", "ends", "place",
                 "link", "responsible", "expected_result", "indicator", "audience", "status", "done_at", "going",
                 "attended")
ATTENDANCE_COLUMNS = ("number", "event", "date", "name", "school", "signup", "present", "how", "at")
EVENT_DATES = {"starts", "ends"}  # date cells
EVENT_MOMENTS = {"done_at"}
ATTENDANCE_DATES = {"date"}
ATTENDANCE_MOMENTS = {"at"}


def event_headers(t: Translator) -> tuple[str, ...]:
    return tuple(t(f"monitoring.export.events.{c}") for c in EVENT_COLUMNS)


def attendance_headers(t: Translator) -> tuple[str, ...]:
    return tuple(t(f"monitoring.export.attendance.{c}") for c in ATTENDANCE_COLUMNS)


def _kind(kind: str, t: Translator) -> str:
    key = f"events.kinds.{kind}"
    return t(key) if t.has(key) else kind


def event_state(event: Event, now: datetime) -> str:
    """As the indicators read it: an announced event past its end has been held."""
    if event.status == EventStatus.CANCELLED.value:
        return "cancelled"
    if event.is_task:
        return "done" if event.done_at is not None else "open"
    if event.status == EventStatus.HELD.value or (
            event.status == EventStatus.ANNOUNCED.value and event.ends_at is not None and event.ends_at <= now):
        return "held"
    return event.status if event.status in ("planned", "announced") else "planned"


def _first_day(event: Event, p: Period) -> date | None:
    """The first local day; a deadline («до 27 марта») has no start — its end alone is its day."""
    if event.starts_at is None:
        return None
    return event.starts_at.astimezone(p.tz).date()


def _last_day(event: Event, p: Period) -> date | None:
    if event.ends_at is None:
        return None
    last = (event.ends_at - timedelta(seconds=1)).astimezone(p.tz).date()  # the end is exclusive
    first = _first_day(event, p)
    return max(last, first) if first is not None else last  # an instant event ends the day it starts


def _event_day(starts_at: datetime | None, ends_at: datetime | None, p: Period) -> date | None:
    """The day an event is listed under: its first day, or a deadline's day (its exclusive end minus a moment)."""
    if starts_at is not None:
        return starts_at.astimezone(p.tz).date()
    return (ends_at - timedelta(seconds=1)).astimezone(p.tz).date() if ends_at is not None else None


async def turnout(session: AsyncSession, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per event: people signed up «пойду», people marked present."""
    going = dict((await session.execute(select(Signup.event_id, func.count()).where(
        Signup.event_id.in_(ids), Signup.status == SignupStatus.GOING.value).group_by(Signup.event_id))).all())
    came = dict((await session.execute(select(Attendance.event_id, func.count()).where(
        Attendance.event_id.in_(ids)).group_by(Attendance.event_id))).all())
    return going, came


async def events_rows(session: AsyncSession, network: Network, p: Period, t: Translator, *,
                      chunk: int = CHUNK) -> AsyncIterator[list[tuple[Any, ...]]]:
    yield [event_headers(t)]
    yes, no = t("monitoring.export.yes"), t("monitoring.export.no")
    last = 0
    while True:
        events = list((await session.scalars(select(Event).where(Event.network_id == network.id, Event.id > last)
                                             .order_by(Event.id).limit(chunk))).all())
        if not events:
            return
        going, came = await turnout(session, [e.id for e in events])
        rows = []
        for e in events:
            dates = "; ".join(format_slot(s, p.tz, t) for s in slots(e))
            rows.append((e.number or "", e.section or "", e.title, _kind(e.kind, t), yes if e.is_task else no,
                         e.when_text or "", dates, _first_day(e, p), _last_day(e, p), e.place or "", e.link or "",
                         e.responsible or "", e.expected_result or "", e.indicator or "", e.audience_text or "",
                         t(f"monitoring.export.event_status.{event_state(e, p.now)}"), p.local(e.done_at),
                         int(going.get(e.id, 0)), int(came.get(e.id, 0))))
        yield rows
        last = events[-1].id


async def attendance_rows(session: AsyncSession, network: Network, p: Period, t: Translator, *,
                          chunk: int = CHUNK) -> AsyncIterator[list[tuple[Any, ...]]]:
    """One row per person signed up for or present at an event of the network."""
    yield [attendance_headers(t)]
    mine = select(Event.id).where(Event.network_id == network.id)
    pairs = union(select(Signup.event_id.label("event_id"), Signup.user_id.label("user_id"))
                  .where(Signup.event_id.in_(mine)),
                  select(Attendance.event_id, Attendance.user_id).where(Attendance.event_id.in_(mine))).subquery()
    stmt = (select(Event.number, Event.title, Event.starts_at, Event.ends_at, User.full_name,
                   func.coalesce(School.short_name, School.name), Signup.status, Attendance.how, Attendance.at)
            .select_from(pairs).join(Event, Event.id == pairs.c.event_id).join(User, User.id == pairs.c.user_id)
            .outerjoin(Signup, and_(Signup.event_id == pairs.c.event_id, Signup.user_id == pairs.c.user_id))
            .outerjoin(Attendance, and_(Attendance.event_id == pairs.c.event_id,
                                        Attendance.user_id == pairs.c.user_id))
            .outerjoin(Membership, and_(Membership.user_id == pairs.c.user_id, Membership.network_id == network.id))
            .outerjoin(School, School.id == Membership.school_id)
            .order_by(Event.starts_at, Event.ends_at, Event.id, User.name_key, User.id))
    signups = {s.value: t(f"monitoring.export.signup.{s.value}") for s in SignupStatus}
    no_signup = t("monitoring.export.signup.none")
    hows = {"coordinator": t("monitoring.export.how.coordinator"), "checkin": t("monitoring.export.how.checkin")}
    yes, no = t("monitoring.export.yes"), t("monitoring.export.no")
    result = await session.stream(stmt.execution_options(yield_per=chunk))
    async for partition in result.partitions(chunk):
        rows = []
        for number, title, starts_at, ends_at, name, school, signup, how, at in partition:
            rows.append((number or "", title, _event_day(starts_at, ends_at, p), name or "",
                         school or "", signups.get(signup, no_signup) if signup else no_signup,
                         yes if at is not None else no, hows.get(how, how or ""), p.local(at)))
        yield rows
