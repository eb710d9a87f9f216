"""Broadcast throughput over MAX: the real sender through the MAX transport, against the loopback MAX API
with MAX's limits on (30 requests/s in all, 2 messages/s per dialog).

    python bench/max_broadcast.py [--n 600] [--rate 28] [--stopped 0.02] [--fail-rate 0.01] [--database-url …]
    python bench/max_broadcast.py --split [--n 300] [--stopped 0.02]

The recipients are MAX accounts. Prints messages per second as a ratio to 30/s, over-limit 429s, people marked
unreachable, lost and duplicate messages, and how long the MAX id store took to save every message's mid.

`--split`: a network of N Telegram and N MAX members (the same numbers on both), one broadcast, the delivery
runtime as `run` builds it (one sender and limiter per messenger) against both loopback APIs with their limits
on. Prints msg/s, 429s, lost and duplicates per messenger.
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
from bench.common import until_drained  # noqa: E402
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
    parser.add_argument("--split", action="store_true", help="N on Telegram and N on MAX, both at once")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    if args.split:
        await split(args)
        return
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    engine, sessionmaker, people = await prepare(url, args.n, ("max",))
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
        counts = await until_drained(sessionmaker)
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


def _rate(stamps: list[float]) -> tuple[float, float]:
    """(msg/s, span) over one messenger's sends."""
    stamps = sorted(stamps)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return ((len(stamps) - 1) / span if span else 0.0), span


async def split(args: argparse.Namespace) -> None:
    from bot.delivery import setup_delivery
    from tests.fakes.telegram_api import FakeTelegram

    n = args.n if args.n != 600 else 300
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    engine, sessionmaker, numbers = await prepare(url, n, ("telegram", "max"))
    stopped_tg = set(random.Random(args.seed).sample(numbers, int(round(args.stopped * n))))
    stopped_max = set(random.Random(args.seed + 1).sample(numbers, int(round(args.stopped * n))))
    async with FakeTelegram(seed=args.seed) as tg, FakeMax(seed=args.seed) as mx:
        for number in numbers:
            mx.person(number)
        mx.stopped.update(stopped_max)
        tg.set_faults({"blocked": sorted(stopped_tg)})
        settings = load_settings(_env_file=None, bot_token=tg.token, bot_api_url=tg.base_url,
                                 max_bot_token=SecretStr(mx.token), max_api_url=mx.base_url, database_url=url,
                                 rate_global_per_sec=args.rate)
        tg_bot, max_bot = tg.make_bot(), build_max_bot(settings, sessionmaker)
        runtime = setup_delivery({"telegram": tg_bot, "max": max_bot}, sessionmaker, settings, SystemClock(),
                                 worker_id="bench", progress=False)
        started = time.monotonic()
        await runtime.start()
        counts = await until_drained(sessionmaker)
        wall = time.monotonic() - started
        await runtime.stop()
        await tg_bot.session.close()
        await max_bot.session.close()
        ledgers = {
            "Telegram": ([(int(s.chat_id), s.ts) for s in tg.sent if s.method == "sendMessage"],
                         set(numbers) - stopped_tg, tg.stats.over_limit, tg.stats.flood_429),
            "MAX": ([(int(s.user_id), s.ts) for s in mx.sent if s.kind == "send"],
                    set(numbers) - stopped_max, mx.stats.over_limit, mx.stats.flood_429),
        }
    async with sessionmaker() as session:
        marked = dict((await session.execute(select(User.platform, func.count()).where(
            User.is_reachable.is_(False)).group_by(User.platform))).all())
    await engine.dispose()
    tmp.cleanup()
    print(f"split broadcast: {n} Telegram + {n} MAX members, blocked {len(stopped_tg)} + {len(stopped_max)}; "
          f"wall {wall:.1f} s; outbox: {', '.join(f'{k} {v}' for k, v in counts.items() if v)}")
    for name, (sends, reachable, over_limit, flood) in ledgers.items():
        received = Counter(chat for chat, _ in sends)
        rate, span = _rate([ts for _, ts in sends])
        limit = 30.0
        platform = "telegram" if name == "Telegram" else "max"
        print(f"{name}: delivered {len(reachable & set(received))}/{len(reachable)} in {span:.1f} s, "
              f"{rate:.2f} msg/s = {rate / limit:.3f} of 30/s; 429s {over_limit + flood}; "
              f"lost {len(reachable - set(received))}; duplicates {sum(c - 1 for c in received.values())}; "
              f"marked unreachable {marked.get(platform, 0)}")


if __name__ == "__main__":
    asyncio.run(main())
