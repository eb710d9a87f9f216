"""A mentor logs a session the way people do it: taps, a typed topic, a wrong value, a restart; the mentee confirms
and rates it from the message that arrives through the outbox."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import build_app
from db.models import MentoringSession
from keyboards.mentoring import MentorCb
from tests.harness import BotHarness
from tests.mentoring.chat import delivered, make_link, setup
from tests.mentoring.conftest import MENTEE, MENTOR, MENTOR2, OUTSIDER


async def sessions(h: BotHarness) -> list[MentoringSession]:
    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(MentoringSession).order_by(MentoringSession.id))).all())

    return await h.in_db(work)


async def test_a_session_in_at_most_five_taps_and_one_text(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    taps = 0
    for label in ("Записать встречу", "Сегодня · очно", "60 мин"):
        await mentor.press(label)
        taps += 1
    assert "Тема встречи" in mentor.joined()
    await mentor.send("Разбор ВПР по математике")  # the one text
    assert "Встреча записана" in mentor.joined()
    assert taps <= 5
    [record] = await sessions(harness)
    assert (record.format, record.duration_min, record.topic) == ("offline", 60, "Разбор ВПР по математике")
    assert record.held_on.isoformat() == "2026-11-24"

    # The optional note comes as the next message; a photo works as well.
    await mentor.send("Разобрали задания 5 и 7, договорились о домашнем задании")
    assert "Заметка добавлена" in mentor.joined()
    [record] = await sessions(harness)
    assert record.note.startswith("Разобрали задания")

    # The second time the topic is one tap: recent topics come as buttons.
    await mentor.command("menu")
    taps = 0
    for label in ("Записать встречу", "Вчера · онлайн", "45 мин", "Разбор ВПР по математике"):
        await mentor.press(label)
        taps += 1
    assert taps <= 5 and "Встреча записана" in mentor.joined()
    await mentor.photo(caption="Фото с урока")
    assert "Вложение добавлено" in mentor.joined()
    second = (await sessions(harness))[-1]
    assert second.format == "online" and second.attachment_type == "photo" and second.note == "Фото с урока"

    # The mentee gets a confirmation request through the outbox, rates it, and comments.
    mentee = harness.person(MENTEE)
    await delivered(harness, mentee, mentor)
    assert "Запись о встрече с вами — наставник Иванова Мария Петровна" in mentee.joined()
    await mentee.press("5⭐")
    assert any("Оценка: 5" in a for a in mentee.alerts())
    await mentee.press("Комментарий")
    await mentee.send("Очень полезно, спасибо!")
    assert "комментарий передан" in mentee.joined()
    await delivered(harness, mentor)
    assert "Встреча подтверждена — Петрова Анна Сергеевна" in mentor.joined() and "оценка 5 из 5" in mentor.joined()
    assert "Очень полезно" in mentor.joined()


async def test_with_several_pairs_the_pair_is_one_more_tap(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    await make_link(harness, world, MENTOR, [OUTSIDER])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    assert "С кем была встреча" in mentor.joined()
    await mentor.press("Фролова")
    await mentor.press("Сегодня · онлайн")
    await mentor.press("30 мин")
    await mentor.send("Знакомство")
    [record] = await sessions(harness)
    assert record.link_id != 0 and record.duration_min == 30


async def test_wrong_values_keep_the_mentor_on_the_step(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    await mentor.send("31.02")
    assert "Не получилось разобрать дату" in mentor.joined()
    await mentor.send("25.12.2026")
    assert "ещё не наступила" in mentor.joined()
    await mentor.sticker()
    assert "напишите дату" in mentor.joined().lower()
    await mentor.send("20.11")
    assert "Как она прошла" in mentor.joined()
    await mentor.send("очно")  # a typed answer where a button is expected
    assert "кнопкой" in mentor.joined()
    await mentor.press("очно")
    await mentor.send("полчаса")
    assert "Длительность" in mentor.joined()
    await mentor.send("1,5 ч")
    await mentor.send("а")
    assert "Тема — от 2" in mentor.joined()
    await mentor.send("Учебный план")
    [record] = await sessions(harness)
    assert record.held_on.isoformat() == "2026-11-20" and record.duration_min == 90


async def test_forged_and_stale_buttons_are_refused(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])
    other = harness.person(MENTOR2)
    await other.press_data(MentorCb(a="log", id=link_id).pack())
    assert any("недоступны" in a for a in other.alerts())
    await other.press_data(MentorCb(a="hist", id=link_id).pack())
    assert sum("недоступны" in a for a in other.alerts()) == 2
    await other.press_data(MentorCb(a="ld", id=0, v=1).pack())  # a step button outside the dialog
    assert any("устарела" in a for a in other.alerts())

    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    await mentor.press("Сегодня · очно")
    await mentor.press_data(MentorCb(a="lu", v=7).pack())  # not a preset
    assert any("устарела" in a for a in mentor.alerts())
    await mentor.press("45 мин")
    await mentor.send("Тема")
    [record] = await sessions(harness)
    outsider = harness.person(OUTSIDER)
    await outsider.press_data(MentorCb(a="cf", id=record.id, v=5).pack())
    await outsider.press_data(MentorCb(a="ed", id=record.id).pack())
    assert sum("недоступны" in a for a in outsider.alerts()) == 2
    await mentor.press_data(MentorCb(a="cf", id=record.id, v=1).pack())  # the mentor can't rate their own session
    assert any("недоступны" in a for a in mentor.alerts())
    [record] = await sessions(harness)
    assert record.confirmed_at is None and record.rating is None


async def test_a_restart_halfway_loses_nothing(harness: BotHarness, test_settings, engine, clock) -> None:  # type: ignore[no-untyped-def]
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    await mentor.press("Сегодня · очно")
    harness.app = build_app(test_settings, clock=clock, engine=engine)  # a deploy
    await mentor.press("90 мин")
    await mentor.send("После перезапуска")
    [record] = await sessions(harness)
    assert (record.duration_min, record.topic) == (90, "После перезапуска")


async def test_editing_for_48_hours_then_not(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    for label in ("Записать встречу", "Сегодня · очно", "45 мин"):
        await mentor.press(label)
    await mentor.send("Черновая тема")
    await mentor.press("Изменить")
    await mentor.press("Тема")
    await mentor.send("Формирующее оценивание")
    assert "Изменения сохранены" in mentor.joined()
    await mentor.press("Изменить")
    await mentor.press("Длительность")
    await mentor.press("60 мин")
    [record] = await sessions(harness)
    assert (record.topic, record.duration_min) == ("Формирующее оценивание", 60)

    harness.app.clock.move(timedelta(hours=49))  # type: ignore[attr-defined]
    await mentor.command("menu")
    await mentor.press("Мои пары")
    await mentor.press("Петрова Анна Сергеевна")
    await mentor.press("История встреч")
    await mentor.press("Формирующее оценивание")
    assert "Изменить" not in mentor.buttons()
    await mentor.press_data(MentorCb(a="ed", id=record.id).pack())
    assert any("48 часов" in a for a in mentor.alerts())


async def test_the_note_step_lapses_when_the_mentor_walks_away(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    for label in ("Записать встречу", "Сегодня · очно", "45 мин"):
        await mentor.press(label)
    await mentor.send("Тема")
    harness.app.clock.move(timedelta(hours=2))  # type: ignore[attr-defined]
    await mentor.send("привет")  # an ordinary message now, not a note
    assert "не приложил" in mentor.joined() and any("Мои пары" in b for b in mentor.buttons())
    [record] = await sessions(harness)
    assert record.note is None
