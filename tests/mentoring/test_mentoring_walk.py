"""Issue 10, mentoring: what a mentor and a mentee met, walked again as they tap — the contact link, a session
with a note and several files, pairs told apart, an edited session, a year guessed, «встречи не было»."""
from __future__ import annotations

from sqlalchemy import select

from db.models import MentoringSession
from tests.harness import BotHarness
from tests.mentoring.chat import delivered, make_link, setup
from tests.mentoring.conftest import MENTEE, MENTEE2, MENTOR, OUTSIDER


async def only_session(h: BotHarness) -> MentoringSession:
    async def work(session):  # type: ignore[no-untyped-def]
        return (await session.scalars(select(MentoringSession))).one()

    return await h.in_db(work)


async def log_today(mentor, topic: str = "Разбор ВПР") -> None:  # type: ignore[no-untyped-def]
    await mentor.command("menu")
    for label in ("Записать встречу", "Сегодня · очно", "45 мин"):
        await mentor.press(label)
    await mentor.send(topic)


async def session_waiting_for_the_mentee(h: BotHarness):  # type: ignore[no-untyped-def]
    """A pair, a session logged today, and the mentee's confirmation request delivered."""
    world = await setup(h)
    await make_link(h, world, MENTOR, [MENTEE])
    mentor, mentee = h.person(MENTOR), h.person(MENTEE)
    await log_today(mentor)
    await mentor.press("Готово")
    await delivered(h, mentee)
    return mentor, mentee


async def test_my_mentor_shows_a_working_contact_not_markup(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE], goals="Подготовка к ВПР")
    mentee = harness.person(MENTEE)
    await mentee.command("menu")
    await mentee.press("Мой наставник")
    text = mentee.joined()
    assert "👤 Иванова Мария Петровна — Учитель-предметник" in text
    assert "&lt;" not in text and "<a" not in text and "href" not in text
    assert any(url.startswith("tg://user?id=") for url in mentee.links()), "the name is a link to write to"


async def test_a_session_keeps_a_note_and_several_files_added_then_and_later(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await log_today(mentor)
    assert "Петрова Анна Сергеевна получит запрос на подтверждение" in mentor.joined()

    await mentor.send("Разобрали задания 5 и 7")
    assert "Заметка добавлена" in mentor.joined()
    await mentor.photo()
    assert "Вложение добавлено ✅ Всего: 1" in mentor.joined()
    await mentor.photo(caption="Доска после урока")
    assert "Всего: 2" in mentor.joined()
    await mentor.document("plan.pdf")
    await mentor.voice()
    assert "Всего: 4" in mentor.joined()
    await mentor.send("Домашнее задание — вариант 3")
    await mentor.press("Готово")
    record = await only_session(harness)
    assert record.note == "Разобрали задания 5 и 7\nДоска после урока\nДомашнее задание — вариант 3"
    assert [a["kind"] for a in record.attachments] == ["photo", "photo", "document", "voice"]

    # Later, from the session: «📝 Заметка» rewrites the note, a photo sent there is added, not put in its place.
    await mentor.press_data(f"mt:ses:{record.id}:0")
    assert "📎 Вложения: фото ×2, файл, голосовое" in mentor.joined()
    await mentor.press("Изменить")
    await mentor.press("Заметка")
    await mentor.photo()
    assert "Всего: 5" in mentor.joined()
    await mentor.send("Итог: план на декабрь")
    record = await only_session(harness)
    assert record.note == "Итог: план на декабрь" and len(record.attachments) == 5
    await mentor.press("Изменить")
    await mentor.press("Добавить вложения")
    await mentor.document("otchet.docx", mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    await mentor.press("Готово")
    assert "фото ×3, файл ×2, голосовое" in mentor.joined()
    await mentor.press("Показать вложения (6)")
    kinds = [s.method for s in mentor.new()]
    assert kinds.count("sendPhoto") == 3 and kinds.count("sendDocument") == 2 and kinds.count("sendVoice") == 1


async def test_a_mentor_with_several_pairs_sees_who_is_on_the_other_side(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    await make_link(harness, world, MENTOR, [MENTEE, MENTEE2, OUTSIDER], kind="group")
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Мои пары")
    buttons = mentor.buttons()
    assert "Петрова Анна Сергеевна · Важинский ОЦ" in buttons
    # the group on a phone-sized button: its first member and how many more, then the school if it fits
    assert any(b.startswith("Группа: Петрова А. С. и ещё 2") for b in buttons), buttons
    assert not any("Иванова" in b for b in buttons), "the mentor's own name tells nothing apart"
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    assert any(b.startswith("Группа: Петрова А. С.") for b in mentor.buttons())
    await mentor.press("Группа:")
    await mentor.press("Сегодня · очно")
    await mentor.press("60 мин")
    await mentor.send("Групповая консультация")
    assert "Запрос на подтверждение получат наставляемые: 3" in mentor.joined()


async def test_an_edited_session_is_confirmed_again_and_the_mentee_is_told(harness: BotHarness) -> None:
    mentor, mentee = await session_waiting_for_the_mentee(harness)
    await mentee.press("Подтверждаю")
    record = await only_session(harness)
    assert record.confirmed_at is not None

    await mentor.press_data(f"mt:ses:{record.id}:0")
    await mentor.press("Изменить")
    await mentor.press("Тема")
    await mentor.send("Формирующее оценивание")
    assert "запрос на подтверждение придёт наставляемому снова" in mentor.joined()
    assert "⏳ Ждёт подтверждения наставляемого" in mentor.joined()
    record = await only_session(harness)
    assert record.confirmed_at is None

    await delivered(harness, mentee)
    assert "Запись о встрече изменена — наставник Иванова Мария Петровна" in mentee.joined()
    assert "«Формирующее оценивание»" in mentee.joined()
    await mentee.press("Подтверждаю")
    assert (await only_session(harness)).confirmed_at is not None


async def test_a_date_months_back_without_a_year_is_checked_with_the_mentor(harness: BotHarness) -> None:
    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    await mentor.send("20.12")  # today is 24.11.2026: the latest 20 December is a year ago
    assert "Встреча была 20.12.2025? Год я подставил сам" in mentor.joined()
    await mentor.press("Нет, другая дата")
    await mentor.send("20.11")  # four days ago: no question
    assert "Как она прошла" in mentor.joined()
    await mentor.press("Отмена")
    await mentor.command("menu")
    await mentor.press("Записать встречу")
    await mentor.send("1.9")
    await mentor.press("Да, 01.09.2026")
    await mentor.press("очно")
    await mentor.press("45 мин")
    await mentor.send("Входная диагностика")
    assert (await only_session(harness)).held_on.isoformat() == "2026-09-01"


async def test_the_mentee_can_say_the_session_did_not_happen(harness: BotHarness) -> None:
    mentor, mentee = await session_waiting_for_the_mentee(harness)
    await mentee.press("Встречи не было")
    assert any("наставник узнает" in a for a in mentee.alerts())
    record = await only_session(harness)
    assert record.disputed_at is not None and record.confirmed_at is None
    assert "Наставляемый отметил, что встречи не было" in mentee.joined()
    await delivered(harness, mentor)
    assert "Петрова Анна Сергеевна отмечает, что её не было" in mentor.joined()
