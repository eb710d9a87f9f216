"""Build roadmap files in tests: DOCX with merged cells, XLSX with merged ranges, CSV in any encoding."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import docx
import openpyxl
from docx.enum.text import WD_BREAK

from bot.services.roadmap import Period


@dataclass
class DocxTable:
    rows: list[list[str]]
    merged_rows: set[int] = field(default_factory=set)  # one cell across the whole table
    vmerges: list[tuple[int, int, int]] = field(default_factory=list)  # (column, first row, last row)
    caption: list[str] = field(default_factory=list)  # paragraphs right before the table
    page_break_before: bool = False


def make_docx(title: list[str], tables: list[DocxTable]) -> bytes:
    document = docx.Document()
    for line in title:
        document.add_paragraph(line)
    for spec in tables:
        if spec.page_break_before:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for line in spec.caption:
            document.add_paragraph(line)
        _add_table(document, spec)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document: docx.document.Document, spec: DocxTable) -> None:
    width = max(len(r) for r in spec.rows)
    table = document.add_table(rows=len(spec.rows), cols=width)
    for r, cells in enumerate(spec.rows):
        if r in spec.merged_rows:
            merged = table.cell(r, 0).merge(table.cell(r, width - 1))
            merged.text = cells[0]
            continue
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    for column, first, last in spec.vmerges:
        text = spec.rows[first][column]
        merged = table.cell(first, column).merge(table.cell(last, column))
        merged.text = text


@dataclass
class Sheet:
    title: str
    rows: list[list[str]]
    merges: list[str] = field(default_factory=list)  # "A1:F1"


def make_xlsx(sheets: list[Sheet]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        for row in spec.rows:
            sheet.append([cell if cell != "" else None for cell in row])
        for rng in spec.merges:
            sheet.merge_cells(rng)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_csv(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# -- comparing results ----------------------------------------------------------


def days(periods: list[Period]) -> frozenset[object]:
    """Every day the periods cover; a deadline counts as ("до", end)."""
    covered: set[object] = set()
    for period in periods:
        if period.start is None:
            covered.add(("до", period.end))
            continue
        day = period.start
        while day <= period.end:
            covered.add(day)
            day += timedelta(days=1)
    return frozenset(covered)


def periods_of(spec: list[tuple[str | None, str]]) -> list[Period]:
    """[("2022-03-01", "2022-03-31"), (None, "2022-03-27")] → periods."""
    return [Period(date.fromisoformat(s) if s else None, date.fromisoformat(e)) for s, e in spec]
