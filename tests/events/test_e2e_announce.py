"""The bot as a process against the loopback Telegram with its limits on: an announcement from the CLI reaches
300 demo participants with RSVP buttons, and 300 simultaneous taps on «Пойду» are all answered."""
from __future__ import annotations

import asyncio
import json
import signal
import statistics
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, reset_database
from tests.e2e.process import BotProcess, clean_env, cli, cli_async, wait_until
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

PEOPLE = 300
FIRST = 40_000
TITLE = "Вебинар «Читательская грамотность: задания PISA на уроке»"


@pytest.fixture
async def fake() -> FakeTelegram:  # type: ignore[misc]
    async with FakeTelegram() as telegram:  # Telegram's limits on: 30/s overall, ~1/s per chat
        yield telegram


@pytest.fixture
async def env(tmp_path: Path, fake: FakeTelegram) -> dict[str, str]:
    if TEST_DATABASE_URL:
        await reset_database(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    env = clean_env(BOT_TOKEN=fake.token, BOT_API_URL=fake.base_url, DATABASE_URL=url, ADMIN_IDS="42",
                    LOG_LEVEL="INFO", SHUTDOWN_GRACE_SEC="5")
    if TEST_REDIS_URL:
        env["REDIS_URL"] = TEST_REDIS_URL
    cli(env, "demo-data", "--network", "demo", "--participants", str(PEOPLE), "--telegram-id-start", str(FIRST))
    return env


def _announcement(fake: FakeTelegram, chat_id: int) -> tuple[int, str] | None:
    for sent in fake.sent_to(chat_id):
        if sent.method == "sendMessage" and TITLE in (sent.plain_text or ""):
            going = next((b for b in sent.buttons if b.get("text") == "Пойду"), None)
            if going is not None:
                return sent.message_id, going["callback_data"]
    return None


async def test_cli_announcement_reaches_300_and_300_taps_are_answered(fake: FakeTelegram, env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await bot.polling(fake)
        out = await cli_async(env, "event", "add", "--network", "demo", "--title", TITLE, "--start",
                              "2030-12-01T15:00", "--kind", "webinar", "--link", "https://example.org/webinar",
                              "--announce")
        assert f"получателей {PEOPLE}" in out
        chats = range(FIRST, FIRST + PEOPLE)
        await wait_until(lambda: all(_announcement(fake, c) for c in chats), timeout=120,
                         what="the announcement in every chat")
        for chat in chats:
            sent = next(s for s in fake.sent_to(chat) if TITLE in (s.plain_text or ""))
            assert sent.button_texts == ["Пойду", "Не смогу", "📅 В календарь"]
        assert len([s for s in fake.sent if TITLE in (s.plain_text or "")]) == PEOPLE, "each exactly once"
        # The limiter paces under Telegram's limits; on a loaded machine a rare 429 is retried, not lost.
        assert fake.stats.over_limit <= PEOPLE // 100

        taps = []
        for chat in chats:
            message_id, data = _announcement(fake, chat)  # type: ignore[misc]
            taps.append(fake.updates.callback(chat, data, message_id=message_id))
        pushed = {tap["callback_query"]["id"] for tap in taps}
        since = fake.calls[-1].seq if fake.calls else 0
        fake.push_updates(taps)
        started = {c.params.get("callback_query_id") for c in fake.calls_of("answerCallbackQuery")}
        assert not pushed & started

        def answered() -> dict[str, float]:
            return {c.params["callback_query_id"]: c.ts for c in fake.calls_of("answerCallbackQuery")
                    if c.seq > since and c.params.get("callback_query_id") in pushed}

        await wait_until(lambda: len(answered()) == PEOPLE, timeout=120, what="an answer to every tap")
        answers = [c for c in fake.calls_of("answerCallbackQuery") if c.params.get("callback_query_id") in pushed]
        assert len(answers) == PEOPLE, "one answer per tap"
        assert all("Вы записаны" in (c.params.get("text") or "") for c in answers)
        times = sorted(answered().values())
        spread = times[-1] - times[0]
        print(f"{PEOPLE} taps answered within {spread:.2f} s of each other, half within "
              f"{statistics.median(times) - times[0]:.2f} s")

        # Taps are answered before their sign-ups are written (the writes take turns), so the last writes
        # may land a moment after the last answer.
        event_id = int(out.split("№")[1].split()[0])
        for _ in range(60):
            listed = json.loads(await cli_async(env, "event", "list", "--network", "demo", "--json"))
            webinar = next(e for e in listed if e["id"] == event_id)
            if webinar["going"] == PEOPLE:
                break
            await asyncio.sleep(1)
        assert webinar["going"] == PEOPLE and webinar["status"] == "announced"
    finally:
        code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()[-3000:]
    assert "Traceback" not in bot.log(), bot.log()[-3000:]
