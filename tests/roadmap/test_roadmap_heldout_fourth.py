"""A fourth held-out set: one document for each of the ten corpus families, in other variants.

Written before the parser was changed for issue 9, expectations by hand from docs/roadmap-parser.md,
../shared/DESIGN.md and the corpus README (its first-sight score is in the docs' «Quality»):

1. the federal stage template as an ODT (LibreOffice): «№ п/п · Этап · Мероприятие · Содержание работы ·
   Срок проведения · Ответственные», the number and the stage merged down each stage, a 2024–2025 school year;
2. the Р-145 template as an XLSX: «Форма отчётности» (a document column: never the kind), the column-number
   row, merged section rows, a date stored as a date, a signature line under the table, 2025;
3. a regional multi-year plan (2025–2027) as an ODT: Roman sections in the № cell, not merged; «Вид
   документа»; «педагогическая мастерская», «практическое занятие»; a second table of indicators;
4. a «500+» plan as an ODS: the columns in another order (executors before the date), a 2023 order date
   above a plan «на 2024 год», «С мая ежеквартально», «Ежемесячно с февраля 2024», a note under the table;
5. a network plan as a UTF-8 «,» CSV with day dates, two responsible columns, a «5.» section over «5.1»;
6. a mentor's plan as an XLSX: «Тема занятия · Форма проведения · Сроки · Отметка о выполнении» — the kind
   from the form of work; «Тренинг»;
7. a school pair's plan as an ODS: a sheet of pairs (no dates), a plan with «Этап» merged down (rows-spanned);
8. a ФГОС roadmap as a cp1251 «;» CSV, 2024–2027: «Май, ежегодно с 2025 года», «Ежегодно до 31 августа»,
   «ежегодно с 2025 года, октябрь», sections alone in the number column;
9. a month-first plan as a DOCX: «Месяц» merged down two rows, «Дата, время, место», «по индивидуальному
   графику» (the month column decides), a contacts table;
10. a school-year ШНОР plan as an XLSX and the same saved by LibreOffice as a legacy XLS: sections alone in the
   number column, «Форма представления результатов», «I полугодие», «2 четверть».

Readings chosen where the docs leave room: the kind comes from the form-of-work column when it names one
(the corpus's mentor plan: «Самоанализ урока» · «Практикум» → workshop); «тренинг» and «педагогическая
мастерская» are workshops; «в течение 2025–2026 гг.» is continuous over both years.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from heldout import Row, accuracy, align, day, misses, month, norm
from roadmap_builders import DocxTable, OdfTable, Sheet, make_csv, make_docx, make_odt, make_ods, make_xlsx

from bot.services.roadmap import Roadmap, parse_roadmap

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SY24 = [("2024-09-01", "2025-05-31")]
SY25 = [("2025-09-01", "2026-05-31")]
CAL24 = [("2024-01-01", "2024-12-31")]
CAL25 = [("2025-01-01", "2025-12-31")]
SURVEY = ("survey", "monitoring")

# -- 1. federal stage template, ODT, 2024–2025 school year ------------------------------------------------

F1_STAGES = [
    ("1.", "Подготовительный: создание условий для наставничества", [
        (Row("", "Издание приказа о назначении куратора наставничества", "до 10 сентября",
             [(None, "2024-09-10")], None, "document"), "Подготовка проекта приказа, согласование"),
        (Row("", "Педагогический совет «Система наставничества в гимназии»", "август 2024 г.", [month(2024, 8)],
             None, "council"), "Выступление куратора, принятие положения о наставничестве"),
        (Row("", "Анкетирование педагогов для выявления профессиональных дефицитов", "Сентябрь",
             [month(2024, 9)], None, SURVEY), "Входная анкета для молодых специалистов"),
    ]),
    ("2.", "Основной: реализация программ наставничества", [
        (Row("", "Установочная встреча наставников и наставляемых", "Октябрь", [month(2024, 10)], None,
             "meeting"), "Знакомство пар, согласование индивидуальных планов"),
        (Row("", "Вебинар «Цифровые ресурсы в работе наставника»", "15.11.2024", [day("2024-11-15")], None,
             "webinar"), "Онлайн-занятие на платформе Сферум"),
        (Row("", "Мастер-класс наставников «Эффективный урок»", "Январь", [month(2025, 1)], None,
             "master_class"), "Показ приёмов работы на уроке"),
        (Row("", "Взаимопосещение уроков", "ежемесячно", SY24, "monthly", "open_lesson"),
         "Посещение уроков наставником и наставляемым, анализ"),
        (Row("", "Индивидуальные консультации наставляемых", "в течение учебного года", SY24, "continuous",
             "consultation"), "По запросу молодых специалистов"),
    ]),
    ("3.", "Заключительный: подведение итогов", [
        (Row("", "Итоговое анкетирование участников наставнических пар", "апрель", [month(2025, 4)], None,
             SURVEY), "Оценка удовлетворённости наставников и наставляемых"),
        (Row("", "Круглый стол «Итоги года наставничества»", "май 2025 г.", [month(2025, 5)], None,
             "round_table"), "Презентация результатов работы пар"),
        (Row("", "Отчёт куратора о реализации программы", "до 30 мая", [(None, "2025-05-30")], None, "document"),
         "Аналитический отчёт на сайте гимназии"),
    ]),
]  # fmt: skip
F1_EXPECTED = [row for _, _, rows in F1_STAGES for row, _ in rows]
F1_NOT_EVENTS = [stage for _, stage, _ in F1_STAGES]


def build_f1() -> bytes:
    header = ["№ п/п", "Этап", "Мероприятие", "Содержание работы", "Срок проведения", "Ответственные"]
    rows, spans = [header], []
    for number, stage, items in F1_STAGES:
        spans += [(len(rows), 0, len(items), 1), (len(rows), 1, len(items), 1)]
        for index, (row, content) in enumerate(items):
            first = index == 0
            rows.append([number if first else "", stage if first else "", row.title, content, row.when,
                         "Куратор наставничества" if index % 2 else "Заместитель директора по УВР"])
    title = ["Приложение 1 к приказу МАОУ «Гимназия № 7» от 30.08.2024 № 188-о",
             "Дорожная карта реализации системы наставничества педагогических работников МАОУ «Гимназия № 7» "
             "на 2024–2025 учебный год"]
    return make_odt(title, [OdfTable(rows, spans, header_rows=1, page_breaks={7})])


# -- 2. Р-145 template, XLSX, 2025 --------------------------------------------------------------------------

F2_SECTIONS = [
    ("1. Организационные мероприятия", [
        (Row("1.1", "Разработка положения о наставничестве", "январь 2025 г.", [month(2025, 1)], None,
             "document"), "Положение"),
        (Row("1.2", "Вебинар для кураторов «Целевая модель наставничества»", "12.02.2025", [day("2025-02-12")],
             None, "webinar"), "Программа вебинара, протокол"),
        (Row("1.3", "Формирование базы наставников", "до 1 марта 2025 г.", [(None, "2025-03-01")], None, None),
         "База данных наставников"),
    ]),
    ("2. Методическое сопровождение", [
        (Row("2.1", "Семинар-практикум «Наставник и молодой педагог»", "март – апрель 2025 г.",
             [("2025-03-01", "2025-04-30")], None, "workshop"), "Материалы семинара"),
        (Row("2.2", "Совещание с наставниками", "ежеквартально", CAL25, "quarterly", "meeting"), "Протокол"),
        (Row("2.3", "Консультации для наставляемых", "в течение года", CAL25, "continuous", "consultation"),
         "Журнал консультаций"),
        (Row("2.4", "Конкурс «Наставник года»", "III квартал 2025 г.", [("2025-07-01", "2025-09-30")], None,
             "competition"), "Приказ об итогах конкурса"),
    ]),
    ("3. Мониторинг", [
        (Row("3.1", "Мониторинг реализации программ наставничества", "ноябрь – декабрь 2025 г.",
             [("2025-11-01", "2025-12-31")], None, "monitoring"), "Аналитическая справка"),
        (Row("3.2", "Анкетирование удовлетворённости участников", "декабрь 2025 г.", [month(2025, 12)], None,
             SURVEY), "Отчёт"),
    ]),
]  # fmt: skip
F2_EXPECTED = [row for _, rows in F2_SECTIONS for row, _ in rows]
F2_SIGNATURE = "Директор МБОУ «Луговская СОШ»"


def build_f2() -> bytes:
    rows: list[list[object]] = [
        ["УТВЕРЖДЕНА приказом директора МБОУ «Луговская СОШ» от 27.12.2024 № 301", "", "", "", ""],
        ["План мероприятий (дорожная карта) по внедрению целевой модели наставничества в МБОУ «Луговская СОШ» "
         "на 2025 год", "", "", "", ""],
        ["№", "Мероприятие", "Сроки", "Исполнители", "Форма отчётности"],
        [1, 2, 3, 4, 5],
    ]
    merges = ["A1:E1", "A2:E2"]
    for section, items in F2_SECTIONS:
        rows.append([section, "", "", "", ""])
        merges.append(f"A{len(rows)}:E{len(rows)}")
        for row, document in items:
            when: object = datetime(2025, 2, 12) if row.when == "12.02.2025" else row.when  # stored as a date
            rows.append([row.number, row.title, when, "Куратор, заместитель директора", document])
    rows += [["", "", "", "", ""], ["", F2_SIGNATURE, "", "Н.В. Орлова", ""]]
    return make_xlsx([Sheet("Дорожная карта", rows, merges)])  # type: ignore[arg-type]


# -- 3. regional multi-year plan with Roman sections, ODT, 2025–2027 ------------------------------------------

F3_SECTIONS = [
    ("I", "Нормативное обеспечение", [
        (Row("1", "Утверждение регионального плана мероприятий по наставничеству", "январь 2025 г.",
             [month(2025, 1)], None, "document"), "Распоряжение"),
        (Row("2", "Разработка методических рекомендаций для муниципальных кураторов", "I квартал 2025 г.",
             [("2025-01-01", "2025-03-31")], None, "document"), "Методические рекомендации"),
    ]),
    ("II", "Методическое сопровождение", [
        (Row("3", "Вебинар «Наставничество в цифровой среде»", "18.03.2025", [day("2025-03-18")], None,
             "webinar"), "Программа вебинара"),
        (Row("4", "Педагогическая мастерская «Наставник – наставнику»", "октябрь 2025 г., октябрь 2026 г.",
             [month(2025, 10), month(2026, 10)], None, "workshop"), "Материалы мастерской"),
        (Row("5", "Практическое занятие для молодых педагогов по формирующему оцениванию", "ежегодно, март",
             [month(2025, 3), month(2026, 3), month(2027, 3)], "yearly", "workshop"), "Методические материалы"),
        (Row("6", "Стажировка молодых педагогов на базе школ-лидеров", "2026 год", [("2026-01-01", "2026-12-31")],
             None, None), "Программа стажировки"),
    ]),
    ("III", "Мониторинг и оценка", [
        (Row("7", "Региональный мониторинг удовлетворённости наставников", "ежегодно, декабрь",
             [month(2025, 12), month(2026, 12), month(2027, 12)], "yearly", "monitoring"), "Аналитическая справка"),
        (Row("8", "Итоговая конференция «Наставничество: 2025–2027»", "ноябрь 2027 г.", [month(2027, 11)], None,
             "conference"), "Сборник материалов"),
        (Row("9", "Консультирование муниципальных кураторов", "по запросу", [], None, "consultation"), "—"),
    ]),
]  # fmt: skip
F3_EXPECTED = [row for _, _, rows in F3_SECTIONS for row, _ in rows]
F3_NOT_EVENTS = [title for _, title, _ in F3_SECTIONS]


def build_f3() -> bytes:
    rows = [["№", "Содержание мероприятия", "Срок исполнения", "Исполнитель", "Вид документа", "Показатель"]]
    for roman, title, items in F3_SECTIONS:
        rows.append([roman, title, "", "", "", ""])
        for row, document in items:
            rows.append([row.number, row.title, row.when, "Региональный центр наставничества", document,
                         "Выполнено в срок"])
    indicators = [["№", "Показатель", "2025", "2026", "2027"],
                  ["1", "Доля молодых педагогов с наставником, %", "60", "70", "80"],
                  ["2", "Число муниципальных кураторов, прошедших обучение", "40", "45", "52"]]
    title = ["Приложение к распоряжению министерства образования от 20.12.2024 № 1544-р",
             "Дорожная карта развития системы наставничества педагогических работников области на 2025–2027 годы"]
    return make_odt(title, [OdfTable(rows, header_rows=1, page_breaks={9}),
                            OdfTable(indicators, caption=["Целевые показатели"], name="Таблица2")])


# -- 4. «500+» plan, ODS, 2024 ----------------------------------------------------------------------------------

F4_SECTIONS = [
    ("1. Организационные мероприятия", [
        Row("1", "Совещание с директорами школ проекта «500+»", "Январь 2024 года", [month(2024, 1)], None,
            "meeting"),
        Row("2", "Самодиагностика школ по рисковым профилям", "Февраль", [month(2024, 2)], None, "monitoring"),
        Row("3", "Размещение антирисковых программ на сайтах школ", "До 20 марта 2024 г.", [(None, "2024-03-20")],
            None, None),
        Row("4", "Контроль реализации антирисковых программ", "С мая ежеквартально", [("2024-05-01", "2024-12-31")],
            "quarterly", "monitoring"),
    ]),
    ("2. Методическая поддержка", [
        Row("5", "Вебинары ФИОКО для школ проекта", "Еженедельно по графику", CAL24, "weekly", "webinar"),
        Row("6", "Методический день для учителей-предметников", "Ежемесячно с февраля 2024",
            [("2024-02-01", "2024-12-31")], "monthly", None),
        Row("7", "Фестиваль педагогических идей школ-участниц", "Октябрь – ноябрь 2024 года",
            [("2024-10-01", "2024-11-30")], None, None),
        Row("8", "Конкурс методических разработок учителей ШНОР", "Сентябрь – декабрь", [("2024-09-01", "2024-12-31")],
            None, "competition"),
    ]),
    ("3. Подведение итогов", [
        Row("9", "Итоговая конференция проекта «500+»", "Декабрь 2024 г.", [month(2024, 12)], None, "conference"),
    ]),
]  # fmt: skip
F4_EXPECTED = [row for _, rows in F4_SECTIONS for row in rows]
F4_NOTE = "Примечание: даты вебинаров уточняются по плану ФИОКО."


def build_f4() -> bytes:
    rows = [["УТВЕРЖДЁН приказом комитета образования от 25.12.2023 № 401", "", "", "", "", ""],
            ["План мероприятий («дорожная карта») по поддержке школ с низкими результатами обучения на 2024 год",
             "", "", "", "", ""],
            ["", "", "", "", "", ""],
            ["№", "Мероприятие", "Исполнители", "Срок", "Показатель", "Результат"]]
    spans = [(1, 0, 1, 6)]
    for section, items in F4_SECTIONS:
        spans.append((len(rows), 0, 1, 6))
        rows.append([section, "", "", "", "", ""])
        for row in items:
            rows.append([row.number, row.title, "ШНОР" if row.number in "236" else "Комитет образования", row.when,
                         "100% участие", "Протокол"])
    rows += [["", "", "", "", "", ""], [F4_NOTE, "", "", "", "", ""]]
    return make_ods([OdfTable(rows, spans, name="План-график")])


# -- 5. network plan, UTF-8 «,» CSV, 2024 -----------------------------------------------------------------------

F5_EXPECTED = [
    Row("1.", "Вебинар «Планирование работы сетевых пар»", "15.01", [day("2024-01-15")], None, "webinar"),
    Row("2.", "Совещание руководителей школ-партнёров", "22.01, 29.01", [day("2024-01-22"), day("2024-01-29")],
        None, "meeting"),
    Row("3.", "Мастер-классы педагогов школ-лидеров", "05.02-09.02", [("2024-02-05", "2024-02-09")], None,
        "master_class"),
    Row("4.", "Открытые уроки в школах с низкими результатами", "12-16 февраля", [("2024-02-12", "2024-02-16")],
        None, "open_lesson"),
    Row("5.1.", "Педагогическая мастерская «Формирующее оценивание»", "Март 11.03, 18.03, 25.03",
        [day("2024-03-11"), day("2024-03-18"), day("2024-03-25")], None, "workshop"),
    Row("5.2.", "Круглый стол по итогам весеннего цикла", "28.03.", [day("2024-03-28")], None, "round_table"),
    Row("6.", "Научно-практическая конференция «Сетевое наставничество»", "Апрель, май",
        [month(2024, 4), month(2024, 5)], None, "conference"),
    Row("7.", "Отчёт о совместной работе пар", "до 20.06", [(None, "2024-06-20")], None, "document"),
    Row("8.", "Методический совет по итогам года", "Июнь", [month(2024, 6)], None, "council"),
]  # fmt: skip
F5_SECTION = "Весенний цикл сетевых мероприятий"


def build_f5() -> bytes:
    rows = [["План сетевого взаимодействия школ «Школа – школе» на 2024 год", "", "", "", "", ""],
            ["№", "Мероприятие", "Дата проведения", "Ответственный (муниципальный уровень)",
             "Ответственный (школьный уровень)", "Результат"]]
    for row in F5_EXPECTED:
        if row.number == "5.1.":
            rows.append(["5.", F5_SECTION, "", "", "", ""])
        rows.append([row.number, row.title, row.when, "Методист ИМЦ\nГлавный специалист комитета",
                     "Руководители школьных команд", "Проведено"])
    return make_csv(rows, ",", "utf-8")


# -- 6. mentor's plan, XLSX, 2025/2026 school year ------------------------------------------------------------

F6_ROWS = [
    (Row("1", "Изучение должностной инструкции и локальных актов", "Сентябрь", [month(2025, 9)], None, None),
     "Беседа", "выполнено"),
    (Row("2", "Планирование уроков по ФГОС", "Сентябрь – октябрь", [("2025-09-01", "2025-10-31")], None,
         "workshop"), "Практикум", "выполнено"),
    (Row("3", "Посещение уроков молодого педагога", "Октябрь", [month(2025, 10)], None, None),
     "Посещение уроков, анализ", "выполнено"),
    (Row("4", "Анализ контрольных работ", "Ноябрь", [month(2025, 11)], None, "consultation"), "Консультация", ""),
    (Row("5", "Формирующее оценивание на уроках русского языка", "Декабрь", [month(2025, 12)], None,
         "master_class"), "Мастер-класс", ""),
    (Row("6", "Работа с родителями обучающихся", "Январь", [month(2026, 1)], None, "workshop"), "Тренинг", ""),
    (Row("7", "Открытый урок молодого педагога", "Февраль", [month(2026, 2)], None, "open_lesson"), "Открытый урок",
     ""),
    (Row("8", "Подготовка к аттестации", "Март, апрель", [month(2026, 3), month(2026, 4)], None, "consultation"),
     "Консультация", ""),
    (Row("9", "Итоги года: самоанализ молодого педагога", "Май", [month(2026, 5)], None, None),
     "Собеседование, отчёт", ""),
]  # fmt: skip
F6_EXPECTED = [row for row, _, _ in F6_ROWS]


def build_f6() -> bytes:
    rows: list[list[object]] = [
        ["Индивидуальный план работы наставника с молодым педагогом на 2025/2026 учебный год", "", "", "", ""],
        ["Наставник: Смирнова О.В., учитель русского языка; молодой педагог: Ким А.С., учитель русского языка",
         "", "", "", ""],
        ["№", "Тема занятия", "Форма проведения", "Сроки", "Отметка о выполнении"],
    ]
    rows += [[int(row.number), row.title, form, row.when, mark] for row, form, mark in F6_ROWS]
    return make_xlsx([Sheet("План наставника", rows, ["A1:E1", "A2:E2"])])  # type: ignore[arg-type]


# -- 7. school pair's plan, ODS, 2025 --------------------------------------------------------------------------

F7_STAGES = [
    ("Подготовительный", [
        Row("", "Установочное совещание команд школ", "Январь", [month(2025, 1)], None, "meeting"),
        Row("", "Диагностика профессиональных дефицитов педагогов", "Январь – февраль",
            [("2025-01-01", "2025-02-28")], None, "monitoring"),
        Row("", "Согласование плана совместной работы", "до 10 февраля", [(None, "2025-02-10")], None, "document"),
    ]),
    ("Основной", [
        Row("", "Семинар «Современный урок»", "Март", [month(2025, 3)], None, "seminar"),
        Row("", "Взаимопосещение уроков педагогами школ", "Апрель, октябрь", [month(2025, 4), month(2025, 10)], None,
            "open_lesson"),
        Row("", "Совместное заседание методических объединений", "Ноябрь", [month(2025, 11)], None, "meeting"),
        Row("", "Тренинг для классных руководителей", "по согласованию", [], None, None),
    ]),
    ("Итоговый", [
        Row("", "Круглый стол «Итоги сетевого взаимодействия»", "Декабрь", [month(2025, 12)], None, "round_table"),
        Row("", "Отчёт о реализации плана", "до 20 декабря", [(None, "2025-12-20")], None, "document"),
    ]),
]  # fmt: skip
F7_EXPECTED = [row for _, rows in F7_STAGES for row in rows]


def build_f7() -> bytes:
    pairs = OdfTable([["Пары школ проекта «Школа – школе» на 2025 год", "", "", ""],
                      ["№", "Школа-наставник", "Школа с низкими результатами", "Директор школы-наставника"],
                      ["1", "МБОУ «Гимназия № 3»", "МКОУ «Овражская СОШ»", "Лебедев П.А."],
                      ["2", "МБОУ «Лицей № 1»", "МКОУ «Ручьёвская ООШ»", "Юдина Т.М."],
                      ["3", "МБОУ «СОШ № 6»", "МКОУ «Заречная СОШ»", "Сомов Д.И."]],
                     [(0, 0, 1, 4)], name="Пары школ")  # fmt: skip
    rows = [["План совместной работы пары школ на 2025 год", "", "", "", ""],
            ["Этап", "Содержание мероприятия", "Срок", "Ответственные", "Результат"]]
    spans = [(0, 0, 1, 5)]
    for stage, items in F7_STAGES:
        spans.append((len(rows), 0, len(items), 1))
        for index, row in enumerate(items):
            rows.append([stage if index == 0 else "", row.title, row.when, "Директора школ", "Выполнено"])
    return make_ods([pairs, OdfTable(rows, spans, name="План работы")])


# -- 8. ФГОС roadmap, cp1251 «;» CSV, 2024–2027 ------------------------------------------------------------------

F8_SECTIONS = [
    ("1. Организационное обеспечение", [
        Row("1.1", "Создание рабочей группы по переходу на ФГОС", "Август 2024 года", [month(2024, 8)], None, None),
        Row("1.2", "Родительское собрание о переходе на обновлённые ФГОС", "Май, ежегодно с 2025 года",
            [month(2025, 5), month(2026, 5), month(2027, 5)], "yearly", "meeting"),
        Row("1.3", "Утверждение учебного плана", "Ежегодно до 31 августа",
            [(None, "2024-08-31"), (None, "2025-08-31"), (None, "2026-08-31"), (None, "2027-08-31")], "yearly",
            "document"),
    ]),
    ("2. Методическое обеспечение", [
        Row("2.1", "Семинар «Функциональная грамотность младших школьников»", "Ноябрь 2024 года", [month(2024, 11)],
            None, "seminar"),
        Row("2.2", "Мастер-классы учителей начальных классов", "В течение 2025–2026 гг.",
            [("2025-01-01", "2026-12-31")], "continuous", "master_class"),
        Row("2.3", "Анкетирование педагогов о готовности к работе по ФГОС", "Декабрь 2024 года, декабрь 2025 года",
            [month(2024, 12), month(2025, 12)], None, SURVEY),
        Row("2.4", "Педсовет «Итоги перехода на обновлённые ФГОС»", "Июнь 2027 года", [month(2027, 6)], None,
            "council"),
        Row("2.5", "Мониторинг качества образования", "ежегодно с 2025 года, октябрь",
            [month(2025, 10), month(2026, 10), month(2027, 10)], "yearly", "monitoring"),
    ]),
]  # fmt: skip
F8_EXPECTED = [row for _, rows in F8_SECTIONS for row in rows]


def build_f8() -> bytes:
    rows = [["Дорожная карта перехода на обновлённые ФГОС НОО и ООО на 2024–2027 годы", "", "", "", ""],
            ["№ п/п", "Наименование мероприятия", "Срок", "Ответственный", "Результат"]]
    for section, items in F8_SECTIONS:
        rows.append([section, "", "", "", ""])
        rows += [[row.number, row.title, row.when, "Заместитель директора по УВР", "Протокол"] for row in items]
    return make_csv(rows, ";", "cp1251")


# -- 9. month-first plan, DOCX, 2025–2026 school year ------------------------------------------------------------

F9_ROWS = [
    ("Сентябрь", Row("", "Конкурс «Педагогический дебют» (школьный этап)", "15 сентября – 5 октября",
                     [("2025-09-15", "2025-10-05")], None, "competition"), "Положение на сайте ИМЦ"),
    ("Октябрь", Row("", "Семинар для наставников «Первый год в школе»", "22.10.2025, 15.00, ИМЦ",
                    [day("2025-10-22")], None, "seminar"), ""),
    ("Октябрь", Row("", "Консультации по аттестации", "по индивидуальному графику", [month(2025, 10)], None,
                    "consultation"), "Запись у методиста"),
    ("Ноябрь", Row("", "Фестиваль открытых уроков молодых педагогов", "10 – 21 ноября",
                   [("2025-11-10", "2025-11-21")], None, "open_lesson"), "Заявки до 1 ноября"),
    ("Декабрь", Row("", "Круглый стол «Наставничество: первые итоги»", "18.12.2025, 14.00, гимназия № 2",
                    [day("2025-12-18")], None, "round_table"), ""),
    ("Январь – февраль", Row("", "Методические консультации для молодых педагогов", "по индивидуальному графику",
                             [("2026-01-01", "2026-02-28")], None, "consultation"), ""),
    ("Март", Row("", "Мастер-класс победителя конкурса «Педагогический дебют»", "17 марта", [day("2026-03-17")],
                 None, "master_class"), ""),
    ("Апрель", Row("", "Слёт молодых педагогов", "23 апреля", [day("2026-04-23")], None, None), ""),
    ("Май", Row("", "Анкетирование молодых педагогов «Удовлетворённость профессией»", "12 – 22 мая",
                [("2026-05-12", "2026-05-22")], None, SURVEY), "Ссылка на анкету в чате"),
]  # fmt: skip
F9_EXPECTED = [row for _, row, _ in F9_ROWS]


def build_f9() -> bytes:
    rows = [["Месяц", "Мероприятие", "Дата, время, место", "Примечание"]]
    rows += [[m, row.title, row.when, note] for m, row, note in F9_ROWS]
    contacts = [["ФИО", "Должность", "Телефон"],
                ["Петрова Людмила Андреевна", "директор ИМЦ", "8 (81371) 2-20-15"],
                ["Гаврилова Ольга Ивановна", "методист по работе с молодыми педагогами", "8 (81371) 2-20-17"]]
    title = ["Утверждаю: директор ИМЦ ________ Л.А. Петрова",
             "План работы с молодыми педагогами округа на 2025–2026 учебный год"]
    return make_docx(title, [DocxTable(rows, vmerges=[(0, 2, 3)]), DocxTable(contacts, caption=["Контакты"])])


# -- 10. school-year ШНОР plan, XLSX and LibreOffice's XLS, 2024/2025 ------------------------------------------

F10_SECTIONS = [
    ("1. Аналитическая деятельность", [
        (Row("1.1", "Анализ результатов ВПР в школах с низкими результатами", "октябрь 2024", [month(2024, 10)], None,
             "monitoring"), "Аналитическая справка"),
        (Row("1.2", "Выявление профессиональных дефицитов учителей", "сентябрь – октябрь",
             [("2024-09-01", "2024-10-31")], None, None), "Карты дефицитов"),
        (Row("1.3", "Мониторинг динамики результатов обучения", "I полугодие", [("2024-09-01", "2024-12-31")], None,
             "monitoring"), "Справка"),
    ]),
    ("2. Методическая помощь", [
        (Row("2.1", "Закрепление школ-наставников за школами", "до 1 октября", [(None, "2024-10-01")], None, None),
         "Приказ"),
        (Row("2.2", "Семинар-практикум для учителей ШНОР", "ноябрь 2024", [month(2024, 11)], None, "workshop"),
         "Материалы семинара"),
        (Row("2.3", "Вебинар для руководителей школ", "2 четверть", [("2024-11-01", "2024-12-31")], None, "webinar"),
         "Протокол"),
        (Row("2.4", "Консультации для педагогов", "в течение учебного года", SY24, "continuous", "consultation"),
         "Журнал консультаций"),
    ]),
    ("3. Подведение итогов", [
        (Row("3.1", "Итоговое совещание с руководителями школ", "май 2025", [month(2025, 5)], None, "meeting"),
         "Протокол"),
        (Row("3.2", "Отчёт о результатах адресной помощи", "до 15 июня 2025 г.", [(None, "2025-06-15")], None,
             "document"), "Отчёт"),
    ]),
]  # fmt: skip
F10_EXPECTED = [row for _, rows in F10_SECTIONS for row, _ in rows]
F10_XLS = FIXTURES / "heldout4_shnor_2024_2025.xls"  # build_f10() saved as XLS by LibreOffice 7


def build_f10() -> bytes:
    rows = [["План адресной методической помощи школам с низкими результатами обучения на 2024-2025 учебный год",
             "", "", "", ""],
            ["№", "Мероприятие", "Сроки проведения", "Ответственные", "Форма представления результатов"]]
    for section, items in F10_SECTIONS:
        rows.append([section, "", "", "", ""])
        rows += [[row.number, row.title, row.when, "Методический центр", result] for row, result in items]
    return make_xlsx([Sheet("План", rows, ["A1:E1"])])


# -- tests -------------------------------------------------------------------------------------------------------

DOCS = {
    "f1_federal_stage.odt": (build_f1, F1_EXPECTED),
    "f2_r145.xlsx": (build_f2, F2_EXPECTED),
    "f3_regional_roman.odt": (build_f3, F3_EXPECTED),
    "f4_500plus.ods": (build_f4, F4_EXPECTED),
    "f5_network_days.csv": (build_f5, F5_EXPECTED),
    "f6_mentor_plan.xlsx": (build_f6, F6_EXPECTED),
    "f7_school_pairs.ods": (build_f7, F7_EXPECTED),
    "f8_fgos.csv": (build_f8, F8_EXPECTED),
    "f9_month_events.docx": (build_f9, F9_EXPECTED),
    "f10_shnor_schoolyear.xlsx": (build_f10, F10_EXPECTED),
}
NOT_EVENTS = [*F1_NOT_EVENTS, *(s for s, _ in F2_SECTIONS), F2_SIGNATURE, *F3_NOT_EVENTS,
              *(s for s, _ in F4_SECTIONS), F4_NOTE, F5_SECTION, *(s for s, _ in F7_STAGES), *(s for s, _ in F8_SECTIONS),
              *(s for s, _ in F10_SECTIONS), "Пары школ проекта «Школа – школе» на 2025 год"]  # fmt: skip


@pytest.fixture(scope="module")
def parsed() -> dict[str, Roadmap]:
    out = {name: parse_roadmap(build(), name) for name, (build, _) in DOCS.items()}
    out["f10_shnor_schoolyear.xls"] = parse_roadmap(F10_XLS.read_bytes(), F10_XLS.name)
    return out


def _expected(name: str) -> list[Row]:
    return F10_EXPECTED if name.endswith(".xls") else DOCS[name][1]


ALL = [*DOCS, "f10_shnor_schoolyear.xls"]


@pytest.mark.parametrize("name", ALL)
def test_no_section_note_or_list_is_an_event(name: str, parsed: dict[str, Roadmap]) -> None:
    roadmap = parsed[name]
    stray = [e.title for e in roadmap.events if norm(e.title) in NOT_EVENTS or norm(e.title).startswith(
        ("Примечание", "Директор", "МБОУ", "МКОУ", "Петрова", "Гаврилова", "Доля", "Число"))]
    assert not stray
    assert len(roadmap.events) == len(_expected(name))


@pytest.mark.parametrize("name", ALL)
def test_rows(name: str, parsed: dict[str, Roadmap]) -> None:
    assert not misses(parsed[name], _expected(name))


def test_stages_and_sections_name_the_events(parsed: dict[str, Roadmap]) -> None:
    found, _ = align(parsed["f1_federal_stage.odt"], F1_EXPECTED)
    assert [e.section if e else None for e in found] == [s for _, s, rows in F1_STAGES for _ in rows]
    found, _ = align(parsed["f7_school_pairs.ods"], F7_EXPECTED)
    assert [e.section if e else None for e in found] == [s for s, rows in F7_STAGES for _ in rows]
    found, _ = align(parsed["f3_regional_roman.odt"], F3_EXPECTED)
    assert all(e is not None and e.section and title in e.section
               for e, title in zip(found, [t for _, t, rows in F3_SECTIONS for _ in rows], strict=True))


def test_accuracy_on_fourth_held_out_set(parsed: dict[str, Roadmap]) -> None:
    """The bar: at least 95 % of rows right (days, recurrence, kind); stray events count as wrong."""
    totals = [accuracy(parsed[name], _expected(name)) for name in ALL]
    right, total = sum(r for r, _ in totals), sum(t for _, t in totals)
    assert total >= sum(len(_expected(name)) for name in ALL)
    assert right / total >= 0.95, f"{right}/{total}"
