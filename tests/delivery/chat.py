"""A registered network for the delivery chat tests: a coordinator, teachers in schools, and helpers to run
what the delivery runtime does every few seconds (refresh statuses, edit progress, queue the report)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import broadcasts
from bot.services.clock import Clock
from db.models import Membership, Network, School, SchoolStatus, User
from tests.harness import BotHarness

COORDINATOR = 700_001
FIRST_TEACHER = 710_000
OTHER_COORDINATOR = 700_900  # coordinates another network


@dataclass
class World:
    network_id: int
    coordinator: int  # user id
    schools: dict[str, int]
    teachers: list[int] = field(default_factory=list)  # user ids; telegram ids FIRST_TEACHER + i
    other_network_id: int = 0

    @staticmethod
    def telegram_of(index: int) -> int:
        return FIRST_TEACHER + index


async def _person(session: AsyncSession, network_id: int, messenger_id: int | None, name: str, clock: Clock, *,
                  school_id: int | None = None, mentor: bool = False, coordinator: bool = False) -> User:
    user = User(messenger_id=messenger_id, full_name=name, language="ru", consent_at=clock.now(), subjects=[],
                notification_prefs={})
    session.add(user)
    await session.flush()
    session.add(Membership(user_id=user.id, network_id=network_id, school_id=school_id, is_participant=not coordinator,
                           is_mentor=mentor, is_coordinator=coordinator, directions=[]))
    await session.flush()
    return user


async def build_world(session: AsyncSession, clock: Clock, *, teachers: int = 6, extra_schools: int = 0,
                      settings: dict[str, Any] | None = None) -> World:
    network = Network(slug="kirovsk", name="Кировский район", timezone="Europe/Moscow", settings=settings or {})
    other = Network(slug="luga", name="Лужский район", timezone="Europe/Moscow", settings={})
    session.add_all([network, other])
    await session.flush()
    nazia = School(network_id=network.id, name="МКОУ «Назиевская СОШ»", short_name="Назиевская СОШ",
                   status=SchoolStatus.SHNOR.value)
    lead = School(network_id=network.id, name="МБОУ «Кировская гимназия»", short_name="Кировская гимназия",
                  status=SchoolStatus.LEADER.value)
    session.add_all([nazia, lead])
    for index in range(extra_schools):
        session.add(School(network_id=network.id, name=f"МОУ «Школа №{index + 10:02d}»", status="regular"))
    await session.flush()
    coordinator = await _person(session, network.id, COORDINATOR, "Орлова Галина Ивановна", clock, coordinator=True)
    await _person(session, other.id, OTHER_COORDINATOR, "Лужская Анна Петровна", clock, coordinator=True)
    world = World(network.id, coordinator.id, {"nazia": nazia.id, "lead": lead.id}, other_network_id=other.id)
    for index in range(teachers):
        school = nazia.id if index % 2 == 0 else lead.id
        user = await _person(session, network.id, FIRST_TEACHER + index, f"Учитель {index:02d} Иванович", clock,
                             school_id=school, mentor=index % 3 == 1)
        world.teachers.append(user.id)
    return world


async def make_world(h: BotHarness, **kwargs: Any) -> World:
    return await h.in_db(lambda session: build_world(session, h.app.clock, **kwargs))


async def runtime_tick(h: BotHarness) -> None:
    """What the leader's maintenance does every few seconds: statuses, then the progress tick."""
    from handlers.broadcasts import progress_tick

    await h.in_db(lambda session: broadcasts.refresh_statuses(session, h.app.clock))
    await h.in_db(progress_tick(h.bot, h.app.settings, h.app.clock))


def xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def document_bytes(h: BotHarness, chat_id: int) -> bytes:
    """The newest document the bot sent to `chat_id`."""
    for sent in reversed(h.fake.sent_to(chat_id)):
        if sent.method == "sendDocument":
            file_id = sent.result["document"]["file_id"]
            return h.fake._files[file_id].data  # noqa: SLF001 - the fake keeps what was uploaded
    raise AssertionError(f"no document sent to {chat_id}")


def copied_message(h: BotHarness, chat_id: int) -> dict[str, Any]:
    """The message a copyMessage produced in `chat_id` (the ledger records only its id)."""
    for sent in reversed(h.fake.sent_to(chat_id)):
        if sent.method == "copyMessage":
            message = h.fake.get_message(chat_id, sent.message_id)
            assert message is not None
            return message
    raise AssertionError(f"nothing was copied to {chat_id}")
