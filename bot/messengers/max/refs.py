"""MAX message and file ids in aiogram's shape, remembered across restarts.

aiogram's message id for a MAX message is MAX's own `seq` (an int64 every message carries), so nothing has to be
allocated; what must be kept is the way back to the string `mid` that MAX edits and deletes by, and for files the
upload token (to re-send) and URL (to download) behind a short aiogram `file_id`.

Writes are behind a short delay, in their own transaction: a reply is sent while the update's own transaction
may hold SQLite's write lock, so writing there-and-then from another connection would wait for a lock that is
only released after the reply. Lookups see what is still waiting to be written. A mapping lost in a crash is
learnt again from the next update that carries the message (a tap brings its message's mid).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import MaxFileRef, MaxMessageRef

log = logging.getLogger(__name__)

CACHE_SIZE = 50_000


@dataclass(frozen=True)
class FileRef:
    file_id: str
    kind: str  # file, image, video, audio
    token: str | None
    url: str | None
    file_name: str | None = None
    size: int | None = None


def file_id_for(kind: str, token: str | None, url: str | None) -> str:
    """A short, stable aiogram file_id for a MAX attachment (tokens and URLs are long)."""
    digest = hashlib.sha256(f"{kind}|{token or ''}|{url or ''}".encode()).hexdigest()[:40]
    return f"max-{kind[:5]}-{digest}"


class _Lru(OrderedDict):  # type: ignore[type-arg]
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: object, value: object) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class MaxRefs:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession] | None, *, flush_delay: float = 0.2,
                 cache_size: int = CACHE_SIZE) -> None:
        self.sessionmaker = sessionmaker
        self.flush_delay = flush_delay
        self._messages = _Lru(cache_size)
        self._files = _Lru(cache_size)
        self._pending_messages: dict[tuple[int, int], str] = {}
        self._pending_files: dict[str, FileRef] = {}
        self._flush_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- messages -----------------------------------------------------------------------------------

    def remember_message(self, chat_id: int, message_id: int, mid: str) -> None:
        key = (chat_id, message_id)
        if self._messages.get(key) == mid:
            return
        self._messages.put(key, mid)
        self._pending_messages[key] = mid
        self._schedule()

    async def mid_for(self, chat_id: int, message_id: int) -> str | None:
        key = (chat_id, message_id)
        mid = self._messages.get(key) or self._pending_messages.get(key)
        if mid is not None or self.sessionmaker is None:
            return mid
        async with self.sessionmaker() as session:
            mid = await session.scalar(select(MaxMessageRef.mid).where(MaxMessageRef.chat_id == chat_id,
                                                                       MaxMessageRef.message_id == message_id))
        if mid is not None:
            self._messages.put(key, mid)
        return mid

    # --- files --------------------------------------------------------------------------------------

    def remember_file(self, kind: str, token: str | None, url: str | None, *, file_name: str | None = None,
                      size: int | None = None) -> FileRef:
        ref = FileRef(file_id_for(kind, token, url), kind, token, url, file_name, size)
        if self._files.get(ref.file_id) != ref:
            self._files.put(ref.file_id, ref)
            self._pending_files[ref.file_id] = ref
            self._schedule()
        return ref

    async def file(self, file_id: str) -> FileRef | None:
        ref = self._files.get(file_id) or self._pending_files.get(file_id)
        if ref is not None or self.sessionmaker is None:
            return ref
        async with self.sessionmaker() as session:
            row = await session.get(MaxFileRef, file_id)
        if row is None:
            return None
        ref = FileRef(row.file_id, row.kind, row.token, row.url, row.file_name, row.size)
        self._files.put(file_id, ref)
        return ref

    # --- writing ------------------------------------------------------------------------------------

    def _schedule(self) -> None:
        if self.sessionmaker is None or (self._flush_task is not None and not self._flush_task.done()):
            return
        try:
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_later())
        except RuntimeError:  # no loop (a synchronous caller): the next flush() writes it
            pass

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_delay)
        try:
            await self.flush()
        except SQLAlchemyError:
            log.exception("MAX ids: could not save %d message and %d file ids; trying again",
                          len(self._pending_messages), len(self._pending_files))
            await asyncio.sleep(5)
            self._flush_task = None
            self._schedule()

    async def flush(self) -> None:
        if self.sessionmaker is None:
            return
        async with self._lock:
            messages, self._pending_messages = self._pending_messages, {}
            files, self._pending_files = self._pending_files, {}
            if not messages and not files:
                return
            try:
                await self._write(messages, files)
            except Exception:
                # Put them back for the next try, unless newer values arrived meanwhile.
                self._pending_messages = {**messages, **self._pending_messages}
                self._pending_files = {**files, **self._pending_files}
                raise

    async def _write(self, messages: dict[tuple[int, int], str], files: dict[str, FileRef]) -> None:
        assert self.sessionmaker is not None
        now = datetime.now(timezone.utc)
        try:
            async with self.sessionmaker.begin() as session:
                await self._insert_new(session, messages, files, now)
        except IntegrityError:  # another instance wrote some of them first: keep theirs, add the rest
            async with self.sessionmaker.begin() as session:
                await self._insert_new(session, messages, files, now)

    @staticmethod
    async def _insert_new(session: AsyncSession, messages: dict[tuple[int, int], str], files: dict[str, FileRef],
                          now: datetime) -> None:
        keys = list(messages)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            known = {(row[0], row[1]) for row in await session.execute(
                select(MaxMessageRef.chat_id, MaxMessageRef.message_id)
                .where(tuple_(MaxMessageRef.chat_id, MaxMessageRef.message_id).in_(chunk)))}
            session.add_all(MaxMessageRef(chat_id=c, message_id=m, mid=messages[(c, m)], created_at=now)
                            for c, m in chunk if (c, m) not in known)
        ids = list(files)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            known_files = set(await session.scalars(select(MaxFileRef.file_id).where(MaxFileRef.file_id.in_(chunk))))
            session.add_all(MaxFileRef(file_id=f.file_id, kind=f.kind, token=f.token, url=f.url,
                                       file_name=(f.file_name or "")[:255] or None, size=f.size, created_at=now)
                            for f in (files[i] for i in chunk) if f.file_id not in known_files)

    async def close(self) -> None:
        task = self._flush_task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - flushed below either way
                pass
        await self.flush()
