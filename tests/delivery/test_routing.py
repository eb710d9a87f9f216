"""The outbox routed per messenger: every row goes by its person's messenger, each messenger has its own sender
and limiter (a flood wait on one never holds up the other), a blocked person is marked on their messenger only,
and rows for a messenger the deployment does not run fail with a clear reason."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select

from bot.config import load_settings
from bot.delivery import setup_delivery
from bot.messengers.max.bot import build_max_bot
from bot.services import broadcasts, outbox
from bot.services.clock import SystemClock
from db.models import Membership, Network, OutboxMessage, User
from tests.fakes.max_api import FakeMax
from tests.fakes.telegram_api import FakeTelegram

TEXT = {"type": "text", "text": "Семинар в четверг"}


async def _people(sessionmaker, *, telegram: list[int], max_ids: list[int]) -> tuple[Network, list[User]]:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        network = Network(slug="kirovsk", name="Кировский район", settings={})
        session.add(network)
        await session.flush()
        users = ([User(platform="telegram", messenger_id=i, full_name=f"Участник T{i}", language="ru")
                  for i in telegram]
                 + [User(platform="max", messenger_id=i, full_name=f"Участник M{i}", language="ru") for i in max_ids])
        session.add_all(users)
        await session.flush()
        for user in users:
            session.add(Membership(user_id=user.id, network_id=network.id, is_participant=True,
                                   is_coordinator=user is users[0]))
        await session.flush()
        return network, users


def _settings(database_url: str, tg: FakeTelegram | None, mx: FakeMax | None):  # type: ignore[no-untyped-def]
    extra = {}
    if tg is not None:
        extra |= {"bot_token": tg.token, "bot_api_url": tg.base_url}
    if mx is not None:
        extra |= {"max_bot_token": SecretStr(mx.token), "max_api_url": mx.base_url}
    return load_settings(_env_file=None, database_url=database_url, **extra)


async def _settle(sessionmaker, timeout: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with sessionmaker() as session:
            counts = await outbox.status_counts(session)
        if counts["pending"] + counts["sending"] == 0 or loop.time() > deadline:
            return counts
        await asyncio.sleep(0.1)


async def test_rows_take_their_persons_messenger(sessionmaker) -> None:
    clock = SystemClock()
    _, users = await _people(sessionmaker, telegram=[77], max_ids=[77])
    tg_user, max_user = users
    async with sessionmaker.begin() as session:
        await outbox.enqueue(session, chat_id=77, user_id=max_user.id, payload=TEXT, kind="notification",
                             dedupe_key="one", clock=clock)
        await outbox.enqueue_many(session, [
            {"chat_id": 77, "user_id": u.id, "payload": TEXT, "kind": "broadcast", "dedupe_key": f"many:{u.id}"}
            for u in users], clock=clock)
        await outbox.enqueue(session, chat_id=-1001, payload=TEXT, kind="notification", dedupe_key="group-max",
                             clock=clock, platform="max")  # a chat without a person names its messenger
        await outbox.enqueue(session, chat_id=-1002, payload=TEXT, kind="notification", dedupe_key="group",
                             clock=clock)
    async with sessionmaker() as session:
        rows = dict((await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.platform))).all())
    assert rows == {"one": "max", f"many:{tg_user.id}": "telegram", f"many:{max_user.id}": "max",
                    "group-max": "max", "group": "telegram"}


async def test_each_messenger_sends_its_own_rows_and_a_flood_pauses_only_its_own(database_url, sessionmaker) -> None:
    ids = list(range(500, 520))
    _, users = await _people(sessionmaker, telegram=ids, max_ids=ids)  # the same numbers on both: 40 people
    async with FakeTelegram(limits=False) as tg, FakeMax(limits=True) as mx:
        for i in ids:
            mx.person(i)
        settings = _settings(database_url, tg, mx)
        tg_bot, max_bot = tg.make_bot(), build_max_bot(settings, sessionmaker)
        runtime = setup_delivery({"telegram": tg_bot, "max": max_bot}, sessionmaker, settings, SystemClock(),
                                 worker_id="both", progress=False)
        tg.flood_wait(4)  # Telegram asks to wait; MAX must not
        async with sessionmaker.begin() as session:
            await outbox.enqueue_many(session, [
                {"chat_id": u.messenger_id, "user_id": u.id, "payload": {"type": "text", "text": u.full_name},
                 "kind": "broadcast", "dedupe_key": f"b:{u.id}"} for u in users], clock=SystemClock())
        await runtime.start()
        try:
            for _ in range(60):
                await asyncio.sleep(0.1)
                if len([s for s in mx.sent if s.kind == "send"]) == len(ids):
                    break
            assert len([s for s in mx.sent if s.kind == "send"]) == len(ids), "MAX went on during Telegram's wait"
            assert tg.flood_remaining > 0 and not tg.sent, "Telegram is still paused"
            assert runtime.limiters["max"].paused_for == 0
            counts = await _settle(sessionmaker, timeout=15)
        finally:
            await runtime.stop()
            await tg_bot.session.close()
            await max_bot.session.close()
    assert counts["sent"] == 2 * len(ids)
    assert sorted(s.chat_id for s in tg.sent) == ids
    assert sorted(s.text for s in mx.sent if s.kind == "send") == sorted(f"Участник M{i}" for i in ids)
    assert mx.stats.over_limit == 0, "MAX's own limiter kept within 30/s and 2/s a dialog"


async def test_a_blocked_max_person_is_marked_on_max_only(database_url, sessionmaker) -> None:
    _, users = await _people(sessionmaker, telegram=[700], max_ids=[700])
    async with FakeTelegram(limits=False) as tg, FakeMax(limits=False) as mx:
        mx.stopped.add(mx.person(700).user_id)
        settings = _settings(database_url, tg, mx)
        tg_bot, max_bot = tg.make_bot(), build_max_bot(settings, sessionmaker)
        runtime = setup_delivery({"telegram": tg_bot, "max": max_bot}, sessionmaker, settings, SystemClock(),
                                 worker_id="both", progress=False)
        async with sessionmaker.begin() as session:
            for user in users:
                await outbox.enqueue(session, chat_id=700, user_id=user.id, payload=TEXT, kind="notification",
                                     dedupe_key=f"n:{user.id}", clock=SystemClock())
        await runtime.start()
        try:
            counts = await _settle(sessionmaker, timeout=10)
        finally:
            await runtime.stop()
            await tg_bot.session.close()
            await max_bot.session.close()
    assert counts["sent"] == 1 and counts["unreachable"] == 1
    async with sessionmaker() as session:
        people = dict((await session.execute(select(User.platform, User.is_reachable))).all())
    assert people == {"telegram": True, "max": False}
    assert [s.chat_id for s in tg.sent] == [700]


async def test_a_telegram_only_deployment_fails_max_rows_with_a_clear_reason(database_url, sessionmaker) -> None:
    """Decision (docs/messengers.md): a due row for a messenger the deployment does not run fails with the reason
    «MAX не подключён к боту», so a broadcast finishes and its report says why; rows due later wait."""
    clock = SystemClock()
    network, users = await _people(sessionmaker, telegram=[801, 802], max_ids=[901])
    async with sessionmaker.begin() as session:
        broadcast, total = await broadcasts.create_broadcast(
            session, network=network, created_by=users[0], audience={"kind": "everyone"}, payload=TEXT, clock=clock)
        await outbox.enqueue(session, chat_id=901, user_id=users[2].id, payload=TEXT, kind="reminder",
                             dedupe_key="later", clock=clock, not_before=clock.now() + timedelta(hours=1))
    assert total == 3
    async with FakeTelegram(limits=False) as tg:
        bot = tg.make_bot()
        runtime = setup_delivery(bot, sessionmaker, _settings(database_url, tg, None), clock, worker_id="tg",
                                 progress=False)
        runtime.maintenance_interval = 0.1
        await runtime.start()
        try:
            for _ in range(100):
                await asyncio.sleep(0.1)
                async with sessionmaker() as session:
                    if (await broadcasts.get_broadcast(session, broadcast.id)).status == "done":
                        break
        finally:
            await runtime.stop()
            await bot.session.close()
    async with sessionmaker() as session:
        assert (await broadcasts.get_broadcast(session, broadcast.id)).status == "done"
        rows = await broadcasts.unreached_report(session, broadcast.id)
        assert [(r.full_name, broadcasts.reason_key(r.status, r.reason)) for r in rows] == [
            ("Участник M901", "off_max")]
        later = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "later"))
        assert later.status == "pending", "a row due later waits: MAX may be connected by then"
    assert sorted(s.chat_id for s in tg.sent) == [801, 802]


async def test_a_copy_from_the_other_messenger_goes_as_its_text_and_a_file_is_explained(database_url,
                                                                                        sessionmaker) -> None:
    """A broadcast composed on Telegram is a copy of a Telegram message, which MAX can't copy: a text goes in its
    portable form (HTML), a file fails with a reason the coordinator can act on."""
    _, users = await _people(sessionmaker, telegram=[], max_ids=[950, 951])
    text_copy = {"type": "copy", "from_chat_id": 700_001, "message_id": 12, "platform": "telegram",
                 "portable": {"type": "text", "text": "<b>Семинар</b> в пятницу", "parse_mode": "HTML"}}
    file_copy = {"type": "copy", "from_chat_id": 700_001, "message_id": 13, "platform": "telegram",
                 "portable": None}
    async with sessionmaker.begin() as session:
        for user, payload in zip(users, (text_copy, file_copy)):
            await outbox.enqueue(session, chat_id=user.messenger_id, user_id=user.id, payload=payload,
                                 kind="broadcast", dedupe_key=f"c:{user.id}", clock=SystemClock())
    async with FakeMax(limits=False) as mx:
        for number in (950, 951):
            mx.person(number)
        settings = _settings(database_url, None, mx)
        bot = build_max_bot(settings, sessionmaker)
        runtime = setup_delivery({"max": bot}, sessionmaker, settings, SystemClock(), worker_id="max",
                                 progress=False)
        await runtime.start()
        try:
            counts = await _settle(sessionmaker, timeout=10)
        finally:
            await runtime.stop()
            await bot.session.close()
    assert counts["sent"] == 1 and counts["failed"] == 1
    assert [(s.user_id, s.text) for s in mx.sent if s.kind == "send"] == [(950, "Семинар в пятницу")]
    async with sessionmaker() as session:
        failed = await session.scalar(select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert broadcasts.reason_key("failed", failed.last_error) == "other_messenger"
