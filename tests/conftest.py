"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL), a frozen clock,
the loopback Telegram, and the real bot application wired to them."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.clock import FrozenClock
from db.migrate import upgrade
from db.session import create_engine, is_sqlite

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


async def reset_database(url: str) -> None:
    """PostgreSQL: an empty public schema, so every test starts from the first migration."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(autouse=True)
def no_audience_kind_leaks() -> Iterator[None]:
    """Audience kinds are process-wide: a test that adds or removes one («event» left out to test the broadcast
    dialog without the events feature) must not change what later tests see."""
    from bot.services import audiences

    saved = (dict(audiences._extensions), dict(audiences._choices))  # noqa: SLF001
    yield
    audiences._extensions.clear()  # noqa: SLF001
    audiences._extensions.update(saved[0])  # noqa: SLF001
    audiences._choices.clear()  # noqa: SLF001
    audiences._choices.update(saved[1])  # noqa: SLF001


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    if TEST_DATABASE_URL and not is_sqlite(TEST_DATABASE_URL):
        await reset_database(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))


ADMIN_ID = 900_001  # a Telegram id (ADMIN_IDS)
MAX_ADMIN_ID = 900_002  # a MAX id (MAX_ADMIN_IDS)
FAST_LIMITS = {"rate_global_per_sec": 10_000, "rate_chat_per_sec": 10_000, "rate_group_per_min": 10_000,
               "throttle_per_sec": 1_000, "throttle_burst": 1_000, "updates_per_sec": 10_000, "updates_burst": 10_000}


@pytest.fixture
async def fake_telegram():  # type: ignore[no-untyped-def]
    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(limits=False) as fake:
        yield fake


@pytest.fixture
def test_settings(database_url: str, fake_telegram):  # type: ignore[no-untyped-def]
    from bot.config import load_settings

    return load_settings(_env_file=None, bot_token=fake_telegram.token, bot_api_url=fake_telegram.base_url,
                         database_url=database_url, admin_ids=[ADMIN_ID], max_admin_ids=[MAX_ADMIN_ID],
                         redis_url=TEST_REDIS_URL,
                         **FAST_LIMITS)


@pytest.fixture
async def harness(engine, test_settings, fake_telegram, clock):  # type: ignore[no-untyped-def]
    """The real application (dispatcher, middlewares, database) talking to the loopback Telegram."""
    from bot.app import build_app, build_bot
    from tests.harness import BotHarness

    app = build_app(test_settings, clock=clock, engine=engine)
    if TEST_REDIS_URL:
        await app.storage.redis.flushdb()  # type: ignore[attr-defined]
    bot = build_bot(test_settings)
    app.dispatcher["bot_names"].add(bot)  # as run() does: the Telegram bot served (invites link to it)
    yield BotHarness(app=app, bot=bot, fake=fake_telegram)
    await bot.session.close()
    await app.storage.close()
