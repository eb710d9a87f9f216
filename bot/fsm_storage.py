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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messengers import TELEGRAM, platform_of_bot_id
from db.models import DialogState



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
        async with self._session() as session:
            row = await session.get(DialogState, KEY_BUILDER.build(key))
            fresh = row is None
            if row is None:
                row = DialogState(key=KEY_BUILDER.build(key), state=None, data={})
            for name, value in values.items():
                setattr(row, name, value)
            empty = row.state is None and not row.data
            if fresh and not empty:
                session.add(row)
            elif not fresh and empty:
                await session.delete(row)  # a finished dialog leaves nothing behind
            await session.flush()

    async def _read(self, key: StorageKey) -> DialogState | None:
        async with self._session() as session:
            return await session.get(DialogState, KEY_BUILDER.build(key))

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
