"""The period a roadmap covers («на 2022 год», «2021/2022 учебный год», «2020 – 2022 гг.»)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.i18n import plain

from .text import norm

ContextKind = Literal["calendar", "school", "multi", "none"]

MONTH_KEYS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "мае": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip


def month_number(word: str) -> int:
    """1–12 for a month name in any case form or abbreviation («мая», «сент.»), else 0."""
    return MONTH_KEYS.get(word[:3], 0)


def safe_date(year: int, month: int, day: int) -> date:
    """The day, or the month's last day when it is shorter («30 февраля»)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class YearContext:
    """Which year(s) a document covers; resolves months written without a year."""

    kind: ContextKind = "none"
    first_year: int | None = None
    last_year: int | None = None
    school_end: tuple[int, int] = (5, 31)  # (month, day): a school year ends 31 May
    hint_year: int | None = None  # last year written in an earlier row (multi-year documents)
    august_first: bool = False  # a school-year plan not dated yet: its August is the one before September

    @classmethod
    def calendar(cls, year: int) -> YearContext:
        return cls("calendar", year, year)

    @classmethod
    def school(cls, first_year: int, school_end: tuple[int, int] = (5, 31)) -> YearContext:
        return cls("school", first_year, first_year + 1, school_end)

    @classmethod
    def multi(cls, first_year: int, last_year: int) -> YearContext:
        return cls("multi", first_year, last_year)

    @property
    def window(self) -> tuple[date, date] | None:
        if self.first_year is None or self.last_year is None:
            return None
        if self.kind == "school":
            return date(self.first_year, 9, 1), safe_date(self.last_year, *self.school_end)
        return date(self.first_year, 1, 1), date(self.last_year, 12, 31)

    def year_for_month(self, month: int) -> int | None:
        if self.kind == "calendar":
            return self.first_year
        if self.kind == "school" and self.first_year is not None:
            # September–December belong to the first year, January–August to the second — but a plan that
            # opens with August («Август — педсовет») opens with the August before its September.
            return self.first_year if month >= 9 or (month == 8 and self.august_first) else self.first_year + 1
        if self.kind == "multi":
            return self.hint_year or self.first_year
        return None

    def with_hint(self, year: int | None) -> YearContext:
        if year is None or self.kind != "multi":
            return self
        return replace(self, hint_year=year)

    def opening(self) -> YearContext:
        """The context of a school-year plan's rows before its first dated one (see ``august_first``)."""
        return replace(self, august_first=True) if self.kind == "school" else self

    def describe(self) -> str:
        if self.kind == "calendar":
            return plain("roadmap.period.calendar_year", year=self.first_year)
        if self.kind == "school":
            return plain("roadmap.period.school_year", first=self.first_year, last=self.last_year)
        if self.kind == "multi":
            return plain("roadmap.period.years", first=self.first_year, last=self.last_year)
        return plain("roadmap.period.unknown")


_CTX_SCHOOL_RE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*(?:/\s*((?:19|20)?\d\d)(?!\d)"
    r"|-\s*((?:19|20)?\d\d)(?!\d)\s*(?:гг?\b\.?\s*)?уч)"
)
# «на учебный год 2025-2026»: the words first, then the years
_CTX_SCHOOL_AFTER_RE = re.compile(
    r"\bуч(?:ебн\w*)?\.?\s*(?:год\w*|г\b\.?)\s*:?\s*((?:19|20)\d\d)\s*[-/]\s*((?:19|20)?\d\d)(?!\d)"
)
_CTX_MULTI_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*-\s*((?:19|20)\d\d)(?!\d)")
_CTX_CALENDAR_RE = re.compile(r"\b(?:на|в)\s+((?:19|20)\d\d)\s*(?:(?:календарн|финансов)\w*\s+)?(?:год|г\b)")
_CTX_BARE_YEAR_RE = re.compile(r"^((?:19|20)\d\d)\s*(?:год|г\.?)?$")
# «План мероприятий 2026»: a plan's title ending with a year (weak, like a bare year line)
_CTX_TITLE_YEAR_RE = re.compile(
    r"^(?:\S+\s+){0,3}(?:план|дорожн|программ|график|перечень)\w*\b[^\d]*\s(?<!до\s)(?<!от\s)(?<!по\s)"
    r"((?:19|20)\d\d)\s*(?:год|г)?\.?$"
)
_CTX_SCHOOL_END_RE = re.compile(r"\bпо\s+(\d{1,2})\s*(?:\.\s*0?([5-8])\b|\s+(ма[яй]|июн\w*|июл\w*|август\w*))")


def detect_year_context(lines: Iterable[str], fallback_year: int | None = None) -> YearContext:
    """Find the document's period in its title lines, nearest line (the last) first.

    A bare «2020 год» line (a publication year under the place name) or a plan's title ending with a year («План
    мероприятий 2026», not «… до 2030») is used only when no line says «на 2022 год», «2021/2022 учебный год» or
    «2020 – 2022 гг.».
    """
    weak: YearContext | None = None
    for line in reversed([norm(x) for x in lines]):
        found = _context_in_line(line)
        if found is not None:
            return found
        bare = _CTX_BARE_YEAR_RE.match(line) or _CTX_TITLE_YEAR_RE.match(line)
        if bare and weak is None:
            weak = YearContext.calendar(int(bare.group(1)))
    if weak is not None:
        return weak
    return YearContext.calendar(fallback_year) if fallback_year else YearContext()


def _context_in_line(line: str) -> YearContext | None:
    candidates: list[tuple[int, YearContext]] = []
    for m in _CTX_SCHOOL_AFTER_RE.finditer(line):
        first, second = int(m.group(1)), full_year(m.group(2), int(m.group(1)))
        if second == first + 1:
            candidates.append((m.start(1), YearContext.school(first, _school_end(line))))
    for m in _CTX_SCHOOL_RE.finditer(line):
        if any(pos == m.start() for pos, _ in candidates):
            continue
        first, second = int(m.group(1)), full_year(m.group(2) or m.group(3), int(m.group(1)))
        if second == first + 1:
            candidates.append((m.start(), YearContext.school(first, _school_end(line))))
        elif second > first:
            candidates.append((m.start(), YearContext.multi(first, second)))
    for m in _CTX_MULTI_RE.finditer(line):
        first, second = int(m.group(1)), int(m.group(2))
        if second > first and not any(pos == m.start() for pos, _ in candidates):
            candidates.append((m.start(), YearContext.multi(first, second)))
    for m in _CTX_CALENDAR_RE.finditer(line):
        candidates.append((m.start(1), YearContext.calendar(int(m.group(1)))))
    # The first mention in a sentence is its subject («на 2022 год, … на 2021-2022 учебный год»).
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _school_end(line: str) -> tuple[int, int]:
    m = _CTX_SCHOOL_END_RE.search(line)
    if not m:
        return (5, 31)
    month = int(m.group(2)) if m.group(2) else month_number(m.group(3))
    return (month or 5, int(m.group(1)))


def full_year(text: str, first: int) -> int:
    value = int(text)
    return value if value >= 100 else first // 100 * 100 + value
