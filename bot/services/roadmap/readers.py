"""DOCX / XLSX / CSV → :class:`RawDocument`: text of every table cell, nothing interpreted.

Merged cells are filled with their text (a vertically merged «Этап» cell applies to every
row it spans); a row that is one merged cell across the whole table is flagged, since that
is how sections are drawn.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.i18n import plain

from .model import RawDocument, RawRow, RawTable, RoadmapError
from .text import clean

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_SDT, _W_SDT_CONTENT = f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}sdtContent"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def read_document(source: Path | bytes, filename: str | None = None) -> RawDocument:
    """Read a roadmap file of any supported format."""
    data, name = _load(source, filename)
    kind = _detect_format(data, name)
    if kind == "docx":
        return read_docx(data)
    if kind == "xlsx":
        return read_xlsx(data)
    return read_csv(data)


def _load(source: Path | bytes, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), (filename or "").lower()
    path = Path(source)
    try:
        return path.read_bytes(), (filename or path.name).lower()
    except OSError as exc:
        raise RoadmapError(plain("roadmap.errors.cannot_open", name=path.name)) from exc


def _detect_format(data: bytes, name: str) -> str:
    if data.startswith(_OLE_MAGIC):
        raise RoadmapError(plain("roadmap.errors.old_format"))
    if data.startswith(b"PK"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as exc:
            raise RoadmapError(plain("roadmap.errors.broken_archive")) from exc
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise RoadmapError(plain("roadmap.errors.unknown_format"))
    if name.endswith((".docx", ".xlsx")):
        raise RoadmapError(plain("roadmap.errors.broken_office"))
    return "csv"


# -- DOCX ---------------------------------------------------------------------


def read_docx(data: bytes) -> RawDocument:
    import docx  # local: only DOCX imports need python-docx loaded

    body = docx.Document(io.BytesIO(data)).element.body
    title: list[str] = []
    tables: list[RawTable] = []
    pending: list[str] = []
    for block in _body_blocks(body):
        if block.tag == _W_P:
            text = clean(block.text)
            if text:
                pending.append(text)
            continue
        if not tables:
            title = list(pending)
        tables.append(RawTable(_docx_rows(block), caption=pending, name=plain("roadmap.table.table", number=len(tables) + 1)))
        pending = []
    return RawDocument(title if tables else pending, tables)


def _body_blocks(parent: Any) -> Iterator[Any]:
    for child in parent.iterchildren():
        if child.tag in (_W_P, _W_TBL):
            yield child
        elif child.tag == _W_SDT:  # content controls wrap ordinary paragraphs and tables
            for content in child.iterchildren(_W_SDT_CONTENT):
                yield from _body_blocks(content)


def _docx_rows(tbl: Any) -> list[RawRow]:
    width = len(tbl.tblGrid.gridCol_lst) if tbl.tblGrid is not None else 0
    rows: list[RawRow] = []
    above: list[str] = []
    for tr in tbl.tr_lst:
        cells: list[str] = [""] * tr.grid_before
        spans = False
        for tc in tr.tc_lst:
            column = len(cells)
            # A vertically merged continuation cell repeats the text of the cell above it.
            if tc.vMerge == "continue":
                text = above[column] if column < len(above) else ""
            else:
                text = _docx_cell_text(tc)
            cells.extend([text] * tc.grid_span)
            spans = spans or (width > 1 and tc.grid_span >= width)
        rows.append(RawRow(cells, spans))
        above = cells
    return _pad(rows)


def _docx_cell_text(tc: Any) -> str:
    return "\n".join(p.text for p in tc.iter(_W_P)).strip()


# -- XLSX ---------------------------------------------------------------------


def read_xlsx(data: bytes) -> RawDocument:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise RoadmapError(plain("roadmap.errors.broken_xlsx")) from exc
    tables = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        rows = _sheet_rows(sheet)
        if rows:
            tables.append(RawTable(rows, name=plain("roadmap.table.sheet", name=sheet.title)))
    return RawDocument([], tables)


def _sheet_rows(sheet: Any) -> list[RawRow]:
    grid = [[_cell_str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    merged = list(sheet.merged_cells.ranges)
    for rng in merged:
        value = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                grid[r][c] = value
    first, last = _used_columns(grid)
    if last < 0:
        return []
    spanning = {
        r
        for rng in merged
        if rng.min_col - 1 <= first and rng.max_col - 1 >= last and last > first
        for r in range(rng.min_row - 1, rng.max_row)
    }
    return [RawRow(row[first : last + 1], index in spanning) for index, row in enumerate(grid)]


def _used_columns(grid: list[list[str]]) -> tuple[int, int]:
    used = [c for row in grid for c, text in enumerate(row) if text]
    return (min(used), max(used)) if used else (0, -1)


def _cell_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- CSV ----------------------------------------------------------------------


def read_csv(data: bytes) -> RawDocument:
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    rows = [RawRow([cell.strip() for cell in row]) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return RawDocument([], [RawTable(_pad(rows), name="CSV")])


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the same number (≥ 2) of fields."""
    sample = text[:20000]
    best, best_score = ";", -1
    for delimiter in (";", ",", "\t"):
        counts = Counter(len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if len(row) > 1)
        score = max((n for width, n in counts.items() if width >= 2), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _pad(rows: list[RawRow]) -> list[RawRow]:
    width = max((len(r.cells) for r in rows), default=0)
    for row in rows:
        row.cells.extend([""] * (width - len(row.cells)))
    return rows
