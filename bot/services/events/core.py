"""Events and measures: create, find, list, edit, move, cancel, tick as done.

Who may do what is the edge's business (it re-checks the viewer on every update); these functions take
the network or event the edge has already checked, and raise DomainError for what the user should hear.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences
from bot.services.clock import Clock
from bot.services.counting import measure_totals
from bot.services.errors import DomainError
from bot.services.pagination import PAGE_SIZE, Page, paginate
from bot.services.roadmap import ALL_KINDS, EVENT_KINDS, TASK_KINDS
from bot.services.events.times import Slot
from db.models.core import Membership, Network, User, search_key
from db.models.events import Event, EventPeriod, EventStatus, Signup, SignupStatus

TITLE_LIMIT = 500
PLACE_LIMIT = 500
LINK_LIMIT = 1000
BASIC_AUDIENCES = ("everyone", "participants", "mentors", "coordinators")
ANNOUNCEABLE_KINDS = (*EVENT_KINDS, "other")  # «other» is the coordinator's call
# What members see once it was announced: a cancelled event too (its card says so; sign-up is closed).
SEEN = (EventStatus.ANNOUNCED.value, EventStatus.HELD.value, EventStatus.CANCELLED.value)


def title_key(title: str) -> str:
    return (search_key(title) or "")[:255]


def slots(event: Event) -> list[Slot]:
    return [Slot(p.starts_at, p.ends_at, p.all_day) for p in event.periods]


def first_slot(event: Event, now: datetime | None = None) -> Slot | None:
    """The next slot that hasn't ended (or the last one), for lists and cards."""
    all_slots = slots(event)
    if not all_slots:
        return None
    if now is not None:
        for slot in all_slots:
            if slot.end > now:
                return slot
    return all_slots[-1]


def set_slots(event: Event, new: Iterable[Slot]) -> bool:
    """Replace the event's periods; returns whether anything changed."""
    ordered = sorted(new, key=lambda s: (s.start or s.end, s.end))
    if ordered == slots(event):
        return False
    event.periods = [EventPeriod(position=i, starts_at=s.start, ends_at=s.end, all_day=s.all_day)
                     for i, s in enumerate(ordered)]
    starts = [s.start for s in ordered if s.start is not None]
    event.starts_at = min(starts) if starts else None
    event.ends_at = max(s.end for s in ordered) if ordered else None
    return True


def check_kind(kind: str) -> str:
    if kind not in ALL_KINDS:
        raise DomainError("events.bad_kind", kind=kind, kinds=", ".join(ALL_KINDS))
    return kind


def clean_text(value: str | None, limit: int, key: str = "events.too_long") -> str | None:
    value = " ".join((value or "").split())
    if not value:
        return None
    if len(value) > limit:
        raise DomainError(key, limit=limit)
    return value


def clean_link(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.lower().startswith(("https://", "http://")) or " " in value or len(value) > LINK_LIMIT:
        raise DomainError("events.bad_link")
    return value


def audience_spec(value: Mapping[str, Any] | str | None) -> dict[str, Any]:
    spec = audiences.normalize(value)
    if spec["kind"] == "event":
        raise DomainError("audience.unknown", kind="event")
    return spec


async def create_event(session: AsyncSession, network: Network, *, title: str, slot: Slot | None, clock: Clock,
                       kind: str = "seminar", place: str | None = None, link: str | None = None,
                       audience: Mapping[str, Any] | str | None = None, responsible: str | None = None,
                       expected_result: str | None = None, created_by: User | None = None) -> Event:
    title = clean_text(title, TITLE_LIMIT)
    if not title:
        raise DomainError("events.empty_title")
    kind = check_kind(kind)
    now = clock.now()
    event = Event(network_id=network.id, title=title, title_key=title_key(title), kind=kind,
                  is_task=kind in TASK_KINDS, place=clean_text(place, PLACE_LIMIT), link=clean_link(link),
                  audience=audience_spec(audience), responsible=clean_text(responsible, 1000),
                  expected_result=clean_text(expected_result, 2000), status=EventStatus.PLANNED.value,
                  warnings=[], created_by_id=created_by.id if created_by else None, created_at=now,
                  updated_at=now)
    event.periods = []
    if slot is not None:
        set_slots(event, [slot])
    session.add(event)
    await session.flush()
    return event


async def get_event(session: AsyncSession, event_id: int, network_id: int | None = None) -> Event:
    event = await session.get(Event, event_id)
    if event is None or (network_id is not None and event.network_id != network_id):
        raise DomainError("events.not_found")
    return event


def in_audience(spec: Mapping[str, Any] | None, membership: Membership) -> bool:
    """Whether a member is in an event's audience (the basic kinds, schools and school statuses)."""
    spec = spec or {"kind": "everyone"}
    kind = spec.get("kind", "everyone")
    roles = spec.get("roles") or []
    if roles and not any(getattr(membership, f"is_{role}", False) for role in roles):
        return False
    if kind == "everyone":
        return True
    if kind in ("participants", "mentors", "coordinators"):
        return bool(getattr(membership, f"is_{kind[:-1]}"))
    if kind == "schools":
        return membership.school_id in (spec.get("school_ids") or [])
    if kind == "school_status":
        school = membership.school
        return school is not None and school.status in (spec.get("statuses") or [])
    return False


def visible(event: Event, membership: Membership, now: datetime) -> bool:
    """What a member may see: announced (the announcement time has come) and in their audience, also once
    held or cancelled. Coordinators of the network see everything of it."""
    if event.network_id != membership.network_id or not membership.is_active:
        return False
    if membership.is_coordinator:
        return True
    return (event.status in SEEN and event.announced_at is not None and event.announced_at <= now
            and in_audience(event.audience, membership))


def open_for_signup(event: Event, now: datetime) -> bool:
    return (event.status == EventStatus.ANNOUNCED.value and not event.is_task
            and event.ends_at is not None and event.ends_at > now)


# --- lists -----------------------------------------------------------------------------------------

SCOPES = ("all", "mine")


@dataclass(frozen=True)
class ListFilter:
    scope: str = "all"  # all | mine | a kind
    page: int = 0


def _order() -> list[Any]:
    return [func.coalesce(Event.starts_at, Event.ends_at).is_(None), func.coalesce(Event.starts_at, Event.ends_at),
            Event.id]


def _upcoming(membership: Membership, user_id: int, scope: str, now: datetime) -> Select[tuple[Event]]:
    conditions: list[Any] = [Event.network_id == membership.network_id, Event.is_task.is_(False),
                             Event.status != EventStatus.CANCELLED.value]
    if membership.is_coordinator:
        conditions.append(or_(Event.ends_at > now, and_(Event.ends_at.is_(None),
                                                        Event.status == EventStatus.PLANNED.value)))
    else:
        conditions += [Event.ends_at > now, Event.status == EventStatus.ANNOUNCED.value,
                       Event.announced_at <= now]
    if scope == "mine":
        going = select(Signup.event_id).where(Signup.user_id == user_id, Signup.status == SignupStatus.GOING.value)
        conditions.append(Event.id.in_(going))
    elif scope in ALL_KINDS:
        conditions.append(Event.kind == scope)
    return select(Event).where(*conditions).order_by(*_order())


async def list_upcoming(session: AsyncSession, membership: Membership, user_id: int, flt: ListFilter,
                        now: datetime, size: int = PAGE_SIZE) -> Page[Event]:
    """Upcoming events of the member's network for the list: events (not measures) that haven't ended.
    Members see announced ones in their audience; coordinators also drafts and undated rows.
    `scope`: all, mine (signed up as going), or one kind."""
    stmt = _upcoming(membership, user_id, flt.scope, now)
    if membership.is_coordinator:
        return await paginate(session, stmt, flt.page, size)
    # The audience is a small JSON spec per event: filter in Python (upcoming events are a few hundred).
    events = [e for e in (await session.scalars(stmt)).all() if in_audience(e.audience, membership)]
    pages = max(1, -(-len(events) // size))
    page = min(max(flt.page, 0), pages - 1)
    return Page(items=events[page * size:(page + 1) * size], page=page, pages=pages, total=len(events))


async def kinds_in_use(session: AsyncSession, membership: Membership, user_id: int,
                       now: datetime) -> list[tuple[str, int]]:
    """The kinds among the events this member's list would show, with how many — so «Открытый урок (1)»
    opens one lesson, not a coordinator's draft nobody else can see."""
    events = (await session.scalars(_upcoming(membership, user_id, "all", now))).all()
    counts = Counter(e.kind for e in events if membership.is_coordinator or in_audience(e.audience, membership))
    return sorted(counts.items())


async def list_network(session: AsyncSession, network_id: int) -> list[Event]:
    """Everything of a network, in date order (the CLI's `event list`, the calendar feed)."""
    stmt = select(Event).where(Event.network_id == network_id).order_by(*_order())
    return list((await session.scalars(stmt)).all())


# --- edits -----------------------------------------------------------------------------------------

EDITABLE = ("title", "place", "link", "responsible", "kind", "audience")


def edit(event: Event, field: str, value: Any, clock: Clock) -> None:
    """One field, from what the coordinator typed or chose. Moving is `move_event` (it re-plans reminders)."""
    if field == "title":
        title = clean_text(value, TITLE_LIMIT)
        if not title:
            raise DomainError("events.empty_title")
        event.title, event.title_key = title, title_key(title)
    elif field == "place":
        event.place = clean_text(value, PLACE_LIMIT)
    elif field == "link":
        event.link = clean_link(value)
    elif field == "responsible":
        event.responsible = clean_text(value, 1000)
    elif field == "kind":
        event.kind = check_kind(value)
        event.is_task = event.kind in TASK_KINDS
    elif field == "audience":
        event.audience = audience_spec(value)
    else:
        raise DomainError("events.not_editable")
    event.updated_at = clock.now()


# --- measures («% мер реализовано») ----------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


async def measures_progress(session: AsyncSession, network_id: int) -> Progress:
    """Roadmap measures (document, monitoring, survey rows) ticked as done, of all that aren't cancelled —
    counted by bot/services/counting.py, like every other screen's measures."""
    done, total = await measure_totals(session, network_id)
    return Progress(done, total)


async def measures_page(session: AsyncSession, network_id: int, page: int, size: int = PAGE_SIZE) -> Page[Event]:
    """Open measures first (by deadline), then those done."""
    stmt = (select(Event).where(Event.network_id == network_id, Event.is_task.is_(True),
                                Event.status != EventStatus.CANCELLED.value)
            .order_by(Event.done_at.is_not(None), *_order()))
    return await paginate(session, stmt, page, size)


def set_done(event: Event, done: bool, by: User | None, clock: Clock) -> None:
    if not event.is_task:
        raise DomainError("events.not_a_measure")
    if done and event.done_at is None:
        event.done_at, event.done_by_id = clock.now(), by.id if by else None
    elif not done:
        event.done_at, event.done_by_id = None, None
