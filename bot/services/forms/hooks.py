"""Where other features plug into forms (they own those tables; forms only asks).

The events feature provides:

    forms.hooks.provide_event_attendees(fn)   # fn(session, network_id, event_id) -> user ids
    forms.hooks.provide_event_info(fn)        # fn(session, event_id) -> EventInfo | None
    forms.hooks.provide_event_choices(fn)     # fn(session, network_id, page, now) -> Page[Choice] to pick from

and calls `forms.send_reflection_for_event(session, event_id, user_ids, clock)` when an event ends.
The mentoring feature provides:

    forms.hooks.provide_link_members(fn)      # fn(session, network_id, link_ids or None) -> user ids

Until a hook is provided, the audiences that need it are simply not offered.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class EventInfo:
    network_id: int
    title: str
    ends_at: datetime | None = None  # aware UTC; the reflection deadline counts from it


EventAttendees = Callable[[AsyncSession, int, int], Awaitable[Iterable[int]]]
EventInfoLookup = Callable[[AsyncSession, int], Awaitable[EventInfo | None]]
LinkMembers = Callable[[AsyncSession, int, Sequence[int] | None], Awaitable[Iterable[int]]]

EventChoices = Callable[[AsyncSession, int, int, datetime], Awaitable[Any]]

_event_attendees: EventAttendees | None = None
_event_choices: EventChoices | None = None
_event_info: EventInfoLookup | None = None
_link_members: LinkMembers | None = None


def provide_event_attendees(fn: EventAttendees | None) -> None:
    global _event_attendees
    _event_attendees = fn


def provide_event_info(fn: EventInfoLookup | None) -> None:
    global _event_info
    _event_info = fn


def provide_event_choices(fn: EventChoices | None) -> None:
    global _event_choices
    _event_choices = fn


def has_event_choices() -> bool:
    return _event_choices is not None and _event_attendees is not None


async def event_choices(session: AsyncSession, network_id: int, page: int, now: datetime) -> Any:
    """A page of the network's recent and coming events (`audiences.Choice`: id and label), to send a form about."""
    if _event_choices is None:
        return None
    return await _event_choices(session, network_id, page, now)


def provide_link_members(fn: LinkMembers | None) -> None:
    global _link_members
    _link_members = fn


def has_event_attendees() -> bool:
    return _event_attendees is not None


def has_link_members() -> bool:
    return _link_members is not None


async def event_attendees(session: AsyncSession, network_id: int, event_id: int) -> list[int] | None:
    if _event_attendees is None:
        return None
    return [int(uid) for uid in await _event_attendees(session, network_id, event_id)]


async def event_info(session: AsyncSession, event_id: int) -> EventInfo | None:
    if _event_info is None:
        return None
    return await _event_info(session, event_id)


async def link_members(session: AsyncSession, network_id: int, link_ids: Sequence[int] | None) -> list[int] | None:
    if _link_members is None:
        return None
    return [int(uid) for uid in await _link_members(session, network_id, link_ids)]
