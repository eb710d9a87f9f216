"""The coordinator's network in chat: schools, participants, links, matching and import — typed and tapped."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.services.mentoring.sheets import read_sheets
from db.models import Invite, LinkMember, Membership, MentoringLink, School, User
from keyboards.mentoring import CoordCb
from tests.harness import BotHarness
from tests.mentoring.chat import delivered, document_bytes, make_link, send_document, setup
from tests.mentoring.conftest import COORDINATOR, MENTEE, MENTOR, MENTOR2, OUTSIDER
from tests.xlsx_check import check_xlsx

SMOLENSK = Path(__file__).parent / "fixtures" / "smolensk_pairs.csv"


async def open_coord(h: BotHarness):  # type: ignore[no-untyped-def]
    coordinator = h.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    assert "Наставничество — координатор" in coordinator.joined()
    return coordinator


async def test_schools_add_rename_status_and_level(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = await open_coord(harness)
    await coordinator.press("Школы")
    assert "Школы: 4" in coordinator.joined()
    await coordinator.send("важин")
    assert "Найдено по запросу «важин»: 1" in coordinator.joined()
    await coordinator.press("Добавить школу")
    await coordinator.send("аб")
    assert "от 3 до" in coordinator.joined()
    await coordinator.send("МОУ «Винницкая школа-интернат»")
    assert "добавлена" in coordinator.joined()
    await coordinator.press("Статус")
    await coordinator.press("ШНСУ")
    await coordinator.press("Уровень")
    await coordinator.press("3-й уровень")
    await coordinator.press("Краткое название")
    await coordinator.send("Винницкая ШИ")
    assert "Статус: ШНСУ" in coordinator.joined() or "Сохранено" in coordinator.joined()
    await coordinator.press("К школам")
    await coordinator.press("Добавить школу")
    await coordinator.send("МБОУ «Важинский образовательный центр»")
    assert "уже есть" in coordinator.joined()

    async def check(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(School).where(School.name == "МОУ «Винницкая школа-интернат»"))

    school = await harness.in_db(check)
    assert (school.status, school.level, school.short_name) == ("shnsu", 3, "Винницкая ШИ")


async def test_participants_list_search_filter_roles_and_deactivation(harness: BotHarness) -> None:
    world = await setup(harness)

    async def more_people(session):  # type: ignore[no-untyped-def]
        for n in range(12):
            user = User(full_name=f"Тестова Ольга {'АБВГДЕЖЗИКЛМ'[n]}вна", position="Учитель", subjects=[],
                        language="ru", notification_prefs={})
            session.add(user)
            await session.flush()
            session.add(Membership(user_id=user.id, network_id=world.network_id, school_id=world.schools["vazhiny"],
                                   directions=[]))

    await harness.in_db(more_people)
    coordinator = await open_coord(harness)
    await coordinator.press("Участники")
    assert "Участники: 19" in coordinator.joined()
    assert "▶️" in coordinator.buttons()
    await coordinator.press("▶️")
    assert "2/3" in coordinator.buttons()
    await coordinator.send("петрова")
    assert "Участники: 1" in coordinator.joined()
    await coordinator.press("Сбросить")
    await coordinator.press("Роль")
    await coordinator.press("наставники")
    assert "Участники: 3" in coordinator.joined()
    await coordinator.press("Сбросить")
    await coordinator.send("Фролова")
    await coordinator.press("Фролова Ирина")
    assert "ещё не открыл" not in coordinator.joined()
    await coordinator.press("наставник")  # the role toggle
    assert "Наставник:" in coordinator.joined()
    await coordinator.press("Направления")
    await coordinator.press("ВПР")
    await coordinator.press("олимпиады")
    await coordinator.press("К участнику")
    await coordinator.press("Отключить")

    async def check(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(Membership).where(Membership.user_id == world.uid(OUTSIDER)))

    membership = await harness.in_db(check)
    # Switched off: the roles go with it (the mentor profile stays), until the coordinator gives them back.
    assert not membership.is_active and not membership.is_mentor and membership.directions == ["vpr", "olymp"]
    await coordinator.press("Включить")
    membership = await harness.in_db(check)
    assert membership.is_active and membership.is_participant and not membership.is_mentor
    await coordinator.press("наставник")
    assert (await harness.in_db(check)).is_mentor

    await coordinator.send("Орлова")
    await coordinator.press("Орлова Галина")
    await coordinator.press("Отключить")
    assert any("Себя отключить" in a for a in coordinator.alerts())

    # An unregistered person gets a personal link.
    await coordinator.send("Тестова")
    await coordinator.press("Тестова Ольга Авна")
    await coordinator.press("Личная ссылка")
    assert "?start=" in coordinator.joined()


async def test_a_new_link_step_by_step_tells_both_sides(harness: BotHarness) -> None:
    world = await setup(harness)
    coordinator = await open_coord(harness)
    await coordinator.press("Новая пара")
    await coordinator.press("Учитель – учителю")
    await coordinator.press("виртуальное")
    await coordinator.send("иванова")
    await coordinator.press("Иванова М. П.")
    await coordinator.send("петрова")
    await coordinator.press("Петрова Анна")
    await coordinator.send("ок")
    assert "от 3 до" in coordinator.joined()
    await coordinator.send("Подготовка 9 класса к ОГЭ по математике")
    await coordinator.press("подготовка к ОГЭ/ЕГЭ")
    await coordinator.press("учебная мотивация")
    await coordinator.press("Готово")
    await coordinator.send("01.01.2020")
    assert "уже прошёл" in coordinator.joined()
    await coordinator.press("До 31 мая")
    assert "Проверьте" in coordinator.joined() and "31.05.2027" in coordinator.joined()
    await coordinator.press("Создать")
    assert any("Сообщений участникам: 2" in a for a in coordinator.alerts())

    async def check(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(MentoringLink))

    link = await harness.in_db(check)
    assert (link.kind, link.form, link.deficits) == ("teacher_teacher", "virtual", ["oge_ege", "motiv"])
    mentor, mentee = harness.person(MENTOR), harness.person(MENTEE)
    await delivered(harness, mentor, mentee)
    assert "Новая пара наставничества" in mentor.joined() and "Петрова Анна Сергеевна" in mentor.joined()
    assert "У вас появился наставник" in mentee.joined() and "Подготовка 9 класса" in mentee.joined()
    mentee_message = mentee.new()[-1]
    assert f"tg://user?id={MENTOR}" in (mentee_message.text or "")

    # Closing needs a short summary; both sides are told.
    await coordinator.press("Закрыть")
    await coordinator.send("ок")
    assert "от 3 до" in coordinator.joined()
    await coordinator.send("Наставляемая перешла в другую школу")
    link = await harness.in_db(check)
    assert link.status == "closed" and link.summary == "Наставляемая перешла в другую школу"
    await delivered(harness, mentee)
    assert "закрыта" in mentee.joined()
    assert world.network_id


async def test_matching_ranks_mentors_and_the_coordinator_confirms(harness: BotHarness) -> None:
    world = await setup(harness)
    coordinator = await open_coord(harness)
    await coordinator.press("Подбор наставника")
    await coordinator.press("Для педагога")
    await coordinator.send("петрова")
    await coordinator.press("Петрова Анна")
    await coordinator.press("ВПР")
    await coordinator.press("Показать наставников")
    text = coordinator.joined()
    assert text.index("Иванова") < text.index("Орлов") < text.index("Козлова")
    assert "свободно 3 из 3" in text
    await coordinator.press("1. Иванова")
    assert "Преодоление профессиональных дефицитов: ВПР" in coordinator.joined()
    await coordinator.press("Цели")
    await coordinator.send("Подготовка 5 класса к ВПР по математике")
    await coordinator.press("Назначить")
    mentor, mentee = harness.person(MENTOR), harness.person(MENTEE)
    await delivered(harness, mentor, mentee)
    assert "Подготовка 5 класса к ВПР" in mentor.joined() and "Петрова Анна Сергеевна" in mentor.joined()
    assert "Иванова Мария Петровна" in mentee.joined()

    async def members(session):  # type: ignore[no-untyped-def]
        return set((await session.execute(select(LinkMember.user_id, LinkMember.side))).all())

    assert await harness.in_db(members) == {(world.uid(MENTOR), "mentor"), (world.uid(MENTEE), "mentee")}


async def test_other_people_cannot_use_coordinator_buttons(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])
    mentor = harness.person(MENTOR)
    await mentor.command("menu")
    assert not any("Наставничество" in b for b in mentor.buttons())
    for data in (CoordCb(a="sch"), CoordCb(a="pr", id=world.uid(MENTOR), v=2), CoordCb(a="lst", id=link_id, v=4),
                 CoordCb(a="mtok", id=world.uid(MENTOR2)), CoordCb(a="imp"), CoordCb(a="qw", v=2)):
        await mentor.press_data(data.pack())
    assert sum("недоступны" in a for a in mentor.alerts()) >= 5

    async def check(session):  # type: ignore[no-untyped-def]
        membership = await session.scalar(select(Membership).where(Membership.user_id == world.uid(MENTOR)))
        link = await session.get(MentoringLink, link_id)
        return membership.is_coordinator, link.status

    assert await harness.in_db(check) == (False, "active")


async def test_import_in_chat_preview_import_summary_and_personal_links(harness: BotHarness) -> None:
    world = await setup(harness)
    coordinator = await open_coord(harness)
    await coordinator.press("Импорт таблиц")
    await coordinator.press("Скачать шаблон")
    template = coordinator.new()[-1]
    assert template.method == "sendDocument"
    assert len(read_sheets(document_bytes(harness, template), "t.xlsx")) == 4

    await send_document(harness, coordinator, b"%PDF-1.4 not a table", "prikaz.pdf", "application/pdf")
    assert "только таблицы XLSX и CSV" in coordinator.joined()
    await coordinator.send("вот файл")
    assert "Отправьте файл" in coordinator.joined()
    await send_document(harness, coordinator, SMOLENSK.read_bytes(), "smolensk.csv", "text/csv")
    preview = coordinator.joined()
    assert "Предпросмотр" in preview and "пары школ, строк: 8" in preview
    assert "Школы: новых 14" in preview and "Пары и группы: новых 8" in preview

    async def count_links(session):  # type: ignore[no-untyped-def]
        return len((await session.scalars(select(MentoringLink.id))).all())

    assert await harness.in_db(count_links) == 0
    await coordinator.press("Импортировать")
    sent = coordinator.new()
    summary = "\n".join(s.plain_text or "" for s in sent)
    assert "Импорт «smolensk.csv» завершён" in summary
    links_file = next(s for s in sent if s.method == "sendDocument")
    assert links_file.result["document"]["file_name"] == "priglasheniya.xlsx"
    book = check_xlsx(document_bytes(harness, links_file))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[0] == ["ФИО", "Ссылка-приглашение"] and len(rows) == 7
    assert await harness.in_db(count_links) == 8

    # A director follows her personal link: her /start attaches her to the imported record.
    name, link = next(r for r in rows if r[0].startswith("Слободич"))
    code = link.split("?start=")[1]
    director = harness.person(720_001)
    await director.command("start", code)
    await director.press("Даю согласие")
    await director.send("Слободич Анжела Николаевна")
    await director.press("Директор")
    await director.press("пропустить")
    assert "Добро пожаловать" in director.joined()

    async def attached(session):  # type: ignore[no-untyped-def]
        users = (await session.scalars(select(User).where(User.full_name == name))).all()
        invite = await session.scalar(select(Invite).where(Invite.code == code))
        return [(u.messenger_id, u.id == invite.target_user_id) for u in users]

    assert await harness.in_db(attached) == [(720_001, True)]
    await director.command("menu")
    await director.press("Мои пары")
    assert "Мои пары и группы: 2" in director.joined()

    # Sent again without asking: the same preview, now with nothing new.
    await send_document(harness, coordinator, SMOLENSK.read_bytes(), "smolensk.csv", "text/csv")
    assert "Пары и группы: новых 0" in coordinator.joined()
    await coordinator.press("Отмена")
    assert "ничего не изменилось" in coordinator.joined()
    assert world.network_id
