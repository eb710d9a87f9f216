"""Every XLSX the bot hands out, read the way the programs people use read it: the zip's headers, the XML, openpyxl
and — where it is installed — LibreOffice. A school called «=1+2» or «=HYPERLINK(…)» and a name holding a
control character must come out as plain text, and nothing may become a formula."""
from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.broadcasts import UnreachedRow, report_xlsx
from bot.services.clock import FrozenClock
from bot.services.export import write_workbook
from bot.services.mentoring.template import invites_xlsx, template_xlsx
from bot.services.xlsx import CELL_LIMIT, Book, clean_text, safe_sheet_name
from db.models import Network, School
from db.session import make_sessionmaker
from tests.monitoring.world import NOW, World, build, person
from tests.xlsx_check import check_xlsx, libreoffice_convert, soffice

FORMULA_SCHOOL = "=1+2"
LINK_SCHOOL = '=HYPERLINK("http://example.invalid","Школа")'
BELL_NAME = "Звонкова\x07 Анна\x1fПетровна"


async def _world_with_tricky_names(engine: AsyncEngine, clock: FrozenClock) -> World:
    async with make_sessionmaker(engine).begin() as session:
        world = await build(session, clock)
        school = School(network_id=world.network_id, name=FORMULA_SCHOOL, status="regular")
        session.add(school)
        await session.flush()
        await person(session, world.network_id, 9_001, BELL_NAME, school.id)
        return world


async def _tricky_export(engine: AsyncEngine, out: Path) -> Path:
    clock = FrozenClock(NOW)
    world = await _world_with_tricky_names(engine, clock)
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        await write_workbook(session, network, out, clock)
    return out


def test_cells_are_typed_and_text_stays_text(tmp_path: Path) -> None:
    out = tmp_path / "cells.xlsx"
    book = Book(out, tz=timezone.utc)
    sheet = book.sheet("Проверка: итоги/2026?", ["Текст", "Число", "Дата", "Момент", "Да/нет"])
    sheet.append([(FORMULA_SCHOOL, 5, date(2026, 1, 2), datetime(2026, 1, 2, 9, 30, tzinfo=timezone.utc), True),
                  ("+7 900 000-00-00", 2.5, None, datetime(2026, 1, 2, 12, 0), False),
                  ("@упоминание", float("nan"), "", None, None),
                  ("-5", None, None, None, None),
                  (BELL_NAME, None, None, None, None),
                  ("x" * 40_000, None, None, None, None),
                  ("<r>жирный</r>", None, None, None, None)])
    book.sheet("Проверка  итоги 2026 ", ["Ещё"])  # the same name once cleaned: numbered
    book.close()
    wb = check_xlsx(out)
    assert wb.sheetnames == ["Проверка  итоги 2026", "Проверка  итоги 2026 (2)"]
    ws = wb.worksheets[0]
    rows = [[c for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows[0][0].value == FORMULA_SCHOOL and rows[0][0].data_type == "s" and rows[0][0].quotePrefix
    assert rows[1][0].value == "+7 900 000-00-00" and rows[2][0].value == "@упоминание" and rows[3][0].value == "-5"
    assert all(row[0].quotePrefix for row in rows[:4])  # editing the cell in Excel keeps it text
    assert rows[0][1].value == 5 and rows[1][1].value == 2.5 and rows[2][1].value is None  # NaN left empty
    assert rows[0][2].value == datetime(2026, 1, 2) and rows[0][2].number_format == "dd.mm.yyyy"
    assert rows[0][3].value == datetime(2026, 1, 2, 9, 30) and rows[0][3].number_format == "dd.mm.yyyy hh:mm"
    assert rows[0][4].value is True and rows[1][4].value is False
    assert rows[4][0].value == "Звонкова  Анна Петровна"  # control characters → spaces
    assert len(rows[5][0].value) == CELL_LIMIT
    assert rows[6][0].value.strip() == "<r>жирный</r>"  # not taken for rich-text XML
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E8" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width > ws.column_dimensions["E"].width  # fitted to the contents


def test_clean_text_and_sheet_names() -> None:
    assert clean_text("a\x00b\tc\nd\x7fe\ud800") == "a b c\nd e "
    assert safe_sheet_name("a" * 40) == "a" * 31 and safe_sheet_name("Лист", ["лист"]) == "Лист (2)"


def test_the_not_reached_list_holds_a_formula_looking_school_as_text() -> None:
    rows = [UnreachedRow(1, BELL_NAME, None, LINK_SCHOOL, "unreachable", "Forbidden: bot was blocked by the user",
                         "telegram"),
            UnreachedRow(2, "Петров Пётр", "petrov", FORMULA_SCHOOL, "failed", "Bad Request: chat not found", "max"),
            UnreachedRow(3, "Сидорова Ольга", None, "Школа №1", "skipped", None, "telegram")]
    wb = check_xlsx(report_xlsx(rows, title="Рассылка №7: кому сообщение не дошло"))
    cells = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert cells[0][0] == "Рассылка №7: кому сообщение не дошло"
    assert cells[1] == ["ФИО", "Мессенджер", "Имя в мессенджере", "Школа", "Итог", "Причина", "Что можно сделать"]
    assert cells[2][:6] == ["Звонкова  Анна Петровна", "Telegram", None, LINK_SCHOOL, "недоступен",
                            "бот заблокирован пользователем"]
    assert cells[3][1] == "MAX" and cells[3][3] == FORMULA_SCHOOL and cells[4][5] == "бот ещё ни разу не открыт"
    text = " ".join(str(c) for row in cells for c in row if c)
    assert "Forbidden" not in text and "Bad Request" not in text  # Telegram's English never reaches the file
    assert wb.active.freeze_panes == "A3" and wb.active.print_title_rows == "$2:$2"


def test_the_template_and_invite_links_go_through_the_same_writer() -> None:
    template = check_xlsx(template_xlsx())
    assert all(ws.freeze_panes == "A2" and ws.auto_filter.ref for ws in template.worksheets)
    # «ОУ с низкими образовательными результатами» wraps into two lines: the header row is two lines tall.
    assert template["Пары школ"].row_dimensions[1].height == 30
    invites = check_xlsx(invites_xlsx([(FORMULA_SCHOOL, "https://t.me/bot?start=abc")]))
    assert list(invites.active.iter_rows(values_only=True))[1] == (FORMULA_SCHOOL, "https://t.me/bot?start=abc")


async def test_the_whole_export_with_tricky_names(engine: AsyncEngine, tmp_path: Path) -> None:
    wb = check_xlsx(await _tricky_export(engine, tmp_path / "tricky.xlsx"))  # no formula anywhere, headers agree, every part parses
    people = [r for r in wb["Участники"].iter_rows(values_only=True)]
    bell = next(r for r in people if r[0] and r[0].startswith("Звонкова"))
    assert bell[0] == "Звонкова  Анна Петровна" and bell[1] == FORMULA_SCHOOL
    schools = [r[1] for r in wb["Школы"].iter_rows(min_row=2, values_only=True)]
    assert FORMULA_SCHOOL in schools
    for ws in wb.worksheets:
        assert ws.auto_filter.ref and ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)")
async def test_libreoffice_opens_the_export_and_keeps_names_as_text(engine: AsyncEngine, tmp_path: Path) -> None:
    out = await _tricky_export(engine, tmp_path / "lo.xlsx")
    written = libreoffice_convert(out, "csv", tmp_path / "csv")
    sheets = {path.stem.split("-", 1)[1]: list(csv.reader(path.open(encoding="utf-8"))) for path in written}
    assert set(sheets) >= {"Участники", "Школы", "Встречи", "Показатели"}
    schools = sheets["Школы"]
    assert any(row[1] == FORMULA_SCHOOL for row in schools[1:])  # not 3: LibreOffice did not calculate it
    sessions = sheets["Встречи"]
    assert all(len(row[0].split(".")) == 3 for row in sessions[1:])  # dates shown as ДД.ММ.ГГГГ
    pdf = libreoffice_convert(out, "pdf", tmp_path / "pdf")
    assert pdf and pdf[0].stat().st_size > 1000
