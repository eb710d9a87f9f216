"""The MAX front end on the real application, talking to the loopback MAX API."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

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
