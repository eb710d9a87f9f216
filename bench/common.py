"""What the benchmarks that run the bot as a process share: a fresh database with one network and its people."""
from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import outbox
from bot.services.clock import SystemClock
from db.migrate import upgrade
from db.models import Membership, Network, User
from db.session import create_engine, make_sessionmaker


async def network_with(url: str, people: list[tuple[int, str, bool]]) -> None:
    """A migrated database (PostgreSQL: an empty schema first) with network «bench» and registered `people`
    as (telegram id, ФИО, is coordinator)."""
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(url, engine=engine)
    now = SystemClock().now()
    async with make_sessionmaker(engine).begin() as session:
        network = Network(slug="bench", name="Бенчмарк", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        for messenger_id, name, coordinator in people:
            user = User(messenger_id=messenger_id, full_name=name, subjects=[], language="ru", consent_at=now,
                        notification_prefs={}, is_reachable=True)
            session.add(user)
            await session.flush()
            session.add(Membership(user_id=user.id, network_id=network.id, is_participant=not coordinator,
                                   is_mentor=False, is_coordinator=coordinator, directions=[], is_active=True))
    await engine.dispose()


async def until_drained(sessionmaker: async_sessionmaker[AsyncSession], every: float = 0.1) -> dict[str, int]:
    """Waits until the outbox holds nothing pending or on the wire (the bench's senders run meanwhile); returns
    the outbox's rows by status at that moment."""
    while True:
        await asyncio.sleep(every)
        async with sessionmaker() as session:
            counts = await outbox.status_counts(session)
        if counts["pending"] + counts["sending"] == 0:
            return counts
