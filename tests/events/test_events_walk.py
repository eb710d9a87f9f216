"""Issue 10, events: announcing as a broadcast (whom to, how many, progress), the kind filter, an answer shown on
every message about the event, one's own sign-ups in the list, and when the reminders will come."""
from __future__ import annotations

from bot.services.events import lifecycle
from db.models import User
from keyboards.events import EvCb
from tests.delivery.chat import runtime_tick
from tests.events.common import COORDINATOR, add_event, make_world
from tests.harness import BotHarness

MENTOR_TG = 830_001  # the second teacher of the events world is a mentor


async def test_an_announcement_asks_whom_to_shows_how_many_and_its_progress(harness: BotHarness) -> None:
    world = await make_world(harness)

    async def draft(session):  # type: ignore[no-untyped-def]
        muted = await session.get(User, world.teachers[2])
        muted.notification_prefs = {"mute": ["announcements"]}
        return (await add_event(session, world, harness.app.clock)).id

    event_id = await harness.in_db(draft)
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(EvCb(a="open", id=event_id).pack())
    await coordinator.press("Анонсировать")
    assert "Кому отправить?" in coordinator.joined()
    assert coordinator.buttons()[0] == "⭐ Как задумано: вся сеть", "the event's own audience first"
    await coordinator.press("Как задумано")
    text = coordinator.joined()
    assert "Приглашаем" in text and "Семинар «Анализ ВПР»" in text, "the announcement itself, as a preview"
    assert "Получат: 4" in text and "Выключили анонсы в настройках: 1" in text
    await coordinator.press("Изменить аудиторию")
    await coordinator.press("Наставники")
    assert "Получат: 1" in coordinator.joined()
    await coordinator.press("Анонсировать сейчас")
    text = coordinator.joined()
    assert "Анонс мероприятия №1 — отправляется" in text
    assert "Отправлено: 0 из 1" in text and "Остановить" in " ".join(coordinator.buttons())

    mentor, teacher = harness.person(MENTOR_TG), harness.person(830_000)
    for person in (mentor, teacher):
        person._mark = harness.fake.last_seq  # noqa: SLF001
    assert await harness.deliver() == 1
    assert "Приглашаем" in mentor.joined() and not teacher.new(), "only the audience chosen"
    await runtime_tick(harness)
    assert "отправка завершена" in coordinator.joined() and "Отправлено: 1 из 1" in coordinator.joined()


async def test_the_kind_filter_counts_only_what_the_person_can_open(harness: BotHarness) -> None:
    world = await make_world(harness)

    async def events(session):  # type: ignore[no-untyped-def]
        await add_event(session, world, harness.app.clock, title="Открытый урок (черновик)", kind="open_lesson")
        webinar = await add_event(session, world, harness.app.clock, title="Вебинар по ВПР", kind="webinar")
        await lifecycle.announce(session, webinar, harness.app.clock)

    await harness.in_db(events)
    teacher = harness.person(830_000)
    await teacher.command("events")
    await teacher.press("По виду")
    buttons = teacher.buttons()
    assert any("Вебинар (1)" in b for b in buttons)
    assert not any("Открытый урок" in b for b in buttons), "a draft is not counted for those who can't see it"


async def test_an_answer_shows_everywhere_and_the_card_says_when_reminders_come(harness: BotHarness) -> None:
    world = await make_world(harness)

    async def announced(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, harness.app.clock)
        await lifecycle.announce(session, event, harness.app.clock)

    await harness.in_db(announced)
    teacher = harness.person(830_000)
    teacher._mark = harness.fake.last_seq  # noqa: SLF001
    await harness.deliver()
    announcement_id = teacher.new()[-1].message_id
    await teacher.press("Не смогу")
    await teacher.command("events")
    await teacher.press("Семинар «Анализ ВПР»")
    assert "Напоминаний не будет: вы отметили «Не смогу»" in teacher.joined()
    await teacher.press("Пойду")
    assert "⏰ Напомню за 1 день и за 1 час до начала." in teacher.joined()
    message = harness.fake.get_message(830_000, announcement_id) or {}
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["✅ Пойду", "Не смогу"], "the old announcement no longer says «✅ Не смогу»"

    await teacher.command("events")
    assert "✅ — вы записаны." in teacher.joined()
    assert any(b.startswith("✅ ") and "Анализ ВПР" in b for b in teacher.buttons()), "the «Все» list marks it"
