"""Delivery fixtures. `database_url`, `engine` and `clock` come from tests/conftest.py (a fresh migrated
SQLite per test, or PostgreSQL with a recreated schema when TEST_DATABASE_URL is set)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.delivery_errors import DeliveryError
from db.models import Membership, Network, School, User
from db.session import make_sessionmaker


@pytest.fixture
def sessionmaker(engine) -> async_sessionmaker[AsyncSession]:  # type: ignore[no-untyped-def]
    return make_sessionmaker(engine)


@dataclass
class Population:
    network: Network
    schools: dict[str, School]
    users: list[User]


async def populate(session: AsyncSession, *, people: int = 10, slug: str = "kirovsk",
                   telegram_start: int = 100_000) -> Population:
    """A network with a ШНОР and a leader school; every 5th person a mentor, the first one a coordinator."""
    network = Network(slug=slug, name="Кировский район", settings={})
    session.add(network)
    await session.flush()
    shnor = School(network_id=network.id, name="МОУ СОШ №1", status="shnor")
    leader = School(network_id=network.id, name="Гимназия №2", status="leader")
    session.add_all([shnor, leader])
    await session.flush()
    users = []
    for i in range(people):
        user = User(messenger_id=telegram_start + i, full_name=f"Участник {i:04d}", language="ru")
        session.add(user)
        users.append(user)
    await session.flush()
    for i, user in enumerate(users):
        session.add(Membership(user_id=user.id, network_id=network.id,
                               school_id=(shnor if i % 2 == 0 else leader).id,
                               is_participant=True, is_mentor=i % 5 == 0, is_coordinator=i == 0))
    await session.flush()
    return Population(network, {"shnor": shnor, "leader": leader}, users)


@dataclass
class ScriptedTransport:
    """Answers by chat id: a list of outcomes (int message id, or a DeliveryError to raise), one per call;
    the last one repeats. Chats without a script get increasing message ids."""

    script: dict[int, list[Any]] = field(default_factory=dict)
    calls: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)
    next_id: int = 1000

    async def send(self, chat_id: int, payload: Mapping[str, Any]) -> int:
        self.calls.append((chat_id, payload))
        steps = self.script.get(chat_id)
        if steps:
            step = steps.pop(0) if len(steps) > 1 else steps[0]
            if isinstance(step, DeliveryError):
                raise step
            return int(step)
        self.next_id += 1
        return self.next_id

    def sent_to(self, chat_id: int) -> int:
        return sum(1 for chat, _ in self.calls if chat == chat_id)
