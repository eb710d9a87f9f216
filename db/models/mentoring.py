"""Mentoring links (school–school, leader–leader, teacher–teacher, groups, student–student), their members,
logged sessions, personal development plans (ИППР) and situational questions.

Sized for one network of 10,000 participants, 3,000 links and 100,000 sessions: every screen reads through
an index named below (a person's links, a link's sessions by date, the network's open questions…).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime
from db.models.core import School, User, utcnow


class LinkKind(str, enum.Enum):
    SCHOOL_SCHOOL = "school_school"  # «Школа – школе»
    LEADER_LEADER = "leader_leader"  # «руководитель – руководителю»
    TEACHER_TEACHER = "teacher_teacher"  # «учитель – учителю»
    GROUP = "group"  # «учитель – учителя», «руководитель – руководители»: one or more mentors, several mentees
    STUDENT_STUDENT = "student_student"  # «ученик – ученик»


class LinkForm(str, enum.Enum):
    """Forms of mentoring as the Kirovsk order and the Podporozhye project name them."""

    TRADITIONAL = "traditional"
    PARTNER = "partner"  # партнёрское, «равный – равному»
    GROUP = "group"
    FLASH = "flash"
    VIRTUAL = "virtual"
    REVERSE = "reverse"
    SITUATIONAL = "situational"


class LinkStatus(str, enum.Enum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CLOSED = "closed"


OPEN_LINK_STATUSES = (LinkStatus.PROPOSED.value, LinkStatus.ACTIVE.value, LinkStatus.PAUSED.value)


class Side(str, enum.Enum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class SessionFormat(str, enum.Enum):
    OFFLINE = "offline"  # очно
    ONLINE = "online"  # онлайн


class QuestionScope(str, enum.Enum):
    MENTOR = "mentor"  # to the asker's own mentor(s) in a link
    POOL = "pool"  # to every mentor of a direction (situational mentoring)
    LEVEL1 = "level1"  # a level-3 school escalates to the level-1 school


class QuestionStatus(str, enum.Enum):
    OPEN = "open"
    TAKEN = "taken"
    ANSWERED = "answered"


class MentoringLink(Base):
    __tablename__ = "mentoring_links"
    __table_args__ = (
        Index("ix_mentoring_links_network_status", "network_id", "status"),
        Index("ix_mentoring_links_network_kind", "network_id", "kind"),
        Index("ix_mentoring_links_schools", "mentee_school_id", "mentor_school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(20), default=LinkForm.TRADITIONAL.value)
    status: Mapped[str] = mapped_column(String(16), default=LinkStatus.ACTIVE.value)
    # A school–school link holds the director and teacher links between the two schools.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("mentoring_links.id", ondelete="SET NULL"), index=True)
    mentor_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    mentee_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    goals: Mapped[str | None] = mapped_column(Text)
    deficits: Mapped[list[str]] = mapped_column(default=list)  # codes, see bot/services/mentoring/vocabulary.py
    directions: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[str | None] = mapped_column(String(120))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # planned end
    summary: Mapped[str | None] = mapped_column(Text)  # written when the link is completed or closed
    # Kept by the sessions service: the newest session's date, so quiet links are found without a scan.
    last_session_on: Mapped[date | None] = mapped_column(Date)
    quiet_flagged_since: Mapped[date | None] = mapped_column(Date)  # the quiet spell already flagged
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    members: Mapped[list[LinkMember]] = relationship(back_populates="link", cascade="all, delete-orphan",
                                                     order_by="LinkMember.id")
    mentor_school: Mapped[School | None] = relationship(foreign_keys=[mentor_school_id])
    mentee_school: Mapped[School | None] = relationship(foreign_keys=[mentee_school_id])
    parent: Mapped[MentoringLink | None] = relationship(remote_side=[id])

    def side_of(self, user_id: int) -> str | None:
        return next((m.side for m in self.members if m.user_id == user_id), None)

    def people(self, side: Side) -> list[User]:
        return [m.user for m in self.members if m.side == side.value]


class LinkMember(Base):
    __tablename__ = "link_members"
    __table_args__ = (
        UniqueConstraint("link_id", "user_id"),
        Index("ix_link_members_user_side", "user_id", "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("mentoring_links.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(8))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    link: Mapped[MentoringLink] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class MentoringSession(Base):
    """A meeting logged by a mentor; confirmed (and optionally rated) by the mentee."""

    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        Index("ix_mentoring_sessions_link_held", "link_id", "held_on"),
        Index("ix_mentoring_sessions_network_held", "network_id", "held_on"),
        Index("ix_mentoring_sessions_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("mentoring_links.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(8), default=SessionFormat.OFFLINE.value)
    duration_min: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # The first attachment, kept for readers that show one (exports); `attachments` holds them all.
    attachment_file_id: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(16))  # photo, document, voice
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(), default=list)  # [{kind, file_id}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)  # 1–5
    comment: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the mentee says it did not happen

    link: Mapped[MentoringLink] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class PlanGoal(Base):
    """One goal of a link's personal development plan (ИППР)."""

    __tablename__ = "plan_goals"
    __table_args__ = (Index("ix_plan_goals_due", "due_on", "done"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("mentoring_links.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    link: Mapped[MentoringLink] = relationship()


class Question(Base):
    """Situational mentoring: a question to one's mentor, or to a pool; the first mentor to take it answers."""

    __tablename__ = "mentoring_questions"
    __table_args__ = (
        Index("ix_mentoring_questions_network_status", "network_id", "status", "direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(8), default=QuestionScope.POOL.value)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("mentoring_links.id", ondelete="SET NULL"), index=True)
    direction: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=QuestionStatus.OPEN.value)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    asker: Mapped[User] = relationship(foreign_keys=[asker_id])
    taken_by: Mapped[User | None] = relationship(foreign_keys=[taken_by_id])


__all__ = [
    "LinkForm", "LinkKind", "LinkMember", "LinkStatus", "MentoringLink", "MentoringSession", "OPEN_LINK_STATUSES",
    "PlanGoal", "Question", "QuestionScope", "QuestionStatus", "SessionFormat", "Side",
]
