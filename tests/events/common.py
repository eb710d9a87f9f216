"""A small network for events tests: two schools, a coordinator, teachers and a mentor, all registered."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.events import core
from bot.services.events.times import Slot
from bot.services.networks import add_school, create_network
from db.models import Event, Network, OutboxMessage, SchoolStatus, Signup
from tests.forms.common import NAMES, add_person
from tests.harness import BotHarness

COORDINATOR = 820_001
FIRST_TEACHER = 830_000

NETWORK_NAMES = {"kirovsk": "Кировский район", "luga": "Лужский район"}  # what people see, never the code


@dataclass
class World:
    network_id: int
    coordinator: int  # user id
    teachers: list[int] = field(default_factory=list)  # user ids; Telegram ids FIRST_TEACHER + index
    schools: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def telegram(index: int) -> int:
        return FIRST_TEACHER + index


async def build_world(session: AsyncSession, clock: Clock, *, teachers: int = 4, slug: str = "kirovsk",
                      coordinator_telegram: int = COORDINATOR, first_telegram: int = FIRST_TEACHER) -> World:
    network = await create_network(session, slug=slug, name=NETWORK_NAMES.get(slug, "Сеть наставничества"),
                                   timezone="Europe/Moscow")
    nazia = await add_school(session, network.id, "МКОУ «Назиевская СОШ»", short_name="Назиевская СОШ",
                             status=SchoolStatus.SHNOR, level=3)
    lead = await add_school(session, network.id, "МБОУ «Кировская гимназия»", short_name="Кировская гимназия",
                            status=SchoolStatus.LEADER, level=1)
    coordinator = await add_person(session, network.id, coordinator_telegram, "Орлова Галина Ивановна",
                                   school_id=None, coordinator=True, clock=clock)
    world = World(network.id, coordinator.id, schools={"nazia": nazia.id, "lead": lead.id})
    for index in range(teachers):
        user = await add_person(session, network.id, first_telegram + index, NAMES[index % len(NAMES)],
                                school_id=nazia.id if index % 2 == 0 else lead.id, mentor=index == 1, clock=clock)
        world.teachers.append(user.id)
    return world


async def make_world(h: BotHarness, **kwargs: Any) -> World:
    return await h.in_db(lambda session: build_world(session, h.app.clock, **kwargs))


async def network_of(session: AsyncSession, world: World) -> Network:
    network = await session.get(Network, world.network_id)
    assert network is not None
    return network


def timed(start: datetime, minutes: int = 90) -> Slot:
    return Slot(start, start + timedelta(minutes=minutes), False)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


async def add_event(session: AsyncSession, world: World, clock: Clock, *, title: str = "Семинар «Анализ ВПР»",
                    start: datetime | None = None, minutes: int = 90, kind: str = "seminar",
                    audience: str = "everyone", place: str | None = "Кировская гимназия, актовый зал") -> Event:
    network = await network_of(session, world)
    start = start or clock.now() + timedelta(days=7)
    return await core.create_event(session, network, title=title, slot=timed(start, minutes), kind=kind,
                                   place=place, audience=audience, clock=clock)


async def outbox(session: AsyncSession, prefix: str = "") -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.dedupe_key.like(prefix + "%")).order_by(OutboxMessage.id)
    return list((await session.scalars(stmt)).all())


async def signups_of(session: AsyncSession, event_id: int) -> dict[int, str]:
    return dict((await session.execute(select(Signup.user_id, Signup.status).where(Signup.event_id == event_id))).all())
