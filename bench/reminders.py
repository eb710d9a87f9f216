"""Planning event reminders: 10,000 participants × 300 announced events.

    python bench/reminders.py [--participants 10000] [--events 300] [--days 270] [--all-due]
                              [--database-url postgresql+asyncpg://…]

The scheduler's planner (`reminders.plan_upcoming`, every 5 minutes) makes outbox rows for the reminders whose
moment is within the next day, for every network; the rest of the year is planned as it comes. So the figure
that matters is one pass over the 300 events with 10,000 people each: seconds and peak memory (tracemalloc,
on an identical copy of the database). It prints:

* the first pass over a school year of events (300 spread over `--days`, the first ones tomorrow);
* the same pass again (idempotent: nothing new, what every later pass costs);
* a pass after a day has gone by (the next day's reminders);
* with `--all-due K`, the worst case: K events all tomorrow, so all their rows in one pass (rows/s; 300 would
  be 6 million rows, several GB of outbox — measure a part and read the rate).
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.services.clock import FrozenClock  # noqa: E402
from bot.services.events import core, reminders  # noqa: E402
from bot.services.events.times import Slot  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import EventStatus, Membership, Network, OutboxMessage, User  # noqa: E402
from db.session import create_engine, make_sessionmaker  # noqa: E402

START = datetime(2026, 9, 1, 6, 0, tzinfo=timezone.utc)  # 9:00 in Moscow, the first school day


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--days", type=int, default=270, help="the events are spread over this many days")
    parser.add_argument("--all-due", type=int, default=0, metavar="K",
                        help="also the worst case: K events all tomorrow (every row of them in one pass)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    return parser.parse_args()


async def prepare(url: str, participants: int, events: int, days: float) -> None:
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(url, engine=engine)
    clock = FrozenClock(START)
    async with make_sessionmaker(engine).begin() as session:
        network = Network(slug="bench", name="Бенчмарк", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        for first in range(0, participants, 5000):
            await session.execute(insert(User), [
                {"messenger_id": 3_000_000 + i, "full_name": f"Участник {i:05d}", "subjects": [], "language": "ru",
                 "consent_at": START, "notification_prefs": {}, "is_reachable": True}
                for i in range(first, min(participants, first + 5000))])
        ids = (await session.scalars(select(User.id))).all()
        for first in range(0, len(ids), 5000):
            await session.execute(insert(Membership), [
                {"user_id": uid, "network_id": network.id, "is_participant": True, "is_mentor": False,
                 "is_coordinator": False, "directions": [], "is_active": True} for uid in ids[first:first + 5000]])
        step = timedelta(days=days) / max(1, events)
        for i in range(events):
            start = START + timedelta(days=1, hours=6) + step * i  # the first one tomorrow afternoon
            event = await core.create_event(session, network, title=f"Семинар №{i + 1}", kind="seminar",
                                            slot=Slot(start, start + timedelta(minutes=90), False), clock=clock)
            event.status, event.announced_at = EventStatus.ANNOUNCED.value, START - timedelta(days=1)
    await engine.dispose()


async def planner_pass(url: str, at: datetime, *, trace: bool = False) -> tuple[float, int, float]:
    """One pass of the scheduler's planner; returns seconds, new rows, peak MiB (traced runs only)."""
    engine = create_engine(url)
    sessionmaker = make_sessionmaker(engine)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        rows = await reminders.plan_upcoming(session, FrozenClock(at))
    seconds = time.perf_counter() - started
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    await engine.dispose()
    return seconds, rows, peak


async def count_rows(url: str) -> int:
    engine = create_engine(url)
    async with make_sessionmaker(engine)() as session:
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    return int(total or 0)


def copy_sqlite(url: str, name: str) -> str:
    source = Path(url.split("///", 1)[1])
    target = source.with_name(name)
    shutil.copyfile(source, target)
    return f"sqlite+aiosqlite:///{target}"


async def measure(url: str, label: str, at: datetime) -> None:
    traced_url = copy_sqlite(url, f"traced-{label}.sqlite3") if url.startswith("sqlite") else None
    seconds, rows, _ = await planner_pass(url, at)
    memory = ""
    if traced_url:  # the same pass again on an identical copy, traced (tracemalloc slows it down)
        memory = f"; peak Python memory {(await planner_pass(traced_url, at, trace=True))[2]:.1f} MiB"
    rate = f", {rows / seconds:,.0f} rows/s" if rows else ""
    print(f"{label:44} {seconds:7.2f} s  {rows:>9,} rows{rate}{memory}")


async def main() -> None:
    args = parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{args.participants:,} participants × {args.events} announced events over {args.days} days, "
          f"offsets 1 day and 1 hour, {database}")
    started = time.perf_counter()
    await prepare(url, args.participants, args.events, args.days)
    print(f"(set-up {time.perf_counter() - started:.1f} s)")
    await measure(url, "first planner pass (reminders due in a day)", START)
    await measure(url, "the same pass again (idempotent)", START + timedelta(minutes=5))
    await measure(url, "a pass a day later", START + timedelta(days=1))
    print(f"outbox rows now: {await count_rows(url):,}")
    if args.all_due:
        worst = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/worst.sqlite3"
        await prepare(worst, args.participants, args.all_due, 1 / 24)
        await measure(worst, f"worst case: {args.all_due} events all tomorrow", START + timedelta(days=1))
    print(f"max RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
