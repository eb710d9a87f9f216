"""A roadmap file being imported through the chat: the bytes, the coordinator's choices and the parsed result.

The dialog state keeps only the id, so the column-role buttons and the «move to this year» button re-read the
same file, and a large parse result never travels through the FSM storage. Rows live until the import is done
or cancelled (or the coordinator sends another file).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class RoadmapUpload(Base):
    __tablename__ = "roadmap_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # {"<table>": {"<column>": "title"}}: roles the coordinator chose (table and column from 0)
    roles: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shift_years: Mapped[int] = mapped_column(Integer, default=0)  # the plan moved by this many years
    fixes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"<number>|<title>": "date as typed"}
    result: Mapped[dict[str, Any] | None] = mapped_column()  # title, rows, warnings, columns, period
    created_at: Mapped[datetime] = mapped_column()
