"""Events of the roadmap (issue 4) and their reminders (issue 3). See docs/events.md.

    core        create, find, list, edit; measures and «% мер реализовано»
    importing   roadmap file → events and measures, idempotent by number and title
    lifecycle   announce (now or later), move, cancel, and held → the reflection form
    signups     «Пойду» / «Не смогу», attendance (coordinator's ticks, check-in code or QR)
    reminders   outbox rows planned from events per the network's offsets
    calendar    .ics for one event and the network's feed
    messages    the card, announcements, reminders and notices as outbox payloads
    times       UTC in, the network's zone out; what coordinators type for a date

Importing this package registers the "event" audience (its sign-ups; `{"kind": "event", "event_id": 42,
"who": "going" | "attended"}`) and tells the forms feature who came to an event.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences
from bot.services.events import calendar, core, importing, lifecycle, messages, reminders, signups, times
from bot.services.pagination import Page, paginate
from db.models.core import Network
from db.models.events import Attendance, Event, EventStatus, Signup, SignupStatus

__all__ = ["calendar", "core", "importing", "lifecycle", "messages", "reminders", "signups", "times"]


async def _event_audience(session: AsyncSession, network_id: int, spec: Mapping[str, Any]) -> Select[Any]:
    event_id = int(spec.get("event_id") or 0)
    mine = select(Event.id).where(Event.id == event_id, Event.network_id == network_id,
                                  Event.status != EventStatus.CANCELLED.value).scalar_subquery()
    if spec.get("who") == "attended":
        return select(Attendance.user_id).where(Attendance.event_id == mine)
    return select(Signup.user_id).where(Signup.event_id == mine, Signup.status == SignupStatus.GOING.value)


async def _event_choices(session: AsyncSession, network_id: int, page: int, now: datetime) -> Page[audiences.Choice]:
    """What a coordinator may pick in the broadcast dialog: the network's announced events that haven't
    ended (their sign-ups get the message), labelled «8.1.1 · 24.02 · Семинар…»."""
    stmt = (select(Event).where(Event.network_id == network_id, Event.status == EventStatus.ANNOUNCED.value,
                                Event.is_task.is_(False), Event.ends_at > now)
            .order_by(Event.starts_at, Event.id))
    return await _labelled(session, network_id, await paginate(session, stmt, page), now)


RECENT_FOR_FORMS = timedelta(days=60)


async def _recent_event_choices(session: AsyncSession, network_id: int, page: int,
                                now: datetime) -> Page[audiences.Choice]:
    """For a form sent about an event (a reflection): the events held in the last two months, newest first,
    then the announced ones still ahead."""
    stmt = (select(Event).where(Event.network_id == network_id, Event.is_task.is_(False),
                                Event.status.in_((EventStatus.ANNOUNCED.value, EventStatus.HELD.value)),
                                Event.ends_at > now - RECENT_FOR_FORMS)
            .order_by((Event.ends_at > now), Event.ends_at.desc(), Event.id))
    return await _labelled(session, network_id, await paginate(session, stmt, page), now)


async def _labelled(session: AsyncSession, network_id: int, found: Page[Event],
                    now: datetime) -> Page[audiences.Choice]:
    network = await session.get(Network, network_id)
    tz = times.zone(network)
    items = []
    for event in found.items:
        slot = core.first_slot(event, now)
        day = slot.start.astimezone(tz).strftime("%d.%m") if slot and slot.start else ""
        label = " · ".join(part for part in (event.number, day, event.title) if part)
        items.append(audiences.Choice(event.id, label if len(label) <= 60 else label[:59] + "…"))
    return Page(items=items, page=found.page, pages=found.pages, total=found.total)


audiences.register_audience("event", _event_audience, choices=_event_choices)


def _provide_forms_hooks() -> None:
    try:
        from bot.services.forms import hooks
    except ModuleNotFoundError:  # pragma: no cover - a deployment without forms
        return

    async def attendees(session: AsyncSession, network_id: int, event_id: int) -> list[int]:
        event = await session.get(Event, event_id)
        if event is None or event.network_id != network_id:
            return []
        return await signups.came(session, event_id)

    async def info(session: AsyncSession, event_id: int) -> Any:
        event = await session.get(Event, event_id)
        if event is None:
            return None
        return hooks.EventInfo(network_id=event.network_id, title=event.title, ends_at=event.ends_at)

    hooks.provide_event_attendees(attendees)
    hooks.provide_event_info(info)
    hooks.provide_event_choices(_recent_event_choices)


_provide_forms_hooks()
