"""The files from the security review, made in the test: each is refused with its own Russian reason (or read
correctly when it is only lying about its size), inside the capped worker, and nothing reaches a traceback."""
from __future__ import annotations

import io
import zipfile

import pytest

from bot.i18n import Translator
from bot.services.forms.upload import parse_text, parse_upload
from bot.services.mentoring.sheets import read_sheets
from bot.services.uploads import FileLimits, FileRejected
from bot.services.uploads.sandbox import run_untrusted
from bot.services.uploads.tables import xlsx_tables
from tests.uploads.bombs import billion_laughs, cell, people_header, row, workbook

TIGHT = FileLimits(parse_seconds=20, parse_memory_mb=512)
SMALL = FileLimits(max_rows=100, max_cols=20, max_cells=500, parse_seconds=20, parse_memory_mb=512)
ru = Translator("ru")


def refusal(caught: pytest.ExceptionInfo[FileRejected]) -> str:
    """What the person reads: a Russian sentence, no English, no exception text."""
    text = ru(caught.value.key, **caught.value.values)
    assert text != caught.value.key and "Error" not in text
    return text


async def test_a_dimension_over_the_whole_sheet_is_read_as_what_is_there() -> None:
    bomb = workbook([people_header(), row(2, [cell("A2", "Иванова Мария Петровна"), cell("B2", "СОШ № 3")])],
                    dimension="A1:XFD1048576")
    assert len(bomb) < 2048
    [sheet] = await run_untrusted(read_sheets, bomb, "people.xlsx", TIGHT, limits=TIGHT)
    assert [values["full_name"] for _, values in sheet.rows] == ["Иванова Мария Петровна"]


async def test_a_merged_range_over_every_cell_costs_nothing() -> None:
    """3.5 GiB and then killed, in the review; read-only reading never expands merges."""
    bomb = workbook([people_header(), row(2, [cell("A2", "Петрова Анна Сергеевна")])], merged="A1:XFD1048576")
    [sheet] = await run_untrusted(read_sheets, bomb, "people.xlsx", TIGHT, limits=TIGHT)
    assert len(sheet.rows) == 1


async def test_a_row_numbered_a_hundred_million_is_refused() -> None:
    bomb = workbook([people_header(), row(100_000_000, [cell("A100000000", "Иванова Мария Петровна")])])
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(read_sheets, bomb, "people.xlsx", SMALL, limits=SMALL)
    assert caught.value.key == "uploads.too_many_rows"
    assert "больше 100 строк" in refusal(caught)


async def test_a_million_empty_rows_are_refused_before_they_are_read() -> None:
    """The review's «100 million empty rows» in miniature: it packs 500 to 1, so the archive check stops it."""
    bomb = workbook([people_header(), *("<row/>" for _ in range(1_000_000))])
    assert len(bomb) < 30_000
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(read_sheets, bomb, "people.xlsx", TIGHT, limits=TIGHT)
    assert caught.value.key in ("uploads.too_complex", "uploads.too_many_rows")
    refusal(caught)
    roomy = FileLimits(max_ratio=10_000, parse_seconds=20, parse_memory_mb=512)  # past the archive check
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(read_sheets, bomb, "people.xlsx", roomy, limits=roomy)
    assert caught.value.key == "uploads.too_many_rows"


async def test_a_filled_cell_in_column_xfd_is_refused_and_an_empty_one_ignored() -> None:
    far = workbook([people_header(), row(2, [cell("A2", "Иванова Мария Петровна"), cell("XFD2", "x")])])
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(read_sheets, far, "people.xlsx", SMALL, limits=SMALL)
    assert caught.value.key == "uploads.too_many_columns"
    assert "дальше 20-го" in refusal(caught)
    empty = workbook([people_header(), row(2, [cell("A2", "Иванова Мария Петровна"), '<c r="XFD2"/>'])])
    [sheet] = await run_untrusted(read_sheets, empty, "people.xlsx", SMALL, limits=SMALL)
    assert len(sheet.rows) == 1


def test_cells_are_counted_across_the_whole_workbook() -> None:
    rows = [row(n, [cell(f"{letter}{n}", "1") for letter in "ABCDEFGHIJ"]) for n in range(1, 80)]
    with pytest.raises(FileRejected) as caught:
        xlsx_tables(workbook(rows), SMALL)
    assert caught.value.key == "uploads.too_many_cells"
    assert "больше 500 ячеек" in refusal(caught)


def test_broken_markup_and_a_broken_zip_get_their_own_messages() -> None:
    broken = workbook([], sheet_xml="<worksheet><sheetData><row r='1'><c r='A1'>")
    with pytest.raises(FileRejected) as caught:
        read_sheets(broken, "people.xlsx", TIGHT)
    assert caught.value.key == "uploads.bad_xml"
    assert "ошибка разметки" in refusal(caught)
    with pytest.raises(FileRejected) as caught:
        read_sheets(b"PK\x03\x04" + b"\0" * 300, "people.xlsx", TIGHT)
    assert caught.value.key == "uploads.broken_archive"
    refusal(caught)


def test_an_archive_that_unpacks_to_hundreds_of_megabytes_is_refused_unopened() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (200 * 1024 * 1024))
    assert len(buffer.getvalue()) < 512 * 1024
    with pytest.raises(FileRejected) as caught:
        read_sheets(buffer.getvalue(), "people.xlsx", TIGHT)
    assert caught.value.key == "uploads.too_complex"


def test_a_csv_with_a_runaway_field_or_too_many_rows_is_refused() -> None:
    runaway = ('ФИО;ОО\n"Иванова' + "я" * 70_000 + "\n").encode()
    with pytest.raises(FileRejected) as caught:
        read_sheets(runaway, "people.csv", TIGHT)
    assert caught.value.key == "uploads.bad_csv"
    assert "кавычка" in refusal(caught)
    many = ("ФИО;ОО\n" + "Иванова Мария Петровна;СОШ № 3\n" * 101).encode()
    with pytest.raises(FileRejected) as caught:
        read_sheets(many, "people.csv", SMALL)
    assert caught.value.key == "uploads.too_many_rows"


async def test_a_typed_billion_laughs_is_refused_at_the_first_alias() -> None:
    """86 s and 4.8 GB in the review; 559 characters typed into «Загрузить анкету»."""
    text = billion_laughs()
    assert len(text) < 600
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(parse_text, text, limits=TIGHT)
    assert caught.value.key == "uploads.yaml_aliases"
    assert "&якорь" in refusal(caught)
    with pytest.raises(FileRejected):
        parse_upload(text.encode(), "anketa.yaml")


@pytest.mark.parametrize("text", ["[" * 100_000, "questions:\n" + "- " * 50_000 + "вопрос",
                                  '{"questions": ' + "[" * 100_000])
async def test_nesting_too_deep_is_refused_with_a_message(text: str) -> None:
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(parse_text, text, limits=TIGHT)
    assert caught.value.key in ("uploads.too_deep", "uploads.too_complex")
    refusal(caught)


def test_a_form_sheet_bomb_is_refused_by_the_form_reader_too() -> None:
    bomb = workbook([row(1, [cell("A1", "Вопрос"), cell("B1", "Тип")]),
                     row(100_000_000, [cell("A100000000", "Как вам?")])], title="Вопросы")
    with pytest.raises(FileRejected) as caught:
        parse_upload(bomb, "anketa.xlsx")
    assert caught.value.key == "uploads.too_many_rows"
