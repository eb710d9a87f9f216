"""Issue 10, forms: each built-in form offers the audience it is made for first — the mentees' satisfaction goes to
mentees in running pairs (not the whole network, not the coordinator), a reflection to an event's sign-ups or
attendees, chosen by the event."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import handlers.mentoring  # noqa: F401 - the app registers mentoring's audiences (mentees, their mentors)
from bot.services.events import core, lifecycle, signups
from bot.services.events.times import Slot
from db.models import FormRequest, Network, User
from tests.harness import BotHarness
from tests.mentoring.chat import make_link, setup
from tests.mentoring.conftest import COORDINATOR, MENTEE, MENTEE2, MENTOR, MENTOR2


async def latest_request(h: BotHarness) -> FormRequest:
    async def work(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(FormRequest).order_by(FormRequest.id.desc()).limit(1))

    return await h.in_db(work)


async def open_form(coordinator, title: str) -> None:  # type: ignore[no-untyped-def]
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    await coordinator.press("Отправить анкету")
    await coordinator.press(title)
    await coordinator.press("Отправить эту анкету")


async def test_the_mentees_satisfaction_goes_to_mentees_in_running_pairs(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    await make_link(harness, world, MENTOR2, [MENTEE2])
    coordinator = harness.person(COORDINATOR)
    await open_form(coordinator, "Удовлетворённость наставляемого")
    assert coordinator.buttons()[0] == "⭐ Наставляемые в действующих парах", "the audience it is made for, first"
    assert "⭐ — для кого эта анкета составлена" in coordinator.joined()
    await coordinator.press("Наставляемые в действующих парах")
    await coordinator.press("Через неделю")
    assert "Получат: 2" in coordinator.joined(), "the two mentees — not the network, not the coordinator"
    await coordinator.press("Отправить")
    request = await latest_request(harness)
    assert request.audience == {"kind": "mentees"} and request.total == 2

    await open_form(coordinator, "Удовлетворённость наставника")
    assert coordinator.buttons()[0] == "⭐ Наставники действующих пар"


async def test_a_reflection_asks_which_event_and_goes_to_its_sign_ups(harness: BotHarness) -> None:
    world = await setup(harness)

    async def seminar(session):  # type: ignore[no-untyped-def]
        clock = harness.app.clock
        network = await session.get(Network, world.network_id)
        start = clock.now() + timedelta(days=3)
        event = await core.create_event(session, network, title="Семинар «Смысловое чтение»", clock=clock,
                                        slot=Slot(start, start + timedelta(hours=2), False), audience="everyone")
        await lifecycle.announce(session, event, clock)
        for messenger_id in (MENTEE, MENTEE2):
            user = await session.scalar(select(User).where(User.messenger_id == messenger_id))
            await signups.rsvp(session, event, user, True, clock)

    await harness.in_db(seminar)
    coordinator = harness.person(COORDINATOR)
    await open_form(coordinator, "Рефлексия после мероприятия")
    assert coordinator.buttons()[:2] == ["⭐ Пришедшие на мероприятие…", "⭐ Записавшиеся на мероприятие…"]
    await coordinator.press("Записавшиеся на мероприятие")
    assert "Выберите мероприятие" in coordinator.joined()
    await coordinator.press("Смысловое чтение")
    await coordinator.press("Через неделю")
    text = coordinator.joined()
    assert "записавшиеся на «" in text and "Смысловое чтение" in text and "Получат: 2" in text
    await coordinator.press("Отправить")
    assert (await latest_request(harness)).total == 2
