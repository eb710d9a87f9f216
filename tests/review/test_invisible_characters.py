"""Names copied out of Excel or a web page carry what no one sees: a vertical tab (\\x0b, Excel's Alt+Enter in
some exports), a bell (\\x07), zero-width spaces, direction marks, a BOM. They become a space or go, and the
name is trimmed — in the import's preview, in the database, on buttons; typed names too."""
from __future__ import annotations

from sqlalchemy import select

from bot.services.untrusted_text import visible
from db.models import School, User
from tests.harness import BotHarness
from tests.mentoring.chat import open_import, setup

DIRTY_SCHOOLS = (
    "Наименование ОО;Краткое наименование;Статус\n"
    "\u202bМБОУ\x07«Лодейнопольская СОШ № 2»\u202c ;\u200bЛодейнопольская\x0bСОШ № 2;ШНОР\n"
)
DIRTY_SHEET = (
    "ФИО;ОО;Должность\n"
    "Громова\x0bЕлена\u200b Викторовна\u200f;\u202bМБОУ\x07«Лодейнопольская СОШ № 2»\u202c ;Учитель\u00ad-предметник\n"
    "\ufeffЗуева\u2060 Ольга\x1fПавловна;МБОУ\u200d «Лодейнопольская СОШ № 2»;\u200eЗавуч\u200e\n"
)
HIDDEN = "\x0b\x07\x1f\u200b\u200d\u200e\u200f\u2060\u202b\u202c\ufeff\u00ad"


def test_visible_text() -> None:
    assert visible(" Громова\x0bЕлена\u200b Викторовна\u200f ") == "Громова Елена Викторовна"
    assert visible("МБОУ\x07«СОШ»\u202e") == "МБОУ «СОШ»"
    assert visible("строка 1\x0b\nстрока\u200b 2\n", lines=True) == "строка 1\nстрока 2"
    assert visible("\u200b\u200f") == ""


async def test_an_imported_sheet_with_invisible_characters_gives_clean_names(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = await open_import(harness)
    await coordinator.document("schools.csv", DIRTY_SCHOOLS.encode())
    assert not any(ch in coordinator.joined() for ch in HIDDEN)
    await coordinator.press("Импортировать")
    await coordinator.document("people.csv", DIRTY_SHEET.encode())
    preview = coordinator.joined()
    assert "Предпросмотр" in preview and "не найдена" not in preview, preview
    assert not any(ch in preview for ch in HIDDEN)
    await coordinator.press("Импортировать")

    async def stored(session):  # type: ignore[no-untyped-def]
        names = (await session.scalars(select(User.full_name).where(User.full_name.like("%Громова%")
                                                                    | User.full_name.like("%Зуева%")))).all()
        positions = (await session.scalars(select(User.position).where(User.full_name.like("%Зуева%")))).all()
        schools = (await session.execute(select(School.name, School.short_name)
                                         .where(School.name.like("%Лодейнопольская%")))).all()
        return sorted(names), positions, schools

    names, positions, schools = await harness.in_db(stored)
    assert names == ["Громова Елена Викторовна", "Зуева Ольга Павловна"]
    assert positions == ["Завуч"]
    assert [tuple(row) for row in schools] == [("МБОУ «Лодейнопольская СОШ № 2»", "Лодейнопольская СОШ № 2")]

    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Участники")
    await coordinator.send("Громова")
    labels = coordinator.buttons()
    assert any(label.startswith("Громова") for label in labels), labels
    assert not any(ch in label for label in labels for ch in HIDDEN)


def test_roadmap_titles_lose_invisible_characters() -> None:
    from bot.services.roadmap import parse_roadmap

    plan = ("План мероприятий на 2027 год\nМероприятие;Срок;Ответственный\n"
            "\u200fСеминар\x07«Современный урок»\u200b;март;Методист\x0bИМЦ\n").encode()
    event = parse_roadmap(plan, "plan.csv").events[0]
    assert event.title == "Семинар «Современный урок»"
    assert event.responsible == "Методист ИМЦ"


def test_a_typed_name_with_a_zero_width_space_is_taken_clean() -> None:
    from bot.services.registration import normalize_free_text, normalize_full_name

    assert normalize_full_name("\u200bгромова\u200b елена\x07викторовна ") == "Громова Елена Викторовна"
    assert normalize_free_text("\u202eМБОУ «СОШ № 1»\x0b") == "МБОУ «СОШ № 1»"
