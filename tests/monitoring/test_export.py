"""The workbook, read back with openpyxl: sheets, headers, local dates, frozen headers, widths — and the
«Показатели» sheet saying exactly what the chat card says."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Translator
from bot.services import monitoring
from bot.services.clock import FrozenClock
from bot.services.export import SHEETS, Progress, write_workbook
from bot.services.export.sessions import sessions_rows
from bot.services.mentoring.exports import export_rows
from bot.services.monitoring.texts import card_text
from db.models import Network
from db.session import make_sessionmaker
from tests.monitoring.test_chat import indicator_values
from tests.monitoring.world import NOW, World, build
from tests.xlsx_check import check_xlsx

T = Translator("ru")
TITLES = ["Участники", "Школы", "Пары и группы", "Встречи", "Мероприятия", "Посещаемость", "Анкеты", "Показатели"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def world(engine: AsyncEngine, clock: FrozenClock) -> World:
    async with make_sessionmaker(engine).begin() as session:
        return await build(session, clock)


async def export(engine: AsyncEngine, world: World, clock: FrozenClock, out, **kwargs):  # type: ignore[no-untyped-def]
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        return await write_workbook(session, network, out, clock, **kwargs)


def values(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def indicator_lines(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The table's rows (the notes below it have nothing in the «Значение» column)."""
    return [row for row in indicator_values(ws) if row and row[2] not in (None, "")]


def assert_sheet_agrees_with_card(rows: list[tuple], card_texts: dict[str, str]) -> None:
    """Every indicator row of the sheet reads as the card of its scope reads in the chat."""
    assert rows
    for scope, name, value, count, of, percent, target_value, target, status, period in rows:
        text = card_texts[scope]
        line = next(line for line in text.splitlines() if f" {name}: " in line)
        assert f"<b>{value}</b>" in line or (value == "нет данных" and "нет данных" in line), (line, value)
        if of is not None and percent is not None:
            assert f"({count} из {of})" in line and f"{percent}%" in line
        if target != "не задана":
            assert f"цель {target}" in line and str(target_value) in target
        assert line.startswith(status.split(" ")[0]), (line, status)


async def test_the_workbook_reads_back(engine: AsyncEngine, world: World, clock: FrozenClock, tmp_path: Path) -> None:
    steps: list[Progress] = []

    async def progress(step: Progress) -> None:
        steps.append(step)

    result = await export(engine, world, clock, tmp_path / "out.xlsx", progress=progress)
    wb = check_xlsx(tmp_path / "out.xlsx")
    assert wb.sheetnames == TITLES
    assert [title for title, _ in result.sheets] == TITLES
    assert [s.title for s in steps if s.finished] == TITLES and {s.total for s in steps} == {len(SHEETS)}
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.b and ws["A1"].value, ws.title
        assert ws.column_dimensions["A"].width >= 6
    counts = dict(result.sheets)
    assert counts["Участники"] == 7 and wb["Участники"].max_row == 8  # with the coordinator; not the erased
    assert counts["Встречи"] == 3 and counts["Мероприятия"] == 12 and counts["Анкеты"] == 2

    people = values(wb["Участники"])
    assert people[0][:3] == ("ФИО", "ОО", "Должность")
    sessions = values(wb["Встречи"])
    assert sessions[0][0] == "Дата" and sessions[2][8] == "Разобрали задания  ВПР & <ОГЭ>"  # \x0b → a space
    assert all(isinstance(row[0], datetime) for row in sessions[1:])  # real dates: they sort and filter
    assert wb["Встречи"]["A2"].number_format == "dd.mm.yyyy"
    joined = people[0].index("В сети с")
    assert all(isinstance(row[joined], datetime) for row in people[1:])
    assert wb["Участники"].cell(row=2, column=joined + 1).number_format == "dd.mm.yyyy hh:mm"

    events = values(wb["Мероприятия"])
    header = events[0]
    row = dict(zip(header, next(r for r in events if r[0] == "2.1"), strict=True))
    assert row["Мероприятие"] == "Семинар «Анализ ВПР»" and row["Статус"] == "проведено"
    assert row["Начало"] == datetime(2026, 11, 10) and row["Записались"] == 2 and row["Присутствовали"] == 2
    assert wb["Мероприятия"]["H2"].number_format.lower().startswith("dd")
    webinar = dict(zip(header, next(r for r in events if r[0] == "2.2"), strict=True))
    assert webinar["Статус"] == "проведено"  # announced and over: held, as the indicator counts it
    measure = dict(zip(header, next(r for r in events if r[0] == "3.1"), strict=True))
    assert measure["Статус"] == "выполнено" and measure["Выполнено"] == datetime(2026, 10, 10, 12, 0)
    assert measure["Окончание"] == datetime(2026, 10, 15)  # the deadline day, not the exclusive midnight
    assert measure["Начало"] is None  # a deadline has no start (it used to start the day after it ended)
    for row in events[1:]:
        start, end = dict(zip(header, row))["Начало"], dict(zip(header, row))["Окончание"]
        assert start is None or end is None or start <= end, row

    attendance = values(wb["Посещаемость"])
    assert attendance[0] == ("№ мероприятия", "Мероприятие", "Дата", "ФИО", "ОО", "Запись", "Присутствие",
                             "Как отмечено", "Когда отмечено")
    seminar = {r[3]: r for r in attendance[1:] if r[0] == "2.1"}
    assert set(seminar) == {"Петрова Ольга Николаевна", "Смирнова Татьяна Ильинична", "Сидорова Елена Викторовна"}
    assert seminar["Сидорова Елена Викторовна"][5:8] == ("без записи", "да", "по коду или QR")
    assert seminar["Смирнова Татьяна Ильинична"][5:7] == ("пойду", "нет")
    assert seminar["Петрова Ольга Николаевна"][8] == datetime(2026, 11, 10, 15, 0)  # local time
    assert len(attendance) == 1 + 7

    answers = values(wb["Анкеты"])
    assert answers[0][-2:] == ("Рефлексия · 1. Польза", "Рефлексия · 2. Что примените?")
    assert {r[-1] for r in answers[1:]} == {"Приёмы разбора ошибок", "Банк заданий"}

    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        card = await monitoring.network_card(session, network, clock)
        schools = await monitoring.school_cards(session, network, clock)
    texts = {"Вся сеть": card_text(card, T), **{c.school_name: card_text(c, T) for c in schools.values()}}
    rows = indicator_lines(wb["Показатели"])
    assert len(rows) == len(card.indicators) + sum(len(c.indicators) for c in schools.values())
    assert rows[0][:6] == ("Вся сеть", "Участие педагогов", "83%", 5, 6, 83)
    assert wb["Показатели"]["C2"].value == 0.83  # a number, shown as «83%»
    assert wb["Показатели"]["C2"].number_format == "0%"
    assert_sheet_agrees_with_card(rows, texts)
    notes = [row for row in values(wb["Показатели"])[len(rows) + 1:] if row and row[0]]
    assert notes[0][0].startswith("Рассчитано 24.11.2026 12:00 (Europe/Moscow)")
    defined = {row[0]: row[1] for row in notes[2:]}  # «Как считаются показатели», then a row per number
    assert notes[1][0] == "Как считаются показатели"
    assert set(defined) >= {"Активные пары и группы", "Пары и группы", "Меры дорожной карты", "Участие педагогов"}
    assert "«активна»" in defined["Активные пары и группы"]
    ws = wb["Показатели"]
    assert ws.auto_filter.ref == f"A1:J{len(rows) + 1}" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
    # Printed one page wide, a definition must not run off the page: it wraps over the rest of the table's width.
    spans = {str(r) for r in ws.merged_cells.ranges}
    for cells in ws.iter_rows(min_row=len(rows) + 4):
        if cells[0].value in defined and len(str(cells[1].value)) > 60:
            assert f"B{cells[1].row}:J{cells[1].row}" in spans and cells[1].alignment.wrap_text, cells[0].value
    longest = max((c for c in ws["B"] if c.row > len(rows) + 3 and c.value), key=lambda c: len(str(c.value)))
    assert len(longest.value) > 200 and ws.row_dimensions[longest.row].height >= 30  # two lines or more
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert len(ws._charts) == 1  # a native chart beside the table


async def test_the_fast_sessions_sheet_is_the_mentoring_features_sheet(engine: AsyncEngine, world: World) -> None:
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        theirs = [row async for chunk in export_rows(session, network.id, "sessions") for row in chunk]
        ours = [row async for chunk in sessions_rows(session, network, T) for row in chunk]
    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert len(ours) == 4
