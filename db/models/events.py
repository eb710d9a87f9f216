"""Roadmap events and measures, their dates, sign-ups, attendance, and roadmap imports."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class EventStatus(str, enum.Enum):
    PLANNED = "planned"  # in the roadmap, not yet announced to participants
    ANNOUNCED = "announced"  # public: participants see it, sign up, get reminders
    CANCELLED = "cancelled"
    HELD = "held"  # ended; the reflection form went to those who came


class SignupStatus(str, enum.Enum):
    GOING = "going"
    DECLINED = "declined"


class AttendanceHow(str, enum.Enum):
    COORDINATOR = "coordinator"  # ticked from the sign-up list
    CHECKIN = "checkin"  # the person scanned the QR or typed the code at the event


class RoadmapImport(Base):
    """One roadmap file imported into a network (what, when, by whom, with what result)."""

    __tablename__ = "roadmap_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    attention: Mapped[int] = mapped_column(Integer, default=0)  # undated or flagged rows
    warnings: Mapped[list[str]] = mapped_column(default=list)  # the document's own warnings


class Event(Base):
    """A roadmap row: an event to announce, or a measure (task) with a deadline the coordinator ticks."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_network_starts", "network_id", "starts_at"),
        Index("ix_events_status_ends", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("roadmap_imports.id", ondelete="SET NULL"))
    number: Mapped[str | None] = mapped_column(String(32))  # as in the roadmap: «8.1.1»
    section: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(String(255), index=True)  # matches rows on re-import
    kind: Mapped[str] = mapped_column(String(20), default="other")
    is_task: Mapped[bool] = mapped_column(Boolean, default=False)
    when_text: Mapped[str | None] = mapped_column(Text)  # the date cell as written
    recurrence: Mapped[str | None] = mapped_column(String(16))
    # The span of all periods, for ordering and "upcoming" queries; None: not dated yet.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place: Mapped[str | None] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(1000))
    responsible: Mapped[str | None] = mapped_column(Text)
    expected_result: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(Text)
    audience_text: Mapped[str | None] = mapped_column(Text)  # «Участники» column as written
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)  # spec for bot/services/audiences.py
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.PLANNED.value)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # may be ahead: a scheduled announcement
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a measure ticked as done
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    warnings: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[dict[str, Any] | None] = mapped_column()  # the parsed roadmap row, as imported
    checkin_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    periods: Mapped[list[EventPeriod]] = relationship(
        back_populates="event", order_by="EventPeriod.position", cascade="all, delete-orphan",
        lazy="selectin")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class EventPeriod(Base):
    """One occurrence or span of an event. All-day periods run from local midnight to local midnight."""

    __tablename__ = "event_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: a deadline («до 27 марта»)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())  # exclusive
    all_day: Mapped[bool] = mapped_column(Boolean, default=True)

    event: Mapped[Event] = relationship(back_populates="periods")


class Signup(Base):
    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_signups_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attendance(Base):
    __tablename__ = "event_attendance"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    how: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
