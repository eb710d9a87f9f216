"""A coordinator on MAX broadcasts to a network split across both messengers, by taps over MAX: each member gets
it on their own messenger, the live progress message is edited on MAX (the coordinator's messenger), and the
report and the not-reached file come there too, naming each person's messenger."""
from __future__ import annotations

from bot.services import audiences
from db.models import User
from tests.delivery.chat import World, make_world
from tests.fakes.max_api import FakeMax
from tests.forms.common import add_person
from tests.max_harness import deliver, max_person

MAX_COORDINATOR = 7_100_001
MAX_TEACHERS = (710_000, 7_100_002)  # the first has the number of a Telegram teacher
STOPPED = 7_100_002


async def test_a_max_coordinator_broadcasts_to_both_messengers_and_sees_progress_on_max(
        harness, max_front, fake_max: FakeMax) -> None:
    from handlers.broadcasts import progress_tick
    from bot.services import broadcasts

    audiences.unregister_audience("event")
    world = await make_world(harness, teachers=2)  # on Telegram
    clock = harness.app.clock

    async def join_on_max(session):  # type: ignore[no-untyped-def]
        await add_person(session, world.network_id, MAX_COORDINATOR, "Соколова Вера Павловна", school_id=None,
                         coordinator=True, clock=clock, platform="max")
        for number, name in zip(MAX_TEACHERS, ("Кузнецова Анна Сергеевна", "Смирнов Олег Иванович")):
            await add_person(session, world.network_id, number, name, school_id=world.schools["nazia"],
                             clock=clock, platform="max")

    await harness.in_db(join_on_max)
    for number in MAX_TEACHERS:
        fake_max.person(number)
    fake_max.stopped.add(STOPPED)  # stopped the bot in MAX: unreachable on sending
    vera = max_person(max_front, fake_max, MAX_COORDINATOR, "Вера")

    await vera.command("menu")
    await vera.press("Рассылка")
    await vera.press("Новая рассылка")
    await vera.send("Семинар в пятницу в 15:00")
    await vera.press("Вся сеть")
    assert "Получат: 6" in vera.joined(), vera.joined()  # 2 + 2 teachers and both coordinators
    await vera.press("Отправить")
    assert "Рассылка №1" in vera.joined()
    progress_mid = next(s.mid for s in reversed(fake_max.sent_to(MAX_COORDINATOR)) if "Рассылка №1" in s.text)

    await harness.deliver()
    await deliver(max_front, harness.app.sessionmaker, clock)
    for index in range(2):
        assert any("Семинар в пятницу" in (s.plain_text or "") for s in harness.fake.sent_to(World.telegram_of(index)))
    assert [s.text for s in fake_max.sent_to(MAX_TEACHERS[0]) if s.kind == "send"] == ["Семинар в пятницу в 15:00"]
    assert not [s for s in fake_max.sent_to(STOPPED) if s.kind == "send"]

    tick = progress_tick({"telegram": harness.bot, "max": max_front.bot}, harness.app.settings, clock)
    await harness.in_db(lambda session: broadcasts.refresh_statuses(session, clock))
    telegram_edits = len([s for s in harness.fake.sent if s.method == "editMessageText"])
    await harness.in_db(tick)
    edited = [s for s in fake_max.sent_to(MAX_COORDINATOR) if s.kind == "edit" and s.mid == progress_mid]
    assert edited and "завершена" in edited[-1].text and "Отправлено: 5 из 6" in edited[-1].text
    assert len([s for s in harness.fake.sent if s.method == "editMessageText"]) == telegram_edits, \
        "nothing edited through Telegram"

    await deliver(max_front, harness.app.sessionmaker, clock)  # the report and its file, to the coordinator on MAX
    report = next(s for s in fake_max.sent_to(MAX_COORDINATOR) if "Итоги рассылки №1" in s.text)
    assert "Доставлено: 5 из 6" in report.text
    files = [a for s in fake_max.sent_to(MAX_COORDINATOR) for a in s.attachments if a.get("type") == "file"]
    assert files, "the not-reached file came on MAX"

    async def stopped_person(session):  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        return (await session.execute(select(User.platform, User.is_reachable).where(
            User.messenger_id == STOPPED))).one()

    assert tuple(await harness.in_db(stopped_person)) == ("max", False)
    rows = await harness.in_db(lambda session: broadcasts.unreached_report(session, 1))
    assert [(r.full_name, r.platform) for r in rows] == [("Смирнов Олег Иванович", "max")]
