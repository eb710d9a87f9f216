"""Engine and session factory: SQLite tuned for a bot (WAL, busy timeout, FKs), PostgreSQL as is."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A handler keeps its connection while it waits for Telegram's rate limiter; a small pool would make
# every update queue behind the slowest replies. SQLite connections are cheap threads.
SQLITE_POOL = {"pool_size": 64, "max_overflow": 64, "pool_timeout": 60}
POSTGRES_POOL = {"pool_size": 20, "max_overflow": 40, "pool_timeout": 60}


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, echo: bool = False, hide_parameters: bool = True) -> AsyncEngine:
    """`hide_parameters`: SQL logs and errors show statements without their values (names, answers, ids)
    unless the operator asked for them (LOG_SQL_PARAMETERS)."""
    if is_sqlite(url):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, echo=echo, hide_parameters=hide_parameters,
                                     connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **SQLITE_POOL)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, echo=echo, hide_parameters=hide_parameters, pool_pre_ping=True, **POSTGRES_POOL)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
