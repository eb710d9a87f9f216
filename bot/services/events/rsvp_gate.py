"""Who may sign up for an event, held in memory, so a tap on «Пойду» is answered before its update touches
the database.

When an announcement goes out, its whole audience taps within seconds. Each tap is answered at once from
this look (one dict lookup); the update then runs the full pipeline and the handler decides with fresh data,
as always. The look is loaded on the first tap for an event (one query, shared by the taps that arrive while
it loads), kept for `ttl` seconds, and dropped at once when this process changes the event. A person who is
not in it (joined a minute ago, a coordinator of another network…) is simply answered by the handler; if the
look was stale the other way — they left, the event was cancelled from another process — the handler's
different answer reaches them as a message (see bot/middlewares/callback_answer.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event as orm_event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, joinedload

from bot.services.clock import Clock
from bot.services.events.core import open_for_signup, visible
from db.models import Event, Membership, School, User

log = logging.getLogger(__name__)

DEFAULT_TTL = 30.0  # seconds: how stale an early answer may be, for changes made by another process
STALE_GRACE = 120.0  # seconds an expired look keeps answering while its refresh loads
MAX_EVENTS = 64  # events kept at once; the least recently tapped is dropped first


@dataclass(frozen=True)
class Gate:
    event_id: int
    open_until: datetime | None  # None: not open for sign-up (the handler says why)
    seats: dict[tuple[str, int], str]  # (messenger, id there) → language, for everyone who may sign up
    loaded_at: float

    def language_of(self, platform: str, messenger_id: int, now: datetime) -> str | None:
        """The person's language if they may sign up now, else None (let the handler answer)."""
        if self.open_until is None or now >= self.open_until:
            return None
        return self.seats.get((platform, messenger_id))


_live: weakref.WeakSet[RsvpGates] = weakref.WeakSet()


def forget(event_id: int | None = None) -> None:
    """The event changed in this process (moved, cancelled, re-announced, audience edited), or with None
    someone's membership did: look again."""
    for gates in list(_live):
        gates.forget(event_id)


# Changes made in this process are noticed as they commit, wherever they come from (a coordinator's chat,
# the CLI's own process has no gates): an event forgets its look, a person or a school forgets them all.
_CHANGED = "rsvp_gate_changed"
_EVERYTHING = -1


@orm_event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: object) -> None:
    if not _live:
        return
    changed: set[int] = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Event) and obj.id is not None:
            changed.add(obj.id)
        elif isinstance(obj, (Membership, User, School)):
            changed.add(_EVERYTHING)


@orm_event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        if _EVERYTHING in changed:
            forget()
        for event_id in changed:
            forget(event_id)


@orm_event.listens_for(Session, "after_rollback")
def _drop_noted(session: Session) -> None:
    session.info.pop(_CHANGED, None)


class RsvpGates:
    """Looks at events, kept `ttl` seconds; an older look still answers for `grace` seconds while a fresh one
    loads in the background (a reload must not wait behind the burst it serves: the burst holds the pool)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *, ttl: float = DEFAULT_TTL,
                 grace: float = STALE_GRACE, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.ttl = ttl
        self.grace = grace
        self.monotonic = monotonic
        self._gates: OrderedDict[int, Gate] = OrderedDict()
        self._loading: dict[int, asyncio.Future[Gate]] = {}
        self._refreshing: set[asyncio.Task[Gate]] = set()
        self._generation = 0  # bumped by forget(): a load that started before a change isn't kept
        self.loads = 0
        _live.add(self)

    def forget(self, event_id: int | None = None) -> None:
        self._generation += 1
        if event_id is None:
            self._gates.clear()
        else:
            self._gates.pop(event_id, None)

    async def language_of(self, event_id: int, platform: str, messenger_id: int) -> str | None:
        gate = await self.gate(event_id)
        return gate.language_of(platform, messenger_id, self.clock.now())

    async def gate(self, event_id: int) -> Gate:
        gate = self._gates.get(event_id)
        if gate is not None:
            age = self.monotonic() - gate.loaded_at
            if age < self.ttl + self.grace:
                if age >= self.ttl and event_id not in self._loading:
                    task = asyncio.create_task(self._shared_load(event_id))
                    self._refreshing.add(task)
                    task.add_done_callback(self._refreshed)
                self._gates.move_to_end(event_id)
                return gate
        return await self._shared_load(event_id)

    def _refreshed(self, task: asyncio.Task[Gate]) -> None:
        self._refreshing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("refreshing an RSVP look failed: %r", task.exception())

    async def _shared_load(self, event_id: int) -> Gate:
        """One load per event at a time; the taps that arrive meanwhile wait for the same one."""
        pending = self._loading.get(event_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Gate] = asyncio.get_running_loop().create_future()
        self._loading[event_id] = future
        generation = self._generation
        try:
            gate = await self._load(event_id)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody warns about it
            raise
        finally:
            self._loading.pop(event_id, None)
        future.set_result(gate)
        if generation == self._generation:
            self._gates[event_id] = gate
            while len(self._gates) > MAX_EVENTS:
                self._gates.popitem(last=False)
        return gate

    async def _load(self, event_id: int) -> Gate:
        self.loads += 1
        started = self.monotonic()
        now = self.clock.now()
        async with self.sessionmaker() as session:
            event = await session.get(Event, event_id)
            if event is None or not open_for_signup(event, now):
                return Gate(event_id, None, {}, started)
            stmt = (select(Membership, User.platform, User.messenger_id, User.language)
                    .join(User, User.id == Membership.user_id)
                    .where(Membership.network_id == event.network_id, Membership.is_active.is_(True),
                           User.messenger_id.is_not(None), User.consent_at.is_not(None), User.full_name != "")
                    .options(joinedload(Membership.school)))
            seats = {(platform, messenger_id): language or "ru"
                     for membership, platform, messenger_id, language in (await session.execute(stmt)).all()
                     if visible(event, membership, now)}
            return Gate(event_id, event.ends_at, seats, started)
