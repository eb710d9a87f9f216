"""The MAX front end on the real application, talking to the loopback MAX API.

`max_front` joins the Telegram harness: one deployment serving both messengers. `max_only` is a deployment with
only MAX_BOT_TOKEN (no Telegram bot at all).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.messengers.max.bot import MaxFrontEnd
from tests.fakes.max_api import FakeMax


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax(limits=False) as fake:
        yield fake


@pytest.fixture
def max_settings(test_settings, fake_max):  # type: ignore[no-untyped-def]
    return test_settings.model_copy(update={"max_bot_token": SecretStr(fake_max.token),
                                            "max_api_url": fake_max.base_url})


@pytest.fixture
async def max_front(harness, max_settings) -> AsyncIterator[MaxFrontEnd]:  # type: ignore[no-untyped-def]
    front = MaxFrontEnd(max_settings, harness.app.dispatcher, harness.app.sessionmaker)
    await front.start()
    yield front
    await front.close()


@dataclass
class MaxOnly:
    app: App
    front: MaxFrontEnd
    fake: FakeMax

    async def in_db(self, work: Callable[..., Any]) -> Any:
        async with self.app.sessionmaker.begin() as session:
            return await work(session)


@pytest.fixture
async def max_only(engine, max_settings, fake_max, clock) -> AsyncIterator[MaxOnly]:  # type: ignore[no-untyped-def]
    from bot.app import build_app
    from tests.conftest import TEST_REDIS_URL

    settings = max_settings.model_copy(update={"bot_token": None})
    app = build_app(settings, clock=clock, engine=engine)
    if TEST_REDIS_URL:
        await app.storage.redis.flushdb()  # type: ignore[attr-defined]
    front = MaxFrontEnd(settings, app.dispatcher, app.sessionmaker)
    await front.start()
    yield MaxOnly(app, front, fake_max)
    await front.close()
    await app.storage.close()
