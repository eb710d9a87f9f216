"""Sign-ups («Пойду» / «Не смогу») and attendance (marked by the coordinator, or a check-in code or QR)."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events import reminders
from bot.services.events.core import open_for_signup, slots
from bot.services.pagination import PAGE_SIZE, Page
from db.models.core import Membership, User
from db.models.events import Attendance, AttendanceHow, Event, EventStatus, Signup, SignupStatus
from db.models.outbox import OutboxMessage, OutboxStatus

GOING = SignupStatus.GOING.value
DECLINED = SignupStatus.DECLINED.value
CODE_ALPHABET = "0123456789"  # digits: typed on any phone keyboard, read aloud in any language
CODE_LENGTH = 6
CHECKIN_EARLY = timedelta(hours=2)
CHECKIN_LATE = timedelta(hours=6)


def upsert(session: AsyncSession, model: type) -> Any:
    """INSERT … ON CONFLICT for the database in use (SQLite and PostgreSQL spell it the same)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


@dataclass(frozen=True)
class Rsvp:
    status: str
    changed: bool
    going: int


async def going_count(session: AsyncSession, event_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Signup)
                                    .where(Signup.event_id == event_id, Signup.status == GOING)) or 0)


async def going_counts(session: AsyncSession, event_ids: Iterable[int]) -> dict[int, int]:
    ids = list(event_ids)
    if not ids:
        return {}
    stmt = (select(Signup.event_id, func.count()).where(Signup.event_id.in_(ids), Signup.status == GOING)
            .group_by(Signup.event_id))
    return {event_id: int(count) for event_id, count in (await session.execute(stmt)).all()}


async def going_of(session: AsyncSession, user_id: int, event_ids: list[int]) -> set[int]:
    """Which of these events the person signed up for (to mark them in a list)."""
    if not event_ids:
        return set()
    return set((await session.scalars(select(Signup.event_id).where(
        Signup.user_id == user_id, Signup.event_id.in_(event_ids), Signup.status == GOING))).all())


async def status_of(session: AsyncSession, event_id: int, user_id: int) -> str | None:
    return await session.scalar(select(Signup.status).where(Signup.event_id == event_id, Signup.user_id == user_id))


async def rsvp(session: AsyncSession, event: Event, user: User, going: bool, clock: Clock) -> Rsvp:
    """Record «Пойду» or «Не смогу» (changing one's mind is fine) and adjust the person's reminders.

    A hot path (a whole network taps an announcement at once): one read, one write, and the outbox is
    touched only when reminders of the event may already be planned."""
    now = clock.now()
    if not open_for_signup(event, now):
        raise DomainError("events.rsvp.closed")
    status = GOING if going else DECLINED
    mine = func.max(case((Signup.user_id == user.id, Signup.status)))
    counted = func.count(case((Signup.status == GOING, 1)))
    previous, count = (await session.execute(select(mine, counted).where(Signup.event_id == event.id))).one()
    if previous == status:
        return Rsvp(status, False, int(count))
    # One statement, so two taps at once can't make two rows.
    await session.execute(
        upsert(session, Signup).values(event_id=event.id, user_id=user.id, status=status, created_at=now,
                                       updated_at=now)
        .on_conflict_do_update(index_elements=["event_id", "user_id"], set_={"status": status, "updated_at": now}))
    if going:
        await reminders.plan_for_user(session, event, user, clock, revive=previous == DECLINED)
    elif reminders.may_be_planned(event, now):
        await reminders.cancel_for_user(session, event, user.id, clock)
    return Rsvp(status, True, int(count) + (status == GOING) - (previous == GOING))


@dataclass(frozen=True)
class SignupRow:
    user_id: int
    full_name: str
    status: str | None  # going, declined, or None: not signed up but marked as present
    attended: bool


async def signup_page(session: AsyncSession, event: Event, page: int, size: int = PAGE_SIZE) -> Page[SignupRow]:
    """Those who answered, and those marked present: going first, then present without a sign-up, then
    those who declined; by name."""
    signed = dict((await session.execute(
        select(Signup.user_id, Signup.status).where(Signup.event_id == event.id))).all())
    present = set((await session.scalars(select(Attendance.user_id).where(Attendance.event_id == event.id))).all())
    ids = set(signed) | present
    names = dict((await session.execute(select(User.id, User.full_name).where(User.id.in_(ids))))
                 .all()) if ids else {}
    # Someone who erased their data is only an anonymous number (indicators), never a nameless row here.
    ids -= set((await session.scalars(select(User.id).where(User.id.in_(ids), User.forgotten_at.is_not(None))))
               .all()) if ids else set()
    order = {GOING: 0, None: 1, DECLINED: 2}
    rows = sorted((SignupRow(uid, names.get(uid) or "—", signed.get(uid), uid in present) for uid in ids),
                  key=lambda r: (order[r.status], r.full_name, r.user_id))
    pages = max(1, -(-len(rows) // size))
    page = min(max(page, 0), pages - 1)
    return Page(items=rows[page * size:(page + 1) * size], page=page, pages=pages, total=len(rows))


# --- attendance ------------------------------------------------------------------------------------

async def toggle_attendance(session: AsyncSession, event: Event, user_id: int, by: User, clock: Clock) -> bool:
    """The coordinator ticks (or unticks) a person on the sign-up list. Returns whether they are now present."""
    if event.is_task or event.status == EventStatus.CANCELLED.value:
        raise DomainError("events.attendance.not_applicable")
    member = await session.scalar(select(Membership.id).where(Membership.user_id == user_id,
                                                              Membership.network_id == event.network_id))
    if member is None:
        raise DomainError("events.attendance.not_member")
    existing = await session.scalar(select(Attendance).where(Attendance.event_id == event.id,
                                                             Attendance.user_id == user_id))
    if existing is not None:
        await session.delete(existing)
        await session.flush()
        return False
    session.add(Attendance(event_id=event.id, user_id=user_id, marked_by_id=by.id,
                           how=AttendanceHow.COORDINATOR.value, at=clock.now()))
    await session.flush()
    return True


async def ensure_code(session: AsyncSession, event: Event) -> str:
    """The event's check-in code (made on first use), shown at the event as text and a QR."""
    if event.is_task or event.status == EventStatus.CANCELLED.value:
        raise DomainError("events.attendance.not_applicable")
    while event.checkin_code is None:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await session.scalar(select(Event.id).where(Event.checkin_code == code)) is None:
            event.checkin_code = code
            await session.flush()
    return event.checkin_code


def normalize_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


def checkin_open(event: Event, now: datetime) -> bool:
    for slot in slots(event):
        if slot.start is not None and slot.start - CHECKIN_EARLY <= now <= slot.end + CHECKIN_LATE:
            return True
    return False


@dataclass(frozen=True)
class CheckIn:
    event: Event
    already: bool


async def check_in(session: AsyncSession, code: str, user: User, clock: Clock) -> CheckIn:
    """A participant scanned the QR or typed the code: they are present (once)."""
    code = normalize_code(code)
    event = await session.scalar(select(Event).where(Event.checkin_code == code)) if code else None
    if event is None:
        raise DomainError("events.checkin.unknown")
    member = await session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                           Membership.network_id == event.network_id,
                                                           Membership.is_active.is_(True)))
    if member is None:
        raise DomainError("events.checkin.not_member")
    if event.status == EventStatus.CANCELLED.value:
        raise DomainError("events.checkin.cancelled")
    if not checkin_open(event, clock.now()):
        raise DomainError("events.checkin.not_now")
    inserted = await session.execute(
        upsert(session, Attendance).values(event_id=event.id, user_id=user.id, marked_by_id=user.id,
                                           how=AttendanceHow.CHECKIN.value, at=clock.now())
        .on_conflict_do_nothing(index_elements=["event_id", "user_id"]))
    return CheckIn(event, not inserted.rowcount)


async def attendees(session: AsyncSession, event_id: int) -> list[int]:
    return list((await session.scalars(select(Attendance.user_id).where(Attendance.event_id == event_id)
                                       .order_by(Attendance.user_id))).all())


async def going_ids(session: AsyncSession, event_id: int) -> list[int]:
    return list((await session.scalars(select(Signup.user_id).where(Signup.event_id == event_id,
                                                                    Signup.status == GOING)
                                       .order_by(Signup.user_id))).all())


async def came(session: AsyncSession, event_id: int) -> list[int]:
    """Who the reflection form goes to: those marked present, or, where attendance wasn't kept, those going."""
    return await attendees(session, event_id) or await going_ids(session, event_id)


async def delivered_rsvp_messages(session: AsyncSession, event_id: int, user_id: int) -> list[tuple[int, int]]:
    """(chat, message) of what this person got about the event with «Пойду» / «Не смогу» on it — the
    announcement, reminders, a notice that it moved — so an answer given anywhere shows on all of them."""
    from bot.services.events.lifecycle import announce_prefix  # lifecycle imports this module

    T = OutboxMessage
    patterns = (f"{announce_prefix(event_id)}user:{user_id}", f"{reminders.event_prefix(event_id)}user:{user_id}:%",
                f"event:{event_id}:moved:%:user:{user_id}")
    stmt = select(T.chat_id, T.telegram_message_id).where(
        T.user_id == user_id, T.status == OutboxStatus.SENT.value, T.telegram_message_id.is_not(None),
        or_(*(T.dedupe_key.like(pattern) for pattern in patterns)))
    return [(int(chat), int(message)) for chat, message in (await session.execute(stmt)).all()]

