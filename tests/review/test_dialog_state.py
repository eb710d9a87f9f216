"""Two quick taps that write the same dialog state: both are answered, neither fails on the unique key."""
from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.fsm_storage import DatabaseStorage
from db.models import DialogState
from keyboards.events import EvCb
from tests.events.common import COORDINATOR, make_world
from tests.harness import BotHarness


async def test_two_quick_taps_on_a_button_that_opens_a_dialog(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    data = EvCb(a="import").pack()
    for _ in range(3):
        mark = harness.fake.last_seq
        taps = [harness.fake.updates.callback(COORDINATOR, data) for _ in range(2)]
        await asyncio.gather(*(harness.feed(tap) for tap in taps))
        await harness.check_replies(mark)
        sent = [s.plain_text or "" for s in harness.fake.sent_to(COORDINATOR) if s.seq > mark]
        assert sent and all("Пришлите" in text or "файл" in text for text in sent), sent
        assert not any("пошло не так" in text or "ошибк" in text.lower() for text in sent), sent
    await coordinator.press("Отмена")


async def test_concurrent_writes_of_one_key_upsert(engine) -> None:  # type: ignore[no-untyped-def]
    storage = DatabaseStorage(async_sessionmaker(engine, expire_on_commit=False))
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    for round_ in range(5):
        await asyncio.gather(storage.set_state(key, f"S:a{round_}"), storage.set_state(key, f"S:b{round_}"),
                             storage.set_data(key, {"n": round_}))
        assert await storage.get_state(key) in {f"S:a{round_}", f"S:b{round_}"}
        assert await storage.get_data(key) == {"n": round_}
        await asyncio.gather(storage.set_state(key, None), storage.set_data(key, {}))
        await asyncio.gather(storage.set_state(key, None), storage.set_data(key, {}))
        assert await storage.get_state(key) is None and await storage.get_data(key) == {}
    async with async_sessionmaker(engine)() as session:
        assert (await session.scalars(select(DialogState))).all() == [], "a finished dialog leaves nothing"
