"""A third held-out set, written before the parser's code was read (first sight, see the docs' «Quality»).

* a regional multi-year DOCX (2024–2026, «Школа – школе» / ШНОР support): merged section rows
  («I. Организационно-управленческий блок», «Раздел 2. Методическое сопровождение»), the
  column-number row «1 2 3 4 5», a stray page number, the header repeated inside the table and
  again in a second table after a page break, months without a year (the last year written in an
  earlier row), a signature row at the end;
* a school-year XLSX (a school's mentoring plan for 2025/2026): two title rows (an «УТВЕРЖДАЮ» row
  with a 2025 order date, then the plan's name), a merged «Этап» column spanning rows, months
  without years («сентябрь», «октябрь – ноябрь», «декабрь, март», «январь-май»), «ежемесячно»,
  «1 раз в четверть», «в течение года», «по плану ШМО»;
* a cp1251 «;» CSV (a municipality's plan «на 2025 год», with a 2024 order date above it): «1.» /
  title section rows, a section alone in the title column, a section alone in the number column,
  «до 15 февраля», «II квартал», «март – апрель», «ежеквартально», «25.03.2025», «апрель,
  октябрь», a multi-line cell, an empty row and an «Исполнитель:» line.

Expected periods, recurrences and kinds are written out by hand from docs/roadmap-parser.md and
../shared/DESIGN.md. Readings chosen where the docs leave room: «до 20 декабря ежегодно» is one
deadline per year of the window (as in the second set); «2024/2025 учебный год» without «в течение»
has no recurrence; a month without a year in a multi-year plan takes the last year written in an
earlier row, also across tables.

Rows are matched to events by title (in order), so one stray event does not shift the rest; a
stray event (a section, page number or signature reported as an event) counts as a wrong row.
"""

from __future__ import annotations

import pytest
from heldout import Row, accuracy, align, day, misses, month, norm
from roadmap_builders import DocxTable, Sheet, make_csv, make_docx, make_xlsx

from bot.services.roadmap import Roadmap, parse_roadmap

_norm = norm

# -- DOCX: a regional programme 2024–2026 -------------------------------------------------------------

WINDOW_24_26 = [("2024-01-01", "2026-12-31")]
D_SECTION_1 = "I. Организационно-управленческий блок"
D_SECTION_2 = "Раздел 2. Методическое сопровождение"
D_SECTION_3 = "III. Мониторинг и оценка результатов"
D_SIGNATURE = "Председатель комитета общего и профессионального образования"

DOCX_PART_1 = [
    Row("1.1", "Совещание с муниципальными координаторами по запуску программы «Школа – школе»",
        "январь 2024 г.", [month(2024, 1)], None, "meeting"),
    Row("1.2", "Приказ об утверждении перечня школ-кураторов и ШНОР", "до 1 февраля 2024 г.",
        [(None, "2024-02-01")], None, "document"),
    Row("1.3", "Разработка региональных рекомендаций по организации сетевого наставничества", "февраль – март 2024",
        [("2024-02-01", "2024-03-31")], None, "document"),
    # no year: the last year written in an earlier row
    Row("1.4", "Анкетирование руководителей ШНОР по выявлению управленческих дефицитов", "март",
        [month(2024, 3)], None, "survey"),
    Row("1.5", "Заседание регионального координационного совета", "ежеквартально", WINDOW_24_26, "quarterly",
        "meeting"),
    Row("1.6", "Мониторинг реализации антирисковых программ ШНОР", "ежегодно, июнь",
        [month(2024, 6), month(2025, 6), month(2026, 6)], "yearly", "monitoring"),
    Row("1.7", "Отчёт о ходе реализации программы поддержки ШНОР", "до 20 декабря ежегодно",
        [(None, "2024-12-20"), (None, "2025-12-20"), (None, "2026-12-20")], "yearly", "document"),
]  # fmt: skip
DOCX_PART_2A = [
    Row("2.1", "Вебинар «Школа – школе: модели сетевого взаимодействия»", "14.03.2024", [day("2024-03-14")], None,
        "webinar"),
    Row("2.2", "Семинар для заместителей директоров по УВР «Анализ результатов ВПР»",
        "апрель 2024 г.,\nоктябрь 2024 г.", [month(2024, 4), month(2024, 10)], None, "seminar"),
    Row("2.3", "Семинар-практикум «Адресная помощь учителю: от дефицита к результату»",
        "ноябрь 2024 – февраль 2025", [("2024-11-01", "2025-02-28")], None, "workshop"),
    Row("2.4", "Круглый стол руководителей школ-кураторов и ШНОР", "II квартал 2025 г.",
        [("2025-04-01", "2025-06-30")], None, "round_table"),
    Row("2.5", "Мастер-класс учителей-наставников по подготовке к ОГЭ", "март, апрель 2025",
        [month(2025, 3), month(2025, 4)], None, "master_class"),
    Row("2.6", "Открытый урок в рамках региональной недели наставничества", "10-14 ноября 2025 г.",
        [("2025-11-10", "2025-11-14")], None, "open_lesson"),
    Row("2.7", "Консультации для педагогов ШНОР по запросу", "в течение всего периода", WINDOW_24_26,
        "continuous", "consultation"),
    Row("2.8", "Методические рекомендации по итогам мониторинга", "декабрь", [month(2025, 12)], None, "document"),
]  # fmt: skip
DOCX_PART_2B = [
    Row("2.9", "Взаимопосещение уроков в парах «учитель – учителю»", "ежемесячно", WINDOW_24_26, "monthly",
        "open_lesson"),
    Row("2.10", "Конференция «Сетевое наставничество: первые итоги»", "25.11.2025", [day("2025-11-25")], None,
        "conference"),
    Row("2.11", "Стажировки учителей ШНОР на базе школ-лидеров", "2024/2025 учебный год",
        [("2024-09-01", "2025-05-31")], None, "other"),
]  # fmt: skip
DOCX_PART_3 = [
    Row("3.1", "Диагностика профессиональных дефицитов педагогов ШНОР", "сентябрь – октябрь 2024 г.",
        [("2024-09-01", "2024-10-31")], None, "monitoring"),
    Row("3.2", "Конкурс лучших практик наставничества «Школа – школе»", "2025 год", [("2025-01-01", "2025-12-31")],
        None, "competition"),
    Row("3.3", "Итоговое анкетирование участников программы", "I полугодие 2026 г.",
        [("2026-01-01", "2026-06-30")], None, "survey"),
    Row("3.4", "Региональный педсовет «Наставничество как ресурс развития школы»", "август", [month(2026, 8)], None,
        "council"),
    Row("3.5", "Совещание по итогам реализации программы «Школа – школе»", "декабрь 2026 г.", [month(2026, 12)],
        None, "meeting"),
    Row("3.6", "Подготовка сборника лучших практик сетевого наставничества", "IV квартал 2026 г.",
        [("2026-10-01", "2026-12-31")], None, "document"),
    Row("3.7", "Сопровождение школ, вышедших из перечня ШНОР", "по мере необходимости", [], None, "other"),
    Row("3.8", "Аудит результативности программ перехода школ в эффективный режим работы",
        "ноябрь 2025 – март 2026", [("2025-11-01", "2026-03-31")], None, "monitoring"),
]  # fmt: skip
DOCX_EXPECTED = DOCX_PART_1 + DOCX_PART_2A + DOCX_PART_2B + DOCX_PART_3

DOCX_HEADER = ["№ п/п", "Наименование мероприятия", "Сроки проведения", "Ответственные", "Ожидаемый результат"]
COLUMN_NUMBERS = ["1", "2", "3", "4", "5"]


def build_docx() -> bytes:
    def cells(row: Row) -> list[str]:
        return [row.number, row.title, row.when, "ЛОИРО, муниципальные координаторы", "Проведено"]

    page1 = [DOCX_HEADER, COLUMN_NUMBERS, [D_SECTION_1], *map(cells, DOCX_PART_1[:4]),
             ["", "- 2 -", "", "", ""],  # a page number
             DOCX_HEADER,  # the header again, as converters keep it
             *map(cells, DOCX_PART_1[4:]), [D_SECTION_2], *map(cells, DOCX_PART_2A)]  # fmt: skip
    page2 = [DOCX_HEADER, *map(cells, DOCX_PART_2B), [D_SECTION_3], *map(cells, DOCX_PART_3),
             ["", D_SIGNATURE, "", "Е.В. Бокова", ""]]  # fmt: skip
    merged1 = {i for i, r in enumerate(page1) if len(r) == 1}
    merged2 = {i for i, r in enumerate(page2) if len(r) == 1}
    title = [
        "Приложение к распоряжению комитета общего и профессионального образования Ленинградской области "
        "от 28.12.2023 № 2790-р",
        "ПРОГРАММА",
        "региональной поддержки школ с низкими образовательными результатами «Школа – школе» на 2024–2026 годы",
    ]
    return make_docx(title, [DocxTable(page1, merged1), DocxTable(page2, merged2, page_break_before=True)])


# -- XLSX: a school's mentoring plan, 2025/2026 school year --------------------------------------------

SY_25_26 = [("2025-09-01", "2026-05-31")]
X_STAGE_1 = "I. Подготовительный этап"
X_STAGE_2 = "II. Основной этап"
X_STAGE_3 = "III. Аналитический этап"

XLSX_STAGE_1 = [
    Row("1", "Приказ о закреплении наставнических пар", "сентябрь", [month(2025, 9)], None, "document"),
    Row("2", "Положение о наставничестве в МБОУ «СОШ № 4»", "до 15 сентября", [(None, "2025-09-15")], None,
        "document"),
    Row("3", "Входная диагностика профессиональных затруднений молодых педагогов", "Сентябрь – октябрь",
        [("2025-09-01", "2025-10-31")], None, "monitoring"),
    Row("4", "Анкетирование наставляемых «Мои ожидания от наставничества»", "октябрь – ноябрь",
        [("2025-10-01", "2025-11-30")], None, "survey"),
    Row("5", "Совещание наставников по составлению индивидуальных планов развития", "сентябрь", [month(2025, 9)],
        None, "meeting"),
    Row("6", "Составление индивидуальных планов профессионального развития наставляемых", "до 1 октября",
        [(None, "2025-10-01")], None, "document"),
]  # fmt: skip
XLSX_STAGE_2 = [
    Row("7", "Консультации наставников для молодых специалистов", "ежемесячно", SY_25_26, "monthly",
        "consultation"),
    Row("8", "Открытые уроки наставников", "декабрь, март", [month(2025, 12), month(2026, 3)], None, "open_lesson"),
    Row("9", "Взаимопосещение уроков наставником и наставляемым", "1 раз в четверть", SY_25_26, "quarterly",
        "open_lesson"),
    Row("10", "Семинар «Современный урок: требования ФГОС»", "ноябрь", [month(2025, 11)], None, "seminar"),
    Row("11", "Мастер-класс «Приёмы формирующего оценивания»", "январь", [month(2026, 1)], None, "master_class"),
    Row("12", "Заседание школьного методического объединения молодых педагогов", "по плану ШМО", [], None,
        "meeting"),
    Row("13", "Педсовет «Наставничество как ресурс профессионального роста»", "март", [month(2026, 3)], None,
        "council"),
    Row("14", "Участие молодых педагогов в конкурсе «Педагогический дебют»", "январь-май",
        [("2026-01-01", "2026-05-31")], None, "competition"),
    Row("15", "Вебинар для наставников «Цифровые инструменты учителя»", "октябрь", [month(2025, 10)], None,
        "webinar"),
    Row("16", "Круглый стол «Трудности первого года работы»", "февраль", [month(2026, 2)], None, "round_table"),
    Row("17", "Практикум «Работа с родителями обучающихся»", "ноябрь – декабрь", [("2025-11-01", "2025-12-31")],
        None, "workshop"),
    Row("18", "Сопровождение молодых педагогов в период адаптации", "в течение года", SY_25_26, "continuous",
        "other"),
    Row("19", "Неделя молодого педагога: открытые уроки и мастер-классы", "16-20.02",
        [("2026-02-16", "2026-02-20")], None, "other"),
    Row("20", "Контроль ведения документации наставнических пар", "2 четверть", [("2025-11-01", "2025-12-31")],
        None, "monitoring"),
]  # fmt: skip
XLSX_STAGE_3 = [
    Row("21", "Итоговое анкетирование наставников и наставляемых", "май", [month(2026, 5)], None, "survey"),
    Row("22", "Анализ эффективности реализации программы наставничества", "Май", [month(2026, 5)], None,
        "monitoring"),
    Row("23", "Отчёт о работе наставников за учебный год", "до 31 мая", [(None, "2026-05-31")], None, "document"),
    Row("24", "Итоговая конференция «Наставничество: итоги года»", "25.05", [day("2026-05-25")], None,
        "conference"),
    Row("25", "Мониторинг удовлетворённости участников программой наставничества", "апрель – май",
        [("2026-04-01", "2026-05-31")], None, "monitoring"),
    Row("26", "Обобщение опыта наставников на сайте школы", "июнь", [month(2026, 6)], None, "other"),
]  # fmt: skip
XLSX_EXPECTED = XLSX_STAGE_1 + XLSX_STAGE_2 + XLSX_STAGE_3


def build_xlsx() -> bytes:
    rows: list[list[str]] = [
        ["УТВЕРЖДАЮ\nДиректор МБОУ «СОШ № 4» ________ О.Н. Лебедева\nПриказ от 29.08.2025 № 112",
         "", "", "", "", ""],
        ["План работы по наставничеству педагогических работников МБОУ «Средняя общеобразовательная школа № 4» "
         "на 2025/2026 учебный год", "", "", "", "", ""],
        ["Этап", "№ п/п", "Мероприятие", "Сроки\nпроведения", "Ответственный", "Участники"],
    ]  # fmt: skip
    for stage, part in ((X_STAGE_1, XLSX_STAGE_1), (X_STAGE_2, XLSX_STAGE_2), (X_STAGE_3, XLSX_STAGE_3)):
        for index, row in enumerate(part):
            rows.append([stage if index == 0 else "", row.number, row.title, row.when, "зам. директора по УВР",
                         "наставники, молодые педагоги"])  # fmt: skip
    # rows 1–2 are titles, row 3 the header; «Этап» is merged down each stage, value in the top cell
    first = 4
    merges = ["A1:F1", "A2:F2"]
    for part in (XLSX_STAGE_1, XLSX_STAGE_2, XLSX_STAGE_3):
        merges.append(f"A{first}:A{first + len(part) - 1}")
        first += len(part)
    return make_xlsx([Sheet("План на год", rows, merges)])


# -- CSV: a municipality's plan for 2025, cp1251, «;» --------------------------------------------------

CAL_2025 = [("2025-01-01", "2025-12-31")]
C_SECTION_1 = "Организационная работа"
C_SECTION_2 = "2. Методическое сопровождение педагогов"
C_SECTION_3 = "Раздел 3. Мониторинг и отчётность"

CSV_PART_1 = [
    Row("1.1", "Приказ о составе муниципальной рабочей группы проекта «Школа – школе»", "до 15 февраля",
        [(None, "2025-02-15")], None, "document"),
    Row("1.2", "Совещание руководителей школ-кураторов и ШНОР", "25.03.2025", [day("2025-03-25")], None,
        "meeting"),
    Row("1.3", "Разработка муниципальной дорожной карты сетевого наставничества", "январь", [month(2025, 1)], None,
        "document"),
    Row("1.4", "Утверждение списка наставнических пар «руководитель – руководителю»", "до 1 марта",
        [(None, "2025-03-01")], None, "document"),
    Row("1.5", "Заседание муниципального методического совета", "ежеквартально", CAL_2025, "quarterly", "meeting"),
    Row("1.6", "Информационное сопровождение проекта на сайте управления образования", "в течение года", CAL_2025,
        "continuous", "other"),
]  # fmt: skip
CSV_PART_2 = [
    Row("2.1", "Вебинар «Функциональная грамотность: читательская и математическая»", "II квартал",
        [("2025-04-01", "2025-06-30")], None, "webinar"),
    Row("2.2", "Семинар для учителей начальных классов ШНОР", "март – апрель", [("2025-03-01", "2025-04-30")],
        None, "seminar"),
    Row("2.3", "Семинар-практикум «Смысловое чтение на уроках»", "апрель, октябрь", [month(2025, 4), month(2025, 10)],
        None, "workshop"),
    Row("2.4", "Мастер-классы учителей-наставников школ-лидеров", "май", [month(2025, 5)], None, "master_class"),
    Row("2.5", "Открытые уроки в ШНОР с участием наставников", "октябрь – ноябрь", [("2025-10-01", "2025-11-30")],
        None, "open_lesson"),
    Row("2.6", "Круглый стол «Наставничество: опыт и перспективы»", "ноябрь", [month(2025, 11)], None,
        "round_table"),
    Row("2.7", "Консультирование педагогов ШНОР по вопросам подготовки к ГИА", "ежемесячно", CAL_2025, "monthly",
        "consultation"),
    Row("2.8", "Муниципальный конкурс «Наставник года – 2025»", "III квартал", [("2025-07-01", "2025-09-30")],
        None, "competition"),
    Row("2.9", "Муниципальная конференция «Школа – школе: итоги года»", "16.12.2025", [day("2025-12-16")], None,
        "conference"),
    Row("2.10", "Методический совет по итогам ВПР", "сентябрь", [month(2025, 9)], None, "council"),
    Row("2.11", "Стажировка педагогов ШНОР на базе школ-лидеров", "по согласованию", [], None, "other"),
]  # fmt: skip
CSV_PART_3 = [
    Row("3.1", "Анкетирование педагогов по выявлению профессиональных дефицитов", "февраль", [month(2025, 2)], None,
        "survey"),
    Row("3.2", "Мониторинг образовательных результатов ШНОР", "июнь, декабрь", [month(2025, 6), month(2025, 12)],
        None, "monitoring"),
    Row("3.3", "Диагностика профессиональных компетенций учителей", "I квартал", [("2025-01-01", "2025-03-31")],
        None, "monitoring"),
    Row("3.4", "Отчёт о реализации дорожной карты", "до 20\nдекабря", [(None, "2025-12-20")], None, "document"),
    Row("3.5", "Анализ выполнения плана мероприятий", "IV квартал", [("2025-10-01", "2025-12-31")], None,
        "monitoring"),
    Row("3.6", "Опрос удовлетворённости участников проекта", "ноябрь – декабрь", [("2025-11-01", "2025-12-31")],
        None, "survey"),
    Row("3.7", "Контроль ведения документации наставнических пар", "1 раз в квартал", CAL_2025, "quarterly",
        "monitoring"),
    Row("3.8", "Публикация сборника материалов по итогам года", "декабрь", [month(2025, 12)], None, "document"),
]  # fmt: skip
CSV_EXPECTED = CSV_PART_1 + CSV_PART_2 + CSV_PART_3


def build_csv() -> bytes:
    def cells(row: Row) -> list[str]:
        return [f"{row.number}.", row.title, row.when, "Управление образования,\nметодисты ИМЦ", "Выполнено"]

    rows = [
        ["Приложение 1 к приказу управления образования от 20.12.2024 № 388", "", "", "", ""],
        ["План мероприятий по реализации муниципального проекта сетевого наставничества «Школа – школе» "
         "на 2025 год", "", "", "", ""],
        ["№ п/п", "Наименование мероприятия", "Сроки", "Ответственные", "Результат"],
        ["1.", C_SECTION_1, "", "", ""],
        *map(cells, CSV_PART_1),
        ["", C_SECTION_2, "", "", ""],
        *map(cells, CSV_PART_2),
        [C_SECTION_3, "", "", "", ""],
        *map(cells, CSV_PART_3),
        ["", "", "", "", ""],
        ["Исполнитель: Гречко А.В., тел. 8(81364)2-15-40", "", "", "", ""],
    ]  # fmt: skip
    return make_csv(rows, ";", "cp1251")


# -- tests --------------------------------------------------------------------------------------------

NOT_EVENTS = [D_SECTION_1, D_SECTION_2, D_SECTION_3, D_SIGNATURE, "- 2 -", X_STAGE_1, X_STAGE_2, X_STAGE_3,
              C_SECTION_1, C_SECTION_2, C_SECTION_3, *DOCX_HEADER, *COLUMN_NUMBERS]  # fmt: skip


@pytest.fixture(scope="module")
def docx_roadmap() -> Roadmap:
    return parse_roadmap(build_docx(), "shnor-region-2024-2026.docx")


@pytest.fixture(scope="module")
def xlsx_roadmap() -> Roadmap:
    return parse_roadmap(build_xlsx(), "sosh4-nastavnichestvo-2025-2026.xlsx")


@pytest.fixture(scope="module")
def csv_roadmap() -> Roadmap:
    return parse_roadmap(build_csv(), "plan-2025.csv")


DOCS = [("docx_roadmap", DOCX_EXPECTED), ("xlsx_roadmap", XLSX_EXPECTED), ("csv_roadmap", CSV_EXPECTED)]


@pytest.mark.parametrize(("fixture", "expected"), DOCS)
def test_no_section_row_is_an_event(fixture: str, expected: list[Row], request: pytest.FixtureRequest) -> None:
    roadmap: Roadmap = request.getfixturevalue(fixture)
    stray = [e.title for e in roadmap.events if _norm(e.title) in NOT_EVENTS or _norm(e.when) in NOT_EVENTS]
    stray += [e.title for e in roadmap.events if e.title.startswith(("Исполнитель", "Председатель", "УТВЕРЖДАЮ"))]
    assert not stray
    assert len(roadmap.events) == len(expected)


@pytest.mark.parametrize(("fixture", "expected"), DOCS)
def test_undated_rows_are_kept_with_a_warning(
    fixture: str, expected: list[Row], request: pytest.FixtureRequest
) -> None:
    roadmap: Roadmap = request.getfixturevalue(fixture)
    found, _ = align(roadmap, expected)
    undated = [(row, event) for row, event in zip(expected, found, strict=True) if not row.periods]
    assert undated
    for row, event in undated:
        assert event is not None, row.title
        assert event.periods == [] and event.warnings, row.title


@pytest.mark.parametrize(("fixture", "expected"), DOCS)
def test_rows(fixture: str, expected: list[Row], request: pytest.FixtureRequest) -> None:
    """Row by row, so a failure names the row; the accuracy bar is the test below."""
    roadmap: Roadmap = request.getfixturevalue(fixture)
    assert not misses(roadmap, expected)


def test_accuracy_on_third_held_out_set(docx_roadmap: Roadmap, xlsx_roadmap: Roadmap, csv_roadmap: Roadmap) -> None:
    """The bar: at least 95 % of rows right (same days, recurrence and kind); stray events count as wrong."""
    totals = [
        accuracy(docx_roadmap, DOCX_EXPECTED),
        accuracy(xlsx_roadmap, XLSX_EXPECTED),
        accuracy(csv_roadmap, CSV_EXPECTED),
    ]
    right, total = sum(r for r, _ in totals), sum(t for _, t in totals)
    assert total >= len(DOCX_EXPECTED) + len(XLSX_EXPECTED) + len(CSV_EXPECTED)
    assert right / total >= 0.95, f"{right}/{total}"
