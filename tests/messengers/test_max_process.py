"""`python main.py run` with only MAX settings: the process serves MAX people over long polling."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, reset_database
from tests.e2e.process import BotProcess, clean_env, cli_async, wait_until
from tests.fakes.max_api import FakeMax

pytestmark = pytest.mark.e2e

ANNA = 5_000_001


async def test_a_max_only_bot_starts_greets_a_stranger_and_registers_by_an_invite(tmp_path: Path) -> None:
    if TEST_DATABASE_URL:
        await reset_database(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with FakeMax() as fake:  # MAX's limits on
        env = clean_env(MAX_BOT_TOKEN=fake.token, MAX_API_URL=fake.base_url, DATABASE_URL=url, LOG_LEVEL="INFO",
                        SHUTDOWN_GRACE_SEC="5")
        await cli_async(env, "migrate")
        await cli_async(env, "network", "create", "--slug", "luga", "--name", "Лужский район")
        out = await cli_async(env, "invite", "create", "--network", "luga", "--role", "participant")
        assert out.startswith("https://max.ru/nastavnik_bot?start="), out  # the name from MAX's GET /me
        code = out.split("start=")[1].split()[0]
        bot = await BotProcess(env, tmp_path / "bot.log").start()
        try:
            await wait_until(lambda: fake.calls_to("GET", "/updates") or not bot.alive, 60, "MAX polling")
            assert bot.alive, bot.log()[-3000:]
            stranger = fake.person(ANNA + 1, "Пётр")
            fake.start(stranger)
            greeting = await fake.wait_for(lambda s: "Сетевой наставник" in s.text, user_id=stranger.user_id,
                                           timeout=15)
            assert any("Подать заявку" in b for b in greeting.button_texts)

            anna = fake.person(ANNA, "Анна")
            fake.start(anna, payload=code)
            await fake.wait_for(lambda s: "Лужский район" in s.text, user_id=ANNA, timeout=15)
            since = fake.last_seq
            fake.tap(anna, "Даю согласие")
            await fake.wait_for(lambda s: s.kind == "answer", user_id=ANNA, since=since, timeout=15)
            await asyncio.sleep(0.5)
            assert fake.unanswered() == []
            assert fake.commands and fake.commands[0]["name"] == "start"
        finally:
            assert await bot.stop() == 0, bot.log()[-3000:]
        assert "Traceback" not in bot.log(), bot.log()[-3000:]
