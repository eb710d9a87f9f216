"""Reading tables out of untrusted XLSX and CSV files within :class:`FileLimits` — refusing, never truncating.

What a hostile spreadsheet does to a naive reader, and what stops it here:

* a zip that unpacks to gigabytes → :func:`check_archive` before opening;
* a ``<dimension ref="A1:XFD1048576">`` that makes openpyxl pad every row to 16,384 cells and every sheet to
  a million rows → the declared dimension is ignored (``reset_dimensions``), rows come as written;
* a row numbered 100,000,000, or millions of empty rows → rows are counted as they come (``max_rows``);
* a cell in column XFD → a non-empty cell beyond ``max_cols`` is refused, empty ones are dropped;
* millions of cells in all → ``max_cells`` for the whole workbook;
* broken XML, a damaged zip, a CSV with a 100 MB field → a clear :class:`FileRejected`, not a traceback.

Anything that still gets through (a crafted shared-strings table, a parser bug) meets the worker's memory and
time caps (`sandbox.py`): run these readers through :func:`run_untrusted`.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

from .limits import FileLimits, FileRejected, check_archive

try:  # openpyxl parses with lxml when it is installed
    from lxml.etree import LxmlError as _LxmlError
except ImportError:  # pragma: no cover - lxml comes with python-docx
    _LxmlError = ParseError  # type: ignore[assignment,misc]

XML_ERRORS = (ParseError, _LxmlError)
# A CSV field may be as long as an XLSX cell (32,767 characters) and a little more; beyond is not a table.
CSV_FIELD_LIMIT = 65_536


def thousands(value: int) -> str:
    """20000 → «20 000», as a Russian reader expects (a no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u00a0")


class _Budget:
    """Cells counted across every sheet of one file."""

    def __init__(self, limits: FileLimits) -> None:
        self.limits = limits
        self.cells = 0

    def take(self, count: int) -> None:
        self.cells += count
        if self.cells > self.limits.max_cells:
            raise FileRejected("uploads.too_many_cells", limit=thousands(self.limits.max_cells))


def _bounded(rows: Iterator[tuple[Any, ...]], limits: FileLimits, budget: _Budget) -> Iterator[tuple[Any, ...]]:
    """Rows as written, without trailing empty cells; refuses a sheet beyond the limits as it reads it."""
    for number, row in enumerate(rows, start=1):
        if number > limits.max_rows:
            raise FileRejected("uploads.too_many_rows", limit=thousands(limits.max_rows))
        width = len(row)
        while width and (row[width - 1] is None or row[width - 1] == ""):
            width -= 1
        if width > limits.max_cols:
            raise FileRejected("uploads.too_many_columns", limit=thousands(limits.max_cols))
        budget.take(max(width, 1))
        yield tuple(row[:width])


def open_workbook(data: bytes, limits: FileLimits) -> Any:
    """An openpyxl workbook in read-only mode, after the archive checks; a damaged file is refused."""
    from openpyxl import load_workbook

    check_archive(data, limits)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise FileRejected("uploads.broken_archive") from error
    except XML_ERRORS as error:
        raise FileRejected("uploads.bad_xml") from error
    except (ValueError, TypeError, IndexError, AttributeError) as error:  # openpyxl on parts it can't make sense of
        raise FileRejected("uploads.unreadable") from error


def sheet_rows(sheet: Any, limits: FileLimits, budget: _Budget | None = None) -> Iterator[tuple[Any, ...]]:
    """Values of one read-only sheet, row by row, within the limits (see the module's notes)."""
    sheet.reset_dimensions()  # the declared size may be a lie: read what is there
    rows = sheet.iter_rows(values_only=True)
    try:
        yield from _bounded(rows, limits, budget or _Budget(limits))
    except XML_ERRORS as error:
        raise FileRejected("uploads.bad_xml") from error
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise FileRejected("uploads.broken_archive") from error
    except (ValueError, TypeError) as error:  # a cell reference or value openpyxl can't read
        raise FileRejected("uploads.unreadable") from error


def xlsx_tables(data: bytes, limits: FileLimits) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every sheet of a workbook as (title, rows of values), within the limits for the whole file."""
    book = open_workbook(data, limits)
    budget = _Budget(limits)
    try:
        return [(sheet.title, list(sheet_rows(sheet, limits, budget))) for sheet in book.worksheets]
    finally:
        book.close()


def csv_rows(text: str, limits: FileLimits, delimiter: str) -> list[list[str]]:
    """A CSV's rows within the limits; a malformed file (a runaway quote, a NUL byte) is refused."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    budget = _Budget(limits)
    try:
        return [list(row) for row in _bounded(csv.reader(io.StringIO(text), delimiter=delimiter), limits, budget)]
    except csv.Error as error:
        raise FileRejected("uploads.bad_csv") from error
