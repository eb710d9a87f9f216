"""The status board, «Мои анкеты», the indicator counts and the «Анкеты» export rows, on the real database."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.errors import DomainError

from bot.services.forms import (
    answers_rows,
    answers_sheet,
    create_request,
    ensure_template,
    forms_answered,
    forms_answered_by_school,
    personal_summary,
)
from bot.services.forms import answering, board
from bot.services.forms.definitions import check_definition
from bot.services.forms.library import list_forms, save_custom_form
from db.models import FormRequest, FormResponse
from tests.forms.common import add_person, build_world, network_of


async def _answer(session, request_id: int, user_id: int, answers: dict, when: datetime) -> None:  # type: ignore[no-untyped-def]
    response = await session.scalar(select(FormResponse).where(FormResponse.request_id == request_id,
                                                               FormResponse.user_id == user_id))
    response.answers = answers
    response.updated_at = when
    response.submitted_at = when


async def test_board_counts_by_school_and_people(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=6)
        network = await network_of(session, world)
        nobody = await add_person(session, network.id, 830_000, "Без Школы Иван", school_id=None, clock=clock)
        form = await ensure_template(session, "reflection")
        request = await create_request(session, network=network, form=form, audience="participants",
                                       deadline=clock.now() + timedelta(days=2), clock=clock)
        await _answer(session, request.id, world.teachers[0], {"usefulness": 5, "apply": "всё"}, clock.now())
        await _answer(session, request.id, world.teachers[1], {"usefulness": 3, "apply": "кое-что"},
                      clock.now() + timedelta(days=3))  # late
        started = await session.scalar(select(FormResponse).where(FormResponse.user_id == world.teachers[2]))
        started.answers, started.updated_at = {"usefulness": 2}, clock.now()

        counts = await board.request_counts(session, request.id)
        assert (counts.total, counts.submitted, counts.late, counts.started, counts.not_started) == (7, 2, 1, 1, 4)
        assert counts.percent == 29
        schools = await board.school_rows(session, request, 0)
        assert [(r.name, r.counts.submitted, r.counts.total) for r in schools.items] == [
            ("Кировская гимназия", 1, 3), ("Назиевская СОШ", 1, 3), (None, 0, 1)]
        assert schools.items[-1].school_id == board.NO_SCHOOL
        people = await board.people(session, request, world.schools["nazia"], 0)
        assert [(p.name, p.state) for p in people.items] == [
            ("Сидорова Ольга Николаевна", "started"), ("Смирнова Анна Викторовна", "not_started"),
            ("Иванова Мария Петровна", "submitted")]
        lonely = await board.people(session, request, board.NO_SCHOOL, 0)
        assert [p.user_id for p in lonely.items] == [nobody.id]
        paged = await board.people(session, request, world.schools["lead"], 1, size=2)
        assert (paged.page, paged.pages, paged.total, len(paged.items)) == (1, 2, 3, 1)

        requests_page = await board.list_requests(session, network.id, 0)
        assert requests_page.items[0].counts.submitted == 2
        by_school = await forms_answered_by_school(session, network.id)
        assert by_school[world.schools["nazia"]].submitted == 1 and by_school[None].total == 1
        assert (await forms_answered(session, network.id, school_id=world.schools["lead"])).total == 3
        window = await forms_answered(session, network.id, since=clock.now() + timedelta(days=5))
        assert window.total == 0


async def test_my_forms_order_and_personal_summary(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=1)
        network = await network_of(session, world)
        me = world.teachers[0]
        made = []
        for code, days in (("entry", 10), ("final", 3), ("mentee_satisfaction", 1)):
            form = await ensure_template(session, code)
            made.append(await create_request(session, network=network, form=form, audience="participants",
                                             deadline=clock.now() + timedelta(days=days), clock=clock))
        await _answer(session, made[1].id, me, {"readiness": 4}, clock.now())
        page = await board.my_forms(session, me, 0)
        assert [item.request.id for item in page.items] == [made[2].id, made[0].id, made[1].id]
        assert [item.state(clock.now()) for item in page.items] == ["todo", "todo", "submitted"]
        later = clock.now() + timedelta(days=2)
        assert page.items[0].state(later) == "overdue"

        class Later:
            def now(self) -> datetime:
                return later

        summary = await personal_summary(session, me, network.id, Later())
        assert (summary.pending, summary.overdue, summary.submitted) == (2, 1, 1)


async def test_answers_sheet_has_a_column_per_question_of_each_form(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=3)
        network = await network_of(session, world)
        custom = await save_custom_form(session, network_id=network.id, title="Опрос о ВПР", created_by=None,
                                        definition=check_definition({"questions": [
                                            {"text": "Проводили ВПР?", "type": "yesno"},
                                            {"text": "Когда?", "type": "date", "required": False},
                                            {"text": "Предметы", "type": "multi", "options": ["Математика", "Физика"]},
                                            {"text": "Средний балл", "type": "number"}]}))
        reflection = await ensure_template(session, "reflection")
        first = await create_request(session, network=network, form=reflection, audience="participants",
                                     deadline=clock.now() + timedelta(days=2), clock=clock, title="Рефлексия: семинар")
        second = await create_request(session, network=network, form=custom, audience="participants",
                                      deadline=clock.now() + timedelta(days=2), clock=clock)
        await _answer(session, first.id, world.teachers[0], {"usefulness": 5, "apply": "всё"}, clock.now())
        await _answer(session, second.id, world.teachers[1], {"q1": True, "q2": "2026-04-15",
                                                              "q3": ["Математика", "Физика"], "q4": 3.8},
                      clock.now())
        rows = [row async for row in answers_rows(session, network.id)]
        sheet = await answers_sheet(session, network.id, include_drafts=True)
        drafts = [row async for row in sheet.rows()]

    header = rows[0]
    assert header[:8] == ["Анкета", "Запрос", "Срок", "ФИО", "Школа", "Статус", "Отправлено", "Изменено"]
    assert header[8:] == [
        "Рефлексия после мероприятия · 1. Насколько полезным было для вас мероприятие?",
        "Рефлексия после мероприятия · 2. Что из услышанного вы примените в своей работе?",
        "Рефлексия после мероприятия · 3. Чего вам не хватило? Что стоит изменить в следующий раз?",
        "Опрос о ВПР · 1. Проводили ВПР?", "Опрос о ВПР · 2. Когда?", "Опрос о ВПР · 3. Предметы",
        "Опрос о ВПР · 4. Средний балл"]
    assert len(rows) == 3
    reflection_row, survey_row = rows[1], rows[2]
    assert reflection_row[:6] == ["Рефлексия после мероприятия", "Рефлексия: семинар", date(2026, 11, 26),
                                  "Иванова Мария Петровна", "Назиевская СОШ", "отправлено"]
    assert reflection_row[6] == datetime(2026, 11, 24, 12, 0), "local (Moscow) time, naive for the sheet"
    assert reflection_row[8:] == [5, "всё", None, None, None, None, None]
    assert survey_row[8:] == [None, None, None, "да", date(2026, 4, 15), "Математика; Физика", 3.8]
    assert len(drafts) == 6 and sum(1 for row in drafts if row[5] == "не начато") == 4


async def test_export_streams_many_answers(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    """A few thousand rows go through the streaming query in batches (figures are for bench/, not here)."""
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=0)
        network = await network_of(session, world)
        form = await ensure_template(session, "reflection")
        request = FormRequest(network_id=network.id, form_id=form.id, title="Большой опрос", audience={},
                              deadline=clock.now() + timedelta(days=1), status="open", total=0, skipped=0)
        session.add(request)
        await session.flush()
        people = []
        for index in range(2500):
            people.append(await add_person(session, network.id, None, f"Участник {index}",
                                           school_id=world.schools["lead"], clock=clock))
        await session.execute(FormResponse.__table__.insert(), [
            {"request_id": request.id, "user_id": p.id, "answers": {"usefulness": 1 + i % 5, "apply": "текст"},
             "step": 3, "reviewing": True, "submitted_at": clock.now(), "created_at": clock.now(),
             "updated_at": clock.now()} for i, p in enumerate(people)])
    async with sessionmaker() as session:
        count = 0
        marks = 0
        async for row in answers_rows(session, network.id):
            if count:
                marks += row[8]
            count += 1
    assert count == 2501 and marks == sum(1 + i % 5 for i in range(2500))


async def test_forms_list_templates_first_and_only_own_custom_forms(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=0)
        other = await build_world(session, clock, teachers=0, slug="luga", coordinator_telegram=800_002)
        definition = check_definition({"questions": [{"text": "?", "type": "text"}]})
        await save_custom_form(session, network_id=other.network_id, title="Чужая", definition=definition,
                               created_by=None)
        own = await save_custom_form(session, network_id=world.network_id, title="Своя", definition=definition,
                                     created_by=None)
        first = await list_forms(session, world.network_id, 0)
        assert first.total == 8 and first.pages == 1
        assert [f.network_id for f in first.items] == [None] * 7 + [world.network_id]
        assert first.items[-1].id == own.id
        await list_forms(session, world.network_id, 0)  # templates are created once
        from db.models import Form

        assert len((await session.scalars(select(Form).where(Form.network_id.is_(None)))).all()) == 7


async def test_answering_service_without_telegram(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    """The engine works for any front end: typed answers, buttons, skip, back, submit."""
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=1)
        network = await network_of(session, world)
        form = await ensure_template(session, "reflection")
        request = await create_request(session, network=network, form=form, audience="participants",
                                       deadline=clock.now() + timedelta(days=2), clock=clock)
        me = world.teachers[0]
        f = await answering.open_request(session, request.id, me, clock)
        assert (f.step, f.total, f.question.id) == (0, 3, "usefulness")
        await answering.answer_button(session, f, 0, 4)
        await answering.back(session, f, 1)
        await answering.answer_typed(session, f, "5")
        await answering.answer_typed(session, f, "Технологию смыслового чтения")
        await answering.skip(session, f, 2)
        assert f.at_review and f.missing_required() == []
        await answering.submit(session, f, 3, clock)
        assert f.response.submitted_at == clock.now()
        assert f.response.answers == {"usefulness": 5, "apply": "Технологию смыслового чтения"}
        with pytest.raises(DomainError) as caught:
            await answering.open_request(session, request.id, world.coordinator, clock)
        assert caught.value.key == "forms.not_yours"
