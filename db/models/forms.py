"""Forms: questionnaires with typed questions, requests that send them to an audience, and responses.

A `Form` keeps its definition (the questions) as JSON; built-in templates are rows with no network,
created from `bot/services/forms/templates.py` the first time they are used. A `FormRequest` sends one
form to an audience with a deadline; every person it was sent to has a `FormResponse` row from the
start (empty answers, step 0), so the status board sees who has not answered yet and a half-filled form
resumes from the row after any restart.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class FormKind(str, enum.Enum):
    REFLECTION = "reflection"  # рефлексия после мероприятия
    SATISFACTION = "satisfaction"  # удовлетворённость наставляемых / наставников
    ENTRY = "entry"  # входная анкета
    FINAL = "final"  # итоговая анкета
    REPORT = "report"  # «отчёт о совместной работе»
    SELF_ANALYSIS = "self_analysis"  # «самоанализ» школы
    CUSTOM = "custom"  # uploaded by a coordinator


class FormRequestStatus(str, enum.Enum):
    OPEN = "open"  # answers are taken (late answers too, until closed)
    CLOSED = "closed"  # the coordinator stopped taking answers
    CANCELLED = "cancelled"


class Form(Base):
    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("network_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20), default=FormKind.CUSTOM.value)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_template(self) -> bool:
        return self.network_id is None


class FormRequest(Base):
    __tablename__ = "form_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))  # what people see, e.g. «Рефлексия: Семинар 8.1.1»
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    # Plain integers for now: the events and links tables belong to other features (FKs come later).
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    link_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=FormRequestStatus.OPEN.value)
    total: Mapped[int] = mapped_column(Integer, default=0)  # people asked (response rows)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # of them, not reachable when sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    form: Mapped[Form] = relationship()


class FormResponse(Base):
    __tablename__ = "form_responses"
    __table_args__ = (
        UniqueConstraint("request_id", "user_id"),
        Index("ix_form_responses_request_submitted", "request_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("form_requests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # question id → value
    step: Mapped[int] = mapped_column(Integer, default=0)  # question index; len(questions): the review
    reviewing: Mapped[bool] = mapped_column(Boolean, default=False)  # reached the review once
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[FormRequest] = relationship()
