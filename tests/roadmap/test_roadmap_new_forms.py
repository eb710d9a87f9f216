"""Date forms and kinds added for issue 9: yearly cycles with a start year, times and places beside a date,
«по индивидуальному (согласованному) графику» with a month column, the field's words for kinds, the form of work."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from roadmap_builders import make_csv

from bot.services.roadmap import Period, YearContext, classify, parse_roadmap, parse_when

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь"]  # fmt: skip


def months(year_from: int, year_to: int, month: int) -> list[Period]:
    from heldout import month as span

    return [Period(date.fromisoformat(s), date.fromisoformat(e))
            for s, e in (span(y, month) for y in range(year_from, year_to + 1))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        ("Май, ежегодно с 2024 года", YearContext.multi(2023, 2026), months(2024, 2026, 5)),
        ("ежегодно с 2025 года, октябрь", YearContext.multi(2024, 2027), months(2025, 2027, 10)),
        ("Ежегодно с 2025 г. в апреле", YearContext.multi(2024, 2026), months(2025, 2026, 4)),
        ("Май, ежегодно с 2024 года", YearContext(), months(2024, 2024, 5)),
    ],
)
def test_a_yearly_cycle_with_a_start_year(text: str, ctx: YearContext, expected: list[Period]) -> None:
    when = parse_when(text, ctx)
    assert when.periods == expected and when.recurrence == "yearly" and not when.warnings


def test_a_yearly_cycle_from_a_year_alone_runs_to_the_end_of_the_window() -> None:
    when = parse_when("Ежегодно с 2024 года", YearContext.multi(2023, 2026))
    assert when.periods == [Period(date(2024, 1, 1), date(2026, 12, 31))] and when.recurrence == "yearly"


@pytest.mark.parametrize(
    ("text", "day"),
    [("24.10.2024, 15.00, СОШ № 2", date(2024, 10, 24)), ("13.02.2025, 14.30, ЦДО", date(2025, 2, 13)),
     ("10.03.2025 в 10:00, каб. 12", date(2025, 3, 10)), ("15:00–17:00, 10.03.2025", date(2025, 3, 10))],
)
def test_a_time_and_a_place_beside_the_date_are_not_dates(text: str, day: date) -> None:
    when = parse_when(text, YearContext.calendar(2025))
    assert when.periods == [Period(day, day)]
    assert not [w for w in when.warnings if "Неверная дата" in w]


def test_an_individual_schedule_is_undated_and_says_so() -> None:
    when = parse_when("по индивидуальному согласованному графику", YearContext.school(2024))
    assert when.periods == [] and "по индивидуальному согласованному графику" in when.warnings[0]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12), st.integers(2019, 2030), st.integers(1, 4), st.data())
def test_yearly_with_a_start_year_gives_that_month_from_the_start_to_the_window_end(
    month: int, first: int, span: int, data: st.DataObject
) -> None:
    last = first + span
    start = data.draw(st.integers(first, last))
    word = MONTHS[month - 1]
    text = data.draw(st.sampled_from([f"{word.capitalize()}, ежегодно с {start} года", f"ежегодно с {start} года, {word}",
                                      f"{word}, ежегодно с {start} г."]))
    when = parse_when(text, YearContext.multi(first, last))
    assert when.periods == months(start, last, month) and when.recurrence == "yearly"


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)), st.integers(7, 20),
       st.sampled_from(["00", "15", "30", "45"]), st.sampled_from(["{d}, {h}.{m}", "{d} в {h}:{m}", "{d}, {h}:{m}, ИМЦ",
                                                               "{h}.{m}, {d}"]))
def test_a_time_of_day_never_changes_the_day(day: date, hour: int, minute: str, template: str) -> None:
    written = f"{day:%d.%m.%Y}"
    alone = parse_when(written, YearContext())
    with_time = parse_when(template.format(d=written, h=hour, m=minute), YearContext())
    assert with_time.periods == alone.periods == [Period(day, day)]
    assert not [w for w in with_time.warnings if "Неверная дата" in w or "лишнее число" in w]


# -- a month column beside the dates --------------------------------------------------------------------


def test_the_month_column_dates_a_row_whose_date_cell_is_not_a_date() -> None:
    rows = [["План работы с молодыми педагогами на 2024-2025 учебный год", "", "", ""],
            ["Месяц", "Мероприятие", "Дата, время, место", "Примечание"],
            ["октябрь", "Семинар для наставников", "22.10.2024, 15.00, ИМЦ", ""],
            ["декабрь - январь", "Консультации по аттестации", "по индивидуальному графику", ""],
            ["май", "Анкетирование молодых педагогов", "12 – 23", "Ссылка в чате"],
            ["март", "Слёт молодых педагогов", "", ""]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    got = [(e.when, [(str(p.start), str(p.end)) for p in e.periods], e.warnings) for e in roadmap.events]
    assert got == [
        ("22.10.2024, 15.00, ИМЦ", [("2024-10-22", "2024-10-22")], []),
        ("по индивидуальному графику (месяц: декабрь - январь)", [("2024-12-01", "2025-01-31")], []),
        ("12 – 23 (месяц: май)", [("2025-05-12", "2025-05-23")], []),
        ("март", [("2025-03-01", "2025-03-31")], []),
    ]


# -- kinds ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Педагогическая мастерская «Наставник – наставнику»", "workshop"),
        ("Практическое занятие для молодых педагогов", "workshop"),
        ("Тренинг для классных руководителей", "workshop"),
        ("Деловая игра «Урок будущего»", "workshop"),
        ("Онлайн-семинар для кураторов", "webinar"),
        ("Панельная дискуссия «Наставничество сегодня»", "round_table"),
        ("Педагогическая гостиная для молодых учителей", "round_table"),
        ("Педагогические чтения «Школа – школе»", "conference"),
        ("Слёт молодых педагогов округа", "conference"),
        ("Научно-методический совет по итогам года", "council"),
        ("Родительское собрание в 9-х классах", "meeting"),
        ("Беседа с наставляемым о первых итогах", "consultation"),
        ("Соревнования команд школ-партнёров", "competition"),
        ("Экспертиза программ наставничества", "monitoring"),
        ("Самообследование школы", "monitoring"),
        ("Оценка эффективности программ наставничества", "monitoring"),
        ("Выявление профессиональных дефицитов педагогов", "monitoring"),
        ("Издание приказа о закреплении пар", "document"),
        ("Подготовка локальных актов школы", "document"),
        ("Аналитическая справка по итогам года", "document"),
        ("Фестиваль открытых уроков молодых педагогов", "open_lesson"),
        ("Посещение уроков молодого специалиста наставником", "open_lesson"),
        ("Подготовка к олимпиадам по математике", "other"),
        ("Неделя молодого педагога: открытые уроки и мастер-классы", "other"),
    ],
)
def test_the_fields_words(title: str, kind: str) -> None:
    assert classify(title) == kind


@pytest.mark.parametrize(
    ("title", "form", "kind"),
    [
        ("Самоанализ урока", "Практикум", "workshop"),  # the form of work says what the meeting is
        ("Знакомство с нормативными документами", "Консультация", "consultation"),
        ("Подготовка к ВПР и промежуточной аттестации", "Консультация", "consultation"),
        ("Работа с родителями обучающихся", "Тренинг", "workshop"),
        ("Вебинар «Цифровые ресурсы»", "Консультация", "webinar"),  # a gathering named in the title stands
        ("Разработка программы наставничества", "", "document"),
        ("Итоги года", "Собеседование, отчёт", "document"),
    ],
)
def test_the_kind_from_the_title_then_the_form_of_work(title: str, form: str, kind: str) -> None:
    assert classify(title, form) == kind


def test_a_document_column_never_gives_the_kind() -> None:
    rows = [["План на 2025 год", "", "", ""],
            ["№", "Наименование мероприятия", "Срок", "Вид документа"],
            ["1", "Вебинар «Наставничество в цифровой среде»", "18.03.2025", "Положение"],
            ["2", "Региональный конкурс «Лучшая практика»", "II квартал", "Приказ об итогах"],
            ["3", "Стажировка молодых педагогов", "октябрь", "Программа стажировки"]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    assert [e.kind for e in roadmap.events] == ["webinar", "competition", "other"]
    assert roadmap.events[0].expected_result == "Положение", "the document is kept with the result"


@pytest.mark.parametrize(
    ("text", "ctx", "periods", "recurrence"),
    [
        ("I кв. 2024 г.", YearContext.calendar(2024), [("2024-01-01", "2024-03-31")], None),
        ("III-IV кв.", YearContext.calendar(2024), [("2024-07-01", "2024-12-31")], None),
        ("в теч. года", YearContext.calendar(2024), [("2024-01-01", "2024-12-31")], "continuous"),
        ("на протяжении года", YearContext.school(2024), [("2024-09-01", "2025-05-31")], "continuous"),
        ("весь период", YearContext.multi(2024, 2026), [("2024-01-01", "2026-12-31")], "continuous"),
        ("по четвергам", YearContext.school(2024), [("2024-09-01", "2025-05-31")], "weekly"),
        ("каждую среду", YearContext.calendar(2025), [("2025-01-01", "2025-12-31")], "weekly"),
        ("1 раз в полугодие", YearContext.calendar(2025), [("2025-01-01", "2025-12-31")], None),
        ("ежеквартально (до 5 числа месяца, следующего за отчётным)", YearContext.calendar(2025),
         [("2025-01-01", "2025-12-31")], "quarterly"),
        ("до конца года", YearContext.calendar(2025), [(None, "2025-12-31")], None),
        ("до конца учебного года", YearContext.school(2024), [(None, "2025-05-31")], None),
        ("до конца 2025 г.", YearContext.multi(2024, 2026), [(None, "2025-12-31")], None),
    ],
)
def test_more_ways_roadmaps_write_a_period(text: str, ctx: YearContext, periods: list[tuple[str | None, str]],
                                           recurrence: str | None) -> None:
    when = parse_when(text, ctx)
    got = [(p.start.isoformat() if p.start else None, p.end.isoformat()) for p in when.periods]
    assert got == periods and when.recurrence == recurrence and not when.warnings


def test_during_the_month_takes_the_month_column() -> None:
    """Sixth held-out set: «в течение месяца» beside «Январь» is January, not the whole school year."""
    rows = [["План для молодых педагогов на 2025/26 учебный год", "", ""],
            ["Месяц", "Дата", "Мероприятие"],
            ["Январь", "в течение месяца", "Взаимопосещение уроков"],
            ["Февраль", "в течение года", "Консультации наставников"]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    got = [(e.when, [(str(p.start), str(p.end)) for p in e.periods], e.recurrence) for e in roadmap.events]
    assert got == [("в течение месяца (месяц: Январь)", [("2026-01-01", "2026-01-31")], None),
                   ("в течение года", [("2025-09-01", "2026-05-31")], "continuous")]
