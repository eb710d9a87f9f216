"""Networks, schools, people, memberships, invites, join requests and dialog state."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from db.base import Base, UTCDateTime


class Role(str, enum.Enum):
    PARTICIPANT = "participant"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"


class SchoolStatus(str, enum.Enum):
    """Status of a school in the network, as the seeds name them."""

    SHNOR = "shnor"  # школа с низкими образовательными результатами
    SHNSU = "shnsu"  # школа, функционирующая в неблагоприятных социальных условиях
    LEADER = "leader"  # школа-лидер / стажировочная площадка
    CURATOR = "curator"  # школа-куратор
    REGULAR = "regular"


class JoinRequestStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def search_key(text: str | None) -> str | None:
    """Lower-case, ё→е: Cyrillic search that behaves the same on SQLite and PostgreSQL."""
    return " ".join(text.lower().replace("ё", "е").split()) if text else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _created() -> Mapped[datetime]:
    # Bookkeeping only; domain times come from the injected clock.
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = _created()

    schools: Mapped[list[School]] = relationship(back_populates="network", order_by="School.name")


class School(Base):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("network_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(800), index=True)
    municipality: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=SchoolStatus.REGULAR.value)
    level: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _created()

    network: Mapped[Network] = relationship(back_populates="schools")

    @validates("name", "short_name")
    def _keep_key(self, field: str, value: str | None) -> str | None:
        name = value if field == "name" else self.name
        short = value if field == "short_name" else self.short_name
        self.name_key = search_key(" ".join(filter(None, [name, short])))
        return value

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class User(Base):
    """A person. Personal fields exist only after consent and are wiped by /forgetme."""

    __tablename__ = "users"
    # An account on one messenger: Telegram and MAX ids come from different number spaces and may coincide.
    __table_args__ = (UniqueConstraint("platform", "messenger_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    messenger_id: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str | None] = mapped_column(String(255))
    name_key: Mapped[str | None] = mapped_column(String(255), index=True)
    position: Mapped[str | None] = mapped_column(String(255))
    subjects: Mapped[list[str]] = mapped_column(default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_version: Mapped[str | None] = mapped_column(String(16))
    is_reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unreachable_reason: Mapped[str | None] = mapped_column(String(255))
    notification_prefs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created()

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    @validates("full_name")
    def _keep_key(self, _field: str, value: str | None) -> str | None:
        self.name_key = search_key(value)
        return value

    @property
    def is_registered(self) -> bool:
        return self.consent_at is not None and bool(self.full_name)


class Membership(Base):
    """A person in a network with roles (flags, so audiences filter with plain SQL)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "network_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    is_participant: Mapped[bool] = mapped_column(Boolean, default=True)
    is_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    mentor_type: Mapped[str | None] = mapped_column(String(32))
    directions: Mapped[list[str]] = mapped_column(default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = _created()

    user: Mapped[User] = relationship(back_populates="memberships")
    network: Mapped[Network] = relationship()
    school: Mapped[School | None] = relationship()

    @property
    def roles(self) -> list[Role]:
        flags = ((Role.PARTICIPANT, self.is_participant), (Role.MENTOR, self.is_mentor),
                 (Role.COORDINATOR, self.is_coordinator))
        return [role for role, on in flags if on]

    def grant(self, role: Role) -> None:
        setattr(self, f"is_{role.value}", True)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    # A personal invite attaches its user to a record made in advance (bulk import).
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uses_left: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _created()

    network: Mapped[Network] = relationship()
    school: Mapped[School | None] = relationship()


class JoinRequest(Base):
    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    school_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=JoinRequestStatus.PENDING.value)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    network: Mapped[Network] = relationship()


class DialogState(Base):
    """aiogram FSM state and data, keyed by the storage key, so dialogs survive restarts."""

    __tablename__ = "dialog_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
