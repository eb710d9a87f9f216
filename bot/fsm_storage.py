"""Dialog state in the database (default) or Redis, so a half-filled dialog survives a restart.

While an update is being handled, the database storage writes through that update's own session: the
dialog step and the domain change it belongs to commit together (nothing half-saved), and SQLite never
sees two writers from one update waiting on each other.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messengers import TELEGRAM, platform_of_bot_id
from db.models import DialogState
from db.models.core import utcnow



class KeyBuilder(DefaultKeyBuilder):
    """aiogram's keys (`fsm:<chat>:<user>:<destiny>`) carry no bot id, so a Telegram person and a MAX person with
    the same number would share one dialog. MAX dialogs get their own space, `fsm:max:…`; Telegram's keys stay
    as they were (dialogs half-filled before an upgrade go on)."""

    def build(self, key: StorageKey, part: Any = None) -> str:
        built = super().build(key, part)
        if platform_of_bot_id(key.bot_id) == TELEGRAM:
            return built
        return built.replace(f"{self.prefix}{self.separator}", f"{self.prefix}{self.separator}max{self.separator}", 1)


KEY_BUILDER = KeyBuilder(prefix="fsm", with_destiny=True)
REDIS_CONNECTIONS = 64
update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        current = update_session.get()
        if current is not None:
            yield current  # committed by DbSessionMiddleware with the rest of the update
            return
        async with self._sessionmaker.begin() as own:
            yield own

    async def _write(self, key: StorageKey, **values: Any) -> None:
        """Insert-or-update in one statement: two quick taps may both find no row, and the second must not
        fail on the key (plain INSERT did: IntegrityError). A finished dialog leaves nothing behind."""
        name = KEY_BUILDER.build(key)
        async with self._session() as session:
            row = await session.get(DialogState, name, populate_existing=True)
            merged = {"state": row.state if row else None, "data": dict(row.data or {}) if row else {}} | values
            if merged["state"] is None and not merged["data"]:
                if row is not None:
                    await session.execute(delete(DialogState).where(DialogState.key == name))
                    session.expunge(row)
                return
            now = utcnow()
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            stmt = (insert(DialogState).values(key=name, **merged, updated_at=now)
                    .on_conflict_do_update(index_elements=["key"], set_={**values, "updated_at": now}))
            await session.execute(stmt)
            if row is not None:
                session.expunge(row)  # the identity map must not answer the next read with the old values

    async def _read(self, key: StorageKey) -> DialogState | None:
        async with self._session() as session:
            return await session.get(DialogState, KEY_BUILDER.build(key), populate_existing=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return dict(row.data) if row and row.data else {}

    async def close(self) -> None:
        return None


def build_storage(redis_url: str | None, sessionmaker: async_sessionmaker[AsyncSession]) -> BaseStorage:
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage
        from redis.asyncio import BlockingConnectionPool, Redis

        # A burst of updates waits for a free connection instead of failing with MaxConnectionsError.
        pool = BlockingConnectionPool.from_url(redis_url, max_connections=REDIS_CONNECTIONS, timeout=30)
        return RedisStorage(Redis(connection_pool=pool), key_builder=KEY_BUILDER)
    return DatabaseStorage(sessionmaker)
