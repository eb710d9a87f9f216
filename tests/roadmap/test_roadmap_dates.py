"""Date cells of real roadmaps → periods, written out by hand from the rules in docs/roadmap-parser.md."""

from __future__ import annotations

import pytest
from roadmap_builders import periods_of

from bot.services.roadmap import YearContext, detect_year_context, parse_when

CAL = YearContext.calendar(2022)
SCHOOL = YearContext.school(2021)
MULTI = YearContext.multi(2020, 2022)
NONE = YearContext()

# (cell as written, document context, expected periods, expected recurrence)
CASES = [
    # -- days, ranges and lists without a year: the document's year
    ("24.02", CAL, [("2022-02-24", "2022-02-24")], None),
    ("14.03-18.03", CAL, [("2022-03-14", "2022-03-18")], None),
    ("12.09.-07.10.", CAL, [("2022-09-12", "2022-10-07")], None),
    ("14.03.-31.03", CAL, [("2022-03-14", "2022-03-31")], None),
    ("17-31.01", CAL, [("2022-01-17", "2022-01-31")], None),
    ("01-10.06", CAL, [("2022-06-01", "2022-06-10")], None),
    ("14.02-\n17.02", CAL, [("2022-02-14", "2022-02-17")], None),
    ("16.02, 04.03", CAL, [("2022-02-16", "2022-02-16"), ("2022-03-04", "2022-03-04")], None),
    ("15.12.", CAL, [("2022-12-15", "2022-12-15")], None),
    (
        "Ноябрь 15.11, 17.11, 22.11",
        CAL,
        [("2022-11-15", "2022-11-15"), ("2022-11-17", "2022-11-17"), ("2022-11-22", "2022-11-22")],
        None,
    ),
    # -- months
    ("Апрель, май", CAL, [("2022-04-01", "2022-04-30"), ("2022-05-01", "2022-05-31")], None),
    ("Февраль, декабрь", CAL, [("2022-02-01", "2022-02-28"), ("2022-12-01", "2022-12-31")], None),
    ("Февраль,\nдекабрь", CAL, [("2022-02-01", "2022-02-28"), ("2022-12-01", "2022-12-31")], None),
    ("Май", CAL, [("2022-05-01", "2022-05-31")], None),
    ("Март 2022года", NONE, [("2022-03-01", "2022-03-31")], None),
    ("Сентябрь – декабрь 2022 года", NONE, [("2022-09-01", "2022-12-31")], None),
    ("Сентябрь—декабрь 2022 г.", NONE, [("2022-09-01", "2022-12-31")], None),
    ("Ноябрь 2019-январь 2020", NONE, [("2019-11-01", "2020-01-31")], None),
    ("Ноябрь - январь 2020", NONE, [("2019-11-01", "2020-01-31")], None),
    ("март-апрель", CAL, [("2022-03-01", "2022-04-30")], None),
    ("Февраль-ноябрь, 4", CAL, [("2022-02-01", "2022-11-30")], None),  # «4» is a page number
    ("август, 2022", NONE, [("2022-08-01", "2022-08-31")], None),
    ("Апрель, май 2021", CAL, [("2021-04-01", "2021-04-30"), ("2021-05-01", "2021-05-31")], None),
    (
        "Сентябрь 2022 года   Октябрь 2022 года   Ноябрь 2022 года Ноябрь 2022 года",
        NONE,
        [("2022-09-01", "2022-09-30"), ("2022-10-01", "2022-10-31"), ("2022-11-01", "2022-11-30")],
        None,
    ),
    ("Декабрь- январь", CAL, [("2022-12-01", "2023-01-31")], None),
    # -- days with a month name, full years
    ("24.02.2022", NONE, [("2022-02-24", "2022-02-24")], None),
    ("24.02.22", NONE, [("2022-02-24", "2022-02-24")], None),
    ("10 марта", CAL, [("2022-03-10", "2022-03-10")], None),
    ("с 10 по 15 марта", CAL, [("2022-03-10", "2022-03-15")], None),
    ("с 10 марта по 5 апреля", CAL, [("2022-03-10", "2022-04-05")], None),
    ("10-15 марта 2022 г.", NONE, [("2022-03-10", "2022-03-15")], None),
    ("с 28.12.2021 по 10.01.2022", NONE, [("2021-12-28", "2022-01-10")], None),
    # -- deadlines
    ("до 27 марта 2022 г.", NONE, [(None, "2022-03-27")], None),
    ("До 1 апреля 2022", NONE, [(None, "2022-04-01")], None),
    ("до 1 декабря", CAL, [(None, "2022-12-01")], None),
    ("не позднее 10.03", CAL, [(None, "2022-03-10")], None),
    ("до марта", CAL, [(None, "2022-02-28")], None),
    # -- quarters and half-years
    ("IV квартал 2023 г.", NONE, [("2023-10-01", "2023-12-31")], None),
    ("1 квартал", CAL, [("2022-01-01", "2022-03-31")], None),
    ("I полугодие", CAL, [("2022-01-01", "2022-06-30")], None),
    ("I полугодие", SCHOOL, [("2021-09-01", "2021-12-31")], None),
    ("второе полугодие", SCHOOL, [("2022-01-01", "2022-05-31")], None),
    ("2-е полугодие 2022", NONE, [("2022-07-01", "2022-12-31")], None),
    ("3 четверть", SCHOOL, [("2022-01-01", "2022-03-31")], None),
    # -- school year: September–December in the first year, January–August in the second
    ("Октябрь, декабрь", SCHOOL, [("2021-10-01", "2021-10-31"), ("2021-12-01", "2021-12-31")], None),
    ("Февраль", SCHOOL, [("2022-02-01", "2022-02-28")], None),
    ("декабрь – февраль", SCHOOL, [("2021-12-01", "2022-02-28")], None),
    ("в течение учебного года", SCHOOL, [("2021-09-01", "2022-05-31")], "continuous"),
    (
        "В течение 2021- 2022 уч. года, 2022- 2023 уч. года",
        CAL,
        [("2021-09-01", "2022-05-31"), ("2022-09-01", "2023-05-31")],
        "continuous",
    ),
    ("2021/2022 учебный год", NONE, [("2021-09-01", "2022-05-31")], None),
    # -- approximations: the whole month
    ("конец ноября", CAL, [("2022-11-01", "2022-11-30")], None),
    ("начало декабря", CAL, [("2022-12-01", "2022-12-31")], None),
    # -- recurring rows span the window …
    ("ежемесячно", CAL, [("2022-01-01", "2022-12-31")], "monthly"),
    ("Еженедельно по графику", CAL, [("2022-01-01", "2022-12-31")], "weekly"),
    ("постоянно", MULTI, [("2020-01-01", "2022-12-31")], "continuous"),
    ("в течение года", CAL, [("2022-01-01", "2022-12-31")], "continuous"),
    ("В течение года по специальному графику", CAL, [("2022-01-01", "2022-12-31")], "continuous"),
    ("В течение всего периода", MULTI, [("2020-01-01", "2022-12-31")], "continuous"),
    ("1 раз в четверть", SCHOOL, [("2021-09-01", "2022-05-31")], "quarterly"),
    ("ежегодно", MULTI, [("2020-01-01", "2022-12-31")], "yearly"),
    # … from their start to the window end …
    ("Ежемесячно с марта 2022", CAL, [("2022-03-01", "2022-12-31")], "monthly"),
    ("С марта 2022 г. ежемесячно", CAL, [("2022-03-01", "2022-12-31")], "monthly"),
    ("ежемесячно с февраля", CAL, [("2022-02-01", "2022-12-31")], "monthly"),
    ("С апреля ежеквартально", CAL, [("2022-04-01", "2022-12-31")], "quarterly"),
    ("Январь 2020 - постоянно", MULTI, [("2020-01-01", "2022-12-31")], "continuous"),
    # … or fall at the same place in each cycle
    (
        "ежегодно, ноябрь",
        MULTI,
        [("2020-11-01", "2020-11-30"), ("2021-11-01", "2021-11-30"), ("2022-11-01", "2022-11-30")],
        "yearly",
    ),
    (
        "ежегодно, май",
        MULTI,
        [("2020-05-01", "2020-05-31"), ("2021-05-01", "2021-05-31"), ("2022-05-01", "2022-05-31")],
        "yearly",
    ),
    ("ежегодно, май", SCHOOL, [("2022-05-01", "2022-05-31")], "yearly"),
    (
        "ежегодно (сентябрь -октябрь)",
        YearContext.multi(2021, 2023),
        [("2021-09-01", "2021-10-31"), ("2022-09-01", "2022-10-31"), ("2023-09-01", "2023-10-31")],
        "yearly",
    ),
    # -- whole years
    ("2020 год", MULTI, [("2020-01-01", "2020-12-31")], None),
    ("2020-2021", MULTI, [("2020-01-01", "2021-12-31")], None),
    ("Январь 2020-2021", MULTI, [("2020-01-01", "2021-12-31")], None),
    # -- undated: kept with a warning
    ("по графику", CAL, [], None),
    ("по мере необходимости", CAL, [], None),
    ("в течение месяца", CAL, [], None),  # which month is said elsewhere (a month column, a heading)
    # -- cycles the recurrence values do not name
    ("1 раз в 2 месяца", CAL, [("2022-01-01", "2022-12-31")], None),
    ("каждую последнюю пятницу месяца", CAL, [("2022-01-01", "2022-12-31")], "monthly"),
    ("в первый вторник каждого месяца", SCHOOL, [("2021-09-01", "2022-05-31")], "monthly"),
    ("3-я неделя октября", CAL, [("2022-10-01", "2022-10-31")], None),
    ("вторая неделя мая", SCHOOL, [("2022-05-01", "2022-05-31")], None),
    ("1 неделя марта", SCHOOL, [("2022-03-01", "2022-03-31")], None),
    ("октябрь (2 неделя)", SCHOOL, [("2021-10-01", "2021-10-31")], None),
    ("2-я половина октября", CAL, [("2022-10-01", "2022-10-31")], None),
    ("в течение 2 недели", CAL, [], None),  # a duration, not a week of the month
    # -- decades: the ten days (the third runs to the month's end)
    ("1-я декада октября", SCHOOL, [("2021-10-01", "2021-10-10")], None),
    ("вторая декада ноября", CAL, [("2022-11-11", "2022-11-20")], None),
    ("III декада мая", SCHOOL, [("2022-05-21", "2022-05-31")], None),
    ("3 декада февраля 2022 г.", NONE, [("2022-02-21", "2022-02-28")], None),
    ("3-я декада апреля", CAL, [("2022-04-21", "2022-04-30")], None),
    # -- numbers as programs write them: a month with its year, ISO and slashed dates
    ("09.2021", SCHOOL, [("2021-09-01", "2021-09-30")], None),
    ("12.2022 г.", CAL, [("2022-12-01", "2022-12-31")], None),
    ("09.2021-05.2022", SCHOOL, [("2021-09-01", "2022-05-31")], None),
    ("01.2022, 03.2022", SCHOOL, [("2022-01-01", "2022-01-31"), ("2022-03-01", "2022-03-31")], None),
    ("2022-10-27", CAL, [("2022-10-27", "2022-10-27")], None),
    ("2022-03-14 - 2022-03-18", CAL, [("2022-03-14", "2022-03-18")], None),
    ("27/10/2022", CAL, [("2022-10-27", "2022-10-27")], None),
    ("до 01/12/2022", CAL, [(None, "2022-12-01")], None),
    # -- August in a school year: before September it prepares the year, after the spring it ends it
    ("август – сентябрь", SCHOOL, [("2021-08-01", "2021-09-30")], None),
    ("август, сентябрь", SCHOOL, [("2021-08-01", "2021-08-31"), ("2021-09-01", "2021-09-30")], None),
    ("июнь, август", SCHOOL, [("2022-06-01", "2022-06-30"), ("2022-08-01", "2022-08-31")], None),
    ("август", SCHOOL, [("2022-08-01", "2022-08-31")], None),
    ("в течение 2 недель", CAL, [], None),
    ("12", CAL, [], None),
    ("", CAL, [], None),
    ("ежемесячно", NONE, [], "monthly"),
    ("Май", NONE, [], None),
]


@pytest.mark.parametrize(("text", "ctx", "expected", "recurrence"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_when(text: str, ctx: YearContext, expected: list, recurrence: str | None) -> None:
    when = parse_when(text, ctx)
    assert when.periods == periods_of(expected)
    assert when.recurrence == recurrence
    if not expected:
        assert when.warnings, "an undated row must say why"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("по графику", "по графику"),
        ("по мере необходимости", "по мере необходимости"),
        ("12", "Не удалось распознать"),
        ("", "не указан"),
        ("Февраль-ноябрь, 4", "номер страницы"),
        ("конец ноября", "приблизительно"),
        ("Апрель – декабрь 2021 года", "вне периода документа"),
        ("31.02", "Неверная дата"),
    ],
)
def test_warnings_are_russian_and_specific(text: str, fragment: str) -> None:
    warnings = parse_when(text, CAL).warnings
    assert any(fragment in w for w in warnings), warnings


def test_multi_year_document_uses_the_year_of_earlier_rows() -> None:
    when = parse_when("Май", MULTI.with_hint(2021))
    assert when.periods == periods_of([("2021-05-01", "2021-05-31")])
    assert any("принят 2021" in w for w in when.warnings)


def test_clean_cells_have_no_warnings() -> None:
    for text in ("24.02", "Сентябрь – декабрь 2022 года", "ежемесячно", "Апрель, май"):
        assert parse_when(text, CAL).warnings == [], text


@pytest.mark.parametrize(
    ("lines", "kind", "first", "last"),
    [
        (["МУНИЦИПАЛЬНАЯ ДОРОЖНАЯ КАРТА … на 2022 год"], "calendar", 2022, 2022),
        (["План – график … в рамках реализации проекта «500+» в 2022 году"], "calendar", 2022, 2022),
        (["ПЛАНЫ «ДОРОЖНЫЕ КАРТЫ»", "2021/2022 учебный год"], "school", 2021, 2022),
        (["План мероприятий … на 2021- 2022 учебный год"], "school", 2021, 2022),
        (["План мероприятий на 2021-2022 уч. год"], "school", 2021, 2022),
        (["«Разработка и внедрение модели … на 2020 – 2022 гг.»", "Подпорожье", "2020 год"], "multi", 2020, 2022),
        (["Дорожная карта 2019–2021"], "multi", 2019, 2021),
        (["План работы на 2026 календарный год"], "calendar", 2026, 2026),
        (["План мероприятий по наставничеству 2026"], "calendar", 2026, 2026),  # a title ending with its year
        (["Программа развития школы до 2030"], "none", None, None),
        (["План на учебный год 2025-2026"], "school", 2025, 2026),
        (["План работы. Учебный год: 2025/26"], "school", 2025, 2026),
        (["на 2021-2024 годы"], "multi", 2021, 2024),
        # the line nearest to the table wins; inside one line, the first mention
        (["на 2021-2022 учебный год", "План на 2022 год"], "calendar", 2022, 2022),
        (["на 2022 год, … на 2021-2022 учебный год, … в 2022 году"], "calendar", 2022, 2022),
        (["от 05 марта 2022 года № 94"], "none", None, None),
        (["Подпорожье", "2020 год"], "calendar", 2020, 2020),
    ],
)
def test_detect_year_context(lines: list[str], kind: str, first: int | None, last: int | None) -> None:
    ctx = detect_year_context(lines)
    assert (ctx.kind, ctx.first_year, ctx.last_year) == (kind, first, last)


def test_caller_year_is_the_last_resort() -> None:
    assert detect_year_context(["Дорожная карта"], 2023) == YearContext.calendar(2023)
    assert detect_year_context(["на 2022 год"], 2023) == YearContext.calendar(2022)


def test_school_year_end_from_the_document() -> None:
    ctx = detect_year_context(["План на 2021/2022 учебный год (по 30 июня)"])
    assert ctx.window is not None and ctx.window[1].isoformat() == "2022-06-30"
    assert parse_when("в течение учебного года", ctx).periods == periods_of([("2021-09-01", "2022-06-30")])


# -- found by the second held-out set (tests/roadmap/test_roadmap_heldout_second.py) -------------

SCHOOL_23 = YearContext.school(2023)
CAL_24 = YearContext.calendar(2024)


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        # a half-year, term or month qualified by its school year: that part of that school year only
        ("II полугодие 2023-2024 уч. года", CAL, [("2024-01-01", "2024-05-31")]),
        ("I полугодие 2023/2024 учебного года", CAL, [("2023-09-01", "2023-12-31")]),
        ("4 четверть 2023-2024 уч. года", NONE, [("2024-04-01", "2024-05-31")]),
        ("декабрь 2023-2024 уч. года", NONE, [("2023-12-01", "2023-12-31")]),
        # ranges of quarters, halves and terms: each end names the unit once
        ("III-IV квартал", CAL_24, [("2024-07-01", "2024-12-31")]),
        ("I – II квартал 2023 г.", NONE, [("2023-01-01", "2023-06-30")]),
        ("1-2 четверть", SCHOOL_23, [("2023-09-01", "2023-12-31")]),
        ("3-4-я четверть", SCHOOL_23, [("2024-01-01", "2024-05-31")]),
        ("4-я четверть", SCHOOL_23, [("2024-04-01", "2024-05-31")]),
    ],
)
def test_units_with_a_school_year_and_unit_ranges(text: str, ctx: YearContext, expected: list) -> None:
    when = parse_when(text, ctx)
    assert when.periods == periods_of(expected)
    assert when.recurrence is None


def test_day_of_every_month_gives_a_deadline_per_month_of_the_window() -> None:
    when = parse_when("до 25 числа ежемесячно", SCHOOL_23)
    months = [(2023, 9), (2023, 10), (2023, 11), (2023, 12), (2024, 1), (2024, 2), (2024, 3), (2024, 4), (2024, 5)]
    assert when.periods == periods_of([(None, f"{y}-{m:02d}-25") for y, m in months])
    assert when.recurrence == "monthly"
    assert when.warnings == []  # «25» is not a stray page number
    assert parse_when("ежемесячно, до 5-го числа", CAL_24).periods[0] == periods_of([(None, "2024-01-05")])[0]
    assert len(parse_when("до 10 числа каждого месяца", CAL_24).periods) == 12
    # «31 числа» in a short month: its last day
    assert periods_of([(None, "2024-02-29")])[0] in parse_when("до 31 числа ежемесячно", CAL_24).periods
    assert parse_when("с 20 по 25 число ежемесячно", CAL_24).periods[0] == periods_of(
        [("2024-01-20", "2024-01-25")]
    )[0]


def test_day_of_month_without_a_monthly_cycle_is_kept_undated_with_a_warning() -> None:
    when = parse_when("до 25 числа", CAL_24)
    assert when.periods == []
    assert any("без месяца" in w for w in when.warnings)


def test_warnings_come_from_the_locale_files_as_plain_text() -> None:
    """Warnings are data (stored with rows, printed as JSON): taken from bot/locales, values not HTML-escaped —
    the chat escapes them where it shows them."""
    from bot.i18n import catalog

    when = parse_when("по графику <ШМО> & совета", NONE)
    assert when.periods == []
    assert when.warnings == [catalog("ru")["roadmap.warnings.undated_by"].format(said="по графику")]
    odd = parse_when("<b>когда-нибудь</b> & потом", NONE)
    assert odd.warnings == ["Не удалось распознать срок «<b>когда-нибудь</b> & потом»."], "not escaped"


@pytest.mark.parametrize("text", ["1-я декада октября", "октябрь (2 неделя)", "1 неделя марта", "2-я половина октября",
                                  "09.2021", "10.2021 г.", "27/10/2021", "2021-10-27"])
def test_ordinals_and_program_dates_are_not_page_numbers_or_bad_dates(text: str) -> None:
    when = parse_when(text, SCHOOL)
    assert when.periods and when.warnings == [], when.warnings
