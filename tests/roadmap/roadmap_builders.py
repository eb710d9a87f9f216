"""Build roadmap files in tests: DOCX with merged cells, XLSX with merged ranges, CSV in any encoding."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

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
    hmerges: list[tuple[int, int, int]] = field(default_factory=list)  # (row, first column, last column)
    paragraphs: bool = False  # a line break in a cell's text starts a new paragraph (as Word users type)
    after: list[str] = field(default_factory=list)  # paragraphs right after the table (signatures, notes)


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
        for line in spec.after:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document: docx.document.Document, spec: DocxTable) -> None:
    width = max(len(r) for r in spec.rows)
    table = document.add_table(rows=len(spec.rows), cols=width)

    def put(cell: Any, text: str) -> None:
        lines = text.split("\n") if spec.paragraphs else [text]
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)

    for r, cells in enumerate(spec.rows):
        if r in spec.merged_rows:
            put(table.cell(r, 0).merge(table.cell(r, width - 1)), cells[0])
            continue
        for c, text in enumerate(cells):
            put(table.cell(r, c), text)
    for row, first, last in spec.hmerges:
        put(table.cell(row, first).merge(table.cell(row, last)), spec.rows[row][first])
    for column, first, last in spec.vmerges:
        put(table.cell(first, column).merge(table.cell(last, column)), spec.rows[first][column])


@dataclass
class Sheet:
    title: str
    rows: list[list[str]]
    merges: list[str] = field(default_factory=list)  # "A1:F1"
    hidden_columns: list[str] = field(default_factory=list)  # "D": hidden in Excel, still in the file
    formats: dict[str, str] = field(default_factory=dict)  # "C5": "DD.MM" — how a stored date is shown


def make_xlsx(sheets: list[Sheet]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        for row in spec.rows:
            sheet.append([cell if cell != "" else None for cell in row])
        for rng in spec.merges:
            sheet.merge_cells(rng)
        for letter in spec.hidden_columns:
            sheet.column_dimensions[letter].hidden = True
        for ref, number_format in spec.formats.items():
            sheet[ref].number_format = number_format
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


# -- ODT / ODS as LibreOffice writes them ----------------------------------------------------------------
#
# LibreOffice compresses what repeats: identical neighbouring cells become one cell with
# table:number-columns-repeated, identical neighbouring rows one row with table:number-rows-repeated, and a
# sheet ends with an empty row repeated to the last row of the sheet (a million rows of 16 384 cells, all
# implied). Merged cells carry table:number-columns-spanned / -rows-spanned and the places they cover are
# table:covered-table-cell. Line breaks inside a cell are separate text:p, runs of spaces text:s.


@dataclass
class OdfTable:
    rows: list[list[str]]
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row, column, rows, columns)
    caption: list[str] = field(default_factory=list)  # ODT: paragraphs right before the table
    name: str = "Таблица1"
    header_rows: int = 0  # ODT: rows inside table:table-header-rows (repeated on each page)
    page_breaks: set[int] = field(default_factory=set)  # ODT: a text:soft-page-break before these rows
    dates: dict[tuple[int, int], str] = field(default_factory=dict)  # ODS: cells stored as dates (ISO value)
    numbers: dict[tuple[int, int], float] = field(default_factory=dict)  # ODS: cells stored as numbers
    hidden_columns: set[int] = field(default_factory=set)  # table:visibility="collapse"


def _odf_paragraphs(text: str) -> list[Any]:
    from odf.text import P, S

    paragraphs = []
    for line in text.split("\n"):
        paragraph = P()
        parts = line.split("  ")
        for index, part in enumerate(parts):
            if index:
                paragraph.addElement(S(c=2))
            if part:
                paragraph.addText(part)
        paragraphs.append(paragraph)
    return paragraphs


def _odf_table(spec: OdfTable, sheet: bool) -> Any:
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import SoftPageBreak

    width = max(len(r) for r in spec.rows)
    covered = {(r + dr, c + dc) for r, c, nr, nc in spec.spans for dr in range(nr) for dc in range(nc)
               if dr or dc}  # fmt: skip
    span_at = {(r, c): (nr, nc) for r, c, nr, nc in spec.spans}
    table = Table(name=spec.name)
    if spec.hidden_columns:
        for column in range(width):
            table.addElement(TableColumn(visibility="collapse") if column in spec.hidden_columns else TableColumn())
    else:
        table.addElement(TableColumn(numbercolumnsrepeated=width))
    if sheet:
        table.addElement(TableColumn(numbercolumnsrepeated=16384 - width))
    header = TableHeaderRows() if spec.header_rows else None
    if header is not None:
        table.addElement(header)

    def row_element(r: int) -> Any:
        row = TableRow()
        cells = spec.rows[r] + [""] * (width - len(spec.rows[r]))
        c = 0
        while c < width:
            if (r, c) in covered:
                run = 1
                while c + run < width and (r, c + run) in covered:
                    run += 1
                row.addElement(CoveredTableCell(numbercolumnsrepeated=run) if run > 1 else CoveredTableCell())
                c += run
                continue
            text = cells[c]
            attrs: dict[str, Any] = {}
            if (r, c) in spec.dates:
                attrs = {"valuetype": "date", "datevalue": spec.dates[(r, c)]}
            elif (r, c) in spec.numbers:
                attrs = {"valuetype": "float", "value": spec.numbers[(r, c)]}
            elif text:
                attrs = {"valuetype": "string"}
            if (r, c) in span_at:
                attrs["numberrowsspanned"], attrs["numbercolumnsspanned"] = span_at[(r, c)]
            run = 1  # identical neighbours (not merged, not covered) are written once, repeated
            while ((r, c) not in span_at and c + run < width and cells[c + run] == text
                   and (r, c + run) not in covered and (r, c + run) not in span_at
                   and (r, c + run) not in spec.dates and (r, c + run) not in spec.numbers
                   and (r, c) not in spec.dates and (r, c) not in spec.numbers):  # fmt: skip
                run += 1
            if run > 1:
                attrs["numbercolumnsrepeated"] = run
            cell = TableCell(**attrs)
            if text:
                for paragraph in _odf_paragraphs(text):
                    cell.addElement(paragraph)
            row.addElement(cell)
            c += run
        if sheet:
            row.addElement(TableCell(numbercolumnsrepeated=16384 - width))
        return row

    r = 0
    while r < len(spec.rows):
        parent = header if header is not None and r < spec.header_rows else table
        if r in spec.page_breaks and not sheet:
            table.addElement(SoftPageBreak())
        element = row_element(r)
        repeat = 1
        while (sheet and r + repeat < len(spec.rows) and spec.rows[r + repeat] == spec.rows[r]
               and not any(s[0] in (r, r + repeat) for s in spec.spans)
               and not any(k[0] == r + repeat for k in (*spec.dates, *spec.numbers))):  # fmt: skip
            repeat += 1
        if repeat > 1:
            element.setAttribute("numberrowsrepeated", repeat)
        parent.addElement(element)
        r += repeat
    if sheet:  # the rest of the sheet, implied
        tail = TableRow(numberrowsrepeated=1048576 - len(spec.rows))
        tail.addElement(TableCell(numbercolumnsrepeated=16384))
        table.addElement(tail)
    return table


def make_odt(title: list[str], tables: list[OdfTable]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    for index, line in enumerate(title):
        document.text.addElement(H(outlinelevel=1, text=line) if index == len(title) - 1 else P(text=line))
    for spec in tables:
        for line in spec.caption:
            document.text.addElement(P(text=line))
        document.text.addElement(_odf_table(spec, sheet=False))
        document.text.addElement(P())
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def make_ods(sheets: list[OdfTable]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet

    document = OpenDocumentSpreadsheet()
    for spec in sheets:
        document.spreadsheet.addElement(_odf_table(spec, sheet=True))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
