"""Which column is which: header recognition by the wording roadmaps actually use."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import RawRow
from .text import norm, unhyphenate

# Checked in this order; the first pattern matching a header cell names its column.
_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(r"^(?:№|n\s*п/п|n$|no\b|п/п|номер)")),
    ("dates", re.compile(r"^(?:сроки?|дата|даты|период|время)\b")),
    ("responsible", re.compile(r"^(?:ответственн|ответств\.|исполнител|соисполнител)")),
    ("result", re.compile(r"^(?:(?:ожидаем|планируем|прогнозируем)\w*\s+)?результат")),
    ("doc_type", re.compile(r"^(?:вид|форма)(?:\s+(?:документа|проведения|отч\w+|мероприяти\w*|работы))?$")),
    ("indicator", re.compile(r"^(?:показател|индикатор)")),
    ("audience", re.compile(r"^(?:участник|целев\w*\s+аудитори|аудитори|категори)")),
    ("stage", re.compile(r"^этап")),
    (
        "title",
        re.compile(
            r"^(?:наименование|название|мероприяти|тема\b"
            r"|направлени[яе]\s+деятельности|содержание\s+(?:деятельности|работы|мероприяти))"
        ),
    ),
]
_HEADER_SEARCH_ROWS = 15
_COLUMN_NUMBER_RE = re.compile(r"^\d{1,2}\.?$")


@dataclass
class ColumnMap:
    title: int
    dates: int
    number: int | None = None
    responsible: list[int] = field(default_factory=list)
    result: int | None = None
    doc_type: int | None = None
    indicator: int | None = None
    audience: int | None = None
    stage: int | None = None


@dataclass
class Header:
    row_index: int  # index of the first header row in the table
    rows_used: int  # 2 when a merged group header has sub-headers under it
    columns: ColumnMap
    signature: tuple[str | None, ...]  # field of each column, to spot repeated headers
    texts: tuple[tuple[str, ...], ...] = ()  # the header rows as printed, normalised


def field_of(label: str) -> str | None:
    """Field name of one header cell, or None."""
    text = norm(unhyphenate(label)).strip(" :.*")
    for name, pattern in _FIELDS:
        if pattern.search(text):
            return name
    return None


def find_header(rows: list[RawRow]) -> Header | None:
    """The first row (within the first few) naming both the event and its dates."""
    for index in range(min(len(rows), _HEADER_SEARCH_ROWS)):
        labels, used = _labels(rows, index)
        columns = _column_map(labels)
        if columns is not None:
            texts = tuple(_row_text(rows[i]) for i in range(index, index + used))
            return Header(index, used, columns, tuple(field_of(x) for x in labels), texts)
    return None


def _labels(rows: list[RawRow], index: int) -> tuple[list[str], int]:
    """Header labels; a merged group header («Ответственные») takes its sub-headers' text."""
    top = rows[index].cells
    grouped = any(top[c] and top[c] == top[c + 1] for c in range(len(top) - 1))
    if not grouped or index + 1 >= len(rows):
        return list(top), 1
    below = rows[index + 1].cells
    labels = [t if not b or b == t else f"{t} {b}" for t, b in zip(top, below, strict=True)]
    return labels, 2


def _column_map(labels: list[str]) -> ColumnMap | None:
    found: dict[str, int] = {}
    responsible: list[int] = []
    for column, label in enumerate(labels):
        name = field_of(label)
        if name == "responsible":
            responsible.append(column)
        elif name is not None and name not in found:
            found[name] = column
    if "title" not in found or "dates" not in found:
        return None
    return ColumnMap(responsible=responsible, **found)


def is_repeated_header(row: RawRow, header: Header) -> bool:
    """The header printed again on the next page (PDF→DOCX conversions keep it as a row)."""
    if _row_text(row) in header.texts:
        return True
    fields = tuple(field_of(cell) for cell in row.cells)
    return sum(f is not None for f in fields) >= 2 and fields == header.signature


def _row_text(row: RawRow) -> tuple[str, ...]:
    return tuple(norm(cell) for cell in row.cells)


def is_column_numbers(row: RawRow) -> bool:
    """A row «1 | 2 | 3 | 4 | 5» numbering the columns under the header."""
    values: list[int] = []
    for cell in row.cells:
        text = cell.strip()
        if not text:
            continue
        if not _COLUMN_NUMBER_RE.match(text):
            return False
        number = int(text.rstrip("."))
        if not values or values[-1] != number:  # merged cells repeat their number
            values.append(number)
    return len(values) >= 2 and values == list(range(1, len(values) + 1))
