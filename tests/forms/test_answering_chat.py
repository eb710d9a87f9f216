"""A participant answers forms as people do: buttons, typing, a wrong value, a restart, corrections."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import build_app
from bot.services.forms import answers_rows, create_request, send_reflection_for_event
from bot.services.forms.library import save_custom_form
from bot.services.forms.definitions import check_definition
from bot.services.forms.requests import deadline_in_days, network_tz
from db.models import FormResponse, OutboxMessage
from keyboards.forms import FormStepCb
from tests.forms.common import FIRST_TEACHER, make_world, network_of, watch
from tests.harness import BotHarness


async def _reflection(h: BotHarness, world, user_ids) -> int:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        request = await send_reflection_for_event(session, 42, user_ids, h.app.clock, network_id=world.network_id,
                                                  title="Семинар-практикум 8.1.1 «Смысловое чтение»")
        return request.id

    return await h.in_db(work)


async def _response(h: BotHarness, request_id: int, user_id: int) -> FormResponse:
    async def work(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(FormResponse).where(FormResponse.request_id == request_id,
                                                               FormResponse.user_id == user_id))

    return await h.in_db(work)


async def test_reflection_with_a_wrong_value_and_a_restart_halfway(harness: BotHarness, test_settings, engine,
                                                                   clock) -> None:
    world = await make_world(harness)
    teacher = watch(harness.person(FIRST_TEACHER))
    request_id = await _reflection(harness, world, [world.teachers[0]])
    await harness.deliver()
    assert "Спасибо за участие в мероприятии «Семинар-практикум 8.1.1 «Смысловое чтение»»" in teacher.joined()

    await teacher.press("Заполнить")
    text = teacher.joined()
    assert "Вопрос 1 из 3" in text and "Насколько полезным" in text
    assert teacher.buttons()[:5] == ["1", "2", "3", "4", "5"]

    await teacher.send("7")  # a wrong value, typed
    assert "от 1 до 5" in teacher.joined()
    assert (await _response(harness, request_id, world.teachers[0])).step == 0, "still on the first question"
    await teacher.send("4")  # typing the mark works too
    assert "Вопрос 2 из 3" in teacher.joined()

    # A deploy halfway: a new application on the same database.
    harness.app = build_app(test_settings, clock=clock, engine=engine)
    saved = await _response(harness, request_id, world.teachers[0])
    assert saved.step == 1 and saved.answers == {"usefulness": 4}

    await teacher.sticker()
    assert "текстом или кнопкой" in teacher.joined()
    await teacher.send("Приём «ментальные карты» на уроках литературы")
    text = teacher.joined()
    assert "Вопрос 3 из 3" in text and "необязательный" in text
    await teacher.press("Пропустить")
    review = teacher.joined()
    assert "Проверьте ответы" in review and "пропущено" in review and "ментальные карты" in review
    await teacher.press("Отправить ответы")
    assert "Спасибо! Ответы отправлены" in teacher.joined()

    response = await _response(harness, request_id, world.teachers[0])
    assert response.submitted_at is not None
    assert response.answers == {"usefulness": 4, "apply": "Приём «ментальные карты» на уроках литературы"}

    async def rows(session):  # type: ignore[no-untyped-def]
        return [row async for row in answers_rows(session, world.network_id)]

    header, *data = await harness.in_db(rows)
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["ФИО"] == "Иванова Мария Петровна" and row["Школа"] == "Назиевская СОШ"
    assert row["Рефлексия после мероприятия · 1. Насколько полезным было для вас мероприятие?"] == 4

    async def reminders(session):  # type: ignore[no-untyped-def]
        return {r.dedupe_key.rsplit(":", 1)[-1]: r.status for r in (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind.in_(["reminder", "nudge"])))).all()}

    assert await harness.in_db(reminders) == {"remind": "cancelled", "nudge": "cancelled"}


async def _five_question_form(h: BotHarness, world, *, days: int = 7) -> int:  # type: ignore[no-untyped-def]
    definition = check_definition({"questions": [
        {"text": "Оцените семинар", "type": "scale"},
        {"text": "Формат встречи", "type": "single", "options": ["Очно", "Онлайн"]},
        {"text": "Будете применять?", "type": "yesno"},
        {"text": "Сколько уроков проведёте по теме?", "type": "number", "min": 0, "max": 40},
        {"text": "Ваши предложения", "type": "text"},
    ]})

    async def work(session):  # type: ignore[no-untyped-def]
        network = await network_of(session, world)
        form = await save_custom_form(session, network_id=network.id, title="Обратная связь", definition=definition,
                                      created_by=None)
        request = await create_request(session, network=network, form=form, audience="everyone",
                                       deadline=deadline_in_days(days, h.app.clock, network_tz(network)),
                                       clock=h.app.clock)
        return request.id

    return await h.in_db(work)


async def test_five_questions_take_seven_interactions(harness: BotHarness) -> None:
    world = await make_world(harness)
    teacher = watch(harness.person(FIRST_TEACHER))
    request_id = await _five_question_form(harness, world)
    await harness.deliver()
    assert "Вопросов: 5" in teacher.joined()

    steps = [teacher.press("Заполнить"), teacher.press("5"), teacher.press("Онлайн"), teacher.press("Да"),
             teacher.send("12"), teacher.send("Больше практики"), teacher.press("Отправить ответы")]
    for step in steps:
        await step
    assert len(steps) == 7
    assert "Спасибо! Ответы отправлены" in teacher.joined()
    response = await _response(harness, request_id, world.teachers[0])
    assert response.answers == {"q1": 5, "q2": "Онлайн", "q3": True, "q4": 12, "q5": "Больше практики"}


async def test_back_corrections_and_the_deadline(harness: BotHarness, clock) -> None:
    world = await make_world(harness)
    teacher = watch(harness.person(FIRST_TEACHER))
    request_id = await _five_question_form(harness, world, days=2)
    await harness.deliver()
    await teacher.press("Заполнить")
    await teacher.press("2")
    await teacher.press("Назад")
    assert "Вопрос 1 из 5" in teacher.joined() and "Сейчас записано: 2" in teacher.joined()
    await teacher.press("3")
    await teacher.command("events")  # a command leaves the form — saying the answers are kept — and runs
    assert "Ответы сохранены" in teacher.joined() and "Мероприятия" in teacher.joined()
    await teacher.command("menu")
    await teacher.press("Мои анкеты")
    await teacher.press("Обратная связь")
    assert "Вопрос 2 из 5" in teacher.joined(), "back where the person left"
    await teacher.send("третий")  # not an option
    assert "Такого варианта нет" in teacher.joined()
    await teacher.send("1")  # the option's number
    await teacher.send("ага")
    await teacher.send("100")
    assert "от 0 до 40" in teacher.joined()
    await teacher.send("3,5")
    await teacher.send("Всё понравилось")
    await teacher.press("Отправить ответы")

    # Still before the deadline: open it again from «Мои анкеты» and correct question 4.
    clock.move(timedelta(days=1))
    await teacher.command("menu")
    await teacher.press("Мои анкеты")
    assert "✅ Обратная связь" in " ".join(teacher.buttons())
    await teacher.press("Обратная связь")
    assert "Исправить их можно до" in teacher.joined()
    await teacher.press("✏️ 4")
    assert "Вопрос 4 из 5" in teacher.joined()
    await teacher.send("4")
    assert "Ваши ответы" in teacher.joined(), "a correction goes back to the review"
    response = await _response(harness, request_id, world.teachers[0])
    assert response.answers["q4"] == 4 and response.answers["q1"] == 3 and response.answers["q2"] == "Очно"

    # After the deadline the answers are locked; an old button gets a polite refusal.
    clock.move(timedelta(days=3))
    await teacher.press_data(FormStepCb(s=response.id, q=5, a="ed", v=0).pack())
    assert any("Срок прошёл" in a for a in teacher.alerts())
    await teacher.press("Мои анкеты")
    await teacher.press("Обратная связь")
    assert "ответы больше не меняются" in teacher.joined()
    assert not any("✏️" in b for b in teacher.buttons())


async def test_multiple_choice_toggles_and_resume_from_my_forms(harness: BotHarness, test_settings, engine,
                                                              clock) -> None:
    world = await make_world(harness)
    teacher = watch(harness.person(FIRST_TEACHER))

    async def send_entry(session):  # type: ignore[no-untyped-def]
        from bot.services.forms import ensure_template

        network = await network_of(session, world)
        form = await ensure_template(session, "entry")
        request = await create_request(session, network=network, form=form, audience="participants",
                                       deadline=deadline_in_days(14, clock, network_tz(network)), clock=clock)
        return request.id

    request_id = await harness.in_db(send_entry)
    await harness.deliver()
    await teacher.press("Заполнить")
    assert "стаж" in teacher.joined()
    await teacher.send("пять")
    assert "Нужно число" in teacher.joined()
    await teacher.send("5")
    assert "Вопрос 2 из 6" in teacher.joined()
    await teacher.press("Готово")
    assert any("хотя бы один" in a for a in teacher.alerts())
    await teacher.press("▫️ Подготовка к ВПР")
    await teacher.press("▫️ Работа с детьми с ОВЗ")
    await teacher.press("▫️ Мотивация обучающихся")
    await teacher.press("✅ Работа с детьми с ОВЗ")  # changed her mind
    assert "✅ Подготовка к ВПР" in teacher.buttons()
    await teacher.command("cancel")  # leaves the dialog; the ticks are saved in the row

    harness.app = build_app(test_settings, clock=clock, engine=engine)
    await teacher.command("menu")
    await teacher.press("Мои анкеты")
    await teacher.press("Входная анкета")
    assert "Вопрос 2 из 6" in teacher.joined()
    assert "✅ Мотивация обучающихся" in teacher.buttons()
    await teacher.press("Готово")
    await teacher.send("1, 5")  # directions by number
    await teacher.press("4")
    await teacher.press("Онлайн")
    await teacher.press("Пропустить")
    await teacher.press("Отправить ответы")
    response = await _response(harness, request_id, world.teachers[0])
    assert response.answers == {"experience": 5,
                                "deficits": ["Подготовка к ВПР", "Мотивация обучающихся"],
                                "directions": ["ОГЭ/ЕГЭ", "Работа с детьми с ОВЗ"],
                                "readiness": 4, "format": "Онлайн"}


async def test_forged_and_stale_buttons_are_refused(harness: BotHarness) -> None:
    world = await make_world(harness)
    request_id = await _five_question_form(harness, world)
    await harness.deliver()
    owner = await _response(harness, request_id, world.teachers[0])
    stranger = harness.person(FIRST_TEACHER + 1)
    await stranger.press_data(FormStepCb(s=owner.id, q=0, a="v", v=5).pack())
    assert any("не адресована" in a for a in stranger.alerts())
    nobody = harness.person(555)
    await nobody.press_data(f"fo:{request_id}")
    assert any("не адресована" in a for a in nobody.alerts())
    assert (await _response(harness, request_id, world.teachers[0])).answers == {}

    teacher = watch(harness.person(FIRST_TEACHER))
    await teacher.press("Заполнить")
    await teacher.press("4")
    await teacher.press_data(FormStepCb(s=owner.id, q=0, a="v", v=1).pack())  # a button of question 1 again
    assert "Вопрос 2 из 5" in teacher.joined()
    assert (await _response(harness, request_id, world.teachers[0])).answers == {"q1": 4}
    await teacher.press_data(FormStepCb(s=owner.id, q=1, a="v", v=9).pack())  # no such option
    assert any("устарела" in a for a in teacher.alerts())
    await teacher.press_data(FormStepCb(s=owner.id, q=1, a="zz").pack())
    assert (await _response(harness, request_id, world.teachers[0])).step == 1
