"""Whole journeys over MAX, in a deployment with only MAX_BOT_TOKEN: registration by role, an announced event's
«Пойду» and its cancellation, a mentor logging a session, a reflection form, a coordinator's broadcast with its
progress. Every flow is the one written for Telegram (handlers/); what the person sees is read from the loopback
MAX API, every reply passes tests/ux.py (tests/max_harness.py), and every tap is answered."""
from __future__ import annotations

from sqlalchemy import select, update

from bot.services import invites
from db.models import Membership, Role, User
from tests.max_harness import MaxPerson, check_replies, max_person
from tests.messengers.conftest import MaxOnly
from tests.test_onboarding import make_network

ANNA = 5_000_001


async def on_max(d: MaxOnly) -> None:
    """People made straight in the database are MAX people here."""
    await d.in_db(lambda session: session.execute(update(User).values(platform="max")))


async def deliver(d: MaxOnly) -> int:
    """Drains the outbox through the real sender over MAX (what the running MAX-only bot does)."""
    from bot.delivery import AiogramTransport
    from bot.services.ratelimit import RateLimiter
    from bot.services.sender import Sender

    mark = d.fake.last_seq
    sender = Sender(d.app.sessionmaker, AiogramTransport(d.front.bot), RateLimiter.from_settings(d.app.settings),
                    d.app.clock)
    drained = await sender.drain()
    check_replies(d.fake, mark)
    return drained


def since_now(person: MaxPerson) -> MaxPerson:
    person._mark = person.fake.last_seq  # noqa: SLF001 - what arrives from here on
    return person


async def invite_code(d: MaxOnly, network_id: int, role: Role) -> str:
    async def work(session):  # type: ignore[no-untyped-def]
        from db.models import Network

        network = await session.get(Network, network_id)
        return (await invites.create_invite(session, network=network, role=role, clock=d.app.clock)).code

    return await d.in_db(work)


async def test_registration_by_role_reaches_each_role_s_menu(max_only: MaxOnly) -> None:
    network_id = await make_network(max_only)
    expected = {Role.PARTICIPANT: "Мероприятия", Role.MENTOR: "Записать встречу", Role.COORDINATOR: "Пригласить"}
    for number, (role, menu_item) in enumerate(expected.items()):
        person = max_person(max_only.front, max_only.fake, ANNA + number, "Анна")
        await person.start(await invite_code(max_only, network_id, role))
        assert "Вас приглашают в сеть «Кировский район»" in person.joined()
        assert any("Даю согласие" in b for b in person.buttons())
        await person.press("Даю согласие")
        assert "Как вас зовут?" in person.joined()
        await person.send("Иванова")  # not a full name: she stays on the step
        assert "Не получилось разобрать ФИО" in person.joined() and "✖️ Отмена" in person.buttons()
        await person.send("Иванова Мария Петровна")
        if role == Role.COORDINATOR:
            await person.press("Методист")
        else:
            await person.send("назиев")
            await person.press("Назиевская")
            await person.press("Учитель-предметник")
            await person.press("Математика")
            await person.press("Готово")
        text = person.joined()
        assert "Добро пожаловать" in text, (role, text)
        assert any(menu_item in b for b in person.buttons()), (role, person.buttons())
    assert max_only.fake.unanswered() == []

    async def roles(session):  # type: ignore[no-untyped-def]
        rows = await session.execute(select(User.messenger_id, Membership.is_participant, Membership.is_mentor,
                                            Membership.is_coordinator).join(Membership).order_by(User.messenger_id))
        return [tuple(row) for row in rows]

    assert await max_only.in_db(roles) == [(ANNA, True, False, False), (ANNA + 1, True, True, False),
                                           (ANNA + 2, False, False, True)]


async def test_an_announced_event_reaches_max_people_who_sign_up_and_cancel(max_only: MaxOnly) -> None:
    from bot.services.events import lifecycle
    from tests.events.common import FIRST_TEACHER, add_event, build_world, signups_of

    world = await max_only.in_db(lambda session: build_world(session, max_only.app.clock))
    await on_max(max_only)

    async def announce(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, max_only.app.clock)
        await lifecycle.announce(session, event, max_only.app.clock)
        return event.id

    event_id = await max_only.in_db(announce)
    teacher = since_now(max_person(max_only.front, max_only.fake, FIRST_TEACHER, "Мария"))
    assert await deliver(max_only) == 5  # four teachers and the coordinator
    text = teacher.joined()
    assert "Приглашаем" in text and "Семинар «Анализ ВПР»" in text and "Кировская гимназия, актовый зал" in text
    assert teacher.buttons() == ["Пойду", "Не смогу", "📅 В календарь"]

    await teacher.press("Пойду")
    assert any("Вы записаны" in n for n in teacher.notifications())
    assert teacher.buttons() == ["✅ Пойду", "Не смогу", "📅 В календарь"], "the choice shows on the message"

    async def answer(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == FIRST_TEACHER))
        return (await signups_of(session, event_id)).get(user.id)

    assert await max_only.in_db(answer) == "going"
    await teacher.press("Не смогу")  # she cancels
    assert any("не сможете" in n for n in teacher.notifications())
    assert teacher.buttons() == ["Пойду", "✅ Не смогу", "📅 В календарь"]
    assert await max_only.in_db(answer) == "declined"

    await teacher.press("В календарь")  # the .ics arrives as a MAX file
    ics = next(s for s in teacher.new() if s.kind == "send" and any(a["type"] == "file" for a in s.attachments))
    token = next(a for a in ics.attachments if a["type"] == "file")["payload"]["token"]
    assert b"BEGIN:VCALENDAR" in max_only.fake.uploads[token]["data"]
    assert max_only.fake.unanswered() == []


async def test_a_mentor_on_max_logs_a_session_in_a_few_taps_and_the_mentee_confirms(max_only: MaxOnly) -> None:
    from db.models import MentoringSession
    from tests.mentoring.chat import make_link, setup
    from tests.mentoring.conftest import MENTEE, MENTOR

    world = await setup(max_only)  # type: ignore[arg-type]
    await make_link(max_only, world, MENTOR, [MENTEE])  # type: ignore[arg-type]
    await on_max(max_only)
    mentor = max_person(max_only.front, max_only.fake, MENTOR, "Мария")
    await mentor.command("menu")
    for label in ("Записать встречу", "Сегодня · очно", "60 мин"):
        await mentor.press(label)
    assert "Тема встречи" in mentor.joined()
    await mentor.send("Разбор ВПР по математике")
    assert "Встреча записана" in mentor.joined()
    await mentor.send_file("plan.pdf", b"%PDF-1.4 plan", caption="План урока")  # a file after it, as in Telegram
    assert "Вложение добавлено" in mentor.joined()

    async def sessions(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(MentoringSession))).all())

    [record] = await max_only.in_db(sessions)
    assert (record.format, record.duration_min, record.topic) == ("offline", 60, "Разбор ВПР по математике")
    assert record.attachment_type == "document" and record.note == "План урока"

    mentee = since_now(max_person(max_only.front, max_only.fake, MENTEE, "Анна"))
    since_now(mentor)
    await deliver(max_only)
    assert "Запись о встрече с вами — наставник Иванова Мария Петровна" in mentee.joined()
    await mentee.press("5⭐")
    assert any("Оценка: 5" in n for n in mentee.notifications())
    since_now(mentor)
    await deliver(max_only)
    assert "Встреча подтверждена — Петрова Анна Сергеевна" in mentor.joined()
    assert max_only.fake.unanswered() == []


async def test_a_teacher_on_max_answers_the_reflection_form(max_only: MaxOnly) -> None:
    from bot.services.forms import send_reflection_for_event
    from db.models import FormResponse
    from tests.forms.common import FIRST_TEACHER, build_world

    world = await max_only.in_db(lambda session: build_world(session, max_only.app.clock))
    await on_max(max_only)

    async def reflection(session):  # type: ignore[no-untyped-def]
        request = await send_reflection_for_event(session, 42, [world.teachers[0]], max_only.app.clock,
                                                  network_id=world.network_id,
                                                  title="Семинар-практикум 8.1.1 «Смысловое чтение»")
        return request.id

    request_id = await max_only.in_db(reflection)
    teacher = since_now(max_person(max_only.front, max_only.fake, FIRST_TEACHER, "Мария"))
    await deliver(max_only)
    assert "Спасибо за участие в мероприятии «Семинар-практикум 8.1.1 «Смысловое чтение»»" in teacher.joined()
    await teacher.press("Заполнить")
    text = teacher.joined()
    assert "Вопрос 1 из 3" in text and "Насколько полезным" in text
    assert teacher.buttons()[:5] == ["1", "2", "3", "4", "5"]
    await teacher.send("7")  # a wrong value: explained, she stays on the question
    assert "от 1 до 5" in teacher.joined()
    await teacher.press("4")
    assert "Вопрос 2 из 3" in teacher.joined()
    await teacher.send("Приём «ментальные карты» на уроках литературы")
    assert "Вопрос 3 из 3" in teacher.joined()
    await teacher.press("Пропустить")
    assert "Проверьте ответы" in teacher.joined()
    await teacher.press("Отправить ответы")
    assert "Спасибо! Ответы отправлены" in teacher.joined()
    assert max_only.fake.unanswered() == []

    async def response(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(FormResponse).where(FormResponse.request_id == request_id))

    saved = await max_only.in_db(response)
    assert saved.submitted_at is not None
    assert saved.answers == {"usefulness": 4, "apply": "Приём «ментальные карты» на уроках литературы"}


async def test_a_coordinator_on_max_sends_a_broadcast_and_watches_its_progress(max_only: MaxOnly) -> None:
    from bot.services import audiences, broadcasts
    from handlers.broadcasts import progress_tick
    from tests.delivery.chat import COORDINATOR, World, build_world

    world = await max_only.in_db(lambda session: build_world(session, max_only.app.clock, teachers=6))
    await on_max(max_only)
    teachers = [max_person(max_only.front, max_only.fake, World.telegram_of(i), "Учитель") for i in range(6)]
    max_only.fake.stopped.add(World.telegram_of(1))  # she stopped the bot: 403 chat.denied on sending
    saved = (dict(audiences._extensions), dict(audiences._choices))  # noqa: SLF001 - process-wide: restored
    audiences.unregister_audience("event")  # as tests/delivery: without the events audience
    try:
        coordinator = max_person(max_only.front, max_only.fake, COORDINATOR, "Галина")
        await coordinator.command("menu")
        await coordinator.press("Рассылка")
        await coordinator.press("Новая рассылка")
        await coordinator.send("Семинар в пятницу в 15:00, актовый зал гимназии")
        assert "Кому разослать?" in coordinator.joined()
        await coordinator.press("Вся сеть")
        preview = coordinator.joined()
        assert "Семинар в пятницу в 15:00" in preview, "the preview is the message itself (re-sent on MAX)"
        assert "Аудитория: вся сеть" in preview and "Получат: 7" in preview  # six teachers and herself
        await coordinator.press("Отправить")
        assert "Рассылка №1" in coordinator.joined() and "Отправлено: 0 из 7" in coordinator.joined()
        assert any("Остановить" in b for b in coordinator.buttons())
        progress_mid = [s for s in coordinator.new() if "Рассылка №1" in s.text][-1].mid

        assert await deliver(max_only) == 7
        for index, teacher in enumerate(teachers):
            got = [s.text for s in max_only.fake.sent_to(teacher.user_id) if s.kind == "send"]
            assert got == ([] if index == 1 else ["Семинар в пятницу в 15:00, актовый зал гимназии"])

        since_now(coordinator)
        await max_only.in_db(lambda session: broadcasts.refresh_statuses(session, max_only.app.clock))
        await max_only.in_db(progress_tick(max_only.front.bot, max_only.app.settings, max_only.app.clock))
        await deliver(max_only)  # the report and its file
        edits = [s for s in coordinator.new() if s.kind == "edit" and s.mid == progress_mid]
        assert edits and "завершена" in edits[-1].text and "Отправлено: 6 из 7" in edits[-1].text
        report = next(s for s in coordinator.new() if "Итоги рассылки №1" in s.text)
        assert "Доставлено: 6 из 7" in report.text and "Заблокировали бота или удалили аккаунт: 1" in report.text
        assert any(a["type"] == "file" for s in coordinator.new() for a in s.attachments), "the not-reached list"
        assert max_only.fake.unanswered() == []

        async def unreachable(session):  # type: ignore[no-untyped-def]
            return (await session.scalar(select(User).where(User.messenger_id == World.telegram_of(1)))).is_reachable

        assert await max_only.in_db(unreachable) is False
    finally:
        audiences._extensions.clear()  # noqa: SLF001
        audiences._extensions.update(saved[0])  # noqa: SLF001
        audiences._choices.clear()  # noqa: SLF001
        audiences._choices.update(saved[1])  # noqa: SLF001


async def test_a_network_on_both_messengers_gets_the_announcement_and_signs_up_on_each(
        harness, max_front, fake_max) -> None:  # type: ignore[no-untyped-def]
    """One deployment, one network: two teachers on Telegram, two on MAX. The announcement reaches each on their
    own messenger with the same buttons, and a «Пойду» is answered and stored on both."""
    from bot.delivery import AiogramTransport
    from bot.services.events import lifecycle
    from bot.services.ratelimit import RateLimiter
    from bot.services.sender import Sender
    from tests.events.common import FIRST_TEACHER, add_event, build_world, signups_of

    world = await harness.in_db(lambda session: build_world(session, harness.app.clock))
    on_max_ids = [FIRST_TEACHER + 2, FIRST_TEACHER + 3]

    async def split(session):  # type: ignore[no-untyped-def]
        await session.execute(update(User).where(User.messenger_id.in_(on_max_ids)).values(platform="max"))

    await harness.in_db(split)

    async def announce(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, harness.app.clock)
        await lifecycle.announce(session, event, harness.app.clock)
        return event.id

    event_id = await harness.in_db(announce)
    on_telegram = harness.person(FIRST_TEACHER)
    on_telegram._mark = harness.fake.last_seq  # noqa: SLF001
    on_max = since_now(max_person(max_front, fake_max, on_max_ids[0], "Ольга"))
    fake_max.person(on_max_ids[1], "Илья")  # has started the bot on MAX too
    mark = fake_max.last_seq
    drained = 0
    for platform, bot in (("telegram", harness.bot), ("max", max_front.bot)):  # a sender per messenger, as run()
        sender = Sender(harness.app.sessionmaker, AiogramTransport(bot), RateLimiter.from_settings(harness.app.settings),
                        harness.app.clock, platform=platform)
        drained += await sender.drain()
    check_replies(fake_max, mark)
    assert drained == 5  # three on Telegram (two teachers and the coordinator), two on MAX
    assert sorted(s.user_id for s in fake_max.sent if s.kind == "send") == on_max_ids
    assert "Семинар «Анализ ВПР»" in on_telegram.joined() and "Семинар «Анализ ВПР»" in on_max.joined()
    assert on_telegram.buttons() == on_max.buttons() == ["Пойду", "Не смогу", "📅 В календарь"]

    await on_telegram.press("Пойду")
    await on_max.press("Пойду")
    assert any("Вы записаны" in a for a in on_telegram.alerts())
    assert any("Вы записаны" in n for n in on_max.notifications())
    assert on_max.buttons() == ["✅ Пойду", "Не смогу", "📅 В календарь"]
    assert fake_max.unanswered() == []

    async def going(session):  # type: ignore[no-untyped-def]
        users = dict((await session.execute(select(User.messenger_id, User.id)
                                            .where(User.messenger_id.in_([FIRST_TEACHER, on_max_ids[0]])))).all())
        signed = await signups_of(session, event_id)
        return {messenger_id: signed.get(user_id) for messenger_id, user_id in users.items()}

    assert await harness.in_db(going) == {FIRST_TEACHER: "going", on_max_ids[0]: "going"}
