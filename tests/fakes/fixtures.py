"""Pytest fixtures for the fake Bot API.

Import them where fixtures are collected (tests/conftest.py or a test module)::

    from tests.fakes.fixtures import fake_telegram, fake_bot  # noqa: F401

(``pytest_plugins`` is only allowed in the rootdir conftest, hence the import.)
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest_asyncio

from .telegram_api import FakeTelegram


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A fresh fake server per test, limits on, no faults."""
    async with FakeTelegram() as fake:
        yield fake


@pytest_asyncio.fixture
async def fake_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Any]:
    """An aiogram ``Bot`` talking to ``fake_telegram``."""
    bot = fake_telegram.make_bot()
    try:
        yield bot
    finally:
        await bot.session.close()
