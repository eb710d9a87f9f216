"""Blocking and unblocking the bot flips a person's reachability (later audiences skip the unreachable)."""
from __future__ import annotations

from sqlalchemy import select

from db.models import User
from tests.harness import BotHarness


async def test_block_and_return(harness: BotHarness) -> None:
    async def add(session):  # type: ignore[no-untyped-def]
        session.add(User(messenger_id=4242, full_name="Попова Анна Ивановна", subjects=[], notification_prefs={},
                         consent_at=harness.app.clock.now()))

    async def reachable(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(User.is_reachable).where(User.messenger_id == 4242))

    await harness.in_db(add)
    await harness.feed(harness.fake.updates.bot_blocked(4242))
    assert await harness.in_db(reachable) is False
    await harness.feed(harness.fake.updates.bot_unblocked(4242))
    assert await harness.in_db(reachable) is True
