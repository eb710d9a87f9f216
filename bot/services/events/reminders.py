"""Reminders of events: outbox rows planned from the events, never sent by anything else.

* **Who**: the event's audience and everyone signed up as going, except those who declined, and people who
  can't be reached. Rows carry the topic `event_reminders` (bot/services/preferences.py): the outbox drops
  them for people who muted it, and holds them out of the network's quiet hours (never past the start).
* **When**: the network's offsets before each period (`network.settings["reminder_offsets"]`, default
  1 day and 1 hour). All-day periods (roadmap dates) are reminded at 9:00 local time, whole days before;
  offsets under a day don't apply to them, nor does anything to spans longer than a week (a period of
  work, not a gathering). Nothing is sent for an event before it was announced.
* **Rows**: `reminder:event:{event}:user:{user}:{offset}:{period start, UTC, YYYYMMDDHHMM}`, kind
  `reminder`, `not_before` = the moment, `expires_at` = the period's start: a reminder that fell due while
  the bot was down goes out if the event hasn't begun, else it is marked missed. The period's start is
  in the key so that a moved event gets new rows while the old ones stay cancelled.
* **Planning ahead**: rows are made once their moment is within `PLAN_AHEAD` (a day), by the scheduler
  job every few minutes and at once when an event is announced or moved. So mutes, declines and new
  members count until shortly before, and the table holds days of reminders, not the whole year's.
  Of several moments already past (the bot was down, or the event was announced late) only the latest
  is planned: one reminder, not a burst.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences, outbox
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events.core import slots
from bot.services.events.messages import reminder_payload
from bot.services.events.times import Slot, local_at, zone
from db.models.core import Membership, Network, User
from db.models.events import Event, EventStatus, Signup, SignupStatus

OFFSETS: dict[str, timedelta] = {
    "30m": timedelta(minutes=30), "1h": timedelta(hours=1), "3h": timedelta(hours=3),
    "1d": timedelta(days=1), "2d": timedelta(days=2), "3d": timedelta(days=3), "1w": timedelta(days=7),
}
DEFAULT_OFFSETS = ("1d", "1h")
SETTINGS_KEY = "reminder_offsets"
KIND = "reminder"
TOPIC = "event_reminders"  # bot/services/preferences.py: what a person may mute
PLAN_AHEAD = timedelta(hours=24)
LONG_SPAN = timedelta(days=7)
ALL_DAY_HOUR = 9
MAX_OFFSETS = 4


# --- settings --------------------------------------------------------------------------------------

def offsets_of(network: Network | None) -> list[str]:
    """The network's offsets, longest first; unknown codes are ignored; default 1 day and 1 hour."""
    stored = (network.settings or {}).get(SETTINGS_KEY) if network is not None else None
    codes = [c for c in stored if c in OFFSETS] if isinstance(stored, list) else list(DEFAULT_OFFSETS)
    return sorted(set(codes), key=lambda c: OFFSETS[c], reverse=True)


# --- keys ------------------------------------------------------------------------------------------

def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def reminder_key(event_id: int, user_id: int, code: str, start: datetime) -> str:
    return f"reminder:event:{event_id}:user:{user_id}:{code}:{stamp(start)}"


def event_prefix(event_id: int) -> str:
    return f"reminder:event:{event_id}:"


# --- when ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    slot: Slot
    code: str
    at: datetime


def moment(slot: Slot, code: str, network: Network | None) -> datetime | None:
    """When the reminder `code` of a period goes out, or None if it doesn't apply to it."""
    if slot.start is None:
        return None
    offset = OFFSETS[code]
    if not slot.all_day:
        return slot.start - offset
    if slot.end - slot.start > LONG_SPAN or offset < timedelta(days=1):
        return None
    tz = zone(network)
    first = slot.start.astimezone(tz).date()
    return local_at(first - timedelta(days=math.ceil(offset / timedelta(days=1))), ALL_DAY_HOUR, tz)


def may_be_planned(event: Event, now: datetime) -> bool:
    """Whether any reminder row of the event can exist yet (they are made at most PLAN_AHEAD before)."""
    return (event.status == EventStatus.ANNOUNCED.value and event.starts_at is not None and event.ends_at is not None
            and event.ends_at > now and event.starts_at - max(OFFSETS.values()) - PLAN_AHEAD <= now)


def due(event: Event, network: Network | None, now: datetime, *, ahead: timedelta = PLAN_AHEAD,
        codes: Iterable[str] | None = None) -> list[Due]:
    """Reminders of the event to plan now: their moment is within `ahead`, after the announcement, and
    before the period starts; of those already past, only the latest."""
    if event.status != EventStatus.ANNOUNCED.value or event.is_task or event.announced_at is None:
        return []
    codes = list(codes) if codes is not None else offsets_of(network)
    planned: list[Due] = []
    for slot in slots(event):
        if slot.start is None or slot.start <= now:
            continue
        moments = [Due(slot, code, at) for code in codes
                   if (at := moment(slot, code, network)) is not None
                   and event.announced_at <= at <= now + ahead]
        late = [d for d in moments if d.at <= now]
        planned += [d for d in moments if d.at > now]
        if late:
            planned.append(max(late, key=lambda d: d.at))
    return planned


# --- who -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    user_id: int
    chat_id: int
    language: str


@dataclass
class PlanCache:
    """What one planning pass reads once per network rather than once per event."""

    people: dict[int, dict[int, tuple[int, str]]] = field(default_factory=dict)  # network → user → (chat, language)
    audiences: dict[tuple[int, str], list[int]] = field(default_factory=dict)


async def _people(session: AsyncSession, network_id: int, cache: PlanCache) -> dict[int, tuple[int, str]]:
    """Reachable active members: user id → (chat id, language)."""
    if network_id not in cache.people:
        stmt = (select(User.id, User.messenger_id, User.language)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.network_id == network_id, Membership.is_active.is_(True),
                       User.forgotten_at.is_(None), User.is_reachable.is_(True), User.messenger_id.is_not(None)))
        cache.people[network_id] = {uid: (chat, language or "ru")
                                    for uid, chat, language in (await session.execute(stmt)).all()}
    return cache.people[network_id]


async def _audience(session: AsyncSession, event: Event, cache: PlanCache) -> list[int]:
    spec = audiences.normalize(event.audience or None)
    key = (event.network_id, repr(sorted(spec.items())))
    if key not in cache.audiences:
        cache.audiences[key] = [r.user_id for r in await audiences.resolve(session, event.network_id, spec)]
    return cache.audiences[key]


async def recipients(session: AsyncSession, event: Event, cache: PlanCache | None = None) -> list[Person]:
    """The audience and those going, minus those who declined, each once (mutes: the outbox drops them)."""
    cache = cache or PlanCache()
    people = await _people(session, event.network_id, cache)
    answers = dict((await session.execute(
        select(Signup.user_id, Signup.status).where(Signup.event_id == event.id))).all())
    wanted = set(await _audience(session, event, cache))
    wanted |= {uid for uid, status in answers.items() if status == SignupStatus.GOING.value}
    chosen = []
    for uid in sorted(wanted):
        person = people.get(uid)
        if person is None or answers.get(uid) == SignupStatus.DECLINED.value:
            continue
        chosen.append(Person(uid, person[0], person[1]))
    return chosen


# --- planning --------------------------------------------------------------------------------------

def _rows(event: Event, network: Network, plan: list[Due], people: list[Person]) -> Iterator[dict[str, Any]]:
    """Outbox rows for the plan; one payload per language and moment, keys built from a shared prefix."""
    for item in plan:
        assert item.slot.start is not None
        payloads: dict[str, dict[str, Any]] = {}
        head, tail = reminder_key(event.id, 0, item.code, item.slot.start).split(":user:0:")
        for person in people:
            payload = payloads.get(person.language)
            if payload is None:
                payload = payloads[person.language] = reminder_payload(event, network, item.slot, item.code,
                                                                       person.language)
            yield {"chat_id": person.chat_id, "user_id": person.user_id, "network_id": event.network_id,
                   "payload": payload, "kind": KIND, "not_before": item.at, "expires_at": item.slot.start,
                   "dedupe_key": f"{head}:user:{person.user_id}:{tail}", "topic": TOPIC}


async def plan_event(session: AsyncSession, event: Event, clock: Clock, *, network: Network | None = None,
                     cache: PlanCache | None = None) -> int:
    """Plan what is due for one event (idempotent). Returns how many rows are new."""
    network = network or await session.get(Network, event.network_id)
    plan = due(event, network, clock.now())
    if not plan or network is None:
        return 0
    people = await recipients(session, event, cache)
    return await outbox.enqueue_many(session, _rows(event, network, plan, people), clock=clock)


async def plan_upcoming(session: AsyncSession, clock: Clock) -> int:
    """The scheduler's pass over every network: announced events starting soon. Idempotent."""
    now = clock.now()
    horizon = now + PLAN_AHEAD + max(OFFSETS.values())
    stmt = (select(Event).where(Event.status == EventStatus.ANNOUNCED.value, Event.is_task.is_(False),
                                Event.ends_at > now, Event.starts_at <= horizon)
            .order_by(Event.network_id, Event.starts_at))
    events = list((await session.scalars(stmt)).all())
    networks = {n.id: n for n in (await session.scalars(
        select(Network).where(Network.id.in_({e.network_id for e in events})))).all()} if events else {}
    cache = PlanCache()
    created = 0
    for event in events:
        created += await plan_event(session, event, clock, network=networks.get(event.network_id), cache=cache)
    return created


async def plan_for_user(session: AsyncSession, event: Event, user: User, clock: Clock, *, revive: bool = False) -> int:
    """Someone said «Пойду»: their reminders, even if they are outside the audience. `revive`: they had declined,
    so their cancelled rows make way for new ones. Touches the outbox only when something is due."""
    network = await session.get(Network, event.network_id)
    keys = _user_keys(event, user.id) if revive and may_be_planned(event, clock.now()) else []
    if keys:
        await outbox.forget_cancelled(session, keys=keys)
    plan = due(event, network, clock.now())
    if not plan or network is None or user.messenger_id is None or not user.is_reachable:
        return 0
    person = Person(user.id, user.messenger_id, user.language or "ru")
    return await outbox.enqueue_many(session, _rows(event, network, plan, [person]), clock=clock)


def _user_keys(event: Event, user_id: int) -> list[str]:
    return [reminder_key(event.id, user_id, code, slot.start) for slot in slots(event) if slot.start is not None
            for code in OFFSETS]


async def cancel_for_user(session: AsyncSession, event: Event, user_id: int, clock: Clock) -> int:
    """Someone said «Не смогу»: their pending reminders of this event are cancelled."""
    keys = _user_keys(event, user_id)
    if not keys:
        return 0
    return await outbox.cancel_keyed(session, keys=keys, reason="declined")


async def cancel_event(session: AsyncSession, event: Event, clock: Clock) -> int:
    return await outbox.cancel_by_prefix(session, event_prefix(event.id), now=clock.now())


async def replan_event(session: AsyncSession, event: Event, clock: Clock) -> int:
    """After a move: the old rows are cancelled and the new ones planned. A period moved back to a start
    it had before gets its reminders again (the cancelled rows with those keys are dropped first)."""
    await cancel_event(session, event, clock)
    for slot in slots(event):
        if slot.start is not None:
            await outbox.forget_cancelled(session, pattern=f"{event_prefix(event.id)}*:{stamp(slot.start)}")
    return await plan_event(session, event, clock)


async def set_offsets(session: AsyncSession, network: Network, codes: Iterable[str], clock: Clock) -> list[str]:
    """The coordinator's choice: pending reminders of dropped offsets are cancelled, new ones planned."""
    chosen = sorted({c for c in codes if c in OFFSETS}, key=lambda c: OFFSETS[c], reverse=True)
    if not chosen:
        raise DomainError("events.offsets.none")
    if len(chosen) > MAX_OFFSETS:
        raise DomainError("events.offsets.too_many", limit=MAX_OFFSETS)
    before = offsets_of(network)
    network.settings = {**(network.settings or {}), SETTINGS_KEY: chosen}
    for code in set(before) - set(chosen):
        await outbox.cancel_keyed(session, pattern=f"reminder:event:*:{code}:*", network_id=network.id, kind=KIND,
                                  reason="offset removed")
    for code in set(chosen) - set(before):
        await outbox.forget_cancelled(session, pattern=f"reminder:event:*:{code}:*", network_id=network.id, kind=KIND)
    await session.flush()
    stmt = select(Event).where(Event.network_id == network.id, Event.status == EventStatus.ANNOUNCED.value,
                               Event.is_task.is_(False), Event.ends_at > clock.now())
    cache = PlanCache()
    for event in (await session.scalars(stmt)).all():
        await plan_event(session, event, clock, network=network, cache=cache)
    return chosen
