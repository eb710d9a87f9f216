"""The mentoring services against the real database: links, sessions, matching, questions, plans, planners,
exports and demo data."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.services.errors import DomainError
from bot.services.mentoring import exports, matching, notices, questions
from bot.services.mentoring import links as link_service
from bot.services.mentoring.access import load_link
from bot.services.mentoring import plans as plan_service
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring.reminders import plan_goal_reminders, plan_quiet_link_nudges
from db.models import Membership, MentoringLink, MentoringSession, Network, OutboxMessage, Side, User
from keyboards.mentoring import CoordCb, MentorCb
from scheduler.mentoring import quiet_links
from tests.mentoring.conftest import (COORDINATOR, MENTEE, MENTEE2, MENTOR, MENTOR2, MENTOR3, OUTSIDER)


async def pair(session, world, clock, *, mentor=MENTOR, mentee=MENTEE, kind="teacher_teacher", **extra):  # type: ignore[no-untyped-def]
    draft = link_service.LinkDraft(kind=kind, form="traditional", mentor_ids=[world.uid(mentor)],
                                   mentee_ids=[world.uid(mentee)] if mentee else [], **extra)
    link = await link_service.create_link(session, network_id=world.network_id, draft=draft, clock=clock,
                                          actor_id=world.uid(COORDINATOR))
    return link


def session_input(day: date, topic: str = "Разбор ВПР") -> session_service.SessionInput:
    return session_service.SessionInput(held_on=day, format="offline", duration_min=45, topic=topic)


# --- links ----------------------------------------------------------------------------------------------------

async def test_only_a_coordinator_creates_links_and_the_rules_hold(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        with pytest.raises(DomainError) as error:
            await link_service.create_link(session, network_id=world.network_id, clock=clock,
                                           actor_id=world.uid(MENTOR),
                                           draft=link_service.LinkDraft(kind="teacher_teacher", form="traditional",
                                                                        mentor_ids=[world.uid(MENTOR)],
                                                                        mentee_ids=[world.uid(MENTEE)]))
        assert error.value.key == "errors.forbidden"
        for draft, key in [
            (link_service.LinkDraft(kind="teacher_teacher", form="traditional", mentor_ids=[world.uid(MENTOR)],
                                    mentee_ids=[world.uid(MENTOR)]), "mentoring.errors.same_person"),
            (link_service.LinkDraft(kind="teacher_teacher", form="traditional", mentor_ids=[world.uid(MENTOR)],
                                    mentee_ids=[world.uid(MENTEE), world.uid(OUTSIDER)]),
             "mentoring.errors.pair_one_mentee"),
            (link_service.LinkDraft(kind="school_school", form="partner", mentor_school_id=world.schools["leader"],
                                    mentee_school_id=world.schools["leader"]), "mentoring.errors.same_school"),
            (link_service.LinkDraft(kind="teacher_teacher", form="hypnotic", mentor_ids=[world.uid(MENTOR)],
                                    mentee_ids=[world.uid(MENTEE)]), "mentoring.errors.bad_form"),
            (link_service.LinkDraft(kind="teacher_teacher", form="traditional", mentor_ids=[world.uid(MENTOR)],
                                    mentee_ids=[world.uid(MENTEE)], starts_on=date(2026, 9, 1),
                                    ends_on=date(2026, 8, 1)), "mentoring.errors.end_before_start"),
            (link_service.LinkDraft(kind="teacher_teacher", form="traditional", mentor_ids=[world.uid(MENTOR)],
                                    mentee_ids=[999_999]), "errors.forbidden"),
        ]:
            with pytest.raises(DomainError) as error:
                await link_service.create_link(session, network_id=world.network_id, draft=draft, clock=clock,
                                               actor_id=world.uid(COORDINATOR))
            assert error.value.key == key


async def test_a_school_link_holds_the_director_and_teacher_links_between_its_schools(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        teacher = await pair(session, world, clock)  # leader → vazhiny, made before the school link
        school = await pair(session, world, clock, kind="school_school", mentee=None,
                            mentor_school_id=world.schools["leader"], mentee_school_id=world.schools["vazhiny"])
        group = await link_service.create_link(
            session, network_id=world.network_id, clock=clock, actor_id=world.uid(COORDINATOR),
            draft=link_service.LinkDraft(kind="group", form="group", mentor_ids=[world.uid(MENTOR)],
                                         mentee_ids=[world.uid(MENTEE), world.uid(OUTSIDER)]))
        assert teacher.parent_id == school.id, "adopted when the school link came"
        assert group.parent_id == school.id
        kids = await link_service.children(session, school.id)
        assert {k.id for k in kids} == {teacher.id, group.id}
        closed = await link_service.set_status(session, teacher.id, "closed", actor_id=world.uid(COORDINATOR),
                                               network_id=world.network_id, clock=clock, summary="Цели достигнуты")
        assert closed.summary == "Цели достигнуты" and closed.closed_at is not None
        with pytest.raises(DomainError) as error:
            await link_service.set_status(session, group.id, "closed", actor_id=world.uid(COORDINATOR),
                                          network_id=world.network_id, clock=clock, summary="")
        assert error.value.key == "mentoring.errors.summary_length"
        with pytest.raises(DomainError):
            await link_service.set_status(session, teacher.id, "active", actor_id=world.uid(COORDINATOR),
                                          network_id=world.network_id, clock=clock)


# --- sessions ---------------------------------------------------------------------------------------------------

async def test_sessions_are_logged_edited_for_48_hours_and_confirmed_by_the_mentee(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        link = await pair(session, world, clock)
        today = await session_service.today_for(session, world.network_id, clock)
        with pytest.raises(DomainError) as error:
            await session_service.log_session(session, link_id=link.id, author_id=world.uid(MENTEE), clock=clock,
                                              data=session_input(today))
        assert error.value.key == "errors.forbidden", "a mentee does not log sessions"
        with pytest.raises(DomainError) as error:
            await session_service.log_session(session, link_id=link.id, author_id=world.uid(MENTOR), clock=clock,
                                              data=session_input(today + timedelta(days=1)))
        assert error.value.key == "mentoring.errors.future_date"
        record = await session_service.log_session(session, link_id=link.id, author_id=world.uid(MENTOR),
                                                   clock=clock, data=session_input(today - timedelta(days=2)))
        assert link.last_session_on == today - timedelta(days=2)
        await session_service.edit_session(session, record.id, author_id=world.uid(MENTOR), clock=clock,
                                           held_on=today, note="Разобрали задания 5 и 7")
        assert link.last_session_on == today
        with pytest.raises(DomainError):
            await session_service.confirm_session(session, record.id, user_id=world.uid(MENTOR), clock=clock)
        confirmed, fresh = await session_service.confirm_session(session, record.id, user_id=world.uid(MENTEE),
                                                                 clock=clock, rating=5)
        assert fresh and confirmed.rating == 5 and confirmed.confirmed_by_id == world.uid(MENTEE)
        _, fresh = await session_service.confirm_session(session, record.id, user_id=world.uid(MENTEE), clock=clock,
                                                         rating=4)
        assert not fresh and confirmed.rating == 4
        with pytest.raises(DomainError):
            await session_service.confirm_session(session, record.id, user_id=world.uid(MENTEE), clock=clock,
                                                  rating=7)
    clock.move(timedelta(hours=49))
    async with db.begin() as session:
        with pytest.raises(DomainError) as error:
            await session_service.edit_session(session, record.id, author_id=world.uid(MENTOR), clock=clock,
                                               topic="Поздно")
        assert error.value.key == "mentoring.errors.edit_window_over"


@pytest.mark.parametrize(("text", "expected"), [
    ("20.11", date(2026, 11, 20)), ("20.11.2026", date(2026, 11, 20)), ("20.11.26", date(2026, 11, 20)),
    ("2026-11-20", date(2026, 11, 20)), ("вчера", date(2026, 11, 23)), ("25.12", date(2025, 12, 25)),
])
def test_dates_people_type(text: str, expected: date) -> None:
    assert session_service.parse_date(text, date(2026, 11, 24)) == expected


@pytest.mark.parametrize(("text", "key"), [("31.02", "bad_date"), ("завтра", "bad_date"),
                                           ("25.12.2026", "future_date"), ("01.01.2020", "old_date")])
def test_wrong_dates_are_explained(text: str, key: str) -> None:
    with pytest.raises(DomainError) as error:
        session_service.parse_date(text, date(2026, 11, 24))
    assert error.value.key == f"mentoring.errors.{key}"


def test_durations_people_type() -> None:
    assert session_service.parse_duration("45") == 45
    assert session_service.parse_duration("45 мин") == 45
    assert session_service.parse_duration("1,5 ч") == 90
    for wrong in ("полчаса", "0", "1000"):
        with pytest.raises(DomainError):
            session_service.parse_duration(wrong)


# --- matching ---------------------------------------------------------------------------------------------------

async def test_mentors_are_ranked_by_subject_direction_partner_and_capacity(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        ranked = await matching.suggest(session, network_id=world.network_id, user_id=world.uid(MENTEE),
                                        deficits=["vpr"])
        names = [c.user_id for c in ranked]
        # maths first (Иванова: maths + ВПР; Орлов: maths), then Козлова (Russian, but ВПР)
        assert names == [world.uid(MENTOR), world.uid(MENTOR3), world.uid(MENTOR2)]
        assert ranked[0].subjects == {"math"} and ranked[0].directions == ["vpr"] and ranked[0].free == 3
        # The curator school becomes the mentee school's partner: Орлов overtakes Иванова? No — subject and
        # direction come first; among equals the partner school leads.
        await pair(session, world, clock, kind="school_school", mentee=None, mentor=MENTOR3,
                   mentor_school_id=world.schools["curator"], mentee_school_id=world.schools["vazhiny"])
        ranked = await matching.suggest(session, network_id=world.network_id, user_id=world.uid(MENTEE))
        assert [c.user_id for c in ranked][:2] == [world.uid(MENTOR3), world.uid(MENTOR)]
        assert ranked[0].partner
        # A full mentor goes last.
        membership = await session.scalar(select(Membership).where(Membership.user_id == world.uid(MENTOR3)))
        membership.capacity = 1
        ranked = await matching.suggest(session, network_id=world.network_id, user_id=world.uid(MENTEE))
        assert ranked[-1].user_id == world.uid(MENTOR3) and ranked[-1].free == 0
        # For a school: its own staff never mentor it.
        for_school = await matching.suggest(session, network_id=world.network_id, school_id=world.schools["leader"])
        assert world.uid(MENTOR) not in [c.user_id for c in for_school]


async def test_confirming_a_match_tells_both_sides_with_contacts_and_goals(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        link = await matching.confirm(session, network_id=world.network_id, actor_id=world.uid(COORDINATOR),
                                      mentor_id=world.uid(MENTOR), mentee_id=world.uid(MENTEE),
                                      goals="Подготовка к ВПР по математике", deficits=["vpr"], clock=clock)
        link = await load_link(session, link.id)
        assert await notices.link_created(session, link, clock=clock) == 2
        assert await notices.link_created(session, link, clock=clock) == 0, "deduplicated"
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        to_mentor = next(r for r in rows if r.chat_id == MENTOR)
        to_mentee = next(r for r in rows if r.chat_id == MENTEE)
        assert "Петрова Анна Сергеевна" in to_mentor.payload["text"]
        assert f"tg://user?id={MENTEE}" in to_mentor.payload["text"]
        assert "Иванова Мария Петровна" in to_mentee.payload["text"] and "Подготовка к ВПР" in to_mentee.payload["text"]
        button = to_mentor.payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert MentorCb.unpack(button) == MentorCb(a="log", id=link.id)
        with pytest.raises(DomainError) as error:
            await matching.confirm(session, network_id=world.network_id, actor_id=world.uid(COORDINATOR),
                                   mentor_id=world.uid(MENTEE), mentee_id=world.uid(OUTSIDER), clock=clock)
        assert error.value.key == "mentoring.errors.not_a_mentor"
        school_link = await matching.confirm(session, network_id=world.network_id, actor_id=world.uid(COORDINATOR),
                                             mentor_id=world.uid(MENTOR2), school_id=world.schools["nikolskaya"],
                                             clock=clock)
        school_link = await load_link(session, school_link.id)
        assert school_link.kind == "school_school" and school_link.mentor_school_id == world.schools["curator"]
        assert [u.id for u in school_link.people(Side.MENTEE)] == [
            world.uid(MENTEE2)], "the mentee school's director hears about it"


def test_callback_strings_of_notices_match_the_keyboards() -> None:
    assert notices.cb("cf", 12, 5) == MentorCb(a="cf", id=12, v=5).pack()
    assert notices.cb("mine") == MentorCb(a="mine").pack()
    assert notices.ccb("lnk") == CoordCb(a="lnk").pack()
    assert len(MentorCb(a="ldone", id=2**31, v=2**31).pack()) <= 64


# --- questions and plans -----------------------------------------------------------------------------------------

async def test_the_first_mentor_to_take_a_pool_question_answers_it(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        membership = await session.scalar(select(Membership).where(Membership.user_id == world.uid(MENTOR3)))
        membership.directions = ["olymp", "vpr"]
        question, people = await questions.ask(session, asker_id=world.uid(MENTEE), network_id=world.network_id,
                                               text="Как готовить 5 класс к ВПР?", scope="pool", direction="vpr",
                                               clock=clock)
        assert {u.id for u in people} == {world.uid(MENTOR), world.uid(MENTOR2), world.uid(MENTOR3)}
        taken = await questions.take(session, question.id, user_id=world.uid(MENTOR2), clock=clock)
        assert taken.taken_by_id == world.uid(MENTOR2)
        with pytest.raises(DomainError) as error:
            await questions.take(session, question.id, user_id=world.uid(MENTOR), clock=clock)
        assert error.value.key == "mentoring.errors.question_taken"
        with pytest.raises(DomainError) as error:
            await questions.take(session, question.id, user_id=world.uid(OUTSIDER), clock=clock)
        assert error.value.key == "errors.forbidden"
        with pytest.raises(DomainError) as error:
            await questions.answer(session, question.id, user_id=world.uid(MENTOR), text="Вот так", clock=clock)
        assert error.value.key == "mentoring.errors.take_first"
        answered = await questions.answer(session, question.id, user_id=world.uid(MENTOR2),
                                          text="Начните с диагностики", clock=clock)
        assert answered.status == "answered"
        page = await questions.for_mentor(session, user_id=world.uid(MENTOR), network_id=world.network_id, page=0)
        assert page.total == 0, "answered questions leave the list"


async def test_a_level_3_school_escalates_to_level_1(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        question, people = await questions.ask(session, asker_id=world.uid(MENTEE2), network_id=world.network_id,
                                               text="Нужна консультация по учебному плану", scope="level1",
                                               clock=clock)
        assert [u.id for u in people] == [world.uid(MENTOR)], "the mentor of the level-1 school"
        with pytest.raises(DomainError) as error:
            await questions.ask(session, asker_id=world.uid(MENTOR2), network_id=world.network_id,
                                text="А можно мне тоже?", scope="level1", clock=clock)
        assert error.value.key == "mentoring.errors.no_escalation"
        page = await questions.for_mentor(session, user_id=world.uid(MENTOR), network_id=world.network_id, page=0)
        assert [q.id for q in page.items] == [question.id]


async def test_plans_are_shared_and_remind_on_due_dates(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        link = await pair(session, world, clock)
        today = await session_service.today_for(session, world.network_id, clock)
        goal = await plan_service.add_goal(session, link_id=link.id, user_id=world.uid(MENTEE),
                                           text="Провести открытый урок", due_on=today + timedelta(days=3), clock=clock)
        await plan_service.add_goal(session, link_id=link.id, user_id=world.uid(COORDINATOR), text="Посетить 3 урока",
                                    due_on=None, clock=clock)
        with pytest.raises(DomainError):
            await plan_service.add_goal(session, link_id=link.id, user_id=world.uid(OUTSIDER), text="Чужая цель",
                                        due_on=None, clock=clock)
        with pytest.raises(DomainError):
            await plan_service.delete_goal(session, goal.id, user_id=world.uid(MENTEE))
        assert (await plan_service.goals(session, link.id, 0)).total == 2
        assert await plan_goal_reminders(session, clock) == 0, "not due yet"
    clock.move(timedelta(days=3))
    async with db.begin() as session:
        assert await plan_goal_reminders(session, clock) == 2, "both sides"
        assert await plan_goal_reminders(session, clock) == 0, "once"
        await plan_service.toggle_goal(session, goal.id, user_id=world.uid(MENTOR), clock=clock)
    assert plan_service.parse_due("15.01", date(2026, 11, 24)) == date(2027, 1, 15)
    with pytest.raises(DomainError):
        plan_service.parse_due("01.11.2026", date(2026, 11, 24))


# --- the quiet-link planner --------------------------------------------------------------------------------------

async def test_quiet_links_nudge_the_mentor_then_flag_the_coordinator_once(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        link = await pair(session, world, clock)
        link.starts_on = (await session_service.today_for(session, world.network_id, clock)) - timedelta(days=10)
        await session_service.log_session(session, link_id=link.id, author_id=world.uid(MENTOR), clock=clock,
                                          data=session_input(link.starts_on))
        report = await plan_quiet_link_nudges(session, clock)
        assert report.nudges == 0
    clock.move(timedelta(weeks=2))  # three weeks since the session: the default N
    async with db.begin() as session:
        report = await plan_quiet_link_nudges(session, clock)
        assert (report.nudges, report.flagged) == (1, 0)
        assert (await plan_quiet_link_nudges(session, clock)).nudges == 0, "one nudge per quiet spell"
    clock.move(timedelta(weeks=3))
    async with db.begin() as session:
        report = await plan_quiet_link_nudges(session, clock)
        assert (report.flagged, report.digests) == (1, 1)
        again = await plan_quiet_link_nudges(session, clock)
        assert again.flagged == 0 and again.digests == 0
        digest = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == COORDINATOR))
        assert "Иванова" in digest.payload["text"] and digest.kind == "nudge"
        network = await session.get(Network, world.network_id)
        network.settings = {"mentoring_quiet_weeks": 8}
    async with db.begin() as session:  # what the scheduler's job runs, in its own transaction
        await quiet_links(session, clock)
        nudges = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nudge"))).all()
    assert len(nudges) == 2, "eight weeks haven't passed since the last session: nothing new"


async def test_nudges_wait_for_daytime_in_the_network(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        link = await pair(session, world, clock)
        link.starts_on = date(2026, 10, 1)
    clock.set(clock.now().replace(hour=20, minute=30))  # 23:30 in Moscow
    async with db.begin() as session:
        await plan_quiet_link_nudges(session, clock)
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "nudge"))
        assert row.not_before.hour == 6, "09:00 Moscow the next morning"


# --- exports and demo ---------------------------------------------------------------------------------------------

async def test_export_rows_stream_in_chunks_with_russian_headers(db, world, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        link = await pair(session, world, clock)
        for day in range(5):
            await session_service.log_session(session, link_id=link.id, author_id=world.uid(MENTOR), clock=clock,
                                              data=session_input(date(2026, 11, 1) + timedelta(days=day)))
    async with db() as session:
        chunks = [chunk async for chunk in exports.export_rows(session, world.network_id, "sessions", chunk=2)]
        assert chunks[0] == [exports.headers("sessions")]
        assert chunks[0][0][:3] == ("Дата", "Пара №", "Вид пары")
        assert [len(c) for c in chunks[1:]] == [2, 2, 1]
        assert chunks[1][0][3] == "Иванова Мария Петровна" and chunks[1][0][4] == "Петрова Анна Сергеевна"
        for key in exports.SHEETS:
            rows = [row async for chunk in exports.export_rows(session, world.network_id, key) for row in chunk]
            assert all(len(row) == len(rows[0]) for row in rows)
        people = [row async for chunk in exports.export_rows(session, world.network_id, "people") for row in chunk]
        assert len(people) == 1 + 7
        assert exports.sheet_title("links") == "Пары и группы"


async def test_demo_data_has_every_kind_sessions_and_plans(db, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.services.demo import create_demo

    async with db.begin() as session:
        summary = await create_demo(session, slug="demo", participants=120, messenger_id_start=800_000, clock=clock)
    demo = summary.mentoring
    assert set(demo.links) == {"school_school", "leader_leader", "teacher_teacher", "group", "student_student"}
    assert demo.sessions > 50 and demo.goals >= 10
    async with db.begin() as session:
        again = await create_demo(session, slug="demo", participants=120, messenger_id_start=800_000, clock=clock)
        assert again.mentoring.links == {}, "idempotent"
        forms = set((await session.scalars(select(MentoringLink.form))).all())
        assert {"traditional", "partner", "group", "flash", "virtual", "reverse", "situational"} <= forms
        oldest = await session.scalar(select(func.min(MentoringSession.held_on)))
        assert oldest < date(2026, 9, 1), "sessions over the past months"
        assert await session.scalar(select(func.count()).select_from(User)) == 120
