"""The bot as a running process against the loopback Telegram, driven as users would.

Telegram's limits are enforced by the fake, so replies must pass the bot's own limiter.
"""
from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest

from keyboards.callbacks import JoinDecisionCb, MenuCb, NetworkPickCb
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, reset_database
from tests.e2e.process import BotProcess, clean_env, cli, cli_async, free_port, wait_until
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ADMIN = 42
FIRST_DEMO = 10_000  # demo-data: the first two are coordinators, the rest participants and mentors
TECHNICAL = ("Traceback", "Exception", "Error:", "None", "NoneType", "KeyError", "sqlalchemy", "aiogram")


@pytest.fixture
async def fake() -> FakeTelegram:  # type: ignore[misc]
    async with FakeTelegram() as telegram:  # Telegram's limits on
        yield telegram


@pytest.fixture
async def live_env(tmp_path: Path, fake: FakeTelegram) -> dict[str, str]:
    if TEST_DATABASE_URL:
        await reset_database(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    env = clean_env(BOT_TOKEN=fake.token, BOT_API_URL=fake.base_url, DATABASE_URL=url, ADMIN_IDS=str(ADMIN),
                    LOG_LEVEL="INFO", SHUTDOWN_GRACE_SEC="5")
    if TEST_REDIS_URL:
        env["REDIS_URL"] = TEST_REDIS_URL
    cli(env, "migrate")
    cli(env, "demo-data", "--network", "demo", "--participants", "20", "--telegram-id-start", str(FIRST_DEMO))
    return env


async def answered(fake: FakeTelegram, chat_id: int, since: int, timeout: float = 15, settle: float = 0.4) -> str:
    """Everything the bot said to `chat_id` after `since`, once it has been quiet for `settle` seconds."""
    await fake.wait_for(chat_id=chat_id, since=since, timeout=timeout)
    seen = -1
    while seen != fake.last_seq:
        seen = fake.last_seq
        await asyncio.sleep(settle)
    return "\n".join(s.plain_text or "" for s in fake.sent_to(chat_id) if s.seq > since)


def button_data(fake: FakeTelegram, chat_id: int, label: str) -> tuple[int, str]:
    for sent in reversed(fake.sent_to(chat_id)):
        message = fake.get_message(chat_id, sent.message_id) if sent.message_id else None
        rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard") or []
        for button in (b for row in rows for b in row):
            if label in button.get("text", ""):
                return sent.message_id, button["callback_data"]
    raise AssertionError(f"no button {label!r} for {chat_id}")


async def tap(fake: FakeTelegram, chat_id: int, label: str) -> str:
    message_id, data = button_data(fake, chat_id, label)
    since = fake.last_seq
    fake.push_update(fake.updates.callback(chat_id, data, message_id=message_id))
    return await answered(fake, chat_id, since)


async def say(fake: FakeTelegram, chat_id: int, text: str) -> str:
    since = fake.last_seq
    if text.startswith("/"):
        command, _, args = text.partition(" ")
        fake.push_update(fake.updates.command(chat_id, command, args or None))
    else:
        fake.push_update(fake.updates.message(chat_id, text))
    return await answered(fake, chat_id, since)


async def test_polling_onboarding_and_graceful_stop(fake: FakeTelegram, live_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    bot = await BotProcess(live_env, tmp_path / "bot.log").start()
    try:
        await bot.polling(fake)
        methods = [c.method for c in fake.calls]
        assert methods.index("deleteWebhook") < methods.index("getUpdates"), "polling deletes any webhook first"
        assert fake.commands_store, "commands registered with setMyCommands"

        assert "Сетевой наставник" in await say(fake, 555, "/start")
        assert "Что вы можете сделать" in await say(fake, FIRST_DEMO + 5, "/help")
        await say(fake, ADMIN, "/menu")
        assert button_data(fake, ADMIN, "Сети и координаторы")

        link = (await cli_async(live_env, "invite", "create", "--network", "demo", "--role", "participant")).strip()
        assert link.startswith(f"https://t.me/{fake.bot_username}?start=")
        code = link.split("start=")[1]
        newcomer = 777
        assert "согласие" in await say(fake, newcomer, f"/start {code}")
        assert "отчество" in await tap(fake, newcomer, "Даю согласие")
        assert "Выберите вашу школу" in await say(fake, newcomer, "Кузнецова Ирина Олеговна")
        assert "Найдено" in await say(fake, newcomer, "назиев")
        await tap(fake, newcomer, "Назиевская")
        await tap(fake, newcomer, "Учитель-предметник")
        await tap(fake, newcomer, "Химия")
        await tap(fake, newcomer, "Готово")
        await wait_until(lambda: any("Профиль" in t for s in fake.sent_to(newcomer) for t in s.button_texts),
                         what="the main menu")
    finally:
        code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()
    assert "Traceback" not in bot.log()


def _odd_updates(fake: FakeTelegram, rng: random.Random) -> tuple[list[dict], set[int]]:
    """300 updates of every awkward kind; returns them and the private chats that sent text."""
    u = fake.updates
    texts = ["а" * 4096, "😀🎉👩‍🏫" * 300, "مرحبا بالعالم שלום עולם", "<b>жирный</b> <script>alert(1)</script> &amp;",
             "None", "' OR 1=1; DROP TABLE users; --", "\u202eперевёрнутый текст", "/start@other_bot",
             "{\"json\": true}", "обычный вопрос про семинар"]
    updates: list[dict] = []
    text_chats: set[int] = set()
    for i in range(120):
        chat = 20_000 + i
        updates.append(u.message(chat, texts[i % len(texts)]))
        text_chats.add(chat)
    for i in range(30):
        updates.append(u.sticker(21_000 + i))
    for i in range(20):
        updates.append(u.photo(21_100 + i, caption="фото с урока"))
    for i in range(15):
        updates.append(u.contact(21_200 + i))
    for i in range(10):
        updates.append(u.voice(21_300 + i))
    forged = [JoinDecisionCb(id=1, approve=True).pack(), NetworkPickCb(id=1, purpose="coord").pack(),
              MenuCb(action="admin_new_network").pack(), MenuCb(action="invite").pack(), "x" * 64, "pg:join_networks:-5",
              "sch:999999", "consent:1", "forget:1", ""]
    for i in range(30):
        updates.append(u.callback(FIRST_DEMO + 2 + i % 18, forged[i % len(forged)]))
    for i in range(20):
        updates.append(u.edited_message(21_400 + i, "исправленный текст"))
    for i in range(30):
        text = f"@{fake.bot_username} помогите" if i % 5 == 0 else "сообщение в группе"
        updates.append(u.group_message(-1_000_000 - i % 3, 21_500 + i, text))
    for i in range(20):
        updates.append(u.bot_blocked(21_600 + i) if i % 2 == 0 else u.bot_unblocked(21_600 + i - 1))
    for i in range(5):
        updates.append(u.command(FIRST_DEMO + 2 + i, "/menu"))
    rng.shuffle(updates)
    return updates[:300], text_chats


async def test_a_burst_of_odd_updates(fake: FakeTelegram, live_env: dict[str, str], tmp_path: Path) -> None:
    bot = await BotProcess(live_env, tmp_path / "bot.log").start()
    try:
        await bot.polling(fake)
        updates, text_chats = _odd_updates(fake, random.Random(7))
        assert len(updates) == 300
        since = fake.last_seq
        fake.push_updates(updates)
        await wait_until(lambda: text_chats <= {s.chat_id for s in fake.sent if s.seq > since}, timeout=120,
                         what="an answer to every private text")
        assert bot.alive
        replies = [s for s in fake.sent if s.seq > since]
        for sent in replies:
            shown = (sent.plain_text or "") + " ".join(sent.button_texts)
            assert not any(word in shown for word in TECHNICAL), shown[:200]
        assert fake.stats.over_limit == 0, "replies pass the bot's own limiter"
        assert "Сетевой наставник" in await say(fake, 31_337, "/start")
    finally:
        code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()[-3000:]


async def test_webhook_mode_checks_the_secret(fake: FakeTelegram, live_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    env = {**live_env, "WEBHOOK_URL": url, "WEBHOOK_SECRET": "s3cret-token", "WEBHOOK_HOST": "127.0.0.1",
           "WEBHOOK_PORT": str(port)}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await wait_until(lambda: fake.webhook is not None, what="setWebhook")
        assert fake.webhook["url"] == url
        assert fake.webhook.get("secret_token") == "s3cret-token"
        since = fake.last_seq
        assert await fake.post_to_webhook(url, fake.updates.command(556, "/start")) == 401
        assert await fake.post_to_webhook(url, fake.updates.command(556, "/start"), secret_token="wrong") == 401
        assert [s for s in fake.sent if s.seq > since] == [], "no handler ran"
        assert await fake.post_to_webhook(url, fake.updates.command(556, "/start"), secret_token="s3cret-token") == 200
        assert "Сетевой наставник" in await answered(fake, 556, since)
    finally:
        code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()[-3000:]


async def test_sigterm_lets_the_handler_in_flight_finish(fake: FakeTelegram, live_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    bot = await BotProcess(live_env, tmp_path / "bot.log").start()
    await bot.polling(fake)
    delivered = fake.stats.updates_delivered
    fake.latency = 1.5  # every Bot API call now takes 1.5 s: the reply is in flight when SIGTERM comes
    since = fake.last_seq
    fake.push_update(fake.updates.command(557, "/start"))
    await wait_until(lambda: fake.stats.updates_delivered > delivered, what="the update to be taken")
    await asyncio.sleep(0.3)
    code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()[-3000:]
    assert [s for s in fake.sent_to(557) if s.seq > since], "the reply in flight was still sent"


async def test_sigterm_stops_a_handler_stuck_past_the_grace(fake: FakeTelegram, live_env: dict[str, str],
                                                            tmp_path: Path) -> None:
    """A reply stuck on a slow Telegram longer than SHUTDOWN_GRACE_SEC is stopped, not left to fail against a
    closed connection: the process exits 0 soon after the grace, says how many it stopped, and logs no traceback."""
    bot = await BotProcess({**live_env, "SHUTDOWN_GRACE_SEC": "1"}, tmp_path / "bot.log").start()
    await bot.polling(fake)
    delivered = fake.stats.updates_delivered
    fake.latency = 20.0
    fake.push_update(fake.updates.command(558, "/start"))
    await wait_until(lambda: fake.stats.updates_delivered > delivered, what="the update to be taken")
    await asyncio.sleep(0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()[-3000:]
    assert loop.time() - started < 15, "shutdown waited for the stuck reply instead of stopping it"
    assert "updates still in flight after 1s were stopped" in bot.log()
    assert "Traceback" not in bot.log(), bot.log()[-3000:]
