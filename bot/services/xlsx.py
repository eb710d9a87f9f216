"""The one XLSX writer: every workbook the bot hands out (the network's export, a broadcast's «Не получили»,
a form's answers, invite lists, the import template) is written here, on XlsxWriter in constant-memory mode.

What every file gets, whoever asks for it:

- typed cells: dates and date-times as Excel dates («ДД.ММ.ГГГГ», «ДД.ММ.ГГГГ ЧЧ:ММ»; aware moments are
  shown in the book's time zone), numbers as numbers (a `Percent` shown as «56%»), booleans as booleans,
  everything else as text;
- text is only ever text: it goes through `write_string`, so «=1+2» or «=HYPERLINK(…)» never becomes a
  formula, and a cell starting with = + - @ carries Excel's quote prefix so editing it keeps it text;
- control characters become a space (XML can't hold most of them, and XlsxWriter would show the rest as
  «_x0007_»), texts are cut at Excel's 32,767 characters;
- a bold header row that stays frozen, an autofilter over the table, widths fitted to the header and the
  first rows, and a print set-up: A4 landscape, one page wide, the header row on every page, page numbers.

Constant-memory mode keeps one row in memory per sheet (the rest goes to a temporary file), so the
10,000-participant export stays flat; rows must therefore be appended top to bottom, sheet by sheet.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

CELL_LIMIT = 32_767  # characters Excel keeps in a cell
SHEET_NAME_LIMIT = 31
SAMPLE_ROWS = 200  # rows looked at to fit the widths
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 6, 60, 28
DATE_FORMAT, MOMENT_FORMAT = "dd.mm.yyyy", "dd.mm.yyyy hh:mm"
HEADER_FILL = "#DDE7F0"
# Every C0 control but the line break, DEL, the C1 block, lone surrogates and the two non-characters.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")
EXCEL_FIRST_YEAR = 1900


def clean_text(value: str) -> str:
    """Cell text as Excel and every XML reader can hold it."""
    if CONTROL.search(value):
        value = CONTROL.sub(" ", value)
    if len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT]
    if value.startswith("<r>") and value.endswith("</r>"):
        # XlsxWriter's constant-memory mode writes such a string as raw rich-text XML; a trailing space keeps
        # it the plain text it is.
        value = value[:CELL_LIMIT - 1] + " "
    return value


def safe_sheet_name(title: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts: no []:*?/\\', at most 31 characters, unique ignoring case."""
    used = {name.lower() for name in taken}
    name = SHEET_NAME_BAD.sub(" ", clean_text(title)).strip()[:SHEET_NAME_LIMIT] or "Лист"
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = name[:SHEET_NAME_LIMIT - len(suffix)] + suffix, n + 1
    return candidate


def text_width(value: Any) -> int:
    """Characters a value takes in a cell (its longest line)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return max((len(part) for part in text.split("\n")), default=0)


def fitted_widths(header: Sequence[Any], sample: Iterable[Sequence[Any]]) -> list[float]:
    """Wide enough for the data seen (up to a limit); headers wrap rather than widen a column."""
    result = [min(max(text_width(h), MIN_WIDTH), HEADER_WIDTH) for h in header]
    for row in sample:
        for index, value in enumerate(row[:len(result)]):
            result[index] = max(result[index], min(text_width(value), MAX_WIDTH))
    return [w + 2 for w in result]


class Percent(float):
    """A share from 0 to 1 written as a number shown as a whole percent («56%»): Excel sums and sorts it, and
    a text «56%» would carry the «number stored as text» flag."""


@dataclass(frozen=True)
class ChartSeries:
    name: str
    column: int  # 0-based column of the values
    color: str


class Sheet:
    """One worksheet: a header row (optionally under a caption line), then data rows, then notes."""

    def __init__(self, book: Book, title: str, header: Sequence[Any], *, caption: str | None = None,
                 widths: Sequence[float] | None = None) -> None:
        self.book = book
        self.ws = book.workbook.add_worksheet(title)
        # The public write_string/write_number only add A1-notation parsing on top of these; at 2.5 million
        # cells skipping it saves a quarter of the time (bench/export.py). Same arguments, same checks.
        self._write_string = getattr(self.ws, "_write_string", self.ws.write_string)
        self._write_number = getattr(self.ws, "_write_number", self.ws.write_number)
        self.title = title
        self.header = [clean_text(str(h)) for h in header]
        self.columns = max(len(self.header), 1)
        self.widths = list(widths) if widths is not None else None
        self._sample: list[Sequence[Any]] = []
        self.row = 0  # the next row to write (0-based)
        if caption:
            self.ws.write_string(0, 0, clean_text(caption), book.formats["caption"])
            self.row = 1
        self.header_row = self.row
        # Rows are flushed as soon as the next one starts (constant memory), so the header's height is set now:
        # lines a header wraps into at the narrowest width its column can get (widths only grow with data).
        narrow = self.widths or [min(max(len(h), MIN_WIDTH), HEADER_WIDTH) + 2 for h in self.header]
        lines = max((math.ceil(len(h) / max(w - 2, 1)) for h, w in zip(self.header, narrow)), default=1)
        self.ws.set_row(self.header_row, 15 * max(1, min(lines, 4)))
        for col, text in enumerate(self.header):
            self.ws.write_string(self.header_row, col, text, book.formats["header"])
        self.row += 1
        self.rows = 0  # data rows written
        self._last_data_row = self.header_row
        self._chart: tuple[Any, int] | None = None
        self._finished = False

    # -- cells ---------------------------------------------------------------------------------------

    def _put(self, row: int, col: int, value: Any) -> None:
        formats = self.book.formats
        write_string, write_number = self._write_string, self._write_number
        kind = type(value)
        if kind is str:
            if not value:
                return
            text = clean_text(value)
            if text.startswith(FORMULA_START):
                write_string(row, col, text, formats["quoted"])
            else:
                write_string(row, col, text)
        elif kind is int or kind is float or kind is Decimal:
            number = float(value)
            if math.isfinite(number):
                write_number(row, col, value if kind is int else number)
        elif kind is Percent:
            if math.isfinite(value):
                write_number(row, col, float(value), formats["percent"])
        elif kind is bool:
            self.ws.write_boolean(row, col, value)
        elif kind is datetime:
            moment = self.book.local(value)
            if moment.year < EXCEL_FIRST_YEAR:
                write_string(row, col, moment.strftime("%d.%m.%Y %H:%M"))
            else:
                self.ws.write_datetime(row, col, moment, formats["moment"])
        elif kind is date:
            if value.year < EXCEL_FIRST_YEAR:
                write_string(row, col, value.strftime("%d.%m.%Y"))
            else:
                self.ws.write_datetime(row, col, value, formats["date"])
        elif value is not None:
            self._put(row, col, _plain(value))

    def _write(self, rows: Iterable[Sequence[Any]]) -> int:
        put, count = self._put, 0
        for values in rows:
            row = self.row
            for col, value in enumerate(values):
                if value is not None and value != "":
                    put(row, col, value)
            self.row += 1
            count += 1
        return count

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        if self.widths is None and len(self._sample) < SAMPLE_ROWS:
            self._sample.extend(rows[:SAMPLE_ROWS - len(self._sample)])
        self.rows += self._write(rows)
        self._last_data_row = self.row - 1

    def note(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows below the table (an explanation, a time stamp): not data, outside the filter. A text longer than its
        column wraps — the last one of a row over the rest of the table's width — so a printed page shows it whole
        instead of cutting it at the page's edge."""
        widths = self.widths if self.widths is not None else fitted_widths(self.header, self._sample)
        wrap = self.book.formats["wrap"]
        for values in rows:
            texts = [(col, clean_text(v)) for col, v in enumerate(values) if isinstance(v, str) and v]
            if not texts:
                self._write([values])
                continue
            row, last_col, wide = self.row, self.columns - 1, texts[-1]
            spans = {col: sum(widths[col:last_col + 1]) if (col, text) == wide else widths[col] for col, text in texts}
            long = {col for col, text in texts if len(text) > widths[col] - 2}
            lines = max([math.ceil(len(text) / max(spans[col] - 2, 1)) for col, text in texts if col in long] or [1])
            for col, text in texts:
                if col in long and spans[col] > widths[col] and col < last_col:
                    self.ws.merge_range(row, col, row, last_col, "", wrap)
                    self.ws.write_string(row, col, text, wrap)  # a string whatever it starts with
                elif lines > 1:  # the row's other texts wrap and sit at the top beside it
                    self.ws.write_string(row, col, text, wrap)
                else:
                    self._put(row, col, text)
            for col, value in enumerate(values):
                if value is not None and not isinstance(value, str):
                    self._put(row, col, value)
            if lines > 1:
                self.ws.set_row(row, 15 * min(lines, 20))
            self.row += 1

    def chart(self, *, title: str, categories: int, first: int, last: int, series: Sequence[ChartSeries],
              at_column: int, axis: str | None = None) -> None:
        """A native bar chart beside the table over data rows `first`…`last` (0-based, counted from the
        first data row); categories and values are columns of the table, so Excel draws what it holds."""
        if last < first:
            return
        r1, r2 = self.header_row + 1 + first, self.header_row + 1 + last
        chart = self.book.workbook.add_chart({"type": "bar"})
        for item in series:
            chart.add_series({
                "name": item.name,
                "categories": [self.ws.name, r1, categories, r2, categories],
                "values": [self.ws.name, r1, item.column, r2, item.column],
                "fill": {"color": item.color}, "border": {"none": True},
                "data_labels": {"value": True, "font": {"size": 9}},
                "gap": 60,
            })
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
        chart.set_y_axis({"reverse": True, "num_font": {"size": 10}})  # the table's order, top to bottom
        chart.set_x_axis({"min": 0, "max": 100, "major_unit": 25, "name": axis or "",
                          "major_gridlines": {"visible": True, "line": {"color": "#E3E7EC"}},
                          "num_font": {"size": 9}})
        chart.set_legend({"position": "bottom", "font": {"size": 10}})
        chart.set_size({"width": 640, "height": 80 + 42 * (last - first + 1)})
        self._chart = (chart, at_column)

    # -- the finish: widths, filter, panes, print set-up ----------------------------------------------

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        ws, last_col = self.ws, self.columns - 1
        widths = self.widths if self.widths is not None else fitted_widths(self.header, self._sample)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(self.header_row + 1, 0)
        ws.autofilter(self.header_row, 0, max(self._last_data_row, self.header_row), last_col)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many pages down as it takes
        ws.repeat_rows(self.header_row)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&L&A&R&P / &N")
        ws.print_area(0, 0, max(self.row - 1, self.header_row), last_col)  # the table, not the chart beside it
        if self._chart is not None:
            chart, column = self._chart
            ws.insert_chart(self.header_row + 1, column, chart, {"x_offset": 10, "y_offset": 4})
        self._sample = []


def _plain(value: Any) -> Any:
    """Subclasses (enums, numpy-like numbers, str subclasses) as the plain type the writer knows."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime):
        return datetime.combine(value.date(), value.timetz())
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)


class Book:
    """A workbook being written to `out` (a path or a binary file object); `close()` finishes it.

    `tz` is the zone aware date-times are shown in (the network's); naive ones are taken as already local."""

    def __init__(self, out: str | Path | IO[bytes], *, tz: tzinfo | None = None, created: datetime | None = None,
                 title: str | None = None) -> None:
        self.tz = tz
        self.workbook = xlsxwriter.Workbook(out if not isinstance(out, Path) else str(out), {
            "constant_memory": True,
            # Belt and braces: the sheet writes strings with write_string, which never converts.
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        })
        moment = (created or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
        self.workbook.set_properties({"author": "Сетевой наставник", "created": moment,
                                      **({"title": clean_text(title)} if title else {})})
        add = self.workbook.add_format
        self.formats = {
            "header": add({"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "valign": "top",
                           "border": 1, "border_color": "#9AA9B8"}),
            "caption": add({"bold": True, "font_size": 12}),
            "date": add({"num_format": DATE_FORMAT}),
            "moment": add({"num_format": MOMENT_FORMAT}),
            "quoted": add({"quote_prefix": True}),
            "percent": add({"num_format": "0%"}),
            "wrap": add({"text_wrap": True, "valign": "top"}),
        }
        self.sheets: list[Sheet] = []

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(self.tz or timezone.utc).replace(tzinfo=None)

    def sheet(self, title: str, header: Sequence[Any], *, caption: str | None = None,
              widths: Sequence[float] | None = None) -> Sheet:
        if self.sheets:
            self.sheets[-1].finish()
        name = safe_sheet_name(title, (s.ws.name for s in self.sheets))
        sheet = Sheet(self, name, header, caption=caption, widths=widths)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        for sheet in self.sheets:
            sheet.finish()
        if not self.sheets:
            self.sheet("Лист", [])
            self.sheets[-1].finish()
        self.workbook.close()


def table_xlsx(out: str | Path | IO[bytes], title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *,
               caption: str | None = None, tz: tzinfo | None = None) -> None:
    """A one-sheet workbook: the common case of a list handed to a coordinator."""
    book = Book(out, tz=tz, title=caption or title)
    sheet = book.sheet(title, header, caption=caption)
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 1000:
            sheet.append(batch)
            batch = []
    if batch:
        sheet.append(batch)
    book.close()


__all__ = ["Book", "CELL_LIMIT", "ChartSeries", "Percent", "Sheet", "clean_text", "fitted_widths", "safe_sheet_name",
           "table_xlsx", "text_width", "xl_rowcol_to_cell"]
