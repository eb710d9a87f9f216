"""/forgetme erases: nothing queued goes out to or about the person, and no table holds their name or their texts.

A mentee of the Podporozhye network (tests/mentoring) leaves traces everywhere a person can: a pool question
mentors haven't seen yet, a comment on a session, a plan goal, a form answer, a sign-up, a join request to
another network with a school typed by hand, messages to her and about her (one composed by a feature that
didn't say whom it names). Then she erases her data through the chat, and every table is read back whole.
"""
from __future__ import annotations

import base64
import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.services import outbox
from bot.services.events import core as events
from bot.services.events.times import Slot
from bot.services.forms.requests import send_reflection_for_event
from bot.services.mentoring import notices, plans, questions, sessions
from bot.services.mentoring.sessions import SessionInput
from db.models import Base, Event, JoinRequest, Network, OutboxMessage, Signup, User
from tests.harness import BotHarness
from tests.mentoring.chat import make_link, setup
from tests.mentoring.conftest import COORDINATOR, MENTEE, MENTOR, MENTOR2

# What must not survive anywhere: who she is, and what she wrote.
HER = ["Петрова", "Анна Сергеевна", "petrova_as", str(MENTEE), "9110000005"]
REPORT_B64 = base64.b64encode("Петрова Анна Сергеевна;бот заблокирован".encode()).decode()
HER_TEXTS = ["кабинет 214", "прямо волшебно", "Солнышко", "Зарница", "цифровую лабораторию"]


async def traces(h: BotHarness, world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    clock = h.app.clock
    link_id = await make_link(h, world, MENTOR, [MENTEE])

    async def work(session):  # type: ignore[no-untyped-def]
        her = await session.get(User, world.uid(MENTEE))
        her.username, her.phone = "petrova_as", "+79110000005"
        network = await session.get(Network, world.network_id)
        # A pool question the mentors haven't read yet.
        question, people = await questions.ask(session, asker_id=her.id, network_id=world.network_id,
                                               text="Как готовить 5Б к ВПР? Мой кабинет 214, приходите",
                                               scope="pool", direction="vpr", clock=clock)
        await notices.question_asked(session, question, her, people, clock=clock)
        # A session her mentor logged, her comment on it, and the notice to the mentor about it.
        record = await sessions.log_session(session, link_id=link_id, author_id=world.uid(MENTOR), clock=clock,
                                            data=SessionInput(held_on=date(2026, 11, 20), format="offline",
                                                              duration_min=45, topic="Разбор ВПР"))
        record = await sessions.comment_session(session, record.id, user_id=her.id, clock=clock,
                                                text="Спасибо, вышло прямо волшебно")
        await notices.session_confirmed(session, record, her, clock=clock, what="comment")
        await plans.add_goal(session, link_id=link_id, user_id=her.id, text="Освоить цифровую лабораторию",
                             due_on=None, clock=clock)
        # A reflection form answered in her own words, and a sign-up for the next seminar.
        request = await send_reflection_for_event(session, 7, [her.id], clock, network_id=world.network_id,
                                                  title="Семинар 8.1.1")
        from db.models import Form, FormResponse

        response = await session.scalar(select(FormResponse).where(FormResponse.request_id == request.id))
        form = await session.get(Form, request.form_id)
        text_id = next(q["id"] for q in form.definition["questions"] if q["type"] == "text")
        response.answers = {text_id: "Применю в проекте Зарница"}
        start = clock.now() + timedelta(days=5)
        event = await events.create_event(session, network, title="Семинар по ВПР", kind="seminar", clock=clock,
                                          slot=Slot(start, start + timedelta(hours=2), False))
        session.add(Signup(event_id=event.id, user_id=her.id, status="going"))
        # A join request to another network, with her school typed by hand.
        other = Network(slug="luga", name="Лужский район", timezone="Europe/Moscow", settings={})
        session.add(other)
        await session.flush()
        session.add(JoinRequest(user_id=her.id, network_id=other.id, school_note="Школа-интернат Солнышко",
                                status="pending", created_at=clock.now()))
        # A digest another feature composed for the coordinator, naming her without saying so.
        coordinator = await session.get(User, world.uid(COORDINATOR))
        await outbox.enqueue(session, chat_id=COORDINATOR, user_id=coordinator.id, network_id=world.network_id,
                             payload={"type": "text", "text": "Давно не было встреч: Петрова Анна Сергеевна"},
                             kind="notification", dedupe_key="digest:1", clock=clock)
        # A broadcast's «не получили» workbook, delivered to the coordinator: it lists her by name, in base64.
        report = await outbox.enqueue(session, chat_id=COORDINATOR, user_id=coordinator.id,
                                      network_id=world.network_id, kind="notification", dedupe_key="report:1",
                                      clock=clock, payload={"type": "document", "filename": "ne_poluchili.xlsx",
                                                            "data_b64": REPORT_B64})
        report.status = "sent"
        # A reminder to her, still queued.
        await outbox.enqueue(session, chat_id=MENTEE, user_id=her.id, network_id=world.network_id,
                             payload={"type": "text", "text": "Анна Сергеевна, завтра семинар"},
                             kind="reminder", dedupe_key="reminder:her", clock=clock)
        return {"event": event.id, "request": request.id}

    return await h.in_db(work)


async def dump(h: BotHarness) -> str:
    """Every row of every table, as text."""
    async def work(session):  # type: ignore[no-untyped-def]
        lines = []
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values = [json.dumps(v, ensure_ascii=False, default=str) for v in row]
                lines.append(f"{table.name}: " + " | ".join(values))
        return "\n".join(lines)

    return await h.in_db(work)


async def test_after_forgetme_no_table_holds_her_and_nothing_goes_out_about_her(harness: BotHarness) -> None:
    world = await setup(harness)
    made = await traces(harness, world)
    before = await dump(harness)
    for mark in HER + HER_TEXTS + [REPORT_B64]:
        assert mark in before, f"the test left no trace of {mark!r} to erase"

    mentee = harness.person(MENTEE)
    await mentee.command("forgetme")
    await mentee.press("Да, удалить")
    assert "удалены" in mentee.joined()

    after = await dump(harness)
    for mark in HER + HER_TEXTS + [REPORT_B64]:
        assert mark not in after, [line for line in after.splitlines() if mark in line]

    # The queue: nothing goes out to her, and nothing about her goes out to her mentors or coordinator.
    others = [harness.person(t) for t in (MENTOR, MENTOR2, COORDINATOR)]
    for person in others:
        person._mark = harness.fake.last_seq  # noqa: SLF001
    mark = harness.fake.last_seq
    await harness.deliver()
    assert [s for s in harness.fake.sent_to(MENTEE) if s.seq > mark] == []
    for person in others:
        for text in person.texts():
            assert not any(mark in text for mark in HER + HER_TEXTS), text

    async def left(session):  # type: ignore[no-untyped-def]
        signups = (await session.scalars(select(Signup).where(Signup.event_id == made["event"]))).all()
        event = await session.get(Event, made["event"])
        cancelled = (await session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.status == "cancelled"))).all()
        return signups, event, set(cancelled)

    signups, event, cancelled = await harness.in_db(left)
    assert signups == [] and event is not None, "her sign-up is gone, the seminar stays"
    assert {"reminder:her", "digest:1"} <= cancelled
    assert any(key.startswith("mentoring:question:") for key in cancelled)


async def test_the_sender_refuses_a_row_for_an_erased_person_queued_after_erasure(harness: BotHarness) -> None:
    world = await setup(harness)
    mentee = harness.person(MENTEE)
    await mentee.command("forgetme")
    await mentee.press("Да, удалить")

    async def late(session):  # type: ignore[no-untyped-def]
        # A planner that loaded her before the erasure and queues after it.
        await outbox.enqueue(session, chat_id=MENTEE, user_id=world.uid(MENTEE), network_id=world.network_id,
                             payload={"type": "text", "text": "Напоминание"}, kind="reminder",
                             dedupe_key="late:reminder", clock=harness.app.clock)
        await outbox.enqueue(session, chat_id=MENTOR, user_id=world.uid(MENTOR), network_id=world.network_id,
                             payload={"type": "text", "text": "Наставляемая задала вопрос"}, kind="notification",
                             dedupe_key="late:about", clock=harness.app.clock, about_user_id=world.uid(MENTEE))

    await harness.in_db(late)
    mark = harness.fake.last_seq
    await harness.deliver()
    assert [s for s in harness.fake.sent if s.seq > mark] == []

    async def statuses(session):  # type: ignore[no-untyped-def]
        return dict((await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.last_error).where(
            OutboxMessage.dedupe_key.like("late:%")))).all())

    assert await harness.in_db(statuses) == {"late:reminder": "erased", "late:about": "erased"}


async def test_a_rejoined_person_counts_once_at_the_seminar(harness: BotHarness) -> None:
    """Issue 10, item 11: no nameless «— · пойдёт» row, and one person is one sign-up after rejoining."""
    from bot.services.events import signups as signup_service

    world = await setup(harness)

    async def seminar(session):  # type: ignore[no-untyped-def]
        network = await session.get(Network, world.network_id)
        start = harness.app.clock.now() + timedelta(days=5)
        event = await events.create_event(session, network, title="Семинар по ВПР", kind="seminar",
                                          clock=harness.app.clock, slot=Slot(start, start + timedelta(hours=2), False))
        session.add(Signup(event_id=event.id, user_id=world.uid(MENTEE), status="going"))
        session.add(Signup(event_id=event.id, user_id=world.uid(MENTOR), status="going"))
        return event.id

    event_id = await harness.in_db(seminar)
    mentee = harness.person(MENTEE)
    await mentee.command("forgetme")
    await mentee.press("Да, удалить")

    async def listing(session):  # type: ignore[no-untyped-def]
        event = await session.get(Event, event_id)
        page = await signup_service.signup_page(session, event, 0)
        return await signup_service.going_count(session, event_id), [row.full_name for row in page.items]

    assert await harness.in_db(listing) == (1, ["Иванова Мария Петровна"])


async def test_migration_0011_matches_the_outbox_model(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def compare(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        diffs = await connection.run_sync(compare)
    assert [d for d in diffs if "outbox" in repr(d)] == []
