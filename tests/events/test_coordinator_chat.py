"""The coordinator through the chat: roadmap import with a preview, fixing dates, announcing; creating,
moving and cancelling events; measures; reminder offsets; attendance and check-in — with wrong answers and
restarts on the way."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import build_app
from bot.services.events import lifecycle
from db.models import Attendance, Event, Network, OutboxMessage, RoadmapImport, User
from keyboards.events import EvAttCb, EvCb, RoadmapCb
from tests.events.common import COORDINATOR, FIRST_TEACHER, add_event, make_world, outbox, signups_of
from tests.harness import BotHarness, Person

PLAN = """План мероприятий сетевого наставничества «Школа – школе» на 2026/2027 учебный год
№;Наименование мероприятия;Сроки;Ответственные;Ожидаемый результат
1. Организационный этап;;;;
1.1;Разработка положения о сетевом наставничестве;до 1 декабря;Координатор;Положение
1.2;Семинар «Наставничество: с чего начать»;15.12;Методист ИМЦ;Планы работы пар
1.3;Вебинар «Функциональная грамотность»;по согласованию;РМО учителей математики;Банк заданий
1.4;Открытые уроки наставников;14.01-18.01;Школы-лидеры;Посещено не менее 75% уроков
1.5;Мониторинг реализации дорожной карты;май;Координатор;Аналитическая справка
"""


async def send_file(person: Person, data: bytes, name: str) -> None:
    record = person.fake.add_file(data, file_name=name)
    update = person.fake.updates.document(person.user_id, file_name=name, file_id=record.file_id,
                                          mime_type="text/csv", file_size=len(data))
    await person._feed(update)  # noqa: SLF001


async def events_of(h: BotHarness) -> list[Event]:
    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(Event).order_by(Event.id))).all())

    return await h.in_db(work)


async def test_roadmap_import_with_a_fix_a_restart_and_announcing(harness: BotHarness, test_settings, engine,
                                                                  clock) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await send_file(coordinator, PLAN.encode("cp1251"), "plan.csv")  # just sent, outside any dialog
    preview = coordinator.joined()
    assert "Строк: 5" in preview.replace("<b>", "").replace("</b>", "")
    assert "С датами: 4" in preview and "Требуют внимания: 1" in preview and "Разделов: 1" in preview
    assert any("Показать проблемы (1)" in b for b in coordinator.buttons())

    await coordinator.press("Показать проблемы")
    assert "по согласованию" in coordinator.joined() and "Вебинар" in coordinator.joined()
    await coordinator.press("1.3")
    assert "Напишите срок" in coordinator.joined()
    await coordinator.send("когда-нибудь")
    assert "Не получилось разобрать срок" in coordinator.joined()
    await coordinator.sticker()
    assert "текстом" in coordinator.joined()

    harness.app = build_app(test_settings, clock=clock, engine=engine)  # a deploy in the middle of the dialog
    await coordinator.send("10.02")
    assert "10.02.2027" in coordinator.joined(), "a school-year document: February is in the second year"
    assert "Все строки в порядке" in coordinator.joined()
    await coordinator.press("Импортировать")
    done = coordinator.joined()
    assert "Импорт завершён" in done and "новых: 5" in done
    assert "Какие мероприятия анонсировать" in done
    labels = coordinator.buttons()
    assert any("Семинар «Наставничество" in b for b in labels) and any("Вебинар" in b for b in labels)
    assert not any("Разработка положения" in b for b in labels), "measures aren't announced"

    await coordinator.press("Семинар «Наставничество")
    await coordinator.press("Вебинар")
    await coordinator.press("Анонсировать сейчас (2)")
    assert "Анонсировано мероприятий: 2" in coordinator.joined()

    teacher = harness.person(FIRST_TEACHER)
    teacher._mark = harness.fake.last_seq
    await harness.deliver()
    texts = teacher.joined()
    assert "Семинар «Наставничество: с чего начать»" in texts and "Вебинар «Функциональная грамотность»" in texts
    assert "п. 1.2" in texts and "Методист ИМЦ" in texts

    async def state(session):  # type: ignore[no-untyped-def]
        events = list((await session.scalars(select(Event).order_by(Event.id))).all())
        return [(e.number, e.kind, e.is_task, e.status) for e in events], await session.scalar(
            select(RoadmapImport.attention))

    rows, attention = await harness.in_db(state)
    assert rows == [("1.1", "document", True, "planned"), ("1.2", "seminar", False, "announced"),
                    ("1.3", "webinar", False, "announced"), ("1.4", "open_lesson", False, "planned"),
                    ("1.5", "monitoring", True, "planned")]
    assert attention == 0

    # The same file again: nothing duplicated, the fixed date kept, the announcements stay.
    await send_file(coordinator, PLAN.encode("cp1251"), "plan.csv")
    await coordinator.press("Импортировать")
    assert "новых: 0" in coordinator.joined() and "Импорт завершён" in coordinator.joined()
    again, _ = await harness.in_db(state)
    assert again == rows
    webinar = next(e for e in await events_of(harness) if e.number == "1.3")
    assert webinar.starts_at is not None, "a date fixed in the chat isn't wiped by the file's «по согласованию»"


async def test_a_file_that_is_not_a_roadmap_is_explained(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Дорожная карта")
    await coordinator.press("Загрузить дорожную карту")
    await coordinator.send("вот файл")
    assert "Пришлите, пожалуйста, файл" in coordinator.joined()
    await send_file(coordinator, b"PK\x03\x04 broken", "plan.docx")
    assert "Не получилось прочитать файл" in coordinator.joined()
    await send_file(coordinator, b"%PDF-1.4", "plan.pdf")
    assert "не подходит" in coordinator.joined()
    await coordinator.command("cancel")
    teacher = harness.person(FIRST_TEACHER)
    await send_file(teacher, PLAN.encode(), "plan.csv")  # not a coordinator: just the usual hint
    assert "Строк" not in teacher.joined()
    await teacher.press_data(RoadmapCb(a="import").pack())
    assert teacher.alerts()


async def test_coordinator_creates_an_event_with_a_wrong_answer_and_a_restart(harness: BotHarness, test_settings,
                                                                             engine, clock) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("events")
    await coordinator.press("Новое мероприятие")
    await coordinator.send("Круглый стол «Итоги полугодия»")
    await coordinator.press("Круглый стол")
    await coordinator.send("завтра после обеда")
    assert "Не получилось разобрать дату" in coordinator.joined()
    await coordinator.send("01.01.2020 15:00")
    assert "уже прошло" in coordinator.joined()
    harness.app = build_app(test_settings, clock=clock, engine=engine)
    await coordinator.send("10.12 15:00-17:00")
    assert "10.12.2026, 15:00–17:00" in coordinator.joined()
    await coordinator.send("https://example.org/meet")
    await coordinator.press("участники")
    summary = coordinator.joined()
    assert "Круглый стол «Итоги полугодия»" in summary and "example.org" in summary
    await coordinator.press("Создать и анонсировать")
    assert "Кому отправить?" in coordinator.joined(), "an announcement asks whom to, like a broadcast"
    await coordinator.press("Как задумано: участники")
    assert "Получат: 4" in coordinator.joined()
    await coordinator.press("Анонсировать сейчас")
    assert "Анонс мероприятия №1 — отправляется" in coordinator.joined() and "Отправлено: 0 из 4" in coordinator.joined()

    (event,) = await events_of(harness)
    assert (event.kind, event.status, event.link, event.audience) == (
        "round_table", "announced", "https://example.org/meet", {"kind": "participants"})
    assert event.starts_at.hour == 12, "15:00 Moscow is stored as 12:00 UTC"


async def test_move_and_cancel_tell_those_signed_up(harness: BotHarness) -> None:
    world = await make_world(harness)

    async def announced(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, harness.app.clock)
        await lifecycle.announce(session, event, harness.app.clock)
        return event.id

    event_id = await harness.in_db(announced)
    await harness.deliver()
    teacher = harness.person(FIRST_TEACHER)
    await teacher.press("Пойду")

    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(EvCb(a="open", id=event_id).pack())
    assert "Записались: 1" in coordinator.joined()
    await coordinator.press("Перенести")
    await coordinator.send("31.02 10:00")
    assert "Такой даты нет" in coordinator.joined()
    await coordinator.send("03.12 10:00")
    assert "Перенесено" in coordinator.joined() and "уведомление: 1" in coordinator.joined()
    teacher._mark = harness.fake.last_seq
    await harness.deliver()
    assert "перенесено" in teacher.joined() and "03.12.2026, 10:00" in teacher.joined()

    await coordinator.press("Отменить")
    await coordinator.press("Да, отменить")
    assert "Уведомлено записавшихся: 1" in coordinator.joined()
    teacher._mark = harness.fake.last_seq
    await harness.deliver()
    assert "отменено" in teacher.joined()
    await teacher.press_data(f"rsvp:{event_id}:no:0")
    assert any("Запись закрыта" in a for a in teacher.alerts())


async def test_edit_measures_and_offsets(harness: BotHarness) -> None:
    world = await make_world(harness)

    async def make(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, harness.app.clock)
        task = await add_event(session, world, harness.app.clock, title="Разработка положения", kind="document")
        return event.id, task.id

    event_id, task_id = await harness.in_db(make)
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(EvCb(a="edit", id=event_id).pack())
    await coordinator.press("Место")
    await coordinator.send("МКОУ «Назиевская СОШ», кабинет 12")
    assert "Сохранено" in coordinator.joined() and "кабинет 12" in coordinator.joined()
    await coordinator.press("Изменить")
    await coordinator.press("Ссылка")
    await coordinator.send("not a link")
    assert "https://" in coordinator.joined()
    await coordinator.press("Пропустить")
    assert "Сохранено" in coordinator.joined()

    await coordinator.press_data(EvCb(a="measures").pack())
    assert "% мер реализовано: <b>0%</b>" in coordinator.new()[-1].text
    await coordinator.press("Разработка положения")
    assert "100%" in coordinator.joined() and "(1 из 1)" in coordinator.joined()

    await coordinator.press_data(EvCb(a="offsets").pack())
    assert "за 1 день, за 1 час" in coordinator.joined()
    await coordinator.press("за 3 часа")
    await coordinator.press("за 1 день")
    assert "за 3 часа, за 1 час" in coordinator.joined()

    async def settings(session):  # type: ignore[no-untyped-def]
        return (await session.get(Network, world.network_id)).settings

    assert (await harness.in_db(settings))["reminder_offsets"] == ["3h", "1h"]
    teacher = harness.person(FIRST_TEACHER)
    await teacher.press_data(EvCb(a="offsets").pack())
    await teacher.press_data(f"evm:{task_id}:0")
    assert len(teacher.alerts()) == 2


async def test_attendance_by_the_coordinator_and_by_check_in(harness: BotHarness) -> None:
    world = await make_world(harness)
    clock = harness.app.clock

    async def announced(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, clock, start=clock.now() + timedelta(minutes=30))
        await lifecycle.announce(session, event, clock)
        return event.id

    event_id = await harness.in_db(announced)
    await harness.deliver()
    first, second = harness.person(FIRST_TEACHER), harness.person(FIRST_TEACHER + 2)
    await first.press("Пойду")
    await second.press("Не смогу")

    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(EvCb(a="signups", id=event_id).pack())
    listing = coordinator.joined()
    assert "Записались: 1" in listing and "Иванова Мария Петровна" in str(coordinator.buttons())
    await coordinator.press("Иванова Мария Петровна")
    assert "присутствовавшие: 1" in coordinator.joined()

    await coordinator.press("Код для отметки")
    poster = coordinator.new()[-1]
    assert poster.method == "sendPhoto"
    code = poster.plain_text.split("Код: ")[1].split()[0]
    assert f"?start=ci_{code}" in poster.plain_text

    third = harness.person(FIRST_TEACHER + 3)
    await third.command("start", f"ci_{code}")
    assert "Вы отмечены" in third.joined()
    await third.command("start", f"ci_{code}")
    assert "уже отмечены" in third.joined()
    await second.command("checkin", code.lower())
    assert "Вы отмечены" in second.joined()
    await second.command("checkin", "ZZZZZZ")
    assert "Такого кода нет" in second.joined()
    stranger = harness.person(4242)
    await stranger.command("start", f"ci_{code}")
    assert "Сначала зарегистрируйтесь" in stranger.joined()

    async def present(session):  # type: ignore[no-untyped-def]
        rows = (await session.execute(select(User.messenger_id, Attendance.how)
                                       .join(User, User.id == Attendance.user_id)
                                       .where(Attendance.event_id == event_id))).all()
        return dict(rows)

    assert await harness.in_db(present) == {FIRST_TEACHER: "coordinator", FIRST_TEACHER + 2: "checkin",
                                            FIRST_TEACHER + 3: "checkin"}
    teacher = harness.person(FIRST_TEACHER + 1)
    await teacher.press_data(EvAttCb(e=event_id, u=world.teachers[0]).pack())
    assert any("недоступно" in a for a in teacher.alerts())

    harness.app.clock.move(timedelta(days=1))  # type: ignore[attr-defined]
    await teacher.command("checkin", code)
    assert "только во время мероприятия" in teacher.joined()


async def test_an_ended_event_sends_the_reflection_form_to_those_who_came(harness: BotHarness) -> None:
    world = await make_world(harness)
    clock = harness.app.clock

    async def setup(session):  # type: ignore[no-untyped-def]
        came = await add_event(session, world, clock, title="Мастер-класс", start=clock.now() + timedelta(hours=2))
        signed = await add_event(session, world, clock, title="Вебинар", start=clock.now() + timedelta(hours=3))
        for event in (came, signed):
            await lifecycle.announce(session, event, clock)
        from bot.services.events import signups

        for uid in world.teachers[:3]:
            user = await session.get(User, uid)
            await signups.rsvp(session, came, user, True, clock)
            await signups.rsvp(session, signed, user, True, clock)
        session.add(Attendance(event_id=came.id, user_id=world.teachers[3], how="coordinator", at=clock.now()))
        return came.id, signed.id

    came_id, signed_id = await harness.in_db(setup)
    clock.move(timedelta(hours=5))
    from scheduler.events import finish_events

    assert await harness.in_db(lambda session: finish_events(session, clock)) == 2
    assert await harness.in_db(lambda session: finish_events(session, clock)) == 0, "idempotent"

    async def forms_sent(session):  # type: ignore[no-untyped-def]
        from db.models import FormRequest

        requests = {r.event_id: r for r in (await session.scalars(select(FormRequest))).all()}
        rows = await outbox(session, "form:")
        return requests, rows

    requests, rows = await harness.in_db(forms_sent)
    assert set(requests) == {came_id, signed_id}
    by_request: dict[int, set[int]] = {}
    for row in rows:
        by_request.setdefault(int(row.dedupe_key.split(":")[1]), set()).add(row.user_id)
    assert by_request[requests[came_id].id] == {world.teachers[3]}, "attendance kept: those marked present"
    assert by_request[requests[signed_id].id] == set(world.teachers[:3]), "no attendance: those signed up"

    events = {e.id: e.status for e in await events_of(harness)}
    assert events == {came_id: "held", signed_id: "held"}
    assert await harness.in_db(lambda session: signups_of(session, came_id))


async def test_scheduled_announcement_waits_for_its_time(harness: BotHarness) -> None:
    world = await make_world(harness)

    async def draft(session):  # type: ignore[no-untyped-def]
        return (await add_event(session, world, harness.app.clock)).id

    event_id = await harness.in_db(draft)
    coordinator = harness.person(COORDINATOR)
    await coordinator.press_data(EvCb(a="open", id=event_id).pack())
    assert "Черновик" in coordinator.joined()
    await coordinator.press("Анонсировать")
    await coordinator.press("Как задумано")
    await coordinator.press("Назначить время")
    await coordinator.send("26.11")
    assert "Укажите и время" in coordinator.joined()
    await coordinator.send("26.11 10:00")
    assert "Анонс уйдёт 26.11.2026 10:00" in coordinator.joined()

    teacher = harness.person(FIRST_TEACHER)
    await teacher.command("events")
    assert "ничего не запланировано" in teacher.joined(), "not public before its time"
    assert await harness.deliver() == 0

    async def due(session):  # type: ignore[no-untyped-def]
        return (await session.scalars(select(OutboxMessage.not_before).where(OutboxMessage.kind == "announcement"))).all()

    assert {d.hour for d in await harness.in_db(due)} == {7}, "10:00 Moscow"
    harness.app.clock.move(timedelta(days=2))  # type: ignore[attr-defined]
    teacher._mark = harness.fake.last_seq
    assert await harness.deliver() == 5
    assert "Приглашаем" in teacher.joined()
