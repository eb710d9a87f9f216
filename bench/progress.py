"""What a broadcast's live progress costs with a long queue in front of it.

    python bench/progress.py [--people 10000] [--queued 50000] [--database-url postgresql+asyncpg://…]

The honest ETA (`broadcasts.broadcast_progress`) places the broadcast's last message in the sender's queue
(priority, not_before, id) — every due row counts, other broadcasts and reminders too. The leader's tick edits
each live progress message every few seconds, so this query runs that often per open broadcast. It prints the
median and worst time of one progress reading with `--queued` other messages ahead and a broadcast to
`--people` behind them, then the same while half of the queue has gone out.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text, update  # noqa: E402

from bot.services import broadcasts  # noqa: E402
from bot.services.clock import FrozenClock  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Membership, Network, OutboxMessage, User  # noqa: E402
from db.models.outbox import OutboxStatus, Priority  # noqa: E402
from db.session import create_engine, make_sessionmaker  # noqa: E402

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
PAYLOAD = {"type": "text", "text": "Семинар переносится на пятницу"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000, help="recipients of the broadcast measured")
    parser.add_argument("--queued", type=int, default=50_000, help="other messages due ahead of it")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/progress.sqlite3"
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(url, engine=engine)
    clock = FrozenClock(NOW)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        network = Network(slug="bench", name="Бенчмарк", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        for first in range(0, args.people, 5000):
            await session.execute(insert(User), [
                {"messenger_id": 4_000_000 + i, "full_name": f"Участник {i:05d}", "subjects": [], "language": "ru",
                 "consent_at": NOW, "notification_prefs": {}, "is_reachable": True}
                for i in range(first, min(args.people, first + 5000))])
        ids = (await session.scalars(select(User.id))).all()
        for first in range(0, len(ids), 5000):
            await session.execute(insert(Membership), [
                {"user_id": uid, "network_id": network.id, "is_participant": True, "is_mentor": False,
                 "is_coordinator": False, "directions": [], "is_active": True} for uid in ids[first:first + 5000]])
        for first in range(0, args.queued, 5000):  # what is due ahead: reminders and another broadcast
            await session.execute(insert(OutboxMessage), [
                {"chat_id": 5_000_000 + i, "kind": "reminder", "priority": Priority.BULK.value, "payload": PAYLOAD,
                 "not_before": NOW - timedelta(minutes=1), "dedupe_key": f"bench:ahead:{i}",
                 "status": OutboxStatus.PENDING.value, "attempts": 0}
                for i in range(first, min(args.queued, first + 5000))])
        broadcast, total = await broadcasts.create_broadcast(session, network, PAYLOAD, "everyone", None, clock)

    async def measure(label: str) -> None:
        times = []
        for _ in range(args.rounds):
            async with sessionmaker() as session:
                started = time.perf_counter()
                progress = await broadcasts.broadcast_progress(session, broadcast.id, clock=clock, rate=28)
                times.append(time.perf_counter() - started)
        print(f"{label}: ahead {progress.ahead}, ETA {progress.eta_seconds:.0f} s; one reading "
              f"median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms")

    print(f"{engine.dialect.name}: a broadcast to {total} behind {args.queued} due messages")
    await measure("queued behind")
    async with sessionmaker.begin() as session:  # half of what was ahead has gone out
        await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key.like("bench:ahead:%"),
                                                          OutboxMessage.chat_id < 5_000_000 + args.queued // 2)
                              .values(status=OutboxStatus.SENT.value, sent_at=NOW))
    await measure("half sent")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
