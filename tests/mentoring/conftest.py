"""A small network shaped like Podporozhye's: a level-1 leading school, a level-2 curator school, two level-3
schools; a coordinator, mentors and mentees who all started the bot (Telegram ids from 710_001)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.services.networks import add_school, create_network
from db.models import Membership, Network, School, SchoolStatus, User
from db.session import make_sessionmaker

COORDINATOR = 710_001
MENTOR = 710_002  # Иванова, maths, level-1 school, ОГЭ/ЕГЭ + ВПР
MENTOR2 = 710_003  # Козлова, Russian, curator school, ВПР
MENTOR3 = 710_004  # Орлов, maths, curator school, олимпиады
MENTEE = 710_005  # Петрова, maths, level-3 Важинский ОЦ
MENTEE2 = 710_006  # Смирнова, director of Никольская ООШ (level 3)
OUTSIDER = 710_007  # a participant of the network with no pairs


@dataclass
class World:
    network_id: int
    schools: dict[str, int] = field(default_factory=dict)
    users: dict[int, int] = field(default_factory=dict)  # telegram id → user id

    def uid(self, messenger_id: int) -> int:
        return self.users[messenger_id]


PEOPLE = [
    # telegram id, ФИО, position, subjects, school, roles, directions
    (COORDINATOR, "Орлова Галина Ивановна", "Методист", [], None, {"coordinator"}, []),
    (MENTOR, "Иванова Мария Петровна", "Учитель-предметник", ["Математика"], "leader", {"mentor", "participant"},
     ["oge_ege", "vpr"]),
    (MENTOR2, "Козлова Елена Андреевна", "Учитель-предметник", ["Русский язык"], "curator",
     {"mentor", "participant"}, ["vpr"]),
    (MENTOR3, "Орлов Сергей Николаевич", "Учитель-предметник", ["Математика"], "curator", {"mentor", "participant"},
     ["olymp"]),
    (MENTEE, "Петрова Анна Сергеевна", "Учитель-предметник", ["Математика"], "vazhiny", {"participant"}, []),
    (MENTEE2, "Смирнова Ольга Николаевна", "Директор", [], "nikolskaya", {"participant"}, []),
    (OUTSIDER, "Фролова Ирина Викторовна", "Учитель-предметник", ["Биология"], "vazhiny", {"participant"}, []),
]


async def build_world(session: AsyncSession, clock, *, with_people: bool = True) -> World:  # type: ignore[no-untyped-def]
    network = await create_network(session, slug="podporozhye", name="Подпорожский район", timezone="Europe/Moscow")
    world = World(network.id)
    for key, name, short, status, level in (
        ("leader", "МБОУ «Подпорожская СОШ № 3»", "Подпорожская СОШ № 3", SchoolStatus.LEADER, 1),
        ("curator", "МБОУ «Подпорожская СОШ № 4 им. М. Горького»", "Подпорожская СОШ № 4", SchoolStatus.CURATOR, 2),
        ("vazhiny", "МБОУ «Важинский образовательный центр»", "Важинский ОЦ", SchoolStatus.SHNOR, 3),
        ("nikolskaya", "МБОУ «Никольская ООШ № 9»", "Никольская ООШ № 9", SchoolStatus.SHNOR, 3),
    ):
        school = await add_school(session, network.id, name, short_name=short, status=status, level=level)
        world.schools[key] = school.id
    if with_people:
        for messenger_id, name, position, subjects, school, roles, directions in PEOPLE:
            user = User(messenger_id=messenger_id, full_name=name, position=position, subjects=subjects,
                        language="ru", consent_at=clock.now(), notification_prefs={})
            session.add(user)
            await session.flush()
            session.add(Membership(user_id=user.id, network_id=network.id,
                                   school_id=world.schools[school] if school else None,
                                   is_participant="participant" in roles, is_mentor="mentor" in roles,
                                   is_coordinator="coordinator" in roles, directions=directions,
                                   capacity=3 if "mentor" in roles else None))
            world.users[messenger_id] = user.id
    await session.flush()
    return world


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator:  # type: ignore[type-arg]
    """A sessionmaker on the migrated test database."""
    yield make_sessionmaker(engine)


@pytest.fixture
async def world(db, clock) -> World:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        return await build_world(session, clock)


async def network_of(session: AsyncSession, world: World) -> Network:
    network = await session.get(Network, world.network_id)
    assert network is not None
    return network


async def school(session: AsyncSession, world: World, key: str) -> School:
    found = await session.get(School, world.schools[key])
    assert found is not None
    return found
