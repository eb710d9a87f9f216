"""The same workbook through openpyxl's write-only mode — the reference the streaming writer is checked
against in the tests, and the baseline bench/export.py measures it against (≈6 µs a cell: too slow for the
10-second target at 2.5 million cells, hence bot/services/export/xlsx.py)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

DATE_FORMAT, MOMENT_FORMAT = "DD.MM.YYYY", "DD.MM.YYYY HH:MM"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")


def _clean(value: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


class OpenpyxlSheet:
    def __init__(self, workbook: Workbook, title: str, header: Sequence[Any], widths: Sequence[float]) -> None:
        self.ws = workbook.create_sheet(title)
        self.ws.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        cells = []
        for value in header:
            cell = WriteOnlyCell(self.ws, value=_clean(value))
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
            cells.append(cell)
        self.ws.append(cells)
        self.rows = 0

    def _cell(self, value: Any) -> Any:
        if isinstance(value, (datetime, date)):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.number_format = MOMENT_FORMAT if isinstance(value, datetime) else DATE_FORMAT
            return cell
        if value == "":
            return None
        return _clean(value)

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            self.ws.append([self._cell(v) for v in row])
            self.rows += 1

    def note(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            self.ws.append([self._cell(v) for v in row])


class OpenpyxlBook:
    def __init__(self, out: str | Path | IO[bytes]) -> None:
        self.out = out
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, header: Sequence[Any], widths: Sequence[float]) -> OpenpyxlSheet:
        return OpenpyxlSheet(self.workbook, title, header, widths)

    def close(self) -> None:
        self.workbook.save(self.out)
