"""Forms fixtures. `engine` and `clock` come from tests/conftest.py (a fresh migrated database per test)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.forms import hooks
from db.session import make_sessionmaker


@pytest.fixture
def sessionmaker(engine) -> async_sessionmaker[AsyncSession]:  # type: ignore[no-untyped-def]
    return make_sessionmaker(engine)


@pytest.fixture(autouse=True)
def no_hooks() -> Iterator[None]:
    """Hooks are process-wide; a test that provides one must not leak it (other features provide theirs)."""
    saved = (hooks._event_attendees, hooks._event_info, hooks._link_members, hooks._event_choices)  # noqa: SLF001
    yield
    hooks.provide_event_attendees(saved[0])
    hooks.provide_event_info(saved[1])
    hooks.provide_link_members(saved[2])
    hooks.provide_event_choices(saved[3])
