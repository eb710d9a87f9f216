"""A flood from many accounts while one genuine person uses the bot: how long until each of their updates is answered.

    python bench/flood.py [--accounts 50] [--seconds 20] [--database-url postgresql+asyncpg://…]

The bot runs as a real process (`python main.py run`) polling the loopback Telegram (Telegram's limits on), which
lives in this script's process, so the fake's own work doesn't eat the bot's event loop. `--accounts` strangers
each send bursts of 10 messages, every time their own flood control (3 a second, bursts of 10) lets them — the
security review's attack — while one registered teacher sends /start and /menu in turn, once a second. The
latency of the teacher's update is from the moment it is queued at the fake to the moment the bot's answer
reaches the fake. The run is made twice: without the global budget on incoming updates (`UPDATES_PER_SEC=0`, as
before) and with it (the default). Prints p50/p95/max of the teacher's answers, and how many flood updates were
sent and answered.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import network_with  # noqa: E402
from tests.e2e.process import BotProcess, clean_env  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TEACHER = 3_000_001
FLOOD_FIRST = 3_100_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=50, help="flooding accounts")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each run floods")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    return parser.parse_args()


async def flood(fake: FakeTelegram, account: int, stop: float) -> int:
    """Bursts of 10 as often as the account's own flood control refills them (10 tokens at 3/s)."""
    pushed = 0
    while time.monotonic() < stop:
        for n in range(10):
            fake.push_update(fake.updates.message(account, f"привет {n}", first_name="Бот"))
            pushed += 1
        await asyncio.sleep(10 / 3 + 0.05)
    return pushed


async def genuine(fake: FakeTelegram, stop: float) -> list[float]:
    latencies: list[float] = []
    turn = 0
    while time.monotonic() < stop:
        command = "/start" if turn % 2 == 0 else "/menu"
        turn += 1
        mark = fake.last_seq
        queued = time.time()
        fake.push_update(fake.updates.command(TEACHER, command, first_name="Анна"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answer = next((s for s in fake.sent_to(TEACHER) if s.seq > mark), None)
            if answer is not None:
                latencies.append(answer.ts - queued)
                break
            await asyncio.sleep(0.005)
        else:
            latencies.append(60.0)
        await asyncio.sleep(max(0.0, 1.0 - (time.time() - queued)))
    return latencies


async def run(url: str, accounts: int, seconds: float, budget: bool, log: Path) -> tuple[list[float], int, int]:
    async with FakeTelegram(limits=True) as fake:
        env = clean_env(BOT_TOKEN=fake.token, BOT_API_URL=fake.base_url, DATABASE_URL=url, LOG_LEVEL="WARNING",
                        UPDATES_PER_SEC="20" if budget else "0")
        bot = await BotProcess(env, log).start()
        try:
            await bot.polling(fake)
            await asyncio.sleep(1.0)
            stop = time.monotonic() + seconds
            floods = [asyncio.create_task(flood(fake, FLOOD_FIRST + n, stop)) for n in range(accounts)]
            await asyncio.sleep(1.0)  # the flood is on
            latencies = await genuine(fake, stop)
            pushed = sum(await asyncio.gather(*floods))
            answered = sum(1 for s in fake.sent if isinstance(s.chat_id, int) and s.chat_id >= FLOOD_FIRST)
        finally:
            await bot.stop()
    return latencies, pushed, answered


def quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], ordered[-1]


async def main() -> None:
    args = parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    await network_with(url, [(TEACHER, "Петрова Анна Сергеевна", False)])
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{args.accounts} accounts flooding in bursts of 10 for {args.seconds:.0f} s, one teacher sending "
          f"/start and /menu once a second; {database}, loopback Telegram with its limits on")
    for label, budget in (("before: no global budget", False), ("after: the default budget", True)):
        latencies, pushed, answered = await run(url, args.accounts, args.seconds, budget, Path(tmp.name) / "bot.log")
        p50, p95, worst = quantiles(latencies)
        print("   ", " ".join(f"{x:.2f}" for x in latencies))
        print(f"{label:26} teacher's answers ({len(latencies)}): p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
              f"max {worst * 1000:6.0f} ms | flood: {pushed} updates, {answered} answered")
    tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
