"""The issue's check for a network split across both messengers: 300 Telegram and 300 MAX demo members (the same
numbers on both, so each number is two people), `python main.py run` against both loopback APIs with their
limits on, 2% blocked on each, a broadcast from the CLI, SIGKILL at 35% and a restart.

Every reachable member gets the message (a second copy only for a row on the wire at the SIGKILL), the blocked
ones are marked unreachable on their own messenger, and neither fake saw its limits broken beyond a stray 429.
Run with `-s` to see the figures per messenger (docs/messengers.md and the README quote them).
"""
from __future__ import annotations

import asyncio
import random
import re
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import User
from db.session import create_engine, make_sessionmaker
from tests.e2e.process import BotProcess, clean_env, cli_async
from tests.e2e.test_delivery_broadcast import (SEND_METHODS, TELEGRAM_RATE, Figures, database, figures_of,
                                               first_attempt_duplicates, wait_settled)
from tests.fakes.max_api import FakeMax
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

N = 300  # on each messenger
FIRST = 300_000
TEXT = "Проверка доставки: совещание наставников в среду в 14:00, кабинет 12"
MAX_RATE = 28.0  # the bot's own pace for MAX (about 30 requests a second in all)


def max_sends(fake: FakeMax) -> list[tuple[int, float]]:
    return [(int(s.user_id), s.ts) for s in fake.sent if s.kind == "send" and s.text == TEXT]  # type: ignore[arg-type]


def tg_sends(fake: FakeTelegram) -> list[tuple[int, float]]:
    return [(int(s.chat_id), s.ts) for s in fake.sent if s.text == TEXT]  # type: ignore[arg-type]


async def unreachable_accounts(url: str) -> set[tuple[str, int]]:
    engine = create_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(select(User.platform, User.messenger_id)
                                          .where(User.is_reachable.is_(False)))).all()
    finally:
        await engine.dispose()
    return {(platform, int(number)) for platform, number in rows}


async def test_a_broadcast_split_across_telegram_and_max_survives_sigkill(tmp_path: Path) -> None:
    async with FakeTelegram(seed=7) as tg, FakeMax(seed=7) as mx:  # both with their limits on
        url = await database(tmp_path)
        env = clean_env(BOT_TOKEN=tg.token, BOT_API_URL=tg.base_url, MAX_BOT_TOKEN=mx.token, MAX_API_URL=mx.base_url,
                        DATABASE_URL=url, LOG_LEVEL="WARNING", SHUTDOWN_GRACE_SEC="5")
        await cli_async(env, "migrate")
        for messenger in ("telegram", "max"):
            await cli_async(env, "demo-data", "--network", "split", "--participants", str(N), "--id-start",
                            str(FIRST), "--messenger", messenger)
        numbers = list(range(FIRST, FIRST + N))
        for number in numbers:
            mx.person(number)  # every MAX member has started the bot once
        blocked_tg = set(random.Random(1).sample(numbers, N * 2 // 100))
        blocked_max = set(random.Random(2).sample(numbers, N * 2 // 100))
        tg.set_faults({"blocked": sorted(blocked_tg)})
        mx.stopped.update(blocked_max)
        reach_tg, reach_max = set(numbers) - blocked_tg, set(numbers) - blocked_max
        out = await cli_async(env, "broadcast", "--network", "split", "--text", TEXT)
        found = re.search(r"Рассылка №(\d+) .* получателей: (\d+)", out)
        assert found and int(found.group(2)) == 2 * N, out
        broadcast_id = int(found.group(1))

        log = tmp_path / "bot.log"
        loop = asyncio.get_running_loop()
        started = loop.time()
        bot = await BotProcess(env, log).start()
        killed = False
        try:
            while True:
                await asyncio.sleep(0.02)
                got_tg = {c for c, _ in tg_sends(tg)}
                got_max = {c for c, _ in max_sends(mx)}
                if not killed and len(got_tg) + len(got_max) >= 0.35 * (len(reach_tg) + len(reach_max)):
                    await bot.stop(signal.SIGKILL)
                    killed = True
                    print(f"\nSIGKILL at {len(got_tg)} Telegram + {len(got_max)} MAX delivered, "
                          f"{loop.time() - started:.1f} s")
                    bot = await BotProcess(env, log).start()
                if reach_tg <= got_tg and reach_max <= got_max:
                    break
                assert loop.time() - started < 240, f"not everyone got it; the bot said:\n{bot.log()[-3000:]}"
                assert bot.alive, f"the bot exited:\n{bot.log()[-3000:]}"
            status = await wait_settled(env, broadcast_id)
        finally:
            code = await bot.stop(signal.SIGTERM)
        wall = loop.time() - started
        assert code == 0, bot.log()[-3000:]
        dup_tg = {c for c, n in Counter(c for c, _ in tg_sends(tg)).items() if n > 1}
        dup_max = {c for c, n in Counter(c for c, _ in max_sends(mx)).items() if n > 1}
        tg_calls = sum(1 for c in tg.calls if c.method.startswith(SEND_METHODS) and c.method != "sendChatAction")
        telegram = figures_of(tg_sends(tg), reach_tg, await first_attempt_duplicates(url, dup_tg, "telegram"),
                              dropped=tg.stats.dropped, over_limit=tg.stats.over_limit, send_calls=tg_calls,
                              limit=TELEGRAM_RATE)
        max_ = figures_of(max_sends(mx), reach_max, await first_attempt_duplicates(url, dup_max, "max"),
                          dropped=0, over_limit=mx.stats.over_limit,
                          send_calls=len(mx.calls_to("POST", "/messages")), limit=MAX_RATE)
        marked = await unreachable_accounts(url)
    print(f"{N} Telegram + {N} MAX demo members, wall {wall:.1f} s")
    print(f"Telegram: {telegram.show()}")
    print(f"MAX: {max_.show()}")
    print(status)

    def check(figures: Figures, blocked: set[int], sends: list[tuple[int, float]]) -> None:
        assert figures.lost == 0, figures.show()
        assert not blocked & {c for c, _ in sends}, "people who blocked the bot got nothing"
        # At least once across a SIGKILL: a row sent but not yet marked goes again. Every duplicate must be one of
        # those (sent at its first attempt, unmarked), and there are at most a second's worth in flight.
        assert figures.duplicates <= figures.on_the_wire, "a duplicate that no SIGKILL explains"
        assert figures.on_the_wire <= figures.limit, figures.show()
        assert figures.over_limit <= 0.02 * figures.send_calls, figures.show()

    check(telegram, blocked_tg, tg_sends(tg))
    check(max_, blocked_max, max_sends(mx))
    assert marked == {("telegram", n) for n in blocked_tg} | {("max", n) for n in blocked_max}, \
        "each blocked account is marked on its own messenger; the namesake on the other stays reachable"
    reachable = len(reach_tg) + len(reach_max)
    assert f"Доставлено: {reachable} из {2 * N}" in status, status
    assert f"недоступны: {len(blocked_tg) + len(blocked_max)}" in status, status
