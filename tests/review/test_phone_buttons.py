"""Buttons of pair and people lists fit a phone's row (about 40 characters) even for imported schools without a
short name and long double-barrelled names: the school abbreviated (МБОУ, СОШ), people by surname and initials,
and both sides of a pair named."""
from __future__ import annotations

from bot.services import short_names
from bot.services.networks import add_school
from db.models import Membership, User
from tests.harness import BotHarness
from tests.mentoring.chat import make_link, setup
from tests.mentoring.conftest import COORDINATOR, MENTOR

LONG_SCHOOL = ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 12 "
               "имени Героя Советского Союза А. И. Покрышкина»")
LONG_MENTEE = "Константинопольская-Рождественская Анастасия-Мария Александровна"
MENTEE_ID = 711_001


async def _long_mentee(h: BotHarness, world) -> None:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        school = await add_school(session, world.network_id, LONG_SCHOOL)
        user = User(messenger_id=MENTEE_ID, full_name=LONG_MENTEE, position="Учитель", subjects=[], language="ru",
                    consent_at=h.app.clock.now(), notification_prefs={})
        session.add(user)
        await session.flush()
        session.add(Membership(user_id=user.id, network_id=world.network_id, school_id=school.id, directions=[]))
        world.users[MENTEE_ID] = user.id

    await h.in_db(work)


def _fits(labels: list[str]) -> None:
    assert labels
    too_long = [label for label in labels if len(label) > short_names.ROW]
    assert not too_long, too_long


async def test_pair_and_people_buttons_fit_a_phone_row(harness: BotHarness) -> None:
    world = await setup(harness)
    await _long_mentee(harness, world)
    await make_link(harness, world, MENTOR, [MENTEE_ID])
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Пары и группы")
    pair = next(label for label in coordinator.buttons() if "Константинопольская" in label)
    _fits([pair])
    assert "Иванова М. П." in pair and "→ Константинопольская" in pair, "both sides, the mentee not cut off"

    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Участники")
    await coordinator.send("Константинопольская")
    person = next(label for label in coordinator.buttons() if "Константинопольская" in label)
    _fits([person])
    assert person.startswith("Константинопольская-Рождественская А. А."), person

    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Мои пары")
    own = next(label for label in mentor.buttons() if "Константинопольская" in label)
    _fits([own])


def test_school_names_shorten_the_way_people_say_them() -> None:
    assert short_names.school(LONG_SCHOOL) == "МБОУ СОШ № 12 им. Героя Советского…"
    assert short_names.school(LONG_SCHOOL, "СОШ № 12") == "СОШ № 12"
    assert short_names.school("Муниципальное казённое общеобразовательное учреждение «Основная "
                              "общеобразовательная школа д. Горки»") == "МКОУ «ООШ д. Горки»"
    assert short_names.person_at("Иванова Мария Петровна", None, "Важинский ОЦ") == (
        "Иванова Мария Петровна · Важинский ОЦ")
