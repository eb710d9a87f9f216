"""What the MAX front end must remember across restarts: its message and file ids in aiogram's shape.

aiogram knows a message by an integer id and a file by a short string; MAX by a string `mid` and an upload token
(plus a download URL). The bot edits messages whose buttons are tapped days later and re-sends stored files, so
the correspondence lives in the database, not in memory.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class MaxMessageRef(Base):
    """aiogram (chat id, message id) ↔ MAX mid. The message id is MAX's own `seq` (an int64 per message)."""

    __tablename__ = "max_message_refs"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    mid: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class MaxFileRef(Base):
    """aiogram file_id ↔ the MAX attachment it stands for: the token re-sends it, the URL downloads it."""

    __tablename__ = "max_file_refs"

    file_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # file, image, video, audio
    token: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
