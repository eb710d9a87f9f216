"""Column roles decided by evidence: header words and what the cells hold. Unit cases from the corpus's failure
patterns, and properties: the order of the columns, the header's wording and a coordinator's choice."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.roadmap import RawRow, parse_roadmap
from bot.services.roadmap.columns import assign, read_columns
from bot.services.roadmap.dates import date_profile


def rows_of(*rows: list[str]) -> list[RawRow]:
    return [RawRow(list(r)) for r in rows]


def roles(rows: list[RawRow], overrides: dict[int, str] | None = None) -> list[str | None]:
    reading = read_columns(rows, overrides)
    assert reading.header is not None, reading.missing
    return list(reading.roles)


STAGE_TABLE = rows_of(
    ["№", "Наименование этапа", "Мероприятия", "Содержание деятельности и примерный план мероприятий", "Сроки",
     "Ответственный"],
    ["1.", "Подготовка условий", "Изучение нормативных документов", "Изучение распоряжения Минпросвещения России",
     "Сентябрь 2023", "Заместитель директора по УВР"],
    ["1.", "Подготовка условий", "Подготовка локальных актов", "Приказ о назначении куратора; положение",
     "до 15.09.2023", "Директор"],
    ["2.", "Формирование банка наставников", "Формирование банка наставляемых", "Сбор запросов педагогов",
     "Сентябрь-октябрь", "Куратор"],
    ["2.", "Формирование банка наставников", "Закрепление наставнических пар", "Издание приказа о закреплении пар",
     "до 1 ноября", "Директор"],
    ["3.", "Реализация программ", "Семинар для наставников", "Обучающий семинар для наставников", "Декабрь",
     "Куратор"],
)  # fmt: skip


def test_the_stage_merged_down_is_a_stage_not_the_title() -> None:
    assert roles(STAGE_TABLE) == ["number", "stage", "title", "details", "dates", "responsible"]


def test_a_mentor_plan_month_is_its_date_and_the_form_of_work_is_found() -> None:
    table = rows_of(["Месяц", "Тема", "Форма работы", "Отметка о выполнении"],
                    ["Сентябрь", "Знакомство с локальными актами школы", "Консультация", "выполнено"],
                    ["Октябрь", "Посещение уроков молодого специалиста", "Наблюдение, анализ урока", "выполнено"],
                    ["Ноябрь", "Требования к ведению журнала", "Консультация", ""],
                    ["Декабрь", "Приёмы формирующего оценивания", "Мастер-класс", ""])
    assert roles(table) == ["dates", "title", "form", "note"]


def test_a_month_column_beside_a_dates_column_is_the_fallback() -> None:
    table = rows_of(["Месяц", "Название мероприятия", "Дата/время/место", "Примечания"],
                    ["октябрь", "Семинар для наставников", "24.10.2024, 15.00, СОШ № 2", ""],
                    ["декабрь - январь", "Консультации по аттестации", "по индивидуальному графику", ""],
                    ["февраль", "Круглый стол «Первые шаги»", "13.02.2025, 14.30, ЦДО", "Заявки до 5 февраля"])
    assert roles(table) == ["month", "title", "dates", "note"]


def test_a_document_column_is_never_the_form_of_work() -> None:
    table = rows_of(["№ п/п", "Наименование мероприятия", "Сроки", "Ответственные исполнители", "Вид документа"],
                    ["1.", "Утверждение плана работы центра", "январь 2024 г.", "Министерство", "Приказ"],
                    ["2.", "Вебинар «Персонализированная программа»", "21.02.2024", "ИРО", "Программа вебинара"],
                    ["3.", "Региональный конкурс «Лучшая практика»", "II квартал 2025 г.", "Министерство",
                     "Положение о конкурсе"])
    assert roles(table) == ["number", "title", "dates", "responsible", "document"]


def test_unknown_header_words_leave_it_to_the_content() -> None:
    table = rows_of(["Пункт", "Активность", "Период", "Ведущий"],
                    ["1", "Семинар-практикум для молодых учителей", "март 2025", "Иванова И.И., методист"],
                    ["2", "Круглый стол руководителей школ", "апрель 2025", "Петров П.П., директор"],
                    ["3", "Консультации наставников по запросу", "в течение года", "Сидорова А.А., куратор"])
    assert roles(table) == ["number", "title", "dates", "responsible"]


def test_a_dates_header_over_names_is_not_believed() -> None:
    table = rows_of(["Мероприятие", "Сроки", "Когда"],
                    ["Семинар для наставников", "Иванова И.И.", "май"],
                    ["Вебинар для кураторов", "Петров П.П.", "июнь"],
                    ["Круглый стол", "Сидорова А.А.", "сентябрь"])
    assert roles(table)[0] == "title" and roles(table)[2] == "dates"


def test_the_coordinators_choice_is_fixed_first() -> None:
    chosen = roles(STAGE_TABLE, {3: "title", 1: "skip"})
    assert chosen[3] == "title" and chosen[1] == "skip" and chosen[4] == "dates"
    assert chosen.count("title") == 1


def test_a_table_that_cannot_be_placed_says_what_was_understood() -> None:
    pairs = rows_of(["№ п/п", "ОУ с низкими результатами", "ОУ-наставник", "Должность"],
                    ["1.", "МБОУ «СОШ № 9»", "МБОУ «Гимназия № 1»", "директор"],
                    ["2.", "МБОУ «СОШ № 16»", "МБОУ «Лицей № 2»", "директор"])
    reading = read_columns(pairs)
    assert reading.header is None and "dates" in reading.missing
    assert reading.roles[0] == "number" and reading.roles[3] == "note"


def test_the_warning_of_a_skipped_sheet_names_its_columns() -> None:
    from roadmap_builders import Sheet, make_xlsx

    data = make_xlsx([Sheet("Пары", [["№", "Школа-наставник", "Должность"], ["1", "Гимназия № 1", "директор"],
                                      ["2", "Лицей № 2", "директор"]]),
                      Sheet("План", [["Мероприятие", "Срок"], ["Семинар", "май"]])])
    roadmap = parse_roadmap(data, "plan.xlsx", year=2025)
    warning = next(w for w in roadmap.warnings if "Пары" in w)
    assert "не найден столбец" in warning and "срок" in warning and "«№»" in warning
    assert [c["read"] for c in roadmap.columns] == [False, True]


# -- properties ------------------------------------------------------------------------------------------------

TITLE_WORDS = ["Мероприятие", "Мероприятия", "Наименование мероприятия", "Наименование мероприятий", "Тема",
               "Тема занятия", "Содержание мероприятия", "Направления деятельности", "Название мероприятия",
               "Перечень мероприятий"]
DATE_WORDS = ["Сроки", "Срок", "Срок проведения", "Сроки исполнения", "Срок реализации", "Дата", "Дата проведения",
              "Период", "Время проведения", "Дата, время, место", "Плановый срок", "Когда"]
RESPONSIBLE_WORDS = ["Ответственный", "Ответственные", "Ответственные исполнители", "Исполнитель", "Исполнители",
                     "Организатор", "Ответственный\nисполнитель"]
RESULT_WORDS = ["Результат", "Ожидаемый результат", "Планируемые результаты", "Ожидаемые\nрезультаты"]
NUMBER_WORDS = ["№", "№ п/п", "N п/п", "п/п", "Номер"]

ACTIVITIES = ["Семинар для наставников «{}»", "Вебинар «{}»", "Круглый стол «{}»", "Мастер-класс «{}»",
              "Консультации для молодых педагогов по теме «{}»", "Заседание методического совета: {}",
              "Анкетирование участников программы «{}»", "Разработка положения о {}",
              "Открытые уроки наставников: {}", "Педагогическая мастерская «{}»"]
TOPICS = ["Современный урок", "Формирующее оценивание", "Функциональная грамотность", "Работа с родителями",
          "Первые шаги в профессии", "Цифровые ресурсы", "наставничестве", "Смысловое чтение"]
WHENS = ["сентябрь", "октябрь 2025 г.", "до 15 ноября", "12.12.2025", "январь – февраль", "в течение года",
         "ежемесячно", "II квартал", "март, апрель", "14.03-18.03", "по согласованию", "май 2026 года"]
PEOPLE = ["Куратор", "Директор школы", "Заместитель директора по УВР", "Методист ИМЦ", "Иванова И.И.",
          "Руководитель ШМО", "Наставники"]
RESULTS = ["Протокол", "Аналитическая справка", "Проведено", "Материалы семинара", "Приказ", "Отчёт"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], list[str]]:
    """A roadmap table with generated content: its header, rows and the role of each column (a random order)."""
    rng = random.Random(draw(st.integers(0, 10_000)))
    n = draw(st.integers(3, 12))
    columns = {
        "number": (draw(st.sampled_from(NUMBER_WORDS)), [f"{i + 1}." for i in range(n)]),
        "title": (draw(st.sampled_from(TITLE_WORDS)),
                  [rng.choice(ACTIVITIES).format(rng.choice(TOPICS)) + f" ({i + 1})" for i in range(n)]),
        "dates": (draw(st.sampled_from(DATE_WORDS)), [rng.choice(WHENS) for _ in range(n)]),
        "responsible": (draw(st.sampled_from(RESPONSIBLE_WORDS)), [rng.choice(PEOPLE) for _ in range(n)]),
        "result": (draw(st.sampled_from(RESULT_WORDS)), [rng.choice(RESULTS) for _ in range(n)]),
    }
    chosen = ["title", "dates", *draw(st.sets(st.sampled_from(["number", "responsible", "result"])))]
    order = draw(st.permutations(chosen))
    header = [columns[role][0] for role in order]
    body = [[columns[role][1][i] for role in order] for i in range(n)]
    return header, body, list(order)


@settings(max_examples=120, deadline=None)
@given(tables())
def test_every_column_gets_its_role_whatever_the_order_and_wording(table: tuple[list[str], list[list[str]],
                                                                               list[str]]) -> None:
    header, body, expected = table
    assert roles(rows_of(header, *body)) == expected


@settings(max_examples=80, deadline=None)
@given(tables(), st.data())
def test_the_roles_do_not_depend_on_the_column_order(table: tuple[list[str], list[list[str]], list[str]],
                                                     data: st.DataObject) -> None:
    header, body, _ = table
    order = data.draw(st.permutations(range(len(header))))
    first = roles(rows_of(header, *body))
    moved = roles(rows_of([header[i] for i in order], *[[row[i] for i in order] for row in body]))
    assert moved == [first[i] for i in order]


@settings(max_examples=80, deadline=None)
@given(tables(), st.sampled_from(["Активность", "Что делаем", "Пункт плана", "Работа", "Вопрос"]))
def test_a_title_header_of_unknown_words_is_placed_by_its_content(
    table: tuple[list[str], list[list[str]], list[str]], word: str
) -> None:
    header, body, expected = table
    header = [word if role == "title" else label for label, role in zip(header, expected, strict=True)]
    assert roles(rows_of(header, *body)) == expected


@settings(max_examples=60, deadline=None)
@given(tables(), st.data())
def test_a_coordinators_choice_always_holds(table: tuple[list[str], list[list[str]], list[str]],
                                           data: st.DataObject) -> None:
    header, body, _ = table
    column = data.draw(st.integers(0, len(header) - 1))
    role = data.draw(st.sampled_from(["title", "dates", "stage", "responsible", "note", "skip"]))
    labels = header
    sample = [[row[i] for row in body] for i in range(len(header))]
    placed = assign(labels, sample, {column: role})
    assert placed[column] == role
    single = [r for r in placed if r not in (None, "responsible", "details", "note", "skip")]
    assert len(single) == len(set(single)), "a role other than responsible/details/notes goes to one column only"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(WHENS), st.sampled_from(ACTIVITIES), st.sampled_from(TOPICS), st.integers(2019, 2030))
def test_date_cells_look_like_dates_and_titles_with_a_year_do_not(when: str, activity: str, topic: str,
                                                                 year: int) -> None:
    assert date_profile(when)[0] >= 0.5
    assert date_profile(f"{activity.format(topic)} {year} года")[0] < 0.5


def test_a_stage_written_once_goes_on_until_the_next() -> None:
    from roadmap_builders import make_csv

    rows = [["План работы на 2025 год", "", "", ""], ["Этап", "Мероприятие", "Срок", "Ответственный"],
            ["Подготовительный", "", "", ""],
            ["", "Установочное совещание", "январь", "Куратор"], ["", "Анкетирование педагогов", "февраль", "Куратор"],
            ["Основной", "Семинар «Современный урок»", "март", "Методист"], ["", "Вебинар для наставников", "апрель",
                                                                             "Методист"]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    assert [(e.title, e.section) for e in roadmap.events] == [
        ("Установочное совещание", "Подготовительный"), ("Анкетирование педагогов", "Подготовительный"),
        ("Семинар «Современный урок»", "Основной"), ("Вебинар для наставников", "Основной")]


def test_start_and_end_dates_in_two_columns_make_one_period() -> None:
    from roadmap_builders import make_csv

    rows = [["План на 2025 год", "", "", "", ""],
            ["№", "Мероприятие", "Дата начала", "Дата окончания", "Ответственный"],
            ["1", "Семинар для наставников", "10.03.2025", "14.03.2025", "ИМЦ"],
            ["2", "Вебинар для кураторов", "01.04.2025", "01.04.2025", "ИМЦ"],
            ["3", "Отчёт о работе пар", "", "20.05.2025", "Куратор"]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    assert [c["role"] for c in roadmap.columns[0]["columns"]] == ["number", "title", "dates", "dates_end",
                                                                   "responsible"]
    assert [(e.when, [(p.start and str(p.start), str(p.end)) for p in e.periods]) for e in roadmap.events] == [
        ("10.03.2025 – 14.03.2025", [("2025-03-10", "2025-03-14")]),
        ("01.04.2025", [("2025-04-01", "2025-04-01")]),
        ("до 20.05.2025", [(None, "2025-05-20")])]


def test_a_dash_for_the_start_leaves_a_deadline() -> None:
    from roadmap_builders import make_csv

    rows = [["План на 2026 год", "", "", ""],
            ["Мероприятие", "Сроки реализации", "", "Ответственный"],
            ["", "начало", "окончание", ""],
            ["Утверждение состава совета наставников", "—", "01.03.2026", "Управление образования"],
            ["Семинар для кураторов", "10.02.2026", "10.02.2026", "ИМЦ"]]
    roadmap = parse_roadmap(make_csv(rows), "plan.csv")
    assert [(e.when, [(p.start and str(p.start), str(p.end)) for p in e.periods]) for e in roadmap.events] == [
        ("до 01.03.2026", [(None, "2026-03-01")]), ("10.02.2026", [("2026-02-10", "2026-02-10")])]


def test_a_group_header_not_merged_takes_the_sub_headers_under_its_empty_neighbours() -> None:
    """Sixth held-out set: a CSV cannot merge, so «Ответственные» is followed by an empty cell."""
    table = rows_of(["№ п/п", "Мероприятие", "Дата проведения", "Ответственные", "", "Ожидаемый результат"],
                    ["", "", "", "муниципальный уровень", "школьный уровень", ""],
                    ["1", "2", "3", "4", "5", "6"],
                    ["1.", "Установочный вебинар", "23.01", "Методист ИМЦ", "Руководители команд", "Проведено"],
                    ["2.", "Совещание директоров", "06.02, 20.02", "Главный специалист", "Директора", "Протокол"])
    reading = read_columns(table)
    assert reading.header is not None and reading.header.rows_used == 2
    assert list(reading.labels) == ["№ п/п", "Мероприятие", "Дата проведения", "Ответственные муниципальный уровень",
                                    "Ответственные школьный уровень", "Ожидаемый результат"]
    assert list(reading.roles) == ["number", "title", "dates", "responsible", "responsible", "result"]


def test_a_first_data_row_under_a_header_with_an_empty_cell_is_data() -> None:
    table = rows_of(["№", "Мероприятие", "Срок", "", "Ответственный"],
                    ["1", "Семинар для наставников", "Май", "очно", "ИМЦ"],
                    ["2", "Вебинар для кураторов", "Июнь", "онлайн", "ИМЦ"])
    reading = read_columns(table)
    assert reading.header is not None and reading.header.rows_used == 1
