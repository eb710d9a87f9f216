"""Issue 10: the flows every person walks — joining, the profile, a command typed mid-dialog, a stray question —
as they tap and type. Every reply here is also read by the harness's checks (tests/ux.py)."""
from __future__ import annotations

from sqlalchemy import select

from db.models import Membership, School, User
from tests.harness import BotHarness
from tests.mentoring.chat import setup
from tests.mentoring.conftest import COORDINATOR, MENTEE
from tests.test_onboarding import TEACHER, make_invite, make_network, register_by_invite


async def test_every_registration_step_can_be_left_or_stepped_back(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    teacher = harness.person(TEACHER)
    await teacher.command("start", code)
    assert "Вас приглашают в сеть «Кировский район»" in teacher.joined()
    await teacher.press("Даю согласие")
    assert "Отмена" in " ".join(teacher.buttons())
    await teacher.send("Иванова Мария Петровна")
    await teacher.press("Моей школы нет в списке")
    assert "Напишите полное название вашей школы" in teacher.joined()
    await teacher.press("Назад")
    assert "Выберите вашу школу" in teacher.joined()
    await teacher.send("назиев")
    await teacher.press("Назиевская")
    await teacher.press("Другое — напишу свою")
    await teacher.press("Назад")
    assert "Ваша должность?" in teacher.joined()
    await teacher.press("Учитель-предметник")
    assert "ОБЗР" in teacher.buttons() and "ОБЖ" not in teacher.buttons(), "the subject's name since 2024"
    await teacher.press("Назад")
    await teacher.press("Отмена")
    assert "Регистрация прервана" in teacher.joined()
    await teacher.send("Иванова Мария Петровна")
    assert "Регистрация" not in teacher.joined() and "ссылку-приглашение" in teacher.joined()


async def test_a_join_request_is_not_called_an_invitation(harness: BotHarness) -> None:
    await make_network(harness)
    stranger = harness.person(TEACHER)
    await stranger.command("start")
    await stranger.press("Подать заявку")
    assert "Отмена" in " ".join(stranger.buttons()), "choosing the network can be left"
    await stranger.press("Кировский район")
    text = stranger.joined()
    assert "Вы подаёте заявку в сеть «Кировский район»" in text and "приглашают" not in text


async def test_a_command_typed_mid_dialog_wins(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    for screen in ("Школы", "Участники", "Пары и группы"):
        await coordinator.press("Наставничество") if screen != "Школы" else None
        await coordinator.press(screen)
        await coordinator.command("events")
        text = coordinator.joined()
        assert "поиск" not in text and "/events" not in text, f"{screen}: the command is not a search"
        assert "Мероприятия" in text or "мероприят" in text.lower()
        await coordinator.command("menu")
        await coordinator.press("Наставничество")
    await coordinator.press("Школы")
    await coordinator.command("stats")
    assert "Школ по запросу" not in coordinator.joined() and "/stats" not in coordinator.joined()
    await coordinator.press("Наставничество")
    await coordinator.press("Школы")
    await coordinator.command("nosuchcommand")
    assert "Такой команды я не знаю" in coordinator.joined()


async def test_a_stray_question_is_pointed_where_it_belongs_without_the_whole_menu(harness: BotHarness) -> None:
    await setup(harness)
    mentee = harness.person(MENTEE)
    await mentee.send("Когда будет следующий семинар?")
    assert "Задать вопрос" in mentee.joined() and "Мероприятия" in mentee.joined()
    buttons = mentee.buttons()
    assert "❓ Задать вопрос" in buttons and "🗓 Мероприятия" in buttons
    assert "👤 Профиль" not in buttons, "not the whole menu on every stray message"
    await mentee.sticker()
    assert "👤 Профиль" not in mentee.buttons()
    await mentee.press("Меню")
    assert "👤 Профиль" in mentee.buttons()


async def test_the_profile_changes_school_subjects_and_position_by_buttons(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    await register_by_invite(harness, await make_invite(harness, network_id))
    teacher = harness.person(TEACHER)
    await teacher.command("profile")
    await teacher.press("Школа")
    await teacher.send("СОШ №3")
    await teacher.press("МБОУ «СОШ №3»")
    assert "Школа: МБОУ «СОШ №3»" in teacher.joined()
    await teacher.press("Предметы")
    await teacher.press("Физика")
    await teacher.press("Сохранить")
    assert "Предметы: Математика, Физика" in teacher.joined()
    await teacher.press("Должность")
    await teacher.press("Руководитель РМО")
    assert "Должность: Руководитель РМО" in teacher.joined()
    await teacher.press("ФИО")
    assert "Отмена" in " ".join(teacher.buttons())
    await teacher.press("Отмена")
    assert "профиль не изменён" in teacher.joined()

    async def check(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == TEACHER))
        membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
        return user, (await session.get(School, membership.school_id)).name

    user, school = await harness.in_db(check)
    assert user.subjects == ["Математика", "Физика"] and user.position == "Руководитель РМО"
    assert school == "МБОУ «СОШ №3»"


async def register_with_an_unlisted_school(h: BotHarness, network_id: int, subject: str) -> None:
    teacher = h.person(TEACHER)
    await teacher.command("start", await make_invite(h, network_id))
    await teacher.press("Даю согласие")
    await teacher.send("Иванова Мария Петровна")
    await teacher.press("Моей школы нет в списке")
    await teacher.send("МБОУ «Шумская СОШ»")
    await teacher.press("Учитель-предметник")
    await teacher.press(subject)
    if subject != "Не веду предметы":
        await teacher.press("Готово")


async def test_an_empty_profile_reads_in_proper_russian(harness: BotHarness) -> None:
    await register_with_an_unlisted_school(harness, await make_network(harness), "Не веду предметы")
    teacher = harness.person(TEACHER)
    await teacher.command("profile")
    text = teacher.joined()
    assert "Школа: не указана" in text and "Предметы: не указаны" in text


async def test_a_missing_school_reaches_the_coordinators_with_a_button_that_adds_it(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    from tests.test_onboarding import make_coordinator

    await make_coordinator(harness, network_id)
    await register_with_an_unlisted_school(harness, network_id, "Математика")
    teacher = harness.person(TEACHER)

    from tests.mentoring.chat import delivered
    from tests.test_onboarding import COORDINATOR as KIROVSK_COORDINATOR

    coordinator = harness.person(KIROVSK_COORDINATOR)
    await delivered(harness, coordinator, teacher)
    assert "называет школу, которой нет в списке: «МБОУ «Шумская СОШ»»" in coordinator.joined()
    assert not teacher.new(), "the teacher is not told about her own school"
    await coordinator.press("Добавить школу")
    await coordinator.send("МБОУ «Шумская СОШ»")
    assert "Школа «МБОУ «Шумская СОШ»» добавлена" in coordinator.joined()

    async def school_of(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == TEACHER))
        membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
        return (await session.get(School, membership.school_id)).name if membership.school_id else None

    assert await harness.in_db(school_of) == "МБОУ «Шумская СОШ»"


async def test_mydata_is_a_readable_russian_document_with_the_json_beside_it(harness: BotHarness) -> None:
    import io
    import json

    import docx

    from tests.mentoring.chat import document_bytes, make_link
    from tests.mentoring.conftest import MENTOR
    from tests.mentoring.test_mentoring_walk import log_today

    world = await setup(harness)
    await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await log_today(mentor, "Разбор ВПР")
    await mentor.command("mydata")
    sent = mentor.new()
    assert [s.method for s in sent] == ["sendDocument", "sendDocument"]
    readable, machine = sent
    assert readable.result["document"]["file_name"].endswith(".docx") and "в формате для программ" in (
        readable.plain_text or "")
    book = docx.Document(io.BytesIO(document_bytes(harness, readable)))
    text = "\n".join([p.text for p in book.paragraphs]
                     + [cell.text for table in book.tables for row in table.rows for cell in row.cells])
    for words in ("Мои данные в боте", "Иванова Мария Петровна", "Встречи наставничества: 1", "Разбор ВПР", "очно",
                  "Подпорожский район", "наставник", "24.11.2026"):
        assert words in text, words
    assert "offline" not in text and "mentor" not in text and "full_name" not in text, "no codes or English keys"
    data = json.loads(document_bytes(harness, machine))
    assert data["profile"]["full_name"] == "Иванова Мария Петровна", "the JSON stays for programs"
