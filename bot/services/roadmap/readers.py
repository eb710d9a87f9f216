"""DOCX / XLSX / XLS / ODT / ODS / CSV → :class:`RawDocument`: text of every table cell, nothing interpreted.

Merged cells are filled with their text (a vertically merged «Этап» cell applies to every row it spans); a
row that is one merged cell across the whole table is flagged, since that is how sections are drawn.

Every reader is bounded by :class:`FileLimits`: archives pass ``check_archive`` first, and what a file only
*claims* — merged ranges, ``gridSpan``, ``table:number-columns-spanned``, ``number-rows-repeated`` (LibreOffice
ends every sheet with an empty row repeated a million times) — is clipped to the extent of the real data
and counted against ``max_rows``/``max_cols``/``max_cells``. Over a limit → ``FileRejected("uploads.too_complex")``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.i18n import plain
from bot.services.uploads.limits import FileLimits, FileRejected, check_archive

from .model import RawDocument, RawRow, RawTable, RoadmapError
from .text import clean

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_SDT, _W_SDT_CONTENT = f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}sdtContent"
_W_TR, _W_TC, _W_CUSTOM = f"{_W}tr", f"{_W}tc", f"{_W}customXml"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ODF_TYPES = {"application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods",
              "application/vnd.oasis.opendocument.text-template": "odt",
              "application/vnd.oasis.opendocument.spreadsheet-template": "ods"}  # fmt: skip
EXTENSIONS = (".docx", ".xlsx", ".xls", ".odt", ".ods", ".csv")


class _Budget:
    """Rows, columns and cells read so far, against the limits."""

    def __init__(self, limits: FileLimits) -> None:
        self.limits = limits
        self.cells = 0

    def table(self, rows: int, cols: int) -> None:
        if rows > self.limits.max_rows or cols > self.limits.max_cols:
            raise FileRejected("uploads.too_complex")
        self.spend(rows * cols)

    def spend(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.max_cells:
            raise FileRejected("uploads.too_complex")


def read_document(source: Path | bytes, filename: str | None = None, limits: FileLimits | None = None) -> RawDocument:
    """Read a roadmap file of any supported format, within ``limits`` (the defaults if not given)."""
    limits = limits or FileLimits()
    data, name = _load(source, filename)
    if len(data) > limits.max_bytes:
        raise FileRejected("uploads.too_big", limit_mb=limits.max_bytes // (1024 * 1024))
    kind = _detect_format(data, name, limits)
    budget = _Budget(limits)
    readers = {"docx": read_docx, "xlsx": read_xlsx, "xls": read_xls, "odt": read_odt, "ods": read_ods}
    return readers.get(kind, read_csv)(data, budget)


def _load(source: Path | bytes, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), (filename or "").lower()
    path = Path(source)
    try:
        return path.read_bytes(), (filename or path.name).lower()
    except OSError as exc:
        raise RoadmapError(plain("roadmap.errors.cannot_open", name=path.name)) from exc


def _detect_format(data: bytes, name: str, limits: FileLimits) -> str:
    if data.startswith(_OLE_MAGIC):
        if name.endswith((".doc", ".dot", ".rtf")):
            raise RoadmapError(plain("roadmap.errors.old_format"))
        return "xls"  # a Word 97 file named otherwise is refused by the XLS reader
    if data.startswith(b"{\\rtf"):
        raise RoadmapError(plain("roadmap.errors.old_format"))
    if data.startswith(b"PK"):
        try:
            check_archive(data, limits)
        except FileRejected as exc:
            if exc.key != "uploads.broken_archive":
                raise
            raise RoadmapError(plain("roadmap.errors.broken_archive")) from exc
        return _zip_format(data)
    if name.endswith((".docx", ".xlsx", ".odt", ".ods")):
        raise RoadmapError(plain("roadmap.errors.broken_office"))
    if name.endswith(".xls"):
        raise RoadmapError(plain("roadmap.errors.broken_xls"))
    return "csv"


def _zip_format(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            kind = _ODF_TYPES.get(archive.read("mimetype")[:100].decode("ascii", "replace").strip())
            if kind:
                return kind
        types = archive.read("[Content_Types].xml")[:200_000] if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise RoadmapError(plain("roadmap.errors.broken_archive")) from exc
    # The main part is named by the content types (МойОфис and converters don't always call it document.xml).
    if b"wordprocessingml.document.main" in types or "word/document.xml" in names:
        return "docx"
    if b"spreadsheetml.sheet.main" in types or "xl/workbook.xml" in names:
        return "xlsx"
    raise RoadmapError(plain("roadmap.errors.unknown_format"))


# -- DOCX ---------------------------------------------------------------------


def read_docx(data: bytes, budget: _Budget) -> RawDocument:
    import docx  # local: only DOCX imports need python-docx loaded

    try:
        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise RoadmapError(plain("roadmap.errors.broken_office")) from exc
    collected: list[tuple[str, Any]] = []
    for block in _docx_blocks(body):
        if block.tag == _W_P:
            collected.append(("p", clean(block.text)))
        else:
            collected.append(("t", _docx_rows(block, budget)))
    return _document(collected)


def _document(blocks: list[tuple[str, Any]]) -> RawDocument:
    """Paragraphs and tables in document order → title lines (before the first table) and captioned tables."""
    title: list[str] = []
    tables: list[RawTable] = []
    pending: list[str] = []
    for kind, value in blocks:
        if kind == "p":
            if value:
                pending.append(value)
            continue
        if not value:
            continue
        if not tables:
            title = list(pending)
        tables.append(RawTable(value, caption=pending, name=plain("roadmap.table.table", number=len(tables) + 1)))
        pending = []
    return RawDocument(title if tables else pending, tables)


def _unwrap(parent: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """Children with these tags, also inside content controls (w:sdt) and custom XML wrappers."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag == _W_SDT:
            for content in child.iterchildren(_W_SDT_CONTENT):
                yield from _unwrap(content, tags)
        elif child.tag == _W_CUSTOM:
            yield from _unwrap(child, tags)


def _docx_blocks(body: Any) -> Iterator[Any]:
    return _unwrap(body, (_W_P, _W_TBL))


def _docx_rows(tbl: Any, budget: _Budget) -> list[RawRow]:
    limit = budget.limits.max_cols
    grid = tbl.find(f"{_W}tblGrid")
    declared = len(grid.findall(f"{_W}gridCol")) if grid is not None else 0
    if declared > limit:
        raise FileRejected("uploads.too_complex")
    trs = list(_unwrap(tbl, (_W_TR,)))
    if len(trs) > budget.limits.max_rows:
        raise FileRejected("uploads.too_complex")
    rows: list[RawRow] = []
    above: list[str] = []
    for tr in trs:
        # gridBefore / gridSpan are whatever the file says: clip them to the table's grid (or to the limit).
        width = declared or limit
        cells: list[str] = [""] * min(_int(tr.grid_before), width)
        spans = False
        for tc in _unwrap(tr, (_W_TC,)):
            column = len(cells)
            span = max(1, min(_int(tc.grid_span), width - column))
            if column >= width:
                if declared:
                    break  # cells past the declared grid: Word doesn't show them either
                raise FileRejected("uploads.too_complex")
            # A vertically merged continuation cell (<w:vMerge/>, no val) repeats the text of the cell above it.
            if tc.vMerge == "continue":
                text = above[column] if column < len(above) else ""
            else:
                text = _docx_cell_text(tc)
            cells.extend([text] * span)
            spans = spans or (declared > 1 and span >= declared)
        rows.append(RawRow(cells, spans))
        above = cells
    rows = _pad(rows)
    budget.table(len(rows), len(rows[0].cells) if rows else 0)
    return rows


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _docx_cell_text(tc: Any) -> str:
    return "\n".join(p.text for p in tc.iter(_W_P)).strip()


# -- XLSX ---------------------------------------------------------------------


def read_xlsx(data: bytes, budget: _Budget) -> RawDocument:
    import openpyxl

    _check_xlsx_merges(data, budget)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise RoadmapError(plain("roadmap.errors.broken_xlsx")) from exc
    tables = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        rows = _xlsx_rows(sheet, budget)
        if rows:
            tables.append(RawTable(rows, name=plain("roadmap.table.sheet", name=sheet.title)))
    return RawDocument([], tables)


def _check_xlsx_merges(data: bytes, budget: _Budget) -> None:
    """openpyxl makes an object for every cell a merged range covers as it loads: a range «A1:XFD1048576» is 17
    billion of them. Merged areas are counted against max_cells before openpyxl sees the file."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    area = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as stream:
                for _, element in etree.iterparse(stream, tag="{*}mergeCell", resolve_entities=False, no_network=True,
                                                  huge_tree=False):
                    try:
                        left, top, right, bottom = range_boundaries(element.get("ref") or "")
                    except (TypeError, ValueError):
                        continue
                    area += (bottom - top + 1) * (right - left + 1)
                    if area > budget.limits.max_cells:
                        raise FileRejected("uploads.too_complex")
                    element.clear()


def _xlsx_rows(sheet: Any, budget: _Budget) -> list[RawRow]:
    # Only cells that hold a value set the extent: a style applied to a whole column creates empty cells down
    # to row 1 048 576, and openpyxl's own max_row counts them. (_cells is openpyxl's cell store.)
    values = {(r - 1, c - 1): _cell_str(cell.value, cell.number_format)
              for (r, c), cell in sheet._cells.items() if cell.value is not None}  # fmt: skip
    values = {key: text for key, text in values.items() if text}
    merges = [(rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1) for rng in sheet.merged_cells.ranges]
    last = max((c for _, c in values), default=-1)
    hidden = {c - 1 for d in sheet.column_dimensions.values() if d.hidden and d.min
              for c in range(d.min, min(d.max or d.min, last + 1) + 1)}  # fmt: skip
    return _grid(values, merges, budget, hidden=hidden)


def _grid(
    values: dict[tuple[int, int], str], merges: list[tuple[int, int, int, int]], budget: _Budget, *,
    counted: bool = False, hidden: set[int] | None = None,
) -> list[RawRow]:
    """Cells by (row, column) and merged ranges (top, left, bottom, right) → rows, clipped to the data extent.
    Hidden columns are left out: the coordinator reads the plan as the spreadsheet shows it (a column of last
    year's dates hidden by whoever copied the plan is not this year's)."""
    hidden = hidden or set()
    values = {(r, c): text for (r, c), text in values.items() if c not in hidden}
    if not values:
        return []
    n_rows = max(r for r, _ in values) + 1
    n_cols = max(c for _, c in values) + 1
    if not counted:
        budget.table(n_rows, n_cols)
    grid = [[""] * n_cols for _ in range(n_rows)]
    for (r, c), text in values.items():
        grid[r][c] = text
    first = min(c for _, c in values)
    last = n_cols - 1
    spanning: set[int] = set()
    for top, left, bottom, right in merges:
        if top >= n_rows or left >= n_cols or top < 0 or left < 0:
            continue
        bottom, right = min(bottom, n_rows - 1), min(right, n_cols - 1)
        budget.spend((bottom - top + 1) * (right - left + 1))
        value = grid[top][left]
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                grid[r][c] = value
        if left <= first and right >= last and last > first:
            spanning.update(range(top, bottom + 1))
    shown = [c for c in range(first, last + 1) if c not in hidden]
    return [RawRow([row[c] for c in shown], index in spanning) for index, row in enumerate(grid)]


_FORMAT_LITERAL_RE = re.compile(r'\[[^\]]*\]|"[^"]*"|\\.')
_MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
           "декабрь")


def _cell_str(value: Any, number_format: str | None = None) -> str:
    """A cell as the coordinator sees it: a date typed without a year («12.02») keeps no year, and one shown as a
    month («ММ.ГГГГ», «ММММ ГГГГ» — Excel stores a day behind it, often the 1st) is that month, not a day."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        if isinstance(value, datetime) and value.time() != time(0) and value.year < 1901:
            return value.strftime("%H:%M")  # a time of day alone
        codes = _FORMAT_LITERAL_RE.sub("", (number_format or "").split(";")[0]).lower()
        day, month, year = "d" in codes, "m" in codes, "y" in codes
        if month and not day and "h" not in codes and "s" not in codes:
            name = _MONTHS[value.month - 1].capitalize()
            return f"{name} {value.year}" if year else name
        if day and month and not year:
            return value.strftime("%d.%m")
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- XLS (Excel 97–2003) ----------------------------------------------------------


def read_xls(data: bytes, budget: _Budget) -> RawDocument:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        # An OLE file that is not a workbook is a Word 97 document or another old format.
        raise RoadmapError(plain("roadmap.errors.old_format")) from exc
    except Exception as exc:  # xlrd raises many kinds for a broken file
        raise RoadmapError(plain("roadmap.errors.broken_xls")) from exc
    tables = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.visibility != 0:
                continue
            rows = _xls_rows(book, sheet, budget)
            if rows:
                tables.append(RawTable(rows, name=plain("roadmap.table.sheet", name=sheet.name)))
    except FileRejected:
        raise
    except Exception as exc:  # noqa: BLE001 — a sheet xlrd cannot decode
        raise RoadmapError(plain("roadmap.errors.broken_xls")) from exc
    return RawDocument([], tables)


def _xls_rows(book: Any, sheet: Any, budget: _Budget) -> list[RawRow]:
    import xlrd

    if sheet.nrows > budget.limits.max_rows * 2 or sheet.ncols > budget.limits.max_cols * 2:
        raise FileRejected("uploads.too_complex")  # before xlrd's row lists are walked
    values: dict[tuple[int, int], str] = {}
    for r in range(sheet.nrows):
        for c, cell in enumerate(sheet.row(r)):
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                continue
            value: Any = cell.value
            number_format = None
            if cell.ctype == xlrd.XL_CELL_DATE:
                value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                number_format = _xls_format(book, cell.xf_index)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(cell.value)
            text = _cell_str(value, number_format)
            if text:
                values[(r, c)] = text
    hidden = {c for c, info in getattr(sheet, "colinfo_map", {}).items() if getattr(info, "hidden", 0)}
    return _grid(values, [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells], budget, hidden=hidden)


def _xls_format(book: Any, xf_index: int | None) -> str | None:
    try:
        return book.format_map[book.xf_list[xf_index].format_key].format_str
    except (IndexError, KeyError, TypeError, AttributeError):
        return None


# -- ODT / ODS (LibreOffice, МойОфис, Р7-Офис) ------------------------------------------


def _odf_load(data: bytes) -> Any:
    from odf.opendocument import load

    try:
        return load(io.BytesIO(data))
    except Exception as exc:  # odfpy raises many kinds (and defusedxml's refusals) for a broken file
        raise RoadmapError(plain("roadmap.errors.broken_archive")) from exc


def read_ods(data: bytes, budget: _Budget) -> RawDocument:
    from odf.table import Table

    document = _odf_load(data)
    tables = []
    for table in document.spreadsheet.getElementsByType(Table):
        if table.parentNode is not document.spreadsheet:
            continue  # a table inside a chart or a shape
        rows = _odf_rows(table, budget)
        if rows:
            tables.append(RawTable(rows, name=plain("roadmap.table.sheet", name=_attr(table, "name") or "")))
    return RawDocument([], tables)


def read_odt(data: bytes, budget: _Budget) -> RawDocument:
    document = _odf_load(data)
    blocks: list[tuple[str, Any]] = []
    _odt_blocks(document.text, blocks, budget)
    return _document(blocks)


def _odt_blocks(parent: Any, out: list[tuple[str, Any]], budget: _Budget) -> None:
    for child in parent.childNodes:
        name = getattr(child, "qname", (None, None))[1]
        if name in ("p", "h"):
            out.append(("p", clean(_odf_text(child))))
        elif name == "table":
            out.append(("t", _odf_rows(child, budget)))
        elif name in ("list", "list-item", "list-header", "section", "index-body", "table-of-content"):
            _odt_blocks(child, out, budget)


def _attr(element: Any, name: str) -> str | None:
    for (_, local), value in element.attributes.items():
        if local == name:
            return str(value)
    return None


def _odf_text(element: Any) -> str:
    from odf import teletype

    return str(teletype.extractText(element))


def _odf_cell_text(cell: Any) -> str:
    from odf.text import P

    paragraphs = [_odf_text(p) for p in cell.getElementsByType(P)]
    text = "\n".join(paragraphs).strip()
    if text:
        return text
    # A cell written without its display text (some generators): fall back to the stored value.
    kind = _attr(cell, "value-type")
    if kind == "date":
        raw = _attr(cell, "date-value") or ""
        try:
            return datetime.fromisoformat(raw[:19]).strftime("%d.%m.%Y")
        except ValueError:
            return raw
    if kind in ("float", "percentage", "currency"):
        value = _attr(cell, "value") or ""
        return value[:-2] if value.endswith(".0") else value
    return ""


def _odf_row_elements(table: Any) -> Iterator[Any]:
    """table:table-row elements, also inside header-rows, row groups and table-rows wrappers."""
    return _odf_elements(table, "table-row", ("table-header-rows", "table-rows", "table-row-group"))


def _odf_elements(parent: Any, leaf: str, wrappers: tuple[str, ...]) -> Iterator[Any]:
    for child in parent.childNodes:
        name = getattr(child, "qname", (None, None))[1]
        if name == leaf:
            yield child
        elif name in wrappers:
            yield from _odf_elements(child, leaf, wrappers)


def _odf_rows(table: Any, budget: _Budget) -> list[RawRow]:
    """Rows of an ODF table. Repeats are expanded only up to the data extent; spans fill their covered cells."""
    compact: list[tuple[int, list[tuple[int, str, int, int]]]] = []  # (row repeat, [(col repeat, text, rs, cs)])
    last_row = last_col = -1
    row_index = 0
    for element in _odf_row_elements(table):
        repeat = max(1, _int(_attr(element, "number-rows-repeated")))
        cells = []
        column = 0
        for cell in element.childNodes:
            local = getattr(cell, "qname", (None, None))[1]
            if local not in ("table-cell", "covered-table-cell"):
                continue
            times = max(1, _int(_attr(cell, "number-columns-repeated")))
            text = _odf_cell_text(cell) if local == "table-cell" else ""
            rs = max(1, _int(_attr(cell, "number-rows-spanned")))
            cs = max(1, _int(_attr(cell, "number-columns-spanned")))
            cells.append((times, text, rs, cs))
            if text:
                last_col = max(last_col, column + times - 1)
                last_row = max(last_row, row_index + repeat - 1)
            column += times
        compact.append((repeat, cells))
        row_index += repeat
        if row_index > budget.limits.max_rows and last_row >= budget.limits.max_rows:
            raise FileRejected("uploads.too_complex")
    if last_row < 0:
        return []
    values: dict[tuple[int, int], str] = {}
    merges: list[tuple[int, int, int, int]] = []
    budget.table(last_row + 1, last_col + 1)
    r = 0
    for repeat, cells in compact:
        for _ in range(min(repeat, last_row + 1 - r)):
            c = 0
            for times, text, rs, cs in cells:
                if c > last_col:
                    break
                for k in range(min(times, last_col + 1 - c)):
                    if text:
                        values[(r, c + k)] = text
                    if rs > 1 or cs > 1:
                        merges.append((r, c + k, r + rs - 1, c + k + cs - 1))
                c += times
            r += 1
        if r > last_row:
            break
    return _grid(values, merges, budget, counted=True, hidden=_odf_hidden_columns(table, last_col))


def _odf_hidden_columns(table: Any, last_col: int) -> set[int]:
    """Columns with table:visibility «collapse» or «filter», up to the data extent."""
    hidden: set[int] = set()
    column = 0
    wrappers = ("table-header-columns", "table-columns", "table-column-group")
    for element in _odf_elements(table, "table-column", wrappers):
        times = max(1, _int(_attr(element, "number-columns-repeated")))
        if (_attr(element, "visibility") or "visible") != "visible":
            hidden.update(range(column, min(column + times, last_col + 1)))
        column += times
        if column > last_col:
            break
    return hidden



# -- CSV ----------------------------------------------------------------------


def read_csv(data: bytes, budget: _Budget) -> RawDocument:
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    try:
        rows = [RawRow([cell.strip() for cell in row]) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:  # a field over csv's size limit, a NUL in old files
        raise FileRejected("uploads.too_complex") from exc
    rows = _pad(rows)
    budget.table(len(rows), len(rows[0].cells) if rows else 0)
    return RawDocument([], [RawTable(rows, name="CSV")])


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the same number (≥ 2) of fields."""
    sample = text[:20000]
    best, best_score = ";", -1
    for delimiter in (";", ",", "\t"):
        try:
            counts = Counter(len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if len(row) > 1)
        except csv.Error:
            continue
        score = max((n for width, n in counts.items() if width >= 2), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _pad(rows: list[RawRow]) -> list[RawRow]:
    width = max((len(r.cells) for r in rows), default=0)
    for row in rows:
        row.cells.extend([""] * (width - len(row.cells)))
    return rows
