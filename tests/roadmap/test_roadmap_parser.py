"""Rows → events: sections, noise, rows split by page breaks, the stage column, year fallbacks."""

from __future__ import annotations

import pytest
from roadmap_builders import DocxTable, Sheet, make_csv, make_docx, make_xlsx, periods_of

from bot.services.roadmap import RawDocument, RawRow, RawTable, Roadmap, build_roadmap, parse_roadmap

HEADER = ["№", "Мероприятие", "Сроки", "Ответственные", "Результат"]


def roadmap_of(rows: list[list[str]], title: str = "План на 2022 год", spans: set[int] = frozenset()) -> Roadmap:
    table = RawTable([RawRow(HEADER)] + [RawRow(r, i in spans) for i, r in enumerate(rows)])
    return build_roadmap(RawDocument([title], [table]))


@pytest.mark.parametrize(
    "heading",
    [
        ["1. Этап – подготовительный", "", "", "", ""],
        ["", "I. Организационные меры", "", "", ""],
        ["", "Раздел 2. Методическое сопровождение", "", "", ""],
        ["", "Блок «Учитель – учителю»", "", "", ""],
        ["1.Этап – основной: реализация проекта", "", "", "", ""],
        ["Направление: нормативно-правовое обеспечение"] * 5,
    ],
)
def test_section_rows_by_their_wording(heading: list[str]) -> None:
    roadmap = roadmap_of([heading, ["1.1", "Семинар", "Май", "ИМС", ""]])
    [event] = roadmap.events
    assert event.section == next(c for c in heading if c)


def test_top_level_number_with_children_is_a_section() -> None:
    roadmap = roadmap_of(
        [
            ["1.", "Подготовка и запуск программы", "", "", ""],
            ["1.1.", "Семинар", "Май", "ИМС", ""],
            ["2.", "Мониторинг качества", "", "", ""],  # no children: an undated event
            ["3.", "Совещание", "Июнь", "ИМС", ""],
        ]
    )
    assert [(e.number, e.section) for e in roadmap.events] == [
        ("1.1", "1. Подготовка и запуск программы"),
        ("2", "1. Подготовка и запуск программы"),
        ("3", "1. Подготовка и запуск программы"),
    ]
    assert roadmap.events[1].periods == [] and roadmap.events[1].warnings


def test_merged_row_is_a_section_even_without_a_pattern() -> None:
    roadmap = roadmap_of([["Организационные мероприятия"] * 5, ["1.", "Вебинар", "24.02", "ИМС", ""]], spans={0})
    assert [(e.title, e.section) for e in roadmap.events] == [("Вебинар", "Организационные мероприятия")]


@pytest.mark.parametrize(
    "noise",
    [
        ["", "", "12", "", ""],
        ["- 3 -", "", "", "", ""],
        ["", "Исполнитель: Иванова И.И., тел. 8(813)21-770", "", "", ""],
        ["Подпись ____________", "", "", "", ""],
        ["", "", "", "", ""],
        ["1", "2", "3", "4", "5"],
        HEADER,
    ],
)
def test_noise_rows_do_not_break_neighbours(noise: list[str]) -> None:
    roadmap = roadmap_of(
        [
            ["1.", "Семинар «Анализ результатов ВПР»", "Апрель", "ИМС", "Рекомендации"],
            noise,
            ["2.", "Круглый стол", "Май", "ИМС", "Протокол"],
        ]
    )
    assert [(e.number, e.title, e.expected_result) for e in roadmap.events] == [
        ("1", "Семинар «Анализ результатов ВПР»", "Рекомендации"),
        ("2", "Круглый стол", "Протокол"),
    ]


@pytest.mark.parametrize(
    "signature",
    [
        ["", "Председатель комитета общего и профессионального образования", "", "Е.В. Бокова", ""],
        ["Начальник управления образования", "", "", "", "А.В. Гречко"],
        ["", "Исполнитель: Гречко А.В.", "", "тел. 8(81364)2-15-40", ""],
    ],
)
def test_signature_spread_over_cells_is_noise(signature: list[str]) -> None:
    """Third held-out set: a post in one cell and the name in another is still a signature, not an event."""
    roadmap = roadmap_of([["1.", "Круглый стол", "Май", "ИМС", "Протокол"], signature])
    assert [e.title for e in roadmap.events] == ["Круглый стол"]
    assert any("служебных строк: 1" in w for w in roadmap.warnings)


def test_row_with_a_number_or_a_date_is_not_a_signature() -> None:
    roadmap = roadmap_of(
        [["1.", "Круглый стол", "Май", "ИМС", ""], ["", "Начальник отдела: отчёт о работе", "до 20 декабря", "ИМС", ""]]
    )
    assert [e.title for e in roadmap.events] == ["Круглый стол", "Начальник отдела: отчёт о работе"]


def test_page_break_continuation_is_merged() -> None:
    roadmap = roadmap_of(
        [
            ["4.", "Установочное совещание по сетевому наставничеству школ", "10.03", "Куприенко Е.В.", "Представлена"],
            ["", "обучающихся.", "", "информационно-методической службы", "карта"],
            ["5.", "Корректировка планов", "10.03-31.03", "Калинова С.А.", ""],
        ]
    )
    first, second = roadmap.events
    assert first.title == "Установочное совещание по сетевому наставничеству школ обучающихся."
    assert first.responsible == "Куприенко Е.В. информационно-методической службы"
    assert first.expected_result == "Представлена карта"
    assert second.number == "5"


def test_undated_row_with_its_own_title_is_not_glued_to_the_previous_one() -> None:
    roadmap = roadmap_of(
        [
            ["1.", "Семинар", "Май", "ИМС", ""],
            ["", "Утвердить комплекс мер по информационному сопровождению", "", "Комитет", ""],
        ]
    )
    assert [e.title for e in roadmap.events] == ["Семинар", "Утвердить комплекс мер по информационному сопровождению"]
    assert roadmap.events[1].periods == [] and roadmap.events[1].warnings


def test_stage_column_merged_in_docx_gives_the_section() -> None:
    header = ["Этап", "№", "Мероприятие", "Срок", "Ответственный"]
    data = make_docx(
        ["План на 2021/2022 учебный год"],
        [
            DocxTable(
                [header, ["Подготовительный", "1", "Семинар", "октябрь", "ИМС"], ["", "2", "Вебинар", "январь", "ИМС"],
                 ["Основной", "3", "Педсовет", "март", "ИМС"]],
                vmerges=[(0, 1, 2)],
            )
        ],
    )  # fmt: skip
    roadmap = parse_roadmap(data, "plan.docx")
    assert [(e.section, e.periods) for e in roadmap.events] == [
        ("Подготовительный", periods_of([("2021-10-01", "2021-10-31")])),
        ("Подготовительный", periods_of([("2022-01-01", "2022-01-31")])),
        ("Основной", periods_of([("2022-03-01", "2022-03-31")])),
    ]


def test_caller_year_only_when_the_document_has_none() -> None:
    rows = [["Мероприятие", "Сроки"], ["Семинар", "Май"]]
    untitled = make_csv(rows)
    may_2023 = periods_of([("2023-05-01", "2023-05-31")])
    assert parse_roadmap(untitled, "plan.csv", year=2023).events[0].periods == may_2023
    undated = parse_roadmap(untitled, "plan.csv")
    assert undated.events[0].periods == [] and undated.events[0].warnings
    assert any("год документа не определён" in w for w in undated.warnings)
    titled = make_csv([["План на 2022 год"], *rows])
    assert parse_roadmap(titled, "plan.csv", year=2023).events[0].periods == periods_of([("2022-05-01", "2022-05-31")])


def test_several_sheets_each_with_its_own_year() -> None:
    header = ["№", "Мероприятие", "Сроки"]
    data = make_xlsx(
        [
            Sheet("2021", [["План на 2021 год", "", ""], header, ["1", "Семинар", "Май"]], ["A1:C1"]),
            Sheet("2022", [["План на 2022 год", "", ""], header, ["1", "Вебинар", "Май"]], ["A1:C1"]),
        ]
    )
    roadmap = parse_roadmap(data, "plan.xlsx")
    assert [(e.title, e.periods[0].end.year) for e in roadmap.events] == [("Семинар", 2021), ("Вебинар", 2022)]


def test_headerless_table_after_a_page_break_continues_the_previous_one() -> None:
    data = make_docx(
        ["План на 2022 год"],
        [
            DocxTable([HEADER, ["", "Раздел 1. Меры", "", "", ""], ["1.", "Семинар", "Май", "ИМС", ""]]),
            DocxTable([["2.", "Вебинар", "Июнь", "ИМС", ""]], page_break_before=True),
        ],
    )
    roadmap = parse_roadmap(data, "plan.docx")
    assert [(e.number, e.section) for e in roadmap.events] == [("1", "Раздел 1. Меры"), ("2", "Раздел 1. Меры")]
    assert roadmap.warnings == []


def test_document_without_a_plan_says_so() -> None:
    roadmap = parse_roadmap(make_docx(["Просто текст"], []), "letter.docx")
    assert roadmap.events == [] and roadmap.warnings


def test_table_continued_with_its_header_keeps_its_own_year() -> None:
    header = ["№", "Мероприятие", "Сроки"]
    data = make_docx(
        ["Проект на 2020 – 2022 гг."],
        [
            DocxTable([header, ["1.", "Семинар", "Май"]], caption=["План на 2021- 2022 учебный год"]),
            DocxTable([header, ["2.", "Вебинар", "Октябрь"]], page_break_before=True),
        ],
    )
    roadmap = parse_roadmap(data, "plan.docx")
    assert [e.periods for e in roadmap.events] == [
        periods_of([("2022-05-01", "2022-05-31")]),
        periods_of([("2021-10-01", "2021-10-31")]),
    ]


def test_sheet_without_a_year_of_its_own_takes_the_document_title() -> None:
    """Found by the second held-out set: a second plan sheet headed only «Направление …»."""
    header = ["№", "Мероприятие", "Сроки"]
    data = make_xlsx(
        [
            Sheet("Руководители", [["План мероприятий на 2024 год", "", ""], header, ["1", "Семинар", "Май"]]),
            Sheet("Педагоги", [["Направление «учитель – учителю»", "", ""], header, ["1", "Вебинар", "Май"]]),
            Sheet("2025", [["План на 2025 год", "", ""], header, ["1", "Совещание", "Май"]]),
        ]
    )
    roadmap = parse_roadmap(data, "plan.xlsx")
    assert [(e.title, e.periods[0].end.year) for e in roadmap.events] == [
        ("Семинар", 2024),
        ("Вебинар", 2024),
        ("Совещание", 2025),
    ]
    assert not any("год документа не определён" in w for w in roadmap.warnings)


# -- sixth held-out set: the patterns it found -----------------------------------------------------------------


@pytest.mark.parametrize(
    "total",
    [
        ["", "Всего мероприятий: 9", "", "", ""],
        ["Итого:", "12 мероприятий", "", "", ""],
        ["", "ВСЕГО", "", "", "3"],
    ],
)
def test_a_totals_row_is_not_an_event(total: list[str]) -> None:
    roadmap = roadmap_of([["1.", "Круглый стол", "Май", "ИМС", "Протокол"], total])
    assert [e.title for e in roadmap.events] == ["Круглый стол"]
    assert any("служебных строк: 1" in w for w in roadmap.warnings)


def test_an_activity_starting_with_a_like_word_is_kept() -> None:
    roadmap = roadmap_of([["1.", "Итоговое совещание", "Май", "ИМС", ""], ["", "Всероссийский вебинар", "Июнь", "", ""]])
    assert [e.title for e in roadmap.events] == ["Итоговое совещание", "Всероссийский вебинар"]


@pytest.mark.parametrize("letter", ["А", "Б.", "в)", "II"])
def test_a_letter_or_roman_number_alone_in_the_number_cell_heads_a_section(letter: str) -> None:
    roadmap = roadmap_of([[letter, "Адресная методическая помощь", "", "", ""], ["1", "Семинар", "Май", "ИМС", ""]])
    [event] = roadmap.events
    assert event.section == f"{letter.rstrip('.)')}. Адресная методическая помощь"


@pytest.mark.parametrize("heading", ["А. Учебно-воспитательные мероприятия", "Б) «Точка роста» для района"])
def test_a_lettered_heading_in_the_title_column_is_a_section(heading: str) -> None:
    roadmap = roadmap_of([["", heading, "", "", ""], ["1", "Семинар", "Май", "ИМС", ""]])
    assert [(e.title, e.section) for e in roadmap.events] == [("Семинар", heading)]


def test_initials_are_not_a_lettered_heading() -> None:
    roadmap = roadmap_of([["1", "А. С. Макаренко: педагогические чтения", "", "ИМС", ""],
                          ["2", "Семинар", "Май", "ИМС", ""]])
    assert [e.title for e in roadmap.events] == ["А. С. Макаренко: педагогические чтения", "Семинар"]


def test_month_headings_give_the_month_to_rows_that_do_not_say_it() -> None:
    data = make_docx(["План работы РМО на 2026 год"], [DocxTable(
        [["Дата, время", "Мероприятие", "Место", "Ответственный"],
         ["ФЕВРАЛЬ", "", "", ""],
         ["17.02, 10.00", "Практикум для заместителей директоров", "ИМЦ", "Руководитель РМО"],
         ["МАРТ", "", "", ""],
         ["по графику", "Посещение уроков в школах", "Школы", "Руководитель РМО"],
         ["18", "Круглый стол", "ИМЦ", "Руководитель РМО"],
         ["", "Консультации для заместителей директоров", "ИМЦ", "Руководитель РМО"]],
        merged_rows={1, 3})])
    roadmap = parse_roadmap(data, "plan.docx")
    assert [(e.when, [(str(p.start), str(p.end)) for p in e.periods], e.section) for e in roadmap.events] == [
        ("17.02, 10.00", [("2026-02-17", "2026-02-17")], "ФЕВРАЛЬ"),
        ("по графику (месяц: МАРТ)", [("2026-03-01", "2026-03-31")], "МАРТ"),
        ("18 (месяц: МАРТ)", [("2026-03-18", "2026-03-18")], "МАРТ"),
        ("МАРТ", [("2026-03-01", "2026-03-31")], "МАРТ"),
    ]


def test_a_stage_naming_months_is_not_a_month_heading() -> None:
    roadmap = roadmap_of([["", "Этап 2. Основной (март – май)", "", "", ""],
                          ["1", "Консультации", "по графику", "ИМС", ""]], spans={0})
    [event] = roadmap.events
    assert event.periods == [] and event.section == "Этап 2. Основной (март – май)"


def test_a_school_year_plan_opening_with_august_opens_with_the_august_before_september() -> None:
    rows = [["План работы с молодыми педагогами на 2025-2026 учебный год", "", ""],
            ["Месяц", "Мероприятие", "Ответственный"],
            ["Август", "Педагогический совет «Задачи на новый учебный год»", "Директор"],
            ["Сентябрь", "Встреча наставников и наставляемых", "Куратор"],
            ["Май", "Итоговая конференция", "Куратор"],
            ["Август", "Планирование работы на следующий год", "Куратор"]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    assert [(str(e.periods[0].start), e.warnings) for e in roadmap.events] == [
        ("2025-08-01", []), ("2025-09-01", []), ("2026-05-01", []), ("2026-08-01", [
            "Срок 01.08.2026–31.08.2026 вне периода документа (2025/2026 учебный год)."])]


def test_a_stage_row_with_its_own_span_is_a_section_not_an_event() -> None:
    roadmap = roadmap_of([
        ["1.", "Подготовительный этап", "январь – февраль", "", ""],
        ["1.1", "Установочное совещание", "январь", "Директор", ""],
        ["", "Этап 2. Основной (март – ноябрь)", "март – ноябрь", "Рабочая группа", ""],
        ["2.1", "Семинар", "март", "ИМЦ", ""],
        ["3.", "Организационные меры", "в течение года", "", ""],
        ["3.1", "Консультации", "ежемесячно", "ИМЦ", ""],
    ])
    assert [(e.title, e.section) for e in roadmap.events] == [
        ("Установочное совещание", "1. Подготовительный этап"), ("Семинар", "Этап 2. Основной (март – ноябрь)"),
        ("Консультации", "3. Организационные меры")]


@pytest.mark.parametrize(
    "row",
    [
        ["1", "Региональный этап конкурса «Учитель года»", "январь", "", ""],
        ["1", "Всероссийская олимпиада школьников: муниципальный этап", "ноябрь", "", ""],
        ["1", "Подготовка к олимпиаде: школьный этап", "октябрь", "", ""],
    ],
)
def test_an_activity_naming_a_stage_stays_an_event(row: list[str]) -> None:
    roadmap = roadmap_of([row, ["2", "Подготовка материалов", "до 10.09", "ИМЦ", ""]])
    assert [e.title for e in roadmap.events] == [row[1], "Подготовка материалов"]


def test_a_numbered_activity_with_a_responsible_keeps_its_sub_steps_as_events() -> None:
    roadmap = roadmap_of([["1.", "Совещание директоров", "сентябрь", "ИМЦ", ""],
                          ["1.1", "Подготовка материалов", "до 10.09", "ИМЦ", ""]])
    assert [e.title for e in roadmap.events] == ["Совещание директоров", "Подготовка материалов"]


def test_a_roman_section_giving_its_span_is_a_section() -> None:
    """Seventh held-out set: «II | Методическая поддержка | 2026–2028 гг.» over «3», «4»."""
    roadmap = roadmap_of([["I", "Нормативное обеспечение", "2022 г.", "", ""],
                          ["1", "Утверждение перечня школ", "январь", "Комитет", ""],
                          ["II", "Методическая поддержка", "2022 г.", "", ""],
                          ["2", "Семинар", "май", "ИМЦ", ""]])
    assert [(e.title, e.section) for e in roadmap.events] == [
        ("Утверждение перечня школ", "I. Нормативное обеспечение"), ("Семинар", "II. Методическая поддержка")]
