"""A person is an account on one messenger: a Telegram person and a MAX person with the same number are two
people — each registers, sees their own menu, is marked unreachable alone, and erases only their own data."""
from __future__ import annotations

from sqlalchemy import select

from datetime import timedelta

from bot.services.events import lifecycle, reminders
from db.models import Membership, User
from tests.events.common import FIRST_TEACHER, add_event, make_world
from tests.fakes.max_api import FakeMax
from tests.forms.common import add_person
from tests.max_harness import deliver, max_person
from tests.messengers.test_max_flows import finish_registration
from tests.test_onboarding import make_invite, make_network

SAME = 5_000_077  # a Telegram id and a MAX id that happen to coincide


async def _register_on_telegram(harness, code: str) -> None:  # type: ignore[no-untyped-def]
    olga = harness.person(SAME)
    await olga.command("start", code)
    await olga.press("Даю согласие")
    await olga.send("Петрова Ольга Сергеевна")
    await olga.send("назиев")
    await olga.press("Назиевская")
    await olga.press("Учитель-предметник")
    await olga.press("Физика")
    await olga.press("Готово")
    assert "Петрова Ольга Сергеевна" in olga.joined()


async def _people(harness) -> list[User]:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(User).where(User.forgotten_at.is_(None))
                                           .order_by(User.platform))).all())

    return await harness.in_db(work)


async def test_the_same_number_on_telegram_and_max_is_two_people(harness, max_front, fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    await _register_on_telegram(harness, await make_invite(harness, network_id))
    anna = max_person(max_front, fake_max, SAME, "Анна")
    await anna.start(await make_invite(harness, network_id))
    assert "Кировский район" in anna.joined(), "a stranger on MAX, not Ольга from Telegram"
    await finish_registration(anna)
    assert "Иванова Мария Петровна" in anna.joined()

    people = await _people(harness)
    assert [(p.platform, p.messenger_id, p.full_name) for p in people] == [
        ("max", SAME, "Иванова Мария Петровна"), ("telegram", SAME, "Петрова Ольга Сергеевна")]

    # Each sees their own menu and profile.
    olga = harness.person(SAME)
    await olga.command("profile")
    assert "Петрова Ольга Сергеевна" in olga.joined() and "Иванова" not in olga.joined()
    await anna.command("profile")
    assert "Иванова Мария Петровна" in anna.joined() and "Петрова" not in anna.joined()
    await anna.command("menu")
    assert anna.buttons(), "the main menu"

    # Stopping the bot on MAX marks the MAX person only.
    await anna.stop()
    people = await _people(harness)
    assert {p.platform: p.is_reachable for p in people} == {"max": False, "telegram": True}
    await anna.start()
    assert all(p.is_reachable for p in await _people(harness))

    # /forgetme on MAX erases Анна; Ольга keeps her record, membership and menu.
    await anna.command("forgetme")
    await anna.press("Да, удалить")
    assert "удалены" in anna.joined()
    people = await _people(harness)
    assert [(p.platform, p.full_name) for p in people] == [("telegram", "Петрова Ольга Сергеевна")]

    async def memberships(session):  # type: ignore[no-untyped-def]
        rows = await session.execute(select(User.platform, Membership.is_active)
                                     .join(Membership, Membership.user_id == User.id))
        return sorted(rows.all())

    assert await harness.in_db(memberships) == [("max", False), ("telegram", True)]
    await olga.command("menu")
    assert "Петрова Ольга Сергеевна" in olga.joined() or olga.buttons()
    await olga.command("profile")
    assert "Петрова Ольга Сергеевна" in olga.joined()


async def test_a_half_filled_dialog_on_telegram_survives_forgetme_of_the_max_namesake(
        harness, max_front, fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    anna = max_person(max_front, fake_max, SAME, "Анна")
    await anna.start(await make_invite(harness, network_id))
    await finish_registration(anna)

    olga = harness.person(SAME)
    await olga.command("start", await make_invite(harness, network_id))
    await olga.press("Даю согласие")  # Ольга is in the middle of registering on Telegram…
    await anna.command("forgetme")  # …when her namesake on MAX erases herself
    await anna.press("Да, удалить")
    assert "удалены" in anna.joined()
    await olga.send("Петрова Ольга Сергеевна")  # the dialog goes on where it was
    await olga.send("назиев")
    await olga.press("Назиевская")
    await olga.press("Учитель-предметник")
    await olga.press("Физика")
    await olga.press("Готово")
    assert "Петрова Ольга Сергеевна" in olga.joined()
    assert [(p.platform, p.full_name) for p in await _people(harness)] == [("telegram", "Петрова Ольга Сергеевна")]


async def test_a_network_on_both_messengers_gets_announcements_and_reminders_on_both(harness, max_front,
                                                                                     fake_max: FakeMax) -> None:
    clock = harness.app.clock
    world = await make_world(harness, teachers=2)  # a coordinator and two teachers on Telegram
    on_max = [FIRST_TEACHER, FIRST_TEACHER + 50]  # one of them has the number of a Telegram teacher

    async def join_on_max(session):  # type: ignore[no-untyped-def]
        for number, name in zip(on_max, ("Кузнецова Анна Сергеевна", "Смирнов Олег Иванович")):
            await add_person(session, world.network_id, number, name, school_id=world.schools["nazia"],
                             clock=clock, platform="max")
            fake_max.person(number)

    await harness.in_db(join_on_max)
    start = clock.now() + timedelta(hours=30)

    async def announce(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, clock, start=start, title="Семинар «Смысловое чтение»")
        await lifecycle.announce(session, event, clock)

    await harness.in_db(announce)
    clock.move(timedelta(hours=7))  # the day-before reminder falls due
    await harness.in_db(lambda session: reminders.plan_upcoming(session, clock))
    clock.move(timedelta(hours=1))
    await harness.deliver()
    await deliver(max_front, harness.app.sessionmaker, clock)

    telegram = [harness.person(world.telegram(i)) for i in range(2)]
    for person in telegram:
        texts = [s.plain_text or "" for s in harness.fake.sent_to(person.user_id)]
        assert any("Смысловое чтение" in t and "Напоминание" not in t for t in texts), "the announcement"
        assert any("Напоминание" in t for t in texts), "the reminder"
    for number in on_max:
        sent = [s for s in fake_max.sent_to(number) if s.kind == "send"]
        assert any("Смысловое чтение" in s.text and "Напоминание" not in s.text for s in sent), "the announcement"
        reminder = next(s for s in sent if "Напоминание" in s.text)
        assert reminder.button_texts[:2] == ["Пойду", "Не смогу"]
    # MAX rows never go by Telegram: the shared number got one announcement there, the MAX-only one nothing.
    shared = [s for s in harness.fake.sent_to(FIRST_TEACHER) if "Смысловое чтение" in (s.plain_text or "")
              and "Напоминание" not in (s.plain_text or "")]
    assert len(shared) == 1 and harness.fake.sent_to(FIRST_TEACHER + 50) == []
