"""A mentee's side in chat: «Мой наставник», the session history, questions to a pool, and the shared plan (ИППР)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.services.mentoring import sessions as session_service
from db.models import PlanGoal, Question
from keyboards.mentoring import MentorCb
from tests.harness import BotHarness
from tests.mentoring.chat import delivered, make_link, setup
from tests.mentoring.conftest import MENTEE, MENTEE2, MENTOR, MENTOR2, MENTOR3, OUTSIDER, World


async def log_sessions(h: BotHarness, world: World, link_id: int, count: int) -> None:
    async def work(session):  # type: ignore[no-untyped-def]
        for n in range(count):
            await session_service.log_session(session, link_id=link_id, author_id=world.uid(MENTOR), clock=h.app.clock,
                                              data=session_service.SessionInput(
                                                  held_on=date(2026, 10, 1) + timedelta(days=7 * n), format="online",
                                                  duration_min=45, topic=f"Тема {n + 1}"))

    await h.in_db(work)


async def test_my_mentor_shows_who_how_to_reach_goals_and_history(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE], goals="Подготовка к ОГЭ по математике")
    await log_sessions(harness, world, link_id, 7)
    mentee = harness.person(MENTEE)
    await mentee.command("menu")
    await mentee.press("Мой наставник")
    text = mentee.joined()
    assert "Иванова Мария Петровна" in text and "Подготовка к ОГЭ" in text
    assert f"tg://user?id={MENTOR}" in (mentee.new()[-1].text or "")
    await mentee.press("История встреч")
    assert "Всего: 7" in mentee.joined() and "Тема 7" in mentee.joined() and "Тема 1" not in mentee.joined()
    await mentee.press("▶️")
    assert "Тема 1" in mentee.joined()
    await mentee.press("Тема 1")
    await mentee.press("Подтверждаю")
    assert any("подтверждена" in a for a in mentee.alerts())

    outsider = harness.person(OUTSIDER)
    await outsider.command("menu")
    await outsider.press("Мой наставник")
    assert "пока не назначен" in outsider.joined()
    await outsider.press_data(MentorCb(a="hist", id=link_id).pack())
    assert any("недоступны" in a for a in outsider.alerts())


async def test_a_pool_question_goes_to_the_first_mentor_who_takes_it(harness: BotHarness) -> None:
    await setup(harness)
    mentee = harness.person(OUTSIDER)
    await mentee.command("menu")
    await mentee.press("Задать вопрос")
    await mentee.press("ВПР")
    await mentee.send("?")
    assert "от 5 до" in mentee.joined()
    await mentee.send("Как организовать повторение перед ВПР в 5 классе?")
    assert "получателей: 2" in mentee.joined()  # Иванова and Козлова work on ВПР

    first, second, other = harness.person(MENTOR2), harness.person(MENTOR), harness.person(MENTOR3)
    await delivered(harness, first, second, other)
    assert "Новый вопрос" in first.joined() and "Новый вопрос" in second.joined()
    assert other.joined() == "", "Орлов works on olympiads"
    await first.press("Взять вопрос")
    assert any("Вопрос ваш" in a for a in first.alerts())
    await second.press("Взять вопрос")
    assert any("уже взял коллега" in a for a in second.alerts())
    await first.press("Ответить")
    await first.send("Составьте карту типичных ошибок и повторяйте по ней по 10 минут на уроке.")
    assert "Ответ отправлен" in first.joined()
    await delivered(harness, mentee)
    joined = mentee.joined()
    assert "взял(а) Козлова Елена Андреевна" in joined.replace("\n", " ") or "Козлова" in joined
    assert "карту типичных ошибок" in joined

    async def check(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(Question))

    question = await harness.in_db(check)
    assert question.status == "answered"


async def test_a_level_3_school_can_ask_the_level_1_school(harness: BotHarness) -> None:
    await setup(harness)
    director = harness.person(MENTEE2)  # the director of a level-3 school
    await director.command("menu")
    await director.press("Задать вопрос")
    await director.press("Школе 1-го уровня")
    await director.send("Как вы строите внутреннюю систему оценки качества?")
    mentor = harness.person(MENTOR)
    await delivered(harness, mentor)
    assert "вопрос школе 1-го уровня" in mentor.joined()

    teacher = harness.person(MENTOR2)  # a level-2 school: no such button
    await teacher.command("menu")
    await teacher.press("Задать вопрос")
    assert not any("1-го уровня" in b for b in teacher.buttons())
    await teacher.press_data(MentorCb(a="askl").pack())
    await teacher.send("Можно и мне спросить школу первого уровня?")
    assert "3-го уровня" in teacher.joined()


async def test_both_sides_share_the_plan_and_a_wrong_date_keeps_the_step(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])
    mentee = harness.person(MENTEE)
    await mentee.command("menu")
    await mentee.press("Мой наставник")
    await mentee.press("План (ИППР)")
    assert "Целей пока нет" in mentee.joined()
    await mentee.press("Добавить цель")
    await mentee.send("Провести открытый урок по функциональной грамотности")
    await mentee.send("32.13")
    assert "Не получилось разобрать дату" in mentee.joined()
    await mentee.send("01.11.2026")
    assert "уже прошёл" in mentee.joined()
    await mentee.send("20.12")
    assert "Цель добавлена" in " ".join(mentee.alerts()) + mentee.joined()
    assert "до 20.12.2026" in mentee.joined()

    mentor = harness.person(MENTOR)
    await mentor.press_data(MentorCb(a="plan", id=link_id).pack())
    assert "Провести открытый урок" in mentor.joined()
    await mentor.press("Провести открытый урок")
    assert any("выполненное" in a for a in mentor.alerts())
    await mentee.press_data(MentorCb(a="gd", id=1).pack())  # mentees don't delete goals

    async def goals(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(PlanGoal))).all())

    [goal] = await harness.in_db(goals)
    assert goal.done and goal.due_on == date(2026, 12, 20)
    assert any("недоступны" in a for a in mentee.alerts())
