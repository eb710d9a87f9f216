"""Sessions (встречи): a mentor logs them in a few taps, edits them for 48 hours; the mentee confirms and rates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import FORBIDDEN, link_for
from bot.services.pagination import Page, paginate
from db.models import LinkStatus, MentoringLink, MentoringSession, Network, SessionFormat

TOPIC_LIMIT = 200
NOTE_LIMIT = 3000
COMMENT_LIMIT = 1000
MIN_DURATION, MAX_DURATION = 5, 600
OLDEST_DAYS = 366
ASK_YEAR_AFTER_DAYS = 60  # «20.11» typed in March is last November: asked back before it is stored
MAX_ATTACHMENTS = 20
ATTACHMENT_TYPES = ("photo", "document", "voice")
FORMATS = (SessionFormat.OFFLINE.value, SessionFormat.ONLINE.value)
LOGGABLE = (LinkStatus.PROPOSED.value, LinkStatus.ACTIVE.value, LinkStatus.PAUSED.value)

DATE_RE = re.compile(r"^\s*(\d{1,2})[.\-/ ](\d{1,2})(?:[.\-/ ](\d{2}|\d{4}))?\.?\s*$")
ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_RELATIVE = {"сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2}


def parse_date(text: str, today: date, *, allow_future: bool = False) -> date:
    """«20.11», «20.11.2026», «20.11.26», «2026-11-20», «вчера». Without a year: the latest such day not
    after today. Not in the future (unless allowed), not older than a year."""
    raw = (text or "").strip().lower()
    if raw in _RELATIVE:
        return today - timedelta(days=_RELATIVE[raw])
    iso = ISO_RE.match(raw)
    match = DATE_RE.match(raw)
    try:
        if iso:
            value = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif match:
            day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
            if year is None:
                value = date(today.year, month, day)
                if value > today and not allow_future:
                    value = date(today.year - 1, month, day)
            else:
                value = date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        else:
            raise DomainError("mentoring.errors.bad_date")
    except ValueError:
        raise DomainError("mentoring.errors.bad_date") from None
    if not allow_future and value > today:
        raise DomainError("mentoring.errors.future_date")
    if value < today - timedelta(days=OLDEST_DAYS):
        raise DomainError("mentoring.errors.old_date")
    return value


def year_was_guessed(text: str, value: date, today: date) -> bool:
    """A date typed without a year that lands months back: worth asking «20.11.2025 — верно?»."""
    match = DATE_RE.match((text or "").strip().lower())
    return bool(match) and match.group(3) is None and (today - value).days > ASK_YEAR_AFTER_DAYS


_HOURS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:ч|час|часа|часов|h|hours?)\.?\s*$")
_MINUTES = re.compile(r"^\s*(\d+)\s*(?:м|мин|минут|минуты|min|minutes?)?\.?\s*$")


def parse_duration(text: str) -> int:
    """«45», «45 мин», «1,5 ч», «2 часа» → minutes (5–600)."""
    raw = (text or "").strip().lower()
    hours = _HOURS.match(raw)
    minutes = _MINUTES.match(raw)
    if hours:
        value = round(float(hours.group(1).replace(",", ".")) * 60)
    elif minutes:
        value = int(minutes.group(1))
    else:
        raise DomainError("mentoring.errors.bad_duration", low=MIN_DURATION, high=MAX_DURATION)
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise DomainError("mentoring.errors.bad_duration", low=MIN_DURATION, high=MAX_DURATION)
    return value


def clean_topic(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not 2 <= len(value) <= TOPIC_LIMIT:
        raise DomainError("mentoring.errors.topic_length", limit=TOPIC_LIMIT)
    return value


def clean_note(text: str | None, limit: int = NOTE_LIMIT) -> str | None:
    value = (text or "").strip()
    if len(value) > limit:
        raise DomainError("mentoring.errors.note_length", limit=limit)
    return value or None


@dataclass
class SessionInput:
    held_on: date
    format: str
    duration_min: int
    topic: str
    note: str | None = None
    attachment_file_id: str | None = None
    attachment_type: str | None = None


def _check_input(data: SessionInput) -> None:
    if data.format not in FORMATS:
        raise DomainError("mentoring.errors.bad_format")
    if not MIN_DURATION <= data.duration_min <= MAX_DURATION:
        raise DomainError("mentoring.errors.bad_duration", low=MIN_DURATION, high=MAX_DURATION)
    data.topic = clean_topic(data.topic)
    data.note = clean_note(data.note)
    if data.attachment_type is not None and data.attachment_type not in ATTACHMENT_TYPES:
        raise DomainError("mentoring.errors.bad_attachment")


async def today_for(session: AsyncSession, network_id: int, clock: Clock) -> date:
    network = await session.get(Network, network_id)
    return vocab.local_today(network, clock.now()) if network else clock.now().date()


async def log_session(session: AsyncSession, *, link_id: int, author_id: int, data: SessionInput,
                      clock: Clock) -> MentoringSession:
    """Stores a session of the author's link. A proposed link becomes active with its first session."""
    link, _ = await link_for(session, link_id, author_id, roles=("mentor",))
    if link.status not in LOGGABLE:
        raise DomainError("mentoring.errors.link_closed")
    today = await today_for(session, link.network_id, clock)
    if data.held_on > today:
        raise DomainError("mentoring.errors.future_date")
    _check_input(data)
    attachments = ([{"kind": data.attachment_type, "file_id": data.attachment_file_id}]
                   if data.attachment_file_id and data.attachment_type else [])
    record = MentoringSession(network_id=link.network_id, link_id=link.id, author_id=author_id,
                              held_on=data.held_on, format=data.format, duration_min=data.duration_min,
                              topic=data.topic, note=data.note, attachment_file_id=data.attachment_file_id,
                              attachment_type=data.attachment_type, attachments=attachments, created_at=clock.now())
    session.add(record)
    if link.last_session_on is None or data.held_on > link.last_session_on:
        link.last_session_on = data.held_on
    if link.status == LinkStatus.PROPOSED.value:
        link.status = LinkStatus.ACTIVE.value
    await session.flush()
    return record


async def _own_editable(session: AsyncSession, session_id: int, author_id: int, clock: Clock) -> MentoringSession:
    record = await session.get(MentoringSession, session_id)
    if record is None or record.author_id != author_id:
        raise DomainError(FORBIDDEN)
    if not editable(record, clock):
        raise DomainError("mentoring.errors.edit_window_over")
    return record


def editable(record: MentoringSession, clock: Clock) -> bool:
    return clock.now() - record.created_at <= vocab.EDIT_WINDOW


async def _refresh_last(session: AsyncSession, link_id: int) -> None:
    link = await session.get(MentoringLink, link_id)
    if link is not None:
        link.last_session_on = await session.scalar(
            select(func.max(MentoringSession.held_on)).where(MentoringSession.link_id == link_id))


def facts(record: MentoringSession) -> tuple[object, ...]:
    """What the mentee confirms: when, how, how long, about what (a note or a photo is not among them)."""
    return record.held_on, record.format, record.duration_min, record.topic


def attachments_of(record: MentoringSession) -> list[dict[str, str]]:
    return list(record.attachments or [])


async def edit_session(session: AsyncSession, session_id: int, *, author_id: int, clock: Clock,
                       held_on: date | None = None, format: str | None = None, duration_min: int | None = None,
                       topic: str | None = None, note: str | None = None, attachment_file_id: str | None = None,
                       attachment_type: str | None = None) -> MentoringSession:
    """Changes a session its author logged less than 48 hours ago. `note` replaces the note; an attachment is
    added to the others. Changed facts (date, format, duration, topic) need the mentee's confirmation again."""
    record = await _own_editable(session, session_id, author_id, clock)
    before = facts(record)
    if held_on is not None:
        today = await today_for(session, record.network_id, clock)
        if held_on > today:
            raise DomainError("mentoring.errors.future_date")
        record.held_on = held_on
    if format is not None:
        if format not in FORMATS:
            raise DomainError("mentoring.errors.bad_format")
        record.format = format
    if duration_min is not None:
        if not MIN_DURATION <= duration_min <= MAX_DURATION:
            raise DomainError("mentoring.errors.bad_duration", low=MIN_DURATION, high=MAX_DURATION)
        record.duration_min = duration_min
    if topic is not None:
        record.topic = clean_topic(topic)
    if note is not None:
        record.note = clean_note(note)
    if attachment_file_id is not None:
        _attach(record, attachment_file_id, attachment_type)
    if facts(record) != before:
        record.confirmed_at, record.confirmed_by_id, record.rating, record.disputed_at = None, None, None, None
    record.updated_at = clock.now()
    await session.flush()
    if held_on is not None:
        await _refresh_last(session, record.link_id)
    return record


def _attach(record: MentoringSession, file_id: str, kind: str | None) -> None:
    if kind not in ATTACHMENT_TYPES:
        raise DomainError("mentoring.errors.bad_attachment")
    items = attachments_of(record)
    if len(items) >= MAX_ATTACHMENTS:
        raise DomainError("mentoring.errors.too_many_attachments", limit=MAX_ATTACHMENTS)
    items.append({"kind": kind, "file_id": file_id})
    record.attachments = items  # a new list, so the JSON column is written
    if record.attachment_file_id is None:
        record.attachment_file_id, record.attachment_type = file_id, kind


async def add_to_session(session: AsyncSession, session_id: int, *, author_id: int, clock: Clock,
                         text: str | None = None, file_id: str | None = None,
                         kind: str | None = None) -> MentoringSession:
    """A note, photo, file or voice message sent after the session was saved: text is added to the note,
    a file to the attachments — nothing replaces what is there."""
    record = await _own_editable(session, session_id, author_id, clock)
    if file_id is not None:
        _attach(record, file_id, kind)
    if text and text.strip():
        record.note = clean_note("\n".join(filter(None, [record.note, text.strip()])))
    record.updated_at = clock.now()
    await session.flush()
    return record


async def session_for(session: AsyncSession, session_id: int,
                      user_id: int) -> tuple[MentoringSession, MentoringLink, str]:
    """A session the person may see (member of its link or coordinator), with the link and their role."""
    record = await session.get(MentoringSession, session_id)
    if record is None:
        raise DomainError(FORBIDDEN)
    link, role = await link_for(session, record.link_id, user_id)
    return record, link, role


async def confirm_session(session: AsyncSession, session_id: int, *, user_id: int, clock: Clock,
                          rating: int | None = None) -> tuple[MentoringSession, bool]:
    """The mentee confirms (and may rate 1–5). Returns the session and whether it was newly confirmed."""
    record, _, role = await session_for(session, session_id, user_id)
    if role != "mentee":
        raise DomainError(FORBIDDEN)
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError("mentoring.errors.bad_rating")
    fresh = record.confirmed_at is None
    if fresh:
        record.confirmed_at = clock.now()
        record.confirmed_by_id = user_id
        record.disputed_at = None
    if rating is not None:
        record.rating = rating
    await session.flush()
    return record, fresh


async def dispute_session(session: AsyncSession, session_id: int, *, user_id: int,
                          clock: Clock) -> tuple[MentoringSession, bool]:
    """The mentee says the session did not happen. Returns the session and whether this is news."""
    record, _, role = await session_for(session, session_id, user_id)
    if role != "mentee":
        raise DomainError(FORBIDDEN)
    fresh = record.disputed_at is None
    record.disputed_at = clock.now()
    record.confirmed_at, record.confirmed_by_id, record.rating = None, None, None
    await session.flush()
    return record, fresh


async def comment_session(session: AsyncSession, session_id: int, *, user_id: int, text: str,
                          clock: Clock) -> MentoringSession:
    record, _, role = await session_for(session, session_id, user_id)
    if role != "mentee":
        raise DomainError(FORBIDDEN)
    value = clean_note(text, COMMENT_LIMIT)
    if not value:
        raise DomainError("mentoring.errors.note_length", limit=COMMENT_LIMIT)
    record.comment = value
    if record.confirmed_at is None:
        record.confirmed_at = clock.now()
        record.confirmed_by_id = user_id
    await session.flush()
    return record


async def history(session: AsyncSession, link_id: int, page: int, size: int = 5) -> Page[MentoringSession]:
    stmt = (select(MentoringSession).where(MentoringSession.link_id == link_id)
            .order_by(MentoringSession.held_on.desc(), MentoringSession.id.desc()))
    return await paginate(session, stmt, page, size)


async def recent_topics(session: AsyncSession, author_id: int, limit: int = 5) -> list[str]:
    """The author's latest distinct topics (reads their last 50 sessions through the author index)."""
    rows = (await session.scalars(select(MentoringSession.topic).where(MentoringSession.author_id == author_id)
                                  .order_by(MentoringSession.created_at.desc()).limit(50))).all()
    topics: list[str] = []
    for topic in rows:
        if topic not in topics:
            topics.append(topic)
        if len(topics) == limit:
            break
    return topics
