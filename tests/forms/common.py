"""A small network for forms tests: schools, a coordinator, participants and mentors, all registered."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.networks import add_school, create_network
from db.models import Membership, Network, OutboxMessage, School, SchoolStatus, User
from tests.harness import BotHarness, Person

COORDINATOR = 800_001
FIRST_TEACHER = 810_000

NETWORK_NAMES = {"kirovsk": "Кировский район", "luga": "Лужский район"}  # what people see, never the code


@dataclass
class World:
    network_id: int
    schools: dict[str, int]
    coordinator: int  # user id
    teachers: list[int] = field(default_factory=list)  # user ids, telegram ids FIRST_TEACHER + i
    mentors: list[int] = field(default_factory=list)

    def telegram_of(self, index: int) -> int:
        return FIRST_TEACHER + index


async def add_person(session: AsyncSession, network_id: int, messenger_id: int | None, name: str, *,
                     school_id: int | None, mentor: bool = False, coordinator: bool = False,
                     clock: Clock, language: str = "ru", platform: str = "telegram") -> User:
    user = User(platform=platform, messenger_id=messenger_id, full_name=name, subjects=[], language=language,
                consent_at=clock.now(), notification_prefs={})
    session.add(user)
    await session.flush()
    session.add(Membership(user_id=user.id, network_id=network_id, school_id=school_id, is_participant=not coordinator,
                           is_mentor=mentor, is_coordinator=coordinator, directions=[]))
    await session.flush()
    return user


NAMES = ["Иванова Мария Петровна", "Петров Андрей Сергеевич", "Сидорова Ольга Николаевна",
         "Кузнецов Илья Андреевич", "Смирнова Анна Викторовна", "Фёдоров Павел Ильич"]


async def build_world(session: AsyncSession, clock: Clock, *, teachers: int = 4, slug: str = "kirovsk",
                      coordinator_telegram: int = COORDINATOR, first_telegram: int = FIRST_TEACHER) -> World:
    network = await create_network(session, slug=slug, name=NETWORK_NAMES.get(slug, "Сеть наставничества"),
                                   timezone="Europe/Moscow")
    nazia = await add_school(session, network.id, "МКОУ «Назиевская СОШ»", short_name="Назиевская СОШ",
                             status=SchoolStatus.SHNOR, level=3)
    lead = await add_school(session, network.id, "МБОУ «Кировская гимназия»", short_name="Кировская гимназия",
                            status=SchoolStatus.LEADER, level=1)
    coordinator = await add_person(session, network.id, coordinator_telegram, "Орлова Галина Ивановна", school_id=None,
                                   coordinator=True, clock=clock)
    world = World(network.id, {"nazia": nazia.id, "lead": lead.id}, coordinator.id)
    for index in range(teachers):
        school = nazia.id if index % 2 == 0 else lead.id
        user = await add_person(session, network.id, first_telegram + index, NAMES[index % len(NAMES)],
                                school_id=school, mentor=index == 1, clock=clock)
        world.teachers.append(user.id)
        if index == 1:
            world.mentors.append(user.id)
    return world


async def make_world(h: BotHarness, **kwargs: Any) -> World:
    return await h.in_db(lambda session: build_world(session, h.app.clock, **kwargs))


async def network_of(session: AsyncSession, world: World) -> Network:
    network = await session.get(Network, world.network_id)
    assert network is not None
    return network


async def outbox_rows(session: AsyncSession, prefix: str = "form:") -> list[OutboxMessage]:
    return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(prefix + "%"))
                                       .order_by(OutboxMessage.id))).all())


async def school(session: AsyncSession, school_id: int) -> School:
    found = await session.get(School, school_id)
    assert found is not None
    return found


async def send_document(person: Person, data: bytes, file_name: str, *, caption: str | None = None) -> list[Any]:
    """The person sends a file (registered with the fake so getFile and the download work)."""
    record = person.fake.add_file(data, file_name=file_name)
    update = person.fake.updates.document(person.user_id, file_name=file_name, file_size=len(data),
                                          file_id=record.file_id, caption=caption,
                                          mime_type="application/octet-stream", first_name=person.first_name)
    return await person._feed(update)  # noqa: SLF001 - the harness has no document helper yet


def watch(person: Person) -> Person:
    """From now on `person.new()` shows what the bot sends them (e.g. via the outbox)."""
    person._mark = person.fake.last_seq  # noqa: SLF001
    return person
