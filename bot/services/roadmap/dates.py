"""Russian roadmap date expressions → periods.

``parse_when("Сентябрь – декабрь 2022 года", ctx)`` → one period 2022-09-01..2022-12-31.
The grammar is small: a cell is tokenised (dates, day numbers, months, years, quarters,
prepositions, recurrence words), tokens are grouped into items (a point, a range, «с …»,
«до …»), then years are filled in — from the item itself, from its range partner, from the
rest of the list, and finally from the document's :class:`YearContext`.
See docs/roadmap-parser.md for the rules and the decisions behind them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from bot.i18n import plain

from .model import Period, Recurrence, When
from .text import clean, norm
from .years import YearContext, detect_year_context, full_year, month_number, safe_date

__all__ = ["YearContext", "date_profile", "detect_year_context", "last_written_year", "parse_when"]

# -- tokens -------------------------------------------------------------------

_MONTH_WORD = (
    r"январ\w*|янв\b\.?|феврал\w*|февр?\b\.?|март\w*|мар\b\.?|апрел\w*|апр\b\.?|ма[йяе]\b"
    r"|июн\w*|июл\w*|август\w*|авг\b\.?|сентябр\w*|сент?\b\.?|октябр\w*|окт\b\.?"
    r"|ноябр\w*|нояб?\b\.?|декабр\w*|дек\b\.?"
)
_UNIT = r"(квартал|полугоди|четверт|кв\b\.?)\w*"
_TOKEN_RE = re.compile(
    rf"""
    (?P<school>(?<!\d)(?P<sy1>(?:19|20)\d\d)\s*
        (?:/\s*(?P<sy2>(?:19|20)?\d\d)(?!\d)(?:\s*(?:гг?\b\.?\s*)?уч\w*\.?)?
          |-\s*(?P<sy3>(?:19|20)?\d\d)(?!\d)\s*(?:гг?\b\.?\s*)?уч\w*\.?))
    |(?P<date>(?<!\d)(?P<dd>\d{{1,2}})\.(?P<dm>\d{{1,2}})(?:\.(?P<dy>\d{{4}}|\d{{2}})(?!\d))?\.?)
    |(?P<dom>(?<!\d)(?P<domday>\d{{1,2}})\s*(?:-?\s*(?:го|е|ого)\s+)?числ\w*)
    |(?P<year>(?<!\d)(?:19|20)\d\d)(?!\d)(?:\s*(?:годы|годов|года|году|год|гг|г)\b\.?)?
    |(?<!\d)(?P<ord>[1-4])\s*(?:-?\s*(?:ое|ой|ый|ий|ая|го|е|й|я|м)\b)?\s*(?P<ounit>{_UNIT})
    |\b(?P<rom>iv|i{{1,3}})\s*(?P<runit>{_UNIT})
    |\b(?P<word_ord>перв|втор|трет|четв[её]рт)\w*\s+(?P<wunit>{_UNIT})
    |(?P<num>\d+)
    |\b(?P<month>{_MONTH_WORD})
    |(?P<dash>-)
    |(?P<sep>[,;/+]|\bи\b)
    |(?P<word>[а-яa-z]+)
    """,
    re.X,
)
_WORD_KINDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:с|со)$"), "from"),
    (re.compile(r"^по$"), "to"),
    (re.compile(r"^(?:до|позднее|позже|к)$"), "deadline"),
    (re.compile(r"^(?:начал[оае]|кон(?:ец|ца|це)|середин[аеы])$"), "approx"),
    (re.compile(r"^(?:постоянн\w*|ежедневн\w*|систематически|регулярно)$"), "cont"),
    (re.compile(r"^(?:течени|теч$|протяжени)"), "during"),
    (re.compile(r"^ежегодн"), "rec:yearly"),
    (re.compile(r"^ежемесячн"), "rec:monthly"),
    (re.compile(r"^еженедельн"), "rec:weekly"),
    (re.compile(r"^ежекварт"), "rec:quarterly"),
]
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_WORD_ORDINAL = {"перв": 1, "втор": 2, "трет": 3, "четв": 4}
_UNIT_KIND = {"квартал": "quarter", "полугоди": "half", "четверт": "term", "кв": "quarter"}

# «1 раз в четверть», «каждый месяц»: recurrence phrases removed before tokenising. «Раз в 2 месяца» has no
# recurrence of ours (like «раз в полугодие»): the whole period.
_TIMES_RE = re.compile(
    r"(?:\d+\s*)?(?:раз[а]?\s+в|кажд\w*)\s+(?P<every>(?:\d+|два|две|три|четыре|шесть)\s+)?"
    r"(недел|месяц|квартал|четверт|полугоди|учебн\w*\s+год|год)\w*"
)
# «последняя пятница месяца», «в первый вторник каждого месяца»: a day in every month.
_WEEKDAY_OF_MONTH_RE = re.compile(
    r"(?:кажд\w*\s+)?(?:перв|втор|трет|четв[её]рт|последн)\w*\s+"
    r"(?:понедельник|вторник|сред[аыу]|четверг|пятниц[аыу]|суббот[аыу])\w*(?:\s+(?:каждого\s+)?месяца)?"
)
# «3-я неделя октября», «первая неделя декабря», «1 неделя марта», «октябрь (2 неделя)», «2-я половина октября»:
# somewhere in that month (a bare number only before the singular: «в течение 2 недель» is a duration).
_WEEK_OF_RE = re.compile(
    r"(?:(?<!\d)[1-5]\s*-?\s*(?:я|ая|й)|перв\w*|втор\w*|трет\w*|четв[её]рт\w*|последн\w*)\s+(?:недел|половин)\w*"
    r"|(?<![\d.])[1-5]\s+недел[яею]\b"
)
# «1-я декада октября», «вторая декада ноября», «III декада мая»: those ten days (the third runs to the month's end).
_DECADE_RE = re.compile(
    r"(?:(?<![\d.])(?P<n>[1-3])\s*-?\s*(?:я|ая|й)?|\b(?P<rom>i{1,3})|\b(?P<word>перв|втор|трет)\w*)\s+декад\w*\s+"
    rf"(?P<month>{_MONTH_WORD})"
)
_DECADE_LAST = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}  # the third decade's last day (29 February is not guessed)
# Numbers a program writes: «2025-10-27» (ISO), «27/10/2025», and a month with its year «09.2025», «12.2025 г.».
_ISO_DATE_RE = re.compile(r"(?<![\d.\-/])((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})(?![\d\-])")
_SLASH_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)?\d\d)(?![\d/])")
_MONTH_YEAR_RE = re.compile(r"(?<!№)(?<!№ )(?<![\d.,])(0?[1-9]|1[0-2])\.((?:19|20)\d\d)(?![\d.]\d)")
_MONTH_NAMES = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
                "ноябрь", "декабрь")
_WEEKDAYS_RE = re.compile(
    r"\bпо\s+(?:понедельник|вторник|сред|четверг|пятниц|суббот)\w*"
    r"|\bкажд\w*\s+(?:понедельник|вторник|сред[уа]|четверг|пятниц[уа]|суббот[уа])\w*"
)
# «весь период», «до конца года», «конец учебного года»
_WHOLE_RE = re.compile(r"\bвесь\s+(?:период|год|учебный\s+год)\b")
_YEAR_END_RE = re.compile(
    r"(?P<until>\bдо\s+)?\b(?:конц[аеу]|конец|окончани[яею]|завершени[яею])\s+"
    r"(?:(?P<kind>учебного|календарного|текущего|отч[её]тного)\s+)?(?:(?P<year>(?:19|20)\d\d)\s*)?(?:года|г\b\.?)"
)
_TIMES_KIND: dict[str, Recurrence] = {
    "недел": "weekly", "месяц": "monthly", "квартал": "quarterly", "четверт": "quarterly",
    "год": "yearly",
}  # fmt: skip
# «III-IV квартал», «1-2 четверть» → «iii квартал - iv квартал»: each end names its unit.
_UNIT_RANGE_RE = re.compile(
    r"(?<![\w.])(iv|i{1,3}|[1-4])\s*-\s*(iv|i{1,3}|[1-4])(?![\w.])"
    r"(?:\s*-?\s*(?:ое|ой|ый|ий|ая|го|е|й|я|м)\b)?\s*(квартал\w*|полугоди\w*|четверт\w*|кв\b\.?)"
)
# «24.10.2024, 15.00, СОШ № 2»: a time of day («15.00», «14:30», «в 10.10») and a number sign are not dates.
_TIME_RE = re.compile(
    r"(?<![\d.])(?:\d{1,2}:\d{2}|\d{1,2}\.(?:00|1[3-9]|[2-5]\d))(?![\d.:])|\bв\s+\d{1,2}[.:]\d{2}(?![\d.])"
    r"|(?:№|n)\s*\d+"
)
# «по графику», «по мере необходимости», «в течение месяца» (which one is said elsewhere): dates decided elsewhere.
_UNDATED_RE = re.compile(
    r"\bпо\s+(?:\w+\s+){0,3}?(?:графику|плану|согласованию|запросу)"
    r"|\bв\s+течени[еи]\s+(?:\d+\s+|одного\s+|двух\s+|тр[её]х\s+)?(?:месяц|недел|дн[ея]|дней)\w*"
    r"|\bсогласно\s+(?:\w+\s+)?(?:графику|плану)"
    r"|\bпо\s+(?:мере\s+)?необходимости|по\s+требованию"
)


@dataclass
class _Token:
    kind: str
    text: str
    value: tuple[int, ...] = ()


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(text):
        token = _token_from_match(m)
        if token is not None:
            tokens.append(token)
    return tokens


def _token_from_match(m: re.Match[str]) -> _Token | None:
    kind, raw = m.lastgroup, m.group(0)
    if m.group("school"):
        first = int(m.group("sy1"))
        second = full_year(m.group("sy2") or m.group("sy3"), first)
        if second != first + 1:
            return _Token("word", raw)
        return _Token("school", raw, (first,))
    if m.group("date"):
        year = int(m.group("dy")) if m.group("dy") else 0
        if m.group("dy") and len(m.group("dy")) == 2:
            year += 2000
        return _Token("date", raw, (int(m.group("dd")), int(m.group("dm")), year))
    if m.group("year"):
        return _Token("year", raw, (int(m.group("year")),))
    if m.group("dom"):
        return _Token("dom", raw, (int(m.group("domday")),))
    unit = _unit_token(m)
    if unit is not None:
        return unit
    if kind == "num":
        return _Token("num", raw, (int(raw),))
    if kind == "month":
        return _Token("month", raw, (month_number(raw),))
    if kind in ("dash", "sep"):
        return _Token(kind, raw)
    for pattern, word_kind in _WORD_KINDS:
        if pattern.search(raw):
            return _Token(word_kind, raw)
    return _Token("word", raw)


def _unit_token(m: re.Match[str]) -> _Token | None:
    if m.group("ounit"):
        number, unit = int(m.group("ord")), m.group("ounit")
    elif m.group("runit"):
        number, unit = _ROMAN[m.group("rom")], m.group("runit")
    elif m.group("wunit"):
        number, unit = _WORD_ORDINAL[m.group("word_ord")[:4]], m.group("wunit")
    else:
        return None
    kind = next(v for k, v in _UNIT_KIND.items() if unit.startswith(k))
    if kind == "half" and number > 2:
        return _Token("word", m.group(0))
    return _Token("unit:" + kind, m.group(0), (number,))


# -- items --------------------------------------------------------------------

YearSource = Literal["text", "partner", "list", "context"]
ItemMode = Literal["single", "range", "from", "open", "deadline"]


@dataclass
class _Point:
    day: int | None = None
    month: int | None = None
    year: int | None = None
    year_source: YearSource | None = None
    unit: str | None = None  # quarter | half | term (school quarter, «четверть»)
    unit_no: int = 0
    whole_year: bool = False  # «2020 год»
    school_year: int | None = None  # «2021/2022 уч. год» → 2021
    approx: bool = False  # «конец ноября»
    school_half: bool = False  # «I полугодие» of a school year
    monthly: bool = False  # «до 25 числа»: a day of every month, no month of its own

    def set_year(self, year: int, source: YearSource) -> None:
        self.year, self.year_source = year, source

    def anchor_month(self) -> int:
        """The month that decides the year in a school-year document."""
        if self.month:
            return self.month
        if self.unit == "quarter":
            return self.unit_no * 3 - 2
        if self.unit == "half":
            return 9 if self.school_half and self.unit_no == 1 else (1 if self.unit_no == 1 else 7)
        if self.unit == "term":
            return (9, 11, 1, 4)[self.unit_no - 1]
        return 1

    @property
    def resolved(self) -> bool:
        return self.year is not None or self.school_year is not None


@dataclass
class _Item:
    first: _Point
    last: _Point | None = None  # the second end of a range
    mode: ItemMode = "single"

    def points(self) -> list[_Point]:
        return [self.first] if self.last is None else [self.first, self.last]


@dataclass
class _Scan:
    items: list[_Item] = field(default_factory=list)
    recurrences: list[Recurrence] = field(default_factory=list)
    during: bool = False
    strays: list[str] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)
    window: bool = False  # «1 раз в полугодие»: the whole period, no recurrence of its own
    year_end: str | None = None  # «до конца года» → "calendar"; «… учебного года» → "school"; «… 2024 года» → "2024"


_CONNECTORS = ("dash", "to")


def _scan(tokens: list[_Token], scan: _Scan) -> None:
    pending: ItemMode | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind in ("from", "deadline"):
            pending = "from" if token.kind == "from" else "deadline"
            i += 1
            continue
        if _note_flag(token, scan):
            i += 1
            continue
        if token.kind == "year" and pending != "from" and _attach_year(scan.items, token.value[0]):
            i += 1
            continue
        point, j = _parse_point(tokens, i)
        if point is None:
            if token.kind == "num":
                scan.strays.append(token.text)
            i += 1
            continue
        i = _finish_item(tokens, j, point, pending, scan)
        pending = None


def _note_flag(token: _Token, scan: _Scan) -> bool:
    if token.kind.startswith("rec:"):
        scan.recurrences.append(token.kind[4:])  # type: ignore[arg-type]
    elif token.kind == "cont":
        scan.recurrences.append("continuous")
    elif token.kind == "during":
        scan.during = True
    else:
        return False
    return True


def _finish_item(tokens: list[_Token], i: int, point: _Point, pending: ItemMode | None, scan: _Scan) -> int:
    """After a point: a range («- …», «по …», «с … до …»), an open end («- постоянно») or none."""
    is_connector = i < len(tokens) and (
        tokens[i].kind in _CONNECTORS or (tokens[i].kind == "deadline" and pending == "from")
    )
    if is_connector and i + 1 < len(tokens):
        if tokens[i + 1].kind == "cont":
            scan.items.append(_Item(point, mode="open"))
            scan.recurrences.append("continuous")
            return i + 2
        end, j = _parse_point(tokens, i + 1)
        if end is not None:
            scan.items.append(_Item(point, end, "range"))
            return j
    scan.items.append(_Item(point, mode=pending or "single"))
    return i


def _parse_point(tokens: list[_Token], i: int) -> tuple[_Point | None, int]:
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if token.kind == "approx":
        if nxt is None or nxt.kind != "month":
            return None, i
        point, j = _parse_point(tokens, i + 1)
        if point is not None:
            point.approx = True
        return point, j
    if token.kind == "year":
        return _Point(year=token.value[0], year_source="text", whole_year=True), i + 1
    if token.kind == "school":
        return _Point(school_year=token.value[0], year_source="text"), i + 1
    point, i = _base_point(tokens, i)
    if point is not None and i < len(tokens) and tokens[i].kind == "year" and point.year is None:
        point.set_year(tokens[i].value[0], "text")
        i += 1
    elif point is not None and i < len(tokens) and tokens[i].kind == "school" and point.year is None:
        _set_school_year(point, tokens[i].value[0])
        i += 1
    return point, i


def _set_school_year(point: _Point, first_year: int) -> None:
    """«II полугодие 2023-2024 уч. года», «декабрь 2023/2024 уч. г.»: the year inside that school year."""
    if point.monthly:
        return
    point.school_half = point.unit == "half"
    point.set_year(first_year if point.anchor_month() >= 9 else first_year + 1, "text")


def _base_point(tokens: list[_Token], i: int) -> tuple[_Point | None, int]:
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if token.kind == "date":
        day, month, year = token.value
        point = _Point(day=day, month=month)
        if year:
            point.set_year(year, "text")
        return point, i + 1
    if token.kind == "month":
        return _Point(month=token.value[0]), i + 1
    if token.kind == "dom" and 1 <= token.value[0] <= 31:
        return _Point(day=token.value[0], monthly=True), i + 1
    if token.kind.startswith("unit:"):
        return _Point(unit=token.kind[5:], unit_no=token.value[0]), i + 1
    if token.kind == "num" and 1 <= token.value[0] <= 31 and nxt is not None:
        if nxt.kind == "month":
            return _Point(day=token.value[0], month=nxt.value[0]), i + 2
        if _starts_day_range(tokens, i + 1):
            return _Point(day=token.value[0]), i + 1  # «17-31.01»: the month comes with the end
    return None, i


def _starts_day_range(tokens: list[_Token], i: int) -> bool:
    """«- 31.01», «по 15 марта», «до 15 марта» right after a bare day number."""
    if tokens[i].kind not in (*_CONNECTORS, "deadline") or i + 1 >= len(tokens):
        return False
    after = tokens[i + 1]
    if after.kind in ("date", "dom"):
        return True
    return after.kind == "num" and i + 2 < len(tokens) and tokens[i + 2].kind == "month"


def _attach_year(items: list[_Item], year: int) -> bool:
    """«август, 2022»: a year standing alone belongs to the year-less items before it."""
    trailing = []
    for item in reversed(items):
        if any(p.resolved for p in item.points()):
            break
        trailing.append(item)
    for item in trailing:
        for point in item.points():
            point.set_year(year, "text")
    return bool(trailing)


# -- years --------------------------------------------------------------------


def _fill_ranges(items: list[_Item]) -> None:
    """Inside a range the written half lends its month and year to the other half."""
    for item in items:
        if item.last is None:
            continue
        first, last = item.first, item.last
        if first.day is not None and first.month is None:
            first.month = last.month
            first.monthly = first.monthly or last.monthly
        if first.year is None and first.school_year is None and last.year is not None:
            first.set_year(last.year, "partner")
        if last.year is None and last.school_year is None and first.year is not None:
            last.set_year(first.year, "partner")


def _fill_list(items: list[_Item]) -> None:
    """«Апрель, май 2022»: a year written later in the list applies to earlier items."""
    written = [_item_year(item) for item in items]
    for index, item in enumerate(items):
        if written[index] is not None:
            continue
        later = next((y for y in written[index + 1 :] if y is not None), None)
        earlier = next((y for y in reversed(written[:index]) if y is not None), None)
        year = later if later is not None else earlier
        if year is None:
            continue
        for point in item.points():
            if not point.resolved:
                point.set_year(year, "list")


def _item_year(item: _Item) -> int | None:
    years = [p.year for p in item.points() if p.year is not None and p.year_source != "list"]
    return years[0] if years else None


def _fill_context(items: list[_Item], ctx: YearContext) -> bool:
    """Years still missing come from the document. Returns False if that was impossible."""
    points = [point for item in items for point in item.points()]
    for index, point in enumerate(points):
        if point.resolved:
            continue
        point.school_half = ctx.kind == "school" and point.unit == "half"
        year = ctx.year_for_month(point.anchor_month())
        if ctx.kind == "school" and point.month == 8 and ctx.first_year is not None:
            year = _school_august(points, index, ctx.first_year) or year
        if year is None:
            return False
        point.set_year(year, "context")
    return True


def _school_august(points: list[_Point], index: int, first_year: int) -> int | None:
    """August in a school-year cell: before an autumn month («август – сентябрь») the August before the school
    year; after a spring or summer month («июнь, август») the one at its end; alone, the row's place decides."""
    def undated(point: _Point) -> bool:
        return point.month is not None and point.year_source in (None, "context")

    if any(undated(later) and (later.month or 0) >= 9 for later in points[index + 1 :]):
        return first_year
    if any(undated(earlier) and (earlier.month or 12) < 8 for earlier in points[:index]):
        return first_year + 1
    return None


# -- spans --------------------------------------------------------------------


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _span(point: _Point, ctx: YearContext) -> tuple[date, date]:
    """First and last day a point covers; raises ValueError for impossible dates."""
    if point.school_year is not None:
        return date(point.school_year, 9, 1), safe_date(point.school_year + 1, *ctx.school_end)
    year = point.year
    assert year is not None
    if point.whole_year:
        return date(year, 1, 1), date(year, 12, 31)
    if point.unit:
        return _unit_span(point, year, ctx)
    assert point.month is not None
    if point.day is not None:
        day = date(year, point.month, point.day)
        return day, day
    return date(year, point.month, 1), _last_day(year, point.month)


def _unit_span(point: _Point, year: int, ctx: YearContext) -> tuple[date, date]:
    n = point.unit_no
    if point.unit == "quarter":
        return date(year, 3 * n - 2, 1), _last_day(year, 3 * n)
    if point.unit == "half":
        if point.school_half:
            if n == 1:
                return date(year, 9, 1), date(year, 12, 31)
            return date(year, 1, 1), safe_date(year, *ctx.school_end)
        return (date(year, 1, 1), date(year, 6, 30)) if n == 1 else (date(year, 7, 1), date(year, 12, 31))
    # «четверть»: school terms
    starts = ((9, 1), (11, 1), (1, 1), (4, 1))
    ends = ((10, 31), (12, 31), (3, 31), ctx.school_end)
    return date(year, *starts[n - 1]), safe_date(year, *ends[n - 1])


def _fix_wrap(item: _Item, ctx: YearContext) -> None:
    """«ноябрь – январь 2020»: a range running backwards crosses a new year."""
    assert item.last is not None
    if _span(item.first, ctx)[0] <= _span(item.last, ctx)[1]:
        return
    if item.last.year_source in ("context", "list") and item.last.year is not None:
        item.last.year += 1
    elif item.first.year_source in ("partner", "context", "list") and item.first.year is not None:
        item.first.year -= 1


def _item_period(item: _Item, ctx: YearContext, notes: list[str]) -> Period:
    if any(p.approx for p in item.points()):
        notes.append(plain("roadmap.warnings.approx_month"))
    start, end = _span(item.first, ctx)
    if item.mode == "single":
        return Period(start, end)
    if item.mode == "deadline":
        # «до 27 марта» includes the day; «до марта» means before March begins.
        return Period(None, end if item.first.day is not None else start - timedelta(days=1))
    if item.mode in ("from", "open"):
        return Period(start, _open_end(start, ctx, notes))
    assert item.last is not None
    _fix_wrap(item, ctx)
    start, _ = _span(item.first, ctx)
    _, end = _span(item.last, ctx)
    if start > end:
        notes.append(plain("roadmap.warnings.swapped"))
        start, end = _span(item.last, ctx)[0], _span(item.first, ctx)[1]
    return Period(start, end)


def _open_end(start: date, ctx: YearContext, notes: list[str]) -> date:
    window = ctx.window
    if window and window[1] >= start:
        return window[1]
    notes.append(plain("roadmap.warnings.open_end"))
    return date(start.year, 12, 31)


# -- public -------------------------------------------------------------------


def parse_when(text: str, ctx: YearContext) -> When:
    """Parse one date cell as written. Never raises; what cannot be dated is flagged."""
    try:
        return _parse_when(text, ctx)
    except Exception:  # the grammar must never take an import down
        return When([], None, [plain("roadmap.warnings.unparsable", text=clean(text))])


def _parse_when(text: str, ctx: YearContext) -> When:
    shown = clean(text)
    if not shown:
        return When([], None, [plain("roadmap.warnings.no_date")])
    body, scan = _prescan(norm(text))
    _scan(_tokenize(body), scan)
    recurrence = _recurrence(scan)
    notes: list[str] = []
    periods = _periods(scan, recurrence, ctx, notes)
    if not periods:
        periods = _window_periods(scan, recurrence, ctx, notes)
    if not periods and not notes:
        notes.append(_undated_note(shown, scan))
    elif scan.strays and periods:
        notes.append(plain("roadmap.warnings.stray_number", numbers=", ".join(scan.strays)))
    notes.extend(_outside_window(periods, ctx))
    return When(sorted(set(periods), key=_period_key), recurrence, _unique(notes))


def _decade(m: re.Match[str]) -> str:
    number = int(m.group("n")) if m.group("n") else (
        len(m.group("rom")) if m.group("rom") else _WORD_ORDINAL[m.group("word")[:4]])
    month = month_number(m.group("month"))
    first, last = (1, 10) if number == 1 else (11, 20) if number == 2 else (21, _DECADE_LAST.get(month, 31))
    return f"{first:02d}.{month:02d}-{last:02d}.{month:02d}"


def _spelled_numbers(text: str) -> str:
    """Dates as programs and some offices write them, in the forms the grammar reads."""
    text = _ISO_DATE_RE.sub(lambda m: f"{m.group(3)}.{m.group(2)}.{m.group(1)}", text)
    text = _SLASH_DATE_RE.sub(lambda m: f"{m.group(1)}.{m.group(2)}.{m.group(3)}", text)
    text = _MONTH_YEAR_RE.sub(lambda m: f"{_MONTH_NAMES[int(m.group(1)) - 1]} {m.group(2)}", text)
    return _DECADE_RE.sub(_decade, text)


def _prescan(text: str) -> tuple[str, _Scan]:
    scan = _Scan()
    text = _spelled_numbers(text)
    for m in _TIMES_RE.finditer(text):
        unit = m.group(m.lastindex or 0)
        if unit.startswith("полугоди") or m.group("every"):  # «раз в полугодие», «раз в 2 месяца»
            scan.window = True
            continue
        found = next((kind for stem, kind in _TIMES_KIND.items() if stem in unit), None)
        if found:
            scan.recurrences.append(found)
    text = _TIMES_RE.sub(" ", text)
    if _WEEKDAY_OF_MONTH_RE.search(text):
        scan.recurrences.append("monthly")
        text = _WEEKDAY_OF_MONTH_RE.sub(" ", text)
    text = _WEEK_OF_RE.sub(" ", text)
    if _WEEKDAYS_RE.search(text):  # «по средам», «каждый четверг»
        scan.recurrences.append("weekly")
        text = _WEEKDAYS_RE.sub(" ", text)
    if _WHOLE_RE.search(text):
        scan.during = True
        text = _WHOLE_RE.sub(" ", text)
    end = _YEAR_END_RE.search(text)
    if end:
        scan.year_end = end.group("year") or ("school" if end.group("kind") == "учебного" else "calendar")
        text = _YEAR_END_RE.sub(" ", text)
    text = _TIME_RE.sub(" ", text)
    text = _UNIT_RANGE_RE.sub(r"\1 \3 - \2 \3", text)
    scan.undated = [m.group(0) for m in _UNDATED_RE.finditer(text)]
    return _UNDATED_RE.sub(" ", text), scan


def _recurrence(scan: _Scan) -> Recurrence | None:
    explicit = [r for r in scan.recurrences if r != "continuous"]
    if explicit:
        return explicit[0]
    if "continuous" in scan.recurrences or scan.during:
        return "continuous"
    return None


def _periods(scan: _Scan, recurrence: Recurrence | None, ctx: YearContext, notes: list[str]) -> list[Period]:
    if not scan.items:
        return []
    _fill_ranges(scan.items)
    monthly = [item for item in scan.items if all(p.monthly for p in item.points())]
    items = [item for item in scan.items if item not in monthly]
    if monthly and not items and recurrence not in (None, "monthly") and ctx.window is not None:
        return [Period(*ctx.window)]  # «ежеквартально, до 5 числа»: the day within the cycle is left to the row
    found = _each_month(monthly, recurrence, ctx, notes) if monthly else []
    if not items:
        return found
    return found + _dated_periods(items, recurrence, ctx, notes)


def _dated_periods(
    items: list[_Item], recurrence: Recurrence | None, ctx: YearContext, notes: list[str]
) -> list[Period]:
    since = _start_year(items) if recurrence == "yearly" else None
    if since is not None:  # «Май, ежегодно с 2024 года»: the year starts the cycle, May is its place
        items = [item for item in items if not _is_start_year(item)]
        if ctx.window is None:
            ctx = YearContext.calendar(since)
    _fill_list(items)
    guessed = ctx.kind == "multi" and any(not p.resolved for i in items for p in i.points())
    if not _fill_context(items, ctx):
        notes.append(plain("roadmap.warnings.no_year"))
        return []
    if recurrence == "yearly" and guessed:
        return _each_year(items, ctx, notes, since)
    if guessed:
        notes.append(plain("roadmap.warnings.year_assumed", year=ctx.year_for_month(1)))
    return _drop_covering_months(_item_periods(items, ctx, notes))


def _item_periods(items: list[_Item], ctx: YearContext, notes: list[str]) -> list[tuple[_Item, Period]]:
    pairs = []
    for item in items:
        try:
            pairs.append((item, _item_period(item, ctx, notes)))
        except ValueError:
            notes.append(plain("roadmap.warnings.bad_date", date=_describe_item(item)))
    return pairs


def _is_start_year(item: _Item) -> bool:
    return item.mode == "from" and item.last is None and item.first.whole_year


def _start_year(items: list[_Item]) -> int | None:
    """«ежегодно с 2025 года, октябрь»: the year after «с», when something else names the place in the cycle."""
    starts = [item.first.year for item in items if _is_start_year(item)]
    if not starts or len(starts) == len(items):
        return None
    return starts[0]


def _each_year(items: list[_Item], ctx: YearContext, notes: list[str], since: int | None = None) -> list[Period]:
    """«ежегодно, ноябрь» in a 2020–2022 document: every November of the window (from ``since`` on)."""
    assert ctx.first_year is not None and ctx.last_year is not None
    window = ctx.window
    assert window is not None
    periods: list[Period] = []
    for year in range(max(ctx.first_year, since or ctx.first_year), ctx.last_year + 1):
        for item in items:
            for point in item.points():
                if point.year_source == "context":
                    point.year = year
            periods.extend(p for _, p in _item_periods([item], ctx, notes))
    return [p for p in periods if p.end >= window[0] and (p.start or p.end) <= window[1]]


def _each_month(items: list[_Item], recurrence: Recurrence | None, ctx: YearContext, notes: list[str]) -> list[Period]:
    """«до 25 числа ежемесячно»: that day (or deadline) in every month of the window."""
    window = ctx.window
    if recurrence != "monthly" or window is None:
        notes.append(plain("roadmap.warnings.day_without_month"))
        return []
    periods: list[Period] = []
    year, month = window[0].year, window[0].month
    while date(year, month, 1) <= window[1]:
        for item in items:
            first = safe_date(year, month, item.first.day or 1)
            last = safe_date(year, month, item.last.day or 1) if item.last is not None else first
            if item.mode == "deadline":
                periods.append(Period(None, first))
            elif first <= last:
                periods.append(Period(first, last))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [p for p in periods if window[0] <= p.end <= window[1]]


def _drop_covering_months(pairs: list[tuple[_Item, Period]]) -> list[Period]:
    """«Ноябрь 15.11, 17.11»: a month named before its own dates is a heading, not a period."""
    periods = [period for _, period in pairs]
    return [period for item, period in pairs if not (_is_bare_month(item) and _covers_other(period, periods))]


def _is_bare_month(item: _Item) -> bool:
    return item.mode == "single" and item.first.month is not None and item.first.day is None


def _covers_other(period: Period, periods: list[Period]) -> bool:
    assert period.start is not None
    return any(p != period and p.start is not None and period.start <= p.start and p.end <= period.end for p in periods)


def _window_periods(scan: _Scan, recurrence: Recurrence | None, ctx: YearContext, notes: list[str]) -> list[Period]:
    """«ежемесячно», «постоянно», «в течение учебного года»: the whole document period."""
    if scan.items:
        return []
    if scan.year_end is not None:
        return _year_end(scan.year_end, ctx, notes)
    if recurrence is None and not scan.window:
        return []
    window = ctx.window
    if window is None:
        notes.append(plain("roadmap.warnings.recurring_no_window"))
        return []
    return [Period(*window)]


def _year_end(kind: str, ctx: YearContext, notes: list[str]) -> list[Period]:
    """«до конца года»: a deadline at the end of the (school) year of the document, or of the year written."""
    if kind.isdigit():
        return [Period(None, date(int(kind), 12, 31))]
    if kind == "school" or ctx.kind == "school" and kind != "calendar":
        window = ctx.window
        if window is not None and ctx.kind == "school":
            return [Period(None, window[1])]
    year = ctx.year_for_month(12)
    if kind == "school" and year is not None:
        return [Period(None, safe_date(year + 1, *ctx.school_end))]
    if year is None:
        notes.append(plain("roadmap.warnings.no_year"))
        return []
    return [Period(None, date(year, 12, 31))]


def _undated_note(shown: str, scan: _Scan) -> str:
    if scan.undated:
        return plain("roadmap.warnings.undated_by", said=clean(scan.undated[0]))
    return plain("roadmap.warnings.unrecognised", text=shown)


def _outside_window(periods: list[Period], ctx: YearContext) -> list[str]:
    window = ctx.window
    if window is None:
        return []
    # The August before a school year prepares it (the August teachers' council): not a typo to flag.
    opens = window[0].replace(month=8) if ctx.kind == "school" else window[0]
    outside = [p for p in periods if p.end < opens or (p.start or p.end) > window[1]]
    if not outside:
        return []
    return [plain("roadmap.warnings.outside_window", period=_describe_period(outside[0]), window=ctx.describe())]


def _describe_period(period: Period) -> str:
    end = period.end.strftime("%d.%m.%Y")
    if period.start is None:
        return plain("roadmap.period.until", date=end)
    start = period.start.strftime("%d.%m.%Y")
    return start if period.start == period.end else f"{start}–{end}"


def _describe_item(item: _Item) -> str:
    p = item.first
    return f"{p.day or ''}.{p.month or ''}.{p.year or ''}".strip(".")


def _period_key(period: Period) -> tuple[date, date]:
    return (period.start or period.end, period.end)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# Words a date cell uses around its dates («в течение учебного года», «не позднее»): neither dates nor not.
_NEUTRAL_WORDS = frozenset(
    "в во на и или г гг год года году годы учебного учебный учебном уч всего периода период месяц месяца месяцев "
    "числа число раз течении не ранее итогам каждый каждого каждую неделю недели том числе т ч года этап этапа".split()
)
_ANCHORS = ("date", "month", "year", "school", "dom", "cont", "during")
_DAY_KINDS = ("date", "dom")


def date_profile(text: str) -> tuple[float, str | None]:
    """How much a cell looks like a date cell (0..1) and how precise it is: "day", "month" or "other".

    For telling a dates column from a column of titles that mention a year («Анализ ВПР 2023 года»): the
    share of date tokens among the tokens that are dates or plain words.
    """
    lowered = norm(text)
    if not lowered or len(lowered) > 200:
        return 0.0, None
    body, scan = _prescan(lowered)
    tokens = _tokenize(body)
    anchors = [t for t in tokens if t.kind in _ANCHORS or t.kind.startswith(("unit:", "rec:"))]
    if scan.recurrences or scan.undated:
        anchors.append(_Token("cont", ""))
    words = sum(1 for t in tokens if t.kind == "word" and t.text not in _NEUTRAL_WORDS)
    if not anchors:
        return 0.0, None
    share = len(anchors) / (len(anchors) + words)
    days = any(t.kind in _DAY_KINDS for t in tokens) or any(
        a.kind == "num" and b.kind == "month" for a, b in zip(tokens, tokens[1:], strict=False)
    )
    if days:
        return share, "day"
    if any(t.kind == "month" for t in tokens):
        return share, "month"
    return share, "other"


_EXPLICIT_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def last_written_year(text: str) -> int | None:
    """The last four-digit year written in a cell (guides later year-less rows)."""
    years = _EXPLICIT_YEAR_RE.findall(text or "")
    return int(years[-1]) if years else None
