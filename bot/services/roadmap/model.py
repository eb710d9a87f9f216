"""Plain data types of the roadmap parser (no I/O, no framework imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Recurrence = Literal["weekly", "monthly", "quarterly", "yearly", "continuous"]


class RoadmapError(ValueError):
    """A file the parser cannot read at all; the message is Russian, for the coordinator."""


@dataclass(frozen=True, order=True)
class Period:
    """Inclusive span of days; ``start is None`` means a deadline («до 27 марта»)."""

    start: date | None
    end: date

    def __post_init__(self) -> None:
        if self.start is not None and self.start > self.end:
            raise ValueError(f"period start {self.start} is after end {self.end}")

    def to_json(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat(),
        }


@dataclass
class When:
    """What a date cell means: periods, how it repeats, and what was unclear."""

    periods: list[Period] = field(default_factory=list)
    recurrence: Recurrence | None = None
    warnings: list[str] = field(default_factory=list)


# -- neutral structure produced by the readers ---------------------------------


@dataclass
class RawRow:
    cells: list[str]
    spans_table: bool = False  # one merged cell across the whole row


@dataclass
class RawTable:
    rows: list[RawRow]
    caption: list[str] = field(default_factory=list)  # text right above the table
    name: str = ""


@dataclass
class RawDocument:
    title_lines: list[str]
    tables: list[RawTable]


# -- parser output ------------------------------------------------------------


@dataclass
class RoadmapRow:
    number: str | None
    section: str | None
    title: str
    kind: str
    when: str
    periods: list[Period]
    recurrence: Recurrence | None
    responsible: str | None = None
    expected_result: str | None = None
    indicator: str | None = None
    audience: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "section": self.section,
            "title": self.title,
            "kind": self.kind,
            "when": self.when,
            "periods": [p.to_json() for p in self.periods],
            "recurrence": self.recurrence,
            "responsible": self.responsible,
            "expected_result": self.expected_result,
            "indicator": self.indicator,
            "warnings": list(self.warnings),
        }


@dataclass
class Roadmap:
    title: str
    events: list[RoadmapRow]
    warnings: list[str] = field(default_factory=list)
    # How each table was read: {"table": 1, "name", "read", "columns": [{"column", "header", "role"}]}
    columns: list[dict[str, Any]] = field(default_factory=list)
    period: dict[str, Any] | None = None  # the document's period: {"kind": "school", "first": 2023, "last": 2024}

    def to_json(self, *, with_columns: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "events": [e.to_json() for e in self.events]}
        if with_columns:
            out["columns"] = self.columns
        return out
