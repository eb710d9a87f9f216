"""Broadcast throughput through the loopback Telegram with its limits on.

    python bench/broadcast.py [--n 900] [--rate 28] [--blocked 0.02 --fail-rate 0.01 --drop-rate 0.005
                              --flood-at 0.6 --flood 3] [--paid-rate 300] [--database-url postgresql+asyncpg://…]

N recipients in one network, one broadcast, the real sender (outbox → limiter → aiogram → HTTP) against
tests/fakes/telegram_api.py enforcing 30 msg/s overall and ~1/s per chat. Prints messages per second
(overall and outside flood pauses) as a ratio to 30/s, over-limit 429s, lost and duplicate messages.
`--paid-rate R` measures ALLOW_PAID_BROADCAST: bulk rows use a second pacer at R msg/s and are marked
allow_paid_broadcast (the fake then allows 1000/s overall, as Telegram's paid tier does).
The whole process with a SIGKILL is tests/e2e/test_delivery_broadcast.py (run it with -s for its figures).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.common import until_drained  # noqa: E402
from bot.delivery import AiogramTransport, LimiterMiddleware  # noqa: E402
from bot.services import broadcasts, outbox  # noqa: E402
from bot.services.clock import SystemClock  # noqa: E402
from bot.services.ratelimit import Limits, RateLimiter  # noqa: E402
from bot.services.sender import Sender  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Membership, Network, School, User  # noqa: E402
from db.session import create_engine, make_sessionmaker  # noqa: E402
from tests.fakes.limits import LimitConfig  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TELEGRAM_RATE = 30.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=900, help="recipients")
    parser.add_argument("--rate", type=float, default=28.0, help="the limiter's global budget, msg/s")
    parser.add_argument("--blocked", type=float, default=0.0, help="share of recipients who blocked the bot")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of sends answered with 500")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of accepted sends whose answer is dropped")
    parser.add_argument("--flood-at", type=float, default=0.0, help="impose a flood wait after this share was sent")
    parser.add_argument("--flood", type=float, default=3.0, help="flood wait, seconds")
    parser.add_argument("--paid-rate", type=float, default=0.0, help="ALLOW_PAID_BROADCAST at this rate, msg/s")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


async def prepare(url: str, n: int, platforms: tuple[str, ...] = ("telegram",)) -> tuple[object, object, list[int]]:
    """A network of `n` members on each messenger of `platforms` (the same numbers on each: different people),
    one broadcast to all. Returns the engine, the sessionmaker and the numbers."""
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(url, engine=engine)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        network = Network(slug="bench", name="Бенчмарк", settings={})
        session.add(network)
        await session.flush()
        school = School(network_id=network.id, name="МОУ СОШ №1", status="shnor")
        session.add(school)
        await session.flush()
        users = [User(platform=platform, messenger_id=1_000_000 + i, full_name=f"Участник {i}")
                 for platform in platforms for i in range(n)]
        session.add_all(users)
        await session.flush()
        session.add_all([Membership(user_id=u.id, network_id=network.id, school_id=school.id) for u in users])
        await session.flush()
        started = time.perf_counter()
        broadcast, total = await broadcasts.create_broadcast(
            session, network, {"type": "text", "text": "Приглашаем на вебинар по функциональной грамотности",
                               "parse_mode": None}, "everyone", None, SystemClock(), ignore_quiet_hours=True)
        enqueue_seconds = time.perf_counter() - started
    print(f"enqueued {total} messages in {enqueue_seconds * 1000:.0f} ms")
    return engine, sessionmaker, [1_000_000 + i for i in range(n)]


async def main() -> None:
    args = parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    engine, sessionmaker, chats = await prepare(url, args.n)
    rng = random.Random(args.seed)
    blocked = set(rng.sample(chats, int(round(args.blocked * len(chats)))))
    paid = args.paid_rate > 0
    limits = LimitConfig(global_per_second=1000) if paid else True
    async with FakeTelegram(fail_rate=args.fail_rate, drop_rate=args.drop_rate, seed=args.seed,
                            limits=limits) as fake:
        fake.set_faults({"blocked": sorted(blocked)})
        bot = fake.make_bot()
        limiter = RateLimiter(Limits(global_per_sec=args.rate, paid_per_sec=args.paid_rate if paid else None))
        bot.session.middleware(LimiterMiddleware(limiter))
        sender = Sender(sessionmaker, AiogramTransport(bot), limiter, SystemClock(), "bench",
                        backoff_base=0.5, backoff_cap=4, paid_bulk=paid)

        async def flood() -> None:
            while len(fake.sent) < args.flood_at * len(chats):
                await asyncio.sleep(0.01)
            fake.flood_wait(args.flood)

        flooder = asyncio.create_task(flood()) if args.flood_at > 0 else None
        started = time.monotonic()
        task = asyncio.create_task(sender.run())
        counts = await until_drained(sessionmaker)
        wall = time.monotonic() - started
        sender.stop()
        await task
        if flooder:
            flooder.cancel()
        await bot.session.close()
        stats = fake.stats
        sent = [s for s in fake.sent if s.method == "sendMessage"]
    await engine.dispose()
    tmp.cleanup()

    received = Counter(s.chat_id for s in sent)
    reachable = set(chats) - blocked
    lost = len(reachable - set(received))
    duplicates = sum(count - 1 for count in received.values())
    span = (max(s.ts for s in sent) - min(s.ts for s in sent)) if len(sent) > 1 else 0.0
    rate = (len(sent) - 1) / span if span else 0.0
    paused = limiter.stats.paused_seconds
    active_rate = (len(sent) - 1) / (span - paused) if span > paused else rate
    budget = f"paid {args.paid_rate:g}/s" if paid else f"{args.rate:g}/s"
    print(f"recipients {len(chats)}, reachable {len(reachable)}, blocked {len(blocked)}; limiter budget {budget}")
    print(f"delivered {len(received)} in {span:.1f} s (wall {wall:.1f} s, paused {paused:.1f} s)")
    print(f"throughput {rate:.2f} msg/s = {rate / TELEGRAM_RATE:.3f} of 30/s; "
          f"outside pauses {active_rate:.2f} msg/s = {active_rate / TELEGRAM_RATE:.3f} of 30/s")
    if paid:
        marked = sum(1 for s in sent if s.params.get("allow_paid_broadcast") is True)
        print(f"paid: {marked} of {len(sent)} sends marked allow_paid_broadcast")
    print(f"over-limit 429s {stats.over_limit} ({stats.over_limit / max(1, stats.requests):.2%} of {stats.requests} "
          f"requests); flood 429s {stats.flood_429}; 500s {stats.failed_500}; 403s {stats.blocked_403}")
    print(f"lost {lost}; duplicates {duplicates} (dropped answers {stats.dropped}); "
          f"outbox: {', '.join(f'{k} {v}' for k, v in counts.items() if v)}")


if __name__ == "__main__":
    asyncio.run(main())
