"""Apply Alembic migrations from code (`main.py migrate`, bot start-up, tests)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from db.session import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "heads", engine: AsyncEngine | None = None) -> None:
    """Upgrade the database at `url` to `revision` on an existing or temporary engine.

    "heads": features add their migrations on their own branches; all of them are applied.
    """
    own = engine is None
    engine = engine or create_engine(url)
    config = alembic_config(url)

    def _run(connection) -> None:  # type: ignore[no-untyped-def]
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        if own:
            await engine.dispose()


def upgrade_sync(url: str, revision: str = "heads") -> None:
    asyncio.run(upgrade(url, revision))
