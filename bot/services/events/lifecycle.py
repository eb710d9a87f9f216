"""An event's life after it is made: announced (now or at a set time), moved, cancelled, held.

Every message here is an outbox row (principle 2): the announcement to the audience with the RSVP buttons,
notices to those signed up when the event moves or is cancelled, and — when it has ended — the reflection
form (the forms feature sends it; we say to whom).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences, outbox, preferences
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events import reminders, signups
from bot.services.events.core import set_slots
from bot.services.events.messages import announcement_payload, cancelled_payload, moved_payload
from bot.services.events.reminders import stamp
from bot.services.events.times import Slot
from db.models.core import Membership, Network, User
from db.models.events import Event, EventStatus
from db.models.outbox import Broadcast, BroadcastStatus, Priority

log = logging.getLogger(__name__)

ANNOUNCEMENT = "announcement"
TOPIC = "announcements"  # bot/services/preferences.py: what a person may mute


def announce_prefix(event_id: int) -> str:
    return f"announce:event:{event_id}:"


@dataclass(frozen=True)
class Announced:
    event: Event
    recipients: int  # new outbox rows: a repeated announcement reaches only those not reached yet
    broadcast_id: int | None
    at: datetime


def check_announceable(event: Event, now: datetime, at: datetime | None = None) -> None:
    """Raises what stands in the way of announcing `event` (now, or at `at`)."""
    if event.is_task:
        raise DomainError("events.announce.task")
    if event.status == EventStatus.CANCELLED.value:
        raise DomainError("events.announce.cancelled")
    if event.ends_at is None:
        raise DomainError("events.announce.undated")
    if event.ends_at <= now:
        raise DomainError("events.announce.past")
    if event.starts_at is not None and max(at or now, now) >= event.starts_at:
        raise DomainError("events.announce.too_late")


async def announcement_size(session: AsyncSession, network_id: int,
                            spec: Mapping[str, Any] | str | None) -> tuple[int, int, int]:
    """For the preview: (who will get it, who turned announcements off, who can't be reached)."""
    people = await audiences.resolve(session, network_id, spec)
    prefs = (await session.scalars(select(User.notification_prefs).where(
        User.id.in_([p.user_id for p in people])))).all() if people else []
    muted = sum(1 for value in prefs if preferences.is_muted(value, TOPIC))
    size = await audiences.size(session, network_id, spec)
    return len(people) - muted, muted, size.unreachable


async def announce(session: AsyncSession, event: Event, clock: Clock, *, at: datetime | None = None,
                   by: User | None = None, respect_quiet_hours: bool = False,
                   audience: Mapping[str, Any] | str | None = None, progress_chat_id: int | None = None,
                   progress_message_id: int | None = None) -> Announced:
    """Announce to the event's audience (or the `audience` the coordinator chose) now or at `at`: one outbox
    row per reachable person, with «Пойду» / «Не смогу» / «В календарь»; the broadcast's progress message
    (`progress_*`) is kept live like any broadcast's. Those who muted announcements are dropped by the outbox.
    The coordinator chose the moment, so the network's quiet hours don't hold it unless asked."""
    now = clock.now()
    check_announceable(event, now, at)
    when = max(at or now, now)
    network = await session.get(Network, event.network_id)
    assert network is not None
    if event.status != EventStatus.ANNOUNCED.value or event.announced_at is None or event.announced_at > when:
        event.status, event.announced_at = EventStatus.ANNOUNCED.value, when
    spec = audiences.normalize(audience if audience is not None else (event.audience or None))
    people = await audiences.resolve(session, network.id, spec)
    languages = dict((await session.execute(
        select(User.id, User.language).where(User.id.in_([p.user_id for p in people])))).all()) if people else {}
    payloads: dict[str, dict[str, Any]] = {}

    def payload(language: str) -> dict[str, Any]:
        if language not in payloads:
            payloads[language] = announcement_payload(event, network, language, now)
        return payloads[language]

    broadcast = Broadcast(network_id=network.id, created_by_id=by.id if by else None, kind=ANNOUNCEMENT,
                          audience=spec, payload=payload("ru"), summary=event.title[:200],
                          status=BroadcastStatus.QUEUED.value, created_at=now, progress_chat_id=progress_chat_id,
                          progress_message_id=progress_message_id)
    session.add(broadcast)
    await session.flush()
    rows = ({"chat_id": p.messenger_id, "user_id": p.user_id, "network_id": network.id,
             "payload": payload(languages.get(p.user_id) or "ru"), "kind": ANNOUNCEMENT,
             "priority": Priority.BULK, "not_before": when, "broadcast_id": broadcast.id,
             "dedupe_key": f"{announce_prefix(event.id)}user:{p.user_id}", "topic": TOPIC,
             "quiet_hours": respect_quiet_hours}
            for p in people)
    total = await outbox.enqueue_many(session, rows, clock=clock)
    broadcast.total = total
    if total == 0:
        broadcast.status, broadcast.finished_at = BroadcastStatus.DONE.value, now
    await session.flush()
    await reminders.plan_event(session, event, clock, network=network)
    return Announced(event, total, broadcast.id if total else None, when)


async def _notify_going(session: AsyncSession, event: Event, clock: Clock, key: str,
                        build: Callable[[str], dict[str, Any]]) -> int:
    """A personal notice to everyone signed up as going (and reachable)."""
    ids = await signups.going_ids(session, event.id)
    if not ids:
        return 0
    stmt = (select(User.id, User.messenger_id, User.language).join(Membership, Membership.user_id == User.id)
            .where(User.id.in_(ids), User.is_reachable.is_(True), User.messenger_id.is_not(None),
                   User.forgotten_at.is_(None), Membership.network_id == event.network_id,
                   Membership.is_active.is_(True)))
    people = (await session.execute(stmt)).all()
    payloads: dict[str, dict[str, Any]] = {}

    def rows() -> Iterator[dict[str, Any]]:
        for uid, chat_id, language in people:
            language = language or "ru"
            if language not in payloads:
                payloads[language] = build(language)
            yield {"chat_id": chat_id, "user_id": uid, "network_id": event.network_id, "payload": payloads[language],
                   "kind": "notification", "dedupe_key": f"event:{event.id}:{key}:user:{uid}"}

    return await outbox.enqueue_many(session, rows(), clock=clock)


async def move_event(session: AsyncSession, event: Event, new: Slot | list[Slot], clock: Clock) -> int:
    """New dates: reminders re-planned; those signed up told. Returns how many were told."""
    if event.status in (EventStatus.CANCELLED.value, EventStatus.HELD.value):
        raise DomainError("events.move.closed")
    if not set_slots(event, new if isinstance(new, list) else [new]):
        return 0
    event.updated_at = clock.now()
    await session.flush()
    if event.status != EventStatus.ANNOUNCED.value:
        return 0
    await reminders.replan_event(session, event, clock)
    network = await session.get(Network, event.network_id)
    assert network is not None
    now = clock.now()
    version = hashlib.sha1(",".join(stamp(p.starts_at or p.ends_at) for p in event.periods).encode()).hexdigest()[:10]
    return await _notify_going(session, event, clock, f"moved:{version}",
                               lambda language: moved_payload(event, network, language, now))


async def cancel_event(session: AsyncSession, event: Event, clock: Clock) -> int:
    """Cancelled: pending announcements and reminders held back; those signed up told. Returns how many."""
    if event.status == EventStatus.CANCELLED.value:
        raise DomainError("events.cancel.already")
    was_public = event.status in (EventStatus.ANNOUNCED.value, EventStatus.HELD.value)
    now = clock.now()
    event.status, event.cancelled_at, event.updated_at = EventStatus.CANCELLED.value, now, now
    await session.flush()
    await outbox.cancel_by_prefix(session, announce_prefix(event.id), now=now)
    await reminders.cancel_event(session, event, clock)
    if not was_public:
        return 0
    network = await session.get(Network, event.network_id)
    assert network is not None
    return await _notify_going(session, event, clock, "cancelled",
                               lambda language: cancelled_payload(event, network, language, now))


# --- after the event -------------------------------------------------------------------------------

def _forms() -> Any:
    """The forms feature, if this deployment has it (it sends the reflection form)."""
    try:
        from bot.services import forms
    except ModuleNotFoundError:  # pragma: no cover - forms not installed
        return None
    return forms


async def finish_ended(session: AsyncSession, clock: Clock) -> int:
    """Announced events that have ended become held, and the reflection form goes to those who came
    (marked present, or signed up where attendance wasn't kept). Idempotent. Returns how many ended."""
    now = clock.now()
    stmt = (select(Event).where(Event.status == EventStatus.ANNOUNCED.value, Event.is_task.is_(False),
                                Event.ends_at <= now).order_by(Event.ends_at, Event.id))
    ended = list((await session.scalars(stmt)).all())
    forms = _forms()
    for event in ended:
        event.status, event.held_at = EventStatus.HELD.value, now
        people = await signups.came(session, event.id)
        if forms is None or not people:
            continue
        try:
            await forms.send_reflection_for_event(session, event.id, people, clock, network_id=event.network_id,
                                                  title=event.title, ends_at=event.ends_at)
        except DomainError as error:  # the event stays held; the coordinator can send a form by hand
            log.warning("reflection for event %s not sent: %s", event.id, error.key)
    await session.flush()
    return len(ended)
