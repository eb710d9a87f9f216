"""Property tests: dates rendered the ways roadmaps write them come back as the same days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.roadmap import Period, YearContext, parse_when

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь"]  # fmt: skip
MONTHS_OF = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
             "октября", "ноября", "декабря"]  # fmt: skip
DASHES = st.sampled_from(["-", "–", "—", " - ", " – ", "- ", " -"])
YEAR_WORDS = st.sampled_from(["", " г.", " г", " года", "года", " год"])
CONTEXTS = st.sampled_from(
    [YearContext(), YearContext.calendar(2022), YearContext.school(2021), YearContext.multi(2019, 2021)]
)

days_in_range = st.dates(min_value=date(2001, 1, 1), max_value=date(2035, 12, 31))


def dd_mm(day: date, trailing_dot: bool = False) -> str:
    return f"{day:%d.%m}" + ("." if trailing_dot else "")


def month_word(month: int, capital: bool) -> str:
    word = MONTHS[month - 1]
    return word.capitalize() if capital else word


def last_day(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


@st.composite
def day_renderings(draw: st.DrawFn) -> tuple[str, date, YearContext]:
    day = draw(days_in_range)
    style = draw(st.integers(0, 3))
    if style == 0:
        return f"{day:%d.%m.%Y}", day, YearContext()
    if style == 1:
        return f"{day:%d.%m.%y}", day, YearContext()
    if style == 2:
        return f"{day.day} {MONTHS_OF[day.month - 1]} {day.year}{draw(YEAR_WORDS)}", day, YearContext()
    return dd_mm(day, draw(st.booleans())), day, YearContext.calendar(day.year)


@given(day_renderings())
def test_single_day(case: tuple[str, date, YearContext]) -> None:
    text, day, ctx = case
    assert parse_when(text, ctx).periods == [Period(day, day)]


@st.composite
def ranges_in_a_year(draw: st.DrawFn) -> tuple[date, date]:
    first = draw(days_in_range)
    last = draw(st.dates(min_value=first, max_value=date(first.year, 12, 31)))
    return first, last


@given(ranges_in_a_year(), DASHES, st.booleans())
def test_day_range_numeric(span: tuple[date, date], dash: str, dots: bool) -> None:
    first, last = span
    text = f"{dd_mm(first, dots)}{dash}{dd_mm(last, dots)}"
    assert parse_when(text, YearContext.calendar(first.year)).periods == [Period(first, last)]


@given(ranges_in_a_year(), DASHES)
def test_day_range_in_words(span: tuple[date, date], dash: str) -> None:
    first, last = span
    if first.month == last.month:
        text = f"{first.day}{dash}{last.day} {MONTHS_OF[last.month - 1]} {last.year} г."
    else:
        text = f"с {first.day} {MONTHS_OF[first.month - 1]} по {last.day} {MONTHS_OF[last.month - 1]} {last.year} года"
    assert parse_when(text, YearContext()).periods == [Period(first, last)]


@given(st.lists(st.dates(date(2022, 1, 1), date(2022, 12, 31)), min_size=1, max_size=6, unique=True),
       st.sampled_from([", ", ",", "; ", " , "]))  # fmt: skip
def test_list_of_days(days: list[date], separator: str) -> None:
    days.sort()
    text = separator.join(dd_mm(d) for d in days)
    assert parse_when(text, YearContext.calendar(2022)).periods == [Period(d, d) for d in days]


@given(st.integers(2001, 2035), st.integers(1, 12), st.booleans(), YEAR_WORDS)
def test_month_with_year(year: int, month: int, capital: bool, year_word: str) -> None:
    text = f"{month_word(month, capital)} {year}{year_word}"
    expected = Period(date(year, month, 1), last_day(year, month))
    assert parse_when(text, YearContext()).periods == [expected]


@given(st.integers(2001, 2035), st.integers(1, 12), st.integers(1, 12), DASHES, st.booleans())
def test_month_range(year: int, a: int, b: int, dash: str, capital: bool) -> None:
    first, last = min(a, b), max(a, b)
    text = f"{month_word(first, capital)}{dash}{month_word(last, False)} {year} года"
    expected = Period(date(year, first, 1), last_day(year, last))
    assert parse_when(text, YearContext()).periods == [expected]


@given(st.lists(st.integers(1, 12), min_size=1, max_size=5, unique=True), st.booleans())
def test_month_list_in_a_school_year(months: list[int], capital: bool) -> None:
    school_order = sorted(months, key=lambda m: (m < 9, m))
    text = ", ".join(month_word(m, capital and i == 0) for i, m in enumerate(school_order))
    expected = []
    for m in school_order:
        year = 2021 if m >= 9 else 2022
        expected.append(Period(date(year, m, 1), last_day(year, m)))
    assert parse_when(text, YearContext.school(2021)).periods == sorted(expected, key=lambda p: p.end)


@given(days_in_range, st.sampled_from(["до", "До", "не позднее"]))
def test_deadline(day: date, word: str) -> None:
    text = f"{word} {day.day} {MONTHS_OF[day.month - 1]} {day.year} г."
    assert parse_when(text, YearContext()).periods == [Period(None, day)]


def check_invariants(text: str, ctx: YearContext) -> None:
    when = parse_when(text, ctx)
    for period in when.periods:
        assert period.start is None or period.start <= period.end
    assert when.recurrence in (None, "weekly", "monthly", "quarterly", "yearly", "continuous")
    assert all(isinstance(w, str) and w for w in when.warnings)
    if not when.periods and when.recurrence is None:
        assert when.warnings, f"undated «{text}» without a warning"


@settings(max_examples=300)
@given(st.text(), CONTEXTS)
def test_never_raises_on_arbitrary_text(text: str, ctx: YearContext) -> None:
    check_invariants(text, ctx)


TOKENS = st.sampled_from(
    [*MONTHS, *MONTHS_OF, "с", "по", "до", "-", "–", ",", ".", "ежегодно", "ежемесячно", "постоянно",
     "в течение", "учебного года", "2021", "2022", "2019", "г.", "года", "IV", "квартал", "полугодие",
     "1", "15", "31", "0", "99", "31.02", "29.02", "15.11", "10.03.", "24.02.2022", "2021/2022", "уч.",
     "конец", "начало", "по графику", "раз в четверть"]
)  # fmt: skip


@settings(max_examples=500)
@given(st.lists(TOKENS, max_size=8).map(" ".join), CONTEXTS)
def test_never_raises_on_date_like_noise(text: str, ctx: YearContext) -> None:
    check_invariants(text, ctx)
