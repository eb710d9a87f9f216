"""Broadcast throughput over MAX: the real sender through the MAX transport, against the loopback MAX API
with MAX's limits on (30 requests/s in all, 2 messages/s per dialog).

    python bench/max_broadcast.py [--n 600] [--rate 28] [--stopped 0.02] [--fail-rate 0.01] [--database-url …]

Phase 1: the recipients are MAX people kept where Telegram ids would be (docs/messengers.md). Prints messages
per second as a ratio to 30/s, over-limit 429s, people marked unreachable, lost and duplicate messages, and how
long the MAX id store took to save every message's mid.
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

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.broadcast import prepare  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.delivery import AiogramTransport, LimiterMiddleware  # noqa: E402
from bot.messengers.max.bot import build_max_bot  # noqa: E402
from bot.services import outbox  # noqa: E402
from bot.services.clock import SystemClock  # noqa: E402
from bot.services.ratelimit import Limits, RateLimiter  # noqa: E402
from bot.services.sender import Sender  # noqa: E402
from db.models import MaxMessageRef, User  # noqa: E402
from tests.fakes.max_api import FakeMax  # noqa: E402

MAX_RATE = 30.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=600, help="recipients")
    parser.add_argument("--rate", type=float, default=28.0, help="the limiter's global budget, msg/s")
    parser.add_argument("--stopped", type=float, default=0.02, help="share of people who stopped the bot")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of sends answered with 500")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    engine, sessionmaker, people = await prepare(url, args.n)
    rng = random.Random(args.seed)
    stopped = set(rng.sample(people, int(round(args.stopped * len(people)))))
    async with FakeMax(seed=args.seed) as fake:
        for user_id in people:
            fake.person(user_id)
        fake.stopped.update(stopped)
        fake.fail_rate = args.fail_rate
        settings = load_settings(_env_file=None, max_bot_token=SecretStr(fake.token), max_api_url=fake.base_url,
                                 database_url=url)
        bot = build_max_bot(settings, sessionmaker)
        limiter = RateLimiter(Limits(global_per_sec=args.rate, chat_per_sec=2.0))
        bot.session.middleware(LimiterMiddleware(limiter))
        sender = Sender(sessionmaker, AiogramTransport(bot), limiter, SystemClock(), "bench",
                        backoff_base=0.5, backoff_cap=4)
        started = time.monotonic()
        task = asyncio.create_task(sender.run())
        while True:
            await asyncio.sleep(0.1)
            async with sessionmaker() as session:
                counts = await outbox.status_counts(session)
            if counts["pending"] + counts["sending"] == 0:
                break
        wall = time.monotonic() - started
        sender.stop()
        await task
        flush_started = time.perf_counter()
        await bot.session.close()  # saves the ids still waiting
        flush_ms = (time.perf_counter() - flush_started) * 1000
        sent = [s for s in fake.sent if s.kind == "send"]
        stats = fake.stats
    async with sessionmaker() as session:
        saved = await session.scalar(select(func.count()).select_from(MaxMessageRef))
        unreachable = await session.scalar(select(func.count()).select_from(User).where(User.is_reachable.is_(False)))
    await engine.dispose()
    tmp.cleanup()

    received = Counter(s.user_id for s in sent)
    reachable = set(people) - stopped
    span = (max(s.ts for s in sent) - min(s.ts for s in sent)) if len(sent) > 1 else 0.0
    rate = (len(sent) - 1) / span if span else 0.0
    print(f"recipients {len(people)}, reachable {len(reachable)}, stopped the bot {len(stopped)}; "
          f"limiter budget {args.rate:g}/s")
    print(f"delivered {len(received)} in {span:.1f} s (wall {wall:.1f} s); "
          f"throughput {rate:.2f} msg/s = {rate / MAX_RATE:.3f} of 30/s")
    print(f"over-limit 429s {stats.over_limit} of {stats.requests} requests; 500s {stats.failed_500}; "
          f"403 chat.denied {stats.denied_403}; marked unreachable {unreachable}")
    print(f"lost {len(reachable - set(received))}; duplicates {sum(c - 1 for c in received.values())}; "
          f"mids saved {saved} of {len(sent)} (last flush {flush_ms:.0f} ms); "
          f"outbox: {', '.join(f'{k} {v}' for k, v in counts.items() if v)}")


if __name__ == "__main__":
    asyncio.run(main())
