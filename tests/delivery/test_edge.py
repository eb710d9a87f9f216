"""The aiogram edge against the loopback Telegram: payload types, error mapping, the request middleware,
the runtime (leader election, my_chat_member) and a faulty 200-recipient broadcast."""
from __future__ import annotations

import asyncio
import base64
import random
from collections import Counter
from datetime import timedelta

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from sqlalchemy import select

from bot.config import load_settings
from bot.delivery import AiogramTransport, LimiterMiddleware, classify, setup_delivery
from bot.services import broadcasts, outbox
from bot.services.clock import SystemClock
from bot.services.delivery_errors import Blocked, Rejected, RetryAfter, Transient
from bot.services.ratelimit import Limits, RateLimiter
from bot.services.sender import Sender
from db.models import OutboxMessage, User
from tests.delivery.conftest import populate
from tests.fakes.limits import LimitConfig
from tests.fakes.telegram_api import FakeTelegram

METHOD = SendMessage(chat_id=1, text="x")


def test_aiogram_errors_map_to_delivery_errors() -> None:
    cases = [
        (TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=7), RetryAfter),
        (TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"), Blocked),
        (TelegramBadRequest(METHOD, "Bad Request: chat not found"), Blocked),
        (TelegramBadRequest(METHOD, "Bad Request: can't parse entities"), Rejected),
        (TelegramServerError(METHOD, "Internal Server Error"), Transient),
        (TelegramNetworkError(METHOD, "ServerDisconnectedError"), Transient),
        (TelegramEntityTooLarge(METHOD, "Request Entity Too Large"), Rejected),
        (asyncio.TimeoutError(), Transient),
    ]
    for error, expected in cases:
        assert type(classify(error)) is expected, error
    assert classify(cases[0][0]).seconds == 7  # type: ignore[attr-defined]


async def test_transport_sends_every_payload_type() -> None:
    async with FakeTelegram(limits=False) as fake:
        bot = fake.make_bot()
        transport = AiogramTransport(bot)
        markup = {"inline_keyboard": [[{"text": "Записаться", "callback_data": "e:1"}]]}
        try:
            ids = [
                await transport.send(1, {"type": "text", "text": "<b>Семинар</b>", "parse_mode": "HTML",
                                         "reply_markup": markup}),
                await transport.send(1, {"type": "text", "text": "Жирный", "entities": [
                    {"type": "bold", "offset": 0, "length": 6}]}),
                await transport.send(1, {"type": "copy", "from_chat_id": 5, "message_id": 3}),
                await transport.send(1, {"type": "document", "data_b64": base64.b64encode(b"a;b\n").decode(),
                                         "filename": "report.csv", "caption": "Отчёт"}),
                await transport.send(1, {"type": "photo", "file_id": "AgACphoto", "caption": "Фото"}),
            ]
            assert all(isinstance(i, int) for i in ids)
            sent = fake.sent_to(1)
            assert [s.method for s in sent] == ["sendMessage", "sendMessage", "copyMessage", "sendDocument",
                                                "sendPhoto"]
            assert sent[0].plain_text == "Семинар" and sent[0].buttons[0]["callback_data"] == "e:1"
            assert sent[1].result["entities"][0]["type"] == "bold"
            with pytest.raises(Rejected):
                await transport.send(1, {"type": "voice"})
            with pytest.raises(Rejected):
                await transport.send(1, {"type": "text", "text": "x" * 5000})
            fake.set_faults({"block": [2]})
            with pytest.raises(Blocked):
                await transport.send(2, {"type": "text", "text": "привет"})
        finally:
            await bot.session.close()


async def test_middleware_limits_direct_calls_and_pauses_on_429() -> None:
    async with FakeTelegram() as fake:  # Telegram's limits on
        bot = fake.make_bot()
        limiter = RateLimiter(Limits(global_per_sec=28))
        bot.session.middleware(LimiterMiddleware(limiter))
        try:
            # Replies typed fast into one chat: a burst of 3, then one a second — and no 429.
            await asyncio.gather(*(bot.send_message(77, f"ответ {i}") for i in range(5)))
            assert fake.stats.over_limit == 0 and len(fake.sent_to(77)) == 5
            await bot.get_me()  # not send-like: not limited, not counted
            fake.flood_wait(1.2)
            loop = asyncio.get_running_loop()
            before = loop.time()
            # A reply that meets a flood wait waits it out and goes through: the person gets the answer.
            during = asyncio.create_task(bot.send_message(78, "во время флуда"))
            await asyncio.sleep(0.3)
            assert limiter.paused_for > 0.5  # the 429 paused everyone
            await bot.send_message(79, "после паузы")
            await during
            assert loop.time() - before > 1.1
            assert [m.plain_text for m in fake.sent_to(78)] == ["во время флуда"]
            assert fake.stats.flood_429 == 1

            # A long flood wait isn't sat out by a reply: it fails, and the error handler answers kindly.
            fake.flood_wait(LimiterMiddleware.REPLY_MAX_WAIT + 5)
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(80, "долгий флуд")
            assert fake.sent_to(80) == []
        finally:
            await bot.session.close()


async def _settle(sessionmaker, timeout: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with sessionmaker() as session:
            counts = await outbox.status_counts(session)
        if counts["pending"] + counts["sending"] == 0 or loop.time() > deadline:
            return counts
        await asyncio.sleep(0.2)


async def test_faulty_broadcast_reaches_every_reachable_recipient(sessionmaker, clock) -> None:
    """200 recipients, Telegram's limits on, 2% blocked, 1% 500s, dropped answers, a 3 s flood wait at 60%."""
    async with sessionmaker.begin() as session:
        population = await populate(session, people=200)
        broadcast, total = await broadcasts.create_broadcast(
            session, population.network, {"type": "text", "text": "Вебинар завтра в 15:00", "parse_mode": None},
            "everyone", None, clock)
    assert total == 200
    chats = [user.messenger_id for user in population.users]
    blocked = set(random.Random(3).sample(chats, 4))
    async with FakeTelegram(fail_rate=0.01, drop_rate=0.015, seed=11) as fake:
        fake.set_faults({"blocked": sorted(blocked)})
        bot = fake.make_bot()
        limiter = RateLimiter(Limits(global_per_sec=28))
        bot.session.middleware(LimiterMiddleware(limiter))
        sender = Sender(sessionmaker, AiogramTransport(bot), limiter, SystemClock(), "it", backoff_base=0.5,
                        backoff_cap=2, max_attempts=6, poll_interval=0.2)
        task = asyncio.create_task(sender.run())

        async def flood_at_60_percent() -> None:
            while len(fake.sent) < 120:
                await asyncio.sleep(0.02)
            fake.flood_wait(3)

        flood = asyncio.create_task(flood_at_60_percent())
        try:
            counts = await _settle(sessionmaker, timeout=90)
        finally:
            sender.stop()
            await asyncio.wait_for(task, timeout=10)
            flood.cancel()
            await bot.session.close()
        stats = fake.stats
        received = Counter(s.chat_id for s in fake.sent if s.method == "sendMessage")
    reachable = set(chats) - blocked
    assert set(received) == reachable  # everyone reachable got it; blocked people got nothing
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= stats.dropped
    assert stats.flood_429 >= 1
    assert stats.over_limit <= 0.02 * stats.requests
    assert counts == {**counts, "sent": 196, "unreachable": 4, "pending": 0, "sending": 0, "failed": 0}
    async with sessionmaker() as session:
        flagged = set((await session.scalars(select(User.messenger_id).where(User.is_reachable.is_(False)))).all())
        progress = await broadcasts.broadcast_progress(session, broadcast.id)
    assert flagged == blocked
    assert (progress.sent, progress.unreachable, progress.pending) == (196, 4, 0)


def _settings(database_url: str, fake: FakeTelegram, **extra):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, bot_token=fake.token, bot_api_url=fake.base_url,
                         database_url=database_url, **extra)


async def test_runtime_delivers_elects_one_leader_and_tracks_reachability(database_url, engine, sessionmaker,
                                                                           clock) -> None:
    async with sessionmaker.begin() as session:
        population = await populate(session, people=3)
    user = population.users[1]
    async with FakeTelegram(limits=LimitConfig(global_per_second=30)) as fake:
        settings = _settings(database_url, fake)
        bots = [fake.make_bot(), fake.make_bot()]
        runtimes = [setup_delivery(bot, sessionmaker, settings, SystemClock(), worker_id=f"i{n}")
                    for n, bot in enumerate(bots)]
        for runtime in runtimes:
            runtime.maintenance_interval = 0.2
            runtime.standby_interval = 0.2
            await runtime.start()
        try:
            for _ in range(50):
                await asyncio.sleep(0.05)
                if any(r.is_leader for r in runtimes):
                    break
            await asyncio.sleep(0.3)
            assert [r.is_leader for r in runtimes].count(True) == 1  # one sender per database
            leader = next(r for r in runtimes if r.is_leader)
            standby = next(r for r in runtimes if not r.is_leader)

            async with sessionmaker.begin() as session:  # committed → the leader is woken
                await outbox.enqueue(session, chat_id=user.messenger_id, user_id=user.id, kind="notification",
                                     payload={"type": "text", "text": "Вас добавили в пару"},
                                     dedupe_key="pair:1", clock=SystemClock())
            await fake.wait_for(lambda s: s.chat_id == user.messenger_id, timeout=5)

            await leader.stop()  # the leader goes away: the standby takes over
            for _ in range(60):
                await asyncio.sleep(0.05)
                if standby.is_leader:
                    break
            assert standby.is_leader
            async with sessionmaker.begin() as session:
                await outbox.enqueue(session, chat_id=user.messenger_id, user_id=user.id, kind="notification",
                                     payload={"type": "text", "text": "Встреча подтверждена"},
                                     dedupe_key="pair:2", clock=SystemClock())
            await fake.wait_for(lambda s: s.text == "Встреча подтверждена", timeout=5)
            assert len(fake.sent_to(user.messenger_id)) == 2

        finally:
            for runtime in runtimes:
                await runtime.stop()
            for bot in bots:
                await bot.session.close()


async def test_restart_resends_rows_left_on_the_wire(database_url, engine, sessionmaker, clock) -> None:
    """A crash leaves claimed rows `sending`; the next leader sends them at once, without waiting for the lease."""
    async with sessionmaker.begin() as session:
        for i in range(5):
            await outbox.enqueue(session, chat_id=500 + i, payload={"type": "text", "text": f"№{i}"},
                                 kind="notification", dedupe_key=f"crash:{i}", clock=SystemClock())
        await outbox.claim_batch(session, "dead-process", 3, SystemClock().now())
    async with FakeTelegram(limits=False) as fake:
        bot = fake.make_bot()
        runtime = setup_delivery(bot, sessionmaker, _settings(database_url, fake), SystemClock(), worker_id="new")
        await runtime.start()
        try:
            counts = await _settle(sessionmaker, timeout=10)
        finally:
            await runtime.stop()
            await bot.session.close()
    assert counts["sent"] == 5
    assert sorted(s.chat_id for s in fake.sent) == [500, 501, 502, 503, 504]


async def test_reminder_rows_are_missed_after_their_event(sessionmaker) -> None:
    clock = SystemClock()
    now = clock.now()
    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, chat_id=1, kind="reminder", payload={"type": "text", "text": "через час"},
                             dedupe_key="rem:late", clock=clock, not_before=now - timedelta(hours=3),
                             expires_at=now - timedelta(hours=2))
    async with FakeTelegram(limits=False) as fake:
        bot = fake.make_bot()
        try:
            sender = Sender(sessionmaker, AiogramTransport(bot), RateLimiter(), clock, "w")
            await sender.drain_once()
        finally:
            await bot.session.close()
    assert fake.sent == []
    async with sessionmaker() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "rem:late"))
    assert row.status == "missed"
