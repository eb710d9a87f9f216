"""ALLOW_PAID_BROADCAST: bulk rows may go faster than the free 30/s (Telegram charges Stars for it), marked with
allow_paid_broadcast; personal messages stay on the free budget."""
from __future__ import annotations

import asyncio

from bot.config import load_settings
from bot.delivery import setup_delivery
from bot.services import broadcasts, outbox
from bot.services.clock import SystemClock
from tests.delivery.conftest import populate
from tests.fakes.limits import LimitConfig
from tests.fakes.telegram_api import FakeTelegram


async def test_paid_broadcasts_use_the_paid_rate_and_say_so(database_url, engine, sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        population = await populate(session, people=150)
        await broadcasts.create_broadcast(session, population.network, {"type": "text", "text": "Платная рассылка"},
                                          "everyone", None, clock)
        await outbox.enqueue(session, chat_id=population.users[0].messenger_id, user_id=population.users[0].id,
                             payload={"type": "text", "text": "Личное"}, kind="notification",
                             dedupe_key="personal:1", clock=clock)
    # The paid tier's limit is Telegram's business; the fake only keeps the per-chat limits here.
    async with FakeTelegram(limits=LimitConfig(global_per_second=1000)) as fake:
        settings = load_settings(_env_file=None, bot_token=fake.token, bot_api_url=fake.base_url,
                                 database_url=database_url, allow_paid_broadcast=True, rate_paid_per_sec=200)
        bot = fake.make_bot()
        runtime = setup_delivery(bot, sessionmaker, settings, SystemClock(), worker_id="paid")
        assert runtime.ticks, "live broadcast progress is wired by default"
        assert runtime.limiter.limits.paid_per_sec == 200
        await runtime.start()
        try:
            for _ in range(200):
                await asyncio.sleep(0.05)
                if len(fake.sent) >= 151:
                    break
        finally:
            await runtime.stop()
            await bot.session.close()
    bulk = [s for s in fake.sent if s.text == "Платная рассылка"]
    personal = [s for s in fake.sent if s.text == "Личное"]
    assert len(bulk) == 150 and len(personal) == 1
    assert all(s.params.get("allow_paid_broadcast") is True for s in bulk)
    assert "allow_paid_broadcast" not in personal[0].params
    span = max(s.ts for s in bulk) - min(s.ts for s in bulk)
    assert 149 / span > 60, f"{149 / span:.0f} msg/s: the paid budget, not the free 28/s"
    assert fake.stats.over_limit == 0
