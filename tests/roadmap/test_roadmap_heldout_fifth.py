"""A fifth held-out set, written after the issue-9 parser was finished and before it was run on these documents:
its first-sight score measures how the reading generalises (see the docs' «Quality»).

One document per corpus family again, in variants the fourth set does not have:

1. federal stage template, DOCX: the stage merged down and written «I. Подготовительный», the columns in another
   order (dates first), «2025/26 учебный год», «1 раз в месяц», «по плану ШМО»;
2. Р-145, ODT: «Результат (вид документа)», the column-number row, sections merged across, 2026;
3. regional plan, XLSX: the Roman section number in its own cell with the title merged over the rest of the row,
   «Форма завершения» (documents), «ежегодно (сентябрь)», «ежегодно, июнь – июль», «1 полугодие 2025 г.»,
   «2025–2026 гг.», «IV квартал 2024 г., IV квартал 2025 г.», «по отдельному плану»; 2024–2026;
4. «500+» plan, cp1251 «;» CSV: dates first and the number in the third column, «Не позднее 15 марта 2025 г.»,
   «С апреля 2025 г. ежемесячно», «Еженедельно (по средам)», «В течение 2025 года», a section without a number;
5. network plan, XLSX: a group header «Ответственные» merged over two sub-headers, dates stored as Excel dates;
6. mentor's plan, ODT: «Сроки · Содержание работы · Формы работы · Отметка о выполнении», «на 2024–2025 уч. год»;
7. school pairs, DOCX: a table of pairs, then the plan with «Этап» merged down, stages that name months
   («Основной (март – ноябрь)»), the year only in the plan's caption;
8. ФГОС roadmap, XLSX, «на период 2025-2028 гг.»: «ежегодно, август», «Август, ежегодно с 2026 года», «Ежегодно
   до 1 июня», «В течение 2025–2027 гг.», «2025-2026 уч. год»;
9. month-first plan, ODS: «Месяц» merged down, a «Дата» column holding day numbers only («12», «10–14»), empty,
   «по согласованию», «по графику» — the month decides;
10. school-year ШНОР plan, UTF-8 CSV with a BOM and «;»: «I четверть», «3 четверть», «II полугодие».

First sight: 77/80. After it, «Заседание методического совета …» was widened to council or meeting (as the
corpus accepts for «Заседание педагогического совета»; the earlier held-out sets read such a sitting as a
meeting). Readings chosen where the docs leave room: «2025–2026 гг.» without «в течение» has no recurrence; «ежегодно,
июнь – июль» is that range each year; «Подготовка к открытому уроку» with the form «Консультация» is a
consultation (the lesson is what it prepares for, not what it is).
"""
from __future__ import annotations

from datetime import datetime

import pytest
from heldout import Row, accuracy, align, day, misses, month, norm
from roadmap_builders import DocxTable, OdfTable, Sheet, make_csv, make_docx, make_odt, make_ods, make_xlsx

from bot.services.roadmap import Roadmap, parse_roadmap

SY25 = [("2025-09-01", "2026-05-31")]
CAL25 = [("2025-01-01", "2025-12-31")]
CAL26 = [("2026-01-01", "2026-12-31")]
SURVEY = ("survey", "monitoring")

# -- 1. federal stage template, DOCX, 2025/26 ---------------------------------------------------------------

G1_STAGES = [
    ("I. Подготовительный", [
        Row("1", "Создание рабочей группы по наставничеству", "до 20.09.2025", [(None, "2025-09-20")], None, None),
        Row("2", "Заседание методического совета по отбору наставников", "сентябрь – октябрь 2025 г.",
            [("2025-09-01", "2025-10-31")], None, ("council", "meeting")),
    ]),
    ("II. Практический", [
        Row("3", "Семинар «Наставничество в школе: роли и задачи»", "ноябрь", [month(2025, 11)], None, "seminar"),
        Row("4", "Встречи наставнических пар", "1 раз в месяц", SY25, "monthly", "meeting"),
        Row("5", "Взаимопосещение уроков наставников и молодых учителей", "в течение года", SY25, "continuous",
            "open_lesson"),
        Row("6", "Заседание ШМО молодых учителей", "по плану ШМО", [], None, "meeting"),
    ]),
    ("III. Аналитический", [
        Row("7", "Анкетирование наставников и наставляемых", "апрель 2026 г.", [month(2026, 4)], None, SURVEY),
        Row("8", "Итоговый педсовет «Наставничество: результаты года»", "май", [month(2026, 5)], None, "council"),
        Row("9", "Отчёт о реализации программы наставничества", "до 31.05.2026", [(None, "2026-05-31")], None,
            "document"),
    ]),
]  # fmt: skip
G1_EXPECTED = [row for _, rows in G1_STAGES for row in rows]


def build_g1() -> bytes:
    rows = [["Сроки", "Этап", "№", "Мероприятие", "Ответственный", "Содержание"]]
    vmerges = []
    for stage, items in G1_STAGES:
        vmerges.append((1, len(rows), len(rows) + len(items) - 1))
        for index, row in enumerate(items):
            rows.append([row.when, stage if index == 0 else "", row.number, row.title, "Куратор",
                         "Организация работы по плану куратора"])
    title = ["Дорожная карта по внедрению системы наставничества в МБОУ «СОШ № 3» на 2025/26 учебный год"]
    return make_docx(title, [DocxTable(rows, vmerges=vmerges)])


# -- 2. Р-145, ODT, 2026 -------------------------------------------------------------------------------------------

G2_SECTIONS = [
    ("1. Нормативное обеспечение", [
        (Row("1.1", "Утверждение дорожной карты внедрения целевой модели наставничества", "январь 2026 г.",
             [month(2026, 1)], None, "document"), "Приказ"),
        (Row("1.2", "Назначение кураторов наставничества в школах района", "до 1 февраля 2026 г.",
             [(None, "2026-02-01")], None, None), "Приказ"),
    ]),
    ("2. Организация наставничества", [
        (Row("2.1", "Обучающий вебинар для кураторов", "16.02.2026", [day("2026-02-16")], None, "webinar"),
         "Программа вебинара"),
        (Row("2.2", "Тренинг «Эффективная коммуникация в паре»", "март – апрель", [("2026-03-01", "2026-04-30")],
             None, "workshop"), "Материалы тренинга"),
        (Row("2.3", "Собрание наставников района", "ежеквартально", CAL26, "quarterly", "meeting"),
         "Протоколы собраний"),
        (Row("2.4", "Конкурс «Лучшая пара «наставник – наставляемый»»", "IV квартал 2026 г.",
             [("2026-10-01", "2026-12-31")], None, "competition"), "Положение о конкурсе"),
    ]),
    ("3. Мониторинг и отчётность", [
        (Row("3.1", "Мониторинг удовлетворённости участников программ", "ноябрь 2026 г.", [month(2026, 11)], None,
             "monitoring"), "Аналитическая справка"),
        (Row("3.2", "Публикация отчёта о реализации на сайте", "декабрь 2026 г.", [month(2026, 12)], None, None),
         "Отчёт"),
    ]),
]  # fmt: skip
G2_EXPECTED = [row for _, rows in G2_SECTIONS for row, _ in rows]


def build_g2() -> bytes:
    rows = [["№ п/п", "Наименование мероприятия", "Срок исполнения", "Исполнитель", "Результат (вид документа)"],
            ["1", "2", "3", "4", "5"]]
    spans = []
    for section, items in G2_SECTIONS:
        spans.append((len(rows), 0, 1, 5))
        rows.append([section, "", "", "", ""])
        rows += [[row.number, row.title, row.when, "Отдел образования", result] for row, result in items]
    title = ["УТВЕРЖДЕН распоряжением отдела образования от 29.12.2025 № 640",
             "План мероприятий по внедрению целевой модели наставничества в районе на 2026 год"]
    return make_odt(title, [OdfTable(rows, spans, header_rows=2)])


# -- 3. regional plan, XLSX, 2024–2026 --------------------------------------------------------------------------

G3_SECTIONS = [
    ("I", "Организационно-методическое обеспечение", [
        (Row("1", "Разработка региональной модели наставничества", "2024 г.", [("2024-01-01", "2024-12-31")], None,
             "document"), "Приказ"),
        (Row("2", "Совещание муниципальных координаторов", "ежегодно (сентябрь)",
             [month(2024, 9), month(2025, 9), month(2026, 9)], "yearly", "meeting"), "Протокол"),
    ]),
    ("II", "Методическое сопровождение", [
        (Row("3", "Семинар-практикум «Адресная помощь ШНОР»", "1 полугодие 2025 г.", [("2025-01-01", "2025-06-30")],
             None, "workshop"), "Программа семинара"),
        (Row("4", "Мастер-классы школ-лидеров", "2025–2026 гг.", [("2025-01-01", "2026-12-31")], None,
             "master_class"), "Материалы"),
        (Row("5", "Вебинары для учителей ШНОР", "IV квартал 2024 г., IV квартал 2025 г.",
             [("2024-10-01", "2024-12-31"), ("2025-10-01", "2025-12-31")], None, "webinar"), "Записи вебинаров"),
        (Row("6", "Стажировки на базе школ-лидеров", "по отдельному плану", [], None, None), "Программа"),
    ]),
    ("III", "Мониторинг", [
        (Row("7", "Мониторинг образовательных результатов ШНОР", "ежегодно, июнь – июль",
             [("2024-06-01", "2024-07-31"), ("2025-06-01", "2025-07-31"), ("2026-06-01", "2026-07-31")], "yearly",
             "monitoring"), "Аналитическая справка"),
        (Row("8", "Итоговая конференция «Школа – школе»", "ноябрь 2026 г.", [month(2026, 11)], None, "conference"),
         "Резолюция"),
    ]),
]  # fmt: skip
G3_EXPECTED = [row for _, _, rows in G3_SECTIONS for row, _ in rows]
G3_NOT_EVENTS = [title for _, title, _ in G3_SECTIONS]


def build_g3() -> bytes:
    rows: list[list[str]] = [
        ["Региональная программа поддержки школ с низкими результатами обучения на 2024 – 2026 годы", "", "", "",
         "", ""],
        ["№ п/п", "Мероприятие", "Срок", "Ответственные исполнители", "Форма завершения", "Целевой показатель"]]
    merges = ["A1:F1"]
    for roman, title, items in G3_SECTIONS:
        rows.append([roman, title, "", "", "", ""])
        merges.append(f"B{len(rows)}:F{len(rows)}")
        rows += [[row.number, row.title, row.when, "Институт развития образования", result, "не менее 80% ШНОР"]
                 for row, result in items]
    return make_xlsx([Sheet("Программа", rows, merges)])


# -- 4. «500+» plan, cp1251 CSV, 2025 -------------------------------------------------------------------------------

G4_EXPECTED = [
    Row("1.", "Диагностика профессиональных дефицитов учителей ШНОР", "Январь–февраль 2025 г.",
        [("2025-01-01", "2025-02-28")], None, "monitoring"),
    Row("2.", "Утверждение антирисковых программ школ", "Не позднее 15 марта 2025 г.", [(None, "2025-03-15")], None,
        "document"),
    Row("3.", "Консультирование руководителей ШНОР", "С апреля 2025 г. ежемесячно", [("2025-04-01", "2025-12-31")],
        "monthly", "consultation"),
    Row("4.", "Вебинары для педагогов школ проекта", "Еженедельно (по средам)", CAL25, "weekly", "webinar"),
    Row("5.", "Сетевое взаимодействие школ-кураторов и ШНОР", "В течение 2025 года", CAL25, "continuous", None),
    Row("6.", "Фестиваль методических идей", "Октябрь 2025 г.", [month(2025, 10)], None, None),
    Row("7.", "Итоговое совещание по проекту «500+»", "Декабрь", [month(2025, 12)], None, "meeting"),
]  # fmt: skip
G4_SECTIONS = ["Организационные мероприятия", "Методическое сопровождение"]


def build_g4() -> bytes:
    rows = [["План-график («дорожная карта») методической поддержки ШНОР на 2025 год", "", "", "", ""],
            ["Срок", "Мероприятие", "№", "Ответственный", "Показатель"]]
    for index, row in enumerate(G4_EXPECTED):
        if index in (0, 3):
            rows.append(["", G4_SECTIONS[index // 3], "", "", ""])
        rows.append([row.when, row.title, row.number, "Управление образования", "100% ШНОР"])
    return make_csv(rows, ";", "cp1251")


# -- 5. network plan, XLSX, 2026 --------------------------------------------------------------------------------------

G5_EXPECTED = [
    Row("1", "Установочный вебинар для сетевых пар", "20.01.2026", [day("2026-01-20")], None, "webinar"),
    Row("2", "Совещание руководителей школ-партнёров", "27.01, 10.02", [day("2026-01-27"), day("2026-02-10")], None,
        "meeting"),
    Row("3", "Мастер-классы учителей школ-лидеров", "03.03-07.03", [("2026-03-03", "2026-03-07")], None,
        "master_class"),
    Row("4", "Открытые уроки учителей ШНОР", "16-20 марта", [("2026-03-16", "2026-03-20")], None, "open_lesson"),
    Row("5", "Круглый стол «Итоги весеннего цикла»", "08.04.2026", [day("2026-04-08")], None, "round_table"),
    Row("6", "Конференция «Сетевое наставничество: опыт пар»", "Май", [month(2026, 5)], None, "conference"),
    Row("7", "Анкетирование участников сетевых пар", "до 15.06", [(None, "2026-06-15")], None, SURVEY),
]  # fmt: skip


def build_g5() -> bytes:
    stored = {"20.01.2026": datetime(2026, 1, 20), "08.04.2026": datetime(2026, 4, 8)}  # Excel dates
    rows: list[list[object]] = [
        ["План сетевых мероприятий «Школа – школе» на 2026 год", "", "", "", ""],
        ["№", "Мероприятие", "Дата", "Ответственные", ""],
        ["", "", "", "муниципальный уровень", "школьный уровень"],
    ]
    rows += [[int(row.number), row.title, stored.get(row.when, row.when), "Методист ИМЦ", "Руководитель команды"]
             for row in G5_EXPECTED]
    return make_xlsx([Sheet("План", rows, ["A1:E1", "D2:E2", "A2:A3", "B2:B3", "C2:C3"])])  # type: ignore[arg-type]


# -- 6. mentor's plan, ODT, 2024–2025 -------------------------------------------------------------------------------

G6_ROWS = [
    (Row("1", "Изучение нормативной базы", "Сентябрь", [month(2024, 9)], None, None), "Беседа", "выполнено"),
    (Row("2", "Составление плана профессионального развития", "Сентябрь", [month(2024, 9)], None, "workshop"),
     "Практикум", "выполнено"),
    (Row("3", "Разбор трудных ситуаций на уроке", "Октябрь", [month(2024, 10)], None, "consultation"), "Консультация",
     "выполнено"),
    (Row("4", "Посещение уроков наставника", "Ноябрь–декабрь", [("2024-11-01", "2024-12-31")], None, "open_lesson"),
     "Взаимопосещение уроков", "выполнено"),
    (Row("5", "Использование ИКТ на уроке", "Январь", [month(2025, 1)], None, "master_class"), "Мастер-класс", ""),
    (Row("6", "Самоанализ урока", "Февраль", [month(2025, 2)], None, "workshop"), "Практическое занятие", ""),
    (Row("7", "Подготовка к открытому уроку", "Март", [month(2025, 3)], None, "consultation"), "Консультация", ""),
    (Row("8", "Открытый урок молодого педагога", "Апрель", [month(2025, 4)], None, "open_lesson"), "Открытый урок",
     ""),
    (Row("9", "Подведение итогов года", "Май", [month(2025, 5)], None, None), "Собеседование", ""),
]  # fmt: skip
G6_EXPECTED = [row for row, _, _ in G6_ROWS]


def build_g6() -> bytes:
    rows = [["№", "Сроки", "Содержание работы", "Формы работы", "Отметка о выполнении"]]
    rows += [[row.number, row.when, row.title, form, mark] for row, form, mark in G6_ROWS]
    title = ["МБОУ «Гимназия № 2»", "План работы наставника с молодым специалистом на 2024–2025 уч. год"]
    return make_odt(title, [OdfTable(rows, header_rows=1)])


# -- 7. school pairs, DOCX, 2026 -----------------------------------------------------------------------------------------

G7_STAGES = [
    ("Подготовительный (январь – февраль)", [
        Row("1", "Встреча команд школ-партнёров", "январь", [month(2026, 1)], None, "meeting"),
        Row("2", "Самодиагностика школы с низкими результатами", "январь – февраль", [("2026-01-01", "2026-02-28")],
            None, "monitoring"),
    ]),
    ("Основной (март – ноябрь)", [
        Row("3", "Семинар для учителей «Смысловое чтение»", "март", [month(2026, 3)], None, "seminar"),
        Row("4", "Открытые уроки учителей школы-наставника", "апрель, май", [month(2026, 4), month(2026, 5)], None,
            "open_lesson"),
        Row("5", "Педагогический совет «Мотивация учеников»", "октябрь", [month(2026, 10)], None, "council"),
        Row("6", "Консультации для учителей школы-партнёра", "ежемесячно", CAL26, "monthly", "consultation"),
    ]),
    ("Итоговый (декабрь)", [
        Row("7", "Круглый стол «Что получилось»", "декабрь", [month(2026, 12)], None, "round_table"),
        Row("8", "Отчёт о совместной работе школ", "до 25 декабря", [(None, "2026-12-25")], None, "document"),
    ]),
]  # fmt: skip
G7_EXPECTED = [row for _, rows in G7_STAGES for row in rows]


def build_g7() -> bytes:
    pairs = [["№", "Школа-наставник", "Школа-партнёр", "Координатор"],
             ["1", "МБОУ «Лицей № 1»", "МКОУ «Луговая ООШ»", "Фомина Е.С."],
             ["2", "МБОУ «Гимназия № 4»", "МКОУ «Ивановская СОШ»", "Рябов К.Н."]]
    rows = [["Этап", "№", "Мероприятие", "Сроки", "Ответственные", "Планируемый результат"]]
    vmerges = []
    for stage, items in G7_STAGES:
        vmerges.append((0, len(rows), len(rows) + len(items) - 1))
        for index, row in enumerate(items):
            rows.append([stage if index == 0 else "", row.number, row.title, row.when, "Директора школ", "Выполнено"])
    return make_docx(["Проект «Школа – школе»"],
                     [DocxTable(pairs, caption=["Пары школ"]),
                      DocxTable(rows, vmerges=vmerges, caption=["План совместной работы пары школ на 2026 год"])])


# -- 8. ФГОС roadmap, XLSX, 2025–2028 ------------------------------------------------------------------------------------

G8_SECTIONS = [
    ("1. Нормативное обеспечение", [
        Row("1", "Разработка плана-графика перехода на ФГОС", "до 01.09.2025", [(None, "2025-09-01")], None,
            "document"),
        Row("2", "Педагогический совет по переходу на ФГОС", "ежегодно, август",
            [month(2025, 8), month(2026, 8), month(2027, 8), month(2028, 8)], "yearly", "council"),
        Row("3", "Родительские собрания в 5-х классах", "Август, ежегодно с 2026 года",
            [month(2026, 8), month(2027, 8), month(2028, 8)], "yearly", "meeting"),
        Row("4", "Утверждение рабочих программ", "Ежегодно до 1 июня",
            [(None, "2025-06-01"), (None, "2026-06-01"), (None, "2027-06-01"), (None, "2028-06-01")], "yearly",
            "document"),
    ]),
    ("2. Кадровое и методическое обеспечение", [
        Row("5", "Курсы повышения квалификации учителей", "В течение 2025–2027 гг.", [("2025-01-01", "2027-12-31")],
            "continuous", None),
        Row("6", "Методический семинар «Новые ФГОС: содержание и оценка»", "2025-2026 уч. год",
            [("2025-09-01", "2026-05-31")], None, "seminar"),
        Row("7", "Мониторинг готовности к переходу", "Сентябрь 2025 г., сентябрь 2026 г.",
            [month(2025, 9), month(2026, 9)], None, "monitoring"),
    ]),
]  # fmt: skip
G8_EXPECTED = [row for _, rows in G8_SECTIONS for row in rows]


def build_g8() -> bytes:
    rows = [["Дорожная карта перехода на обновлённые ФГОС ООО и СОО на период 2025-2028 гг.", "", "", ""],
            ["№", "Мероприятия", "Сроки", "Ответственные"]]
    merges = ["A1:D1"]
    for section, items in G8_SECTIONS:
        rows.append([section, "", "", ""])
        merges.append(f"A{len(rows)}:D{len(rows)}")
        rows += [[row.number, row.title, row.when, "Администрация школы"] for row in items]
    return make_xlsx([Sheet("Дорожная карта", rows, merges)])


# -- 9. month-first plan, ODS, 2025–2026 ----------------------------------------------------------------------------------

G9_ROWS = [
    ("Сентябрь", "18", Row("", "Посвящение в профессию: встреча молодых педагогов", "18", [day("2025-09-18")], None,
                           None)),
    ("Октябрь", "12", Row("", "Семинар «Классное руководство»", "12", [day("2025-10-12")], None, "seminar")),
    ("Октябрь", "по согласованию", Row("", "Индивидуальные консультации", "по согласованию", [month(2025, 10)], None,
                                       "consultation")),
    ("Ноябрь", "10–14", Row("", "Неделя открытых уроков", "10–14", [("2025-11-10", "2025-11-14")], None,
                            "open_lesson")),
    ("Декабрь", "", Row("", "Конкурс методических разработок", "", [month(2025, 12)], None, "competition")),
    ("Февраль", "5", Row("", "Круглый стол «Трудный ученик»", "5", [day("2026-02-05")], None, "round_table")),
    ("Март", "25", Row("", "Мастер-класс «Игровые технологии»", "25", [day("2026-03-25")], None, "master_class")),
    ("Март", "26–27", Row("", "Педагогическая мастерская «Проектный урок»", "26–27", [("2026-03-26", "2026-03-27")],
                          None, "workshop")),
    ("Апрель", "по графику", Row("", "Анкетирование молодых педагогов", "по графику", [month(2026, 4)], None, SURVEY)),
]  # fmt: skip
G9_EXPECTED = [row for _, _, row in G9_ROWS]


def build_g9() -> bytes:
    rows = [["План мероприятий для молодых педагогов на 2025-2026 учебный год", "", "", "", ""],
            ["Месяц", "Дата", "Мероприятие", "Место проведения", "Ответственный"]]
    spans = [(0, 0, 1, 5)]
    previous = None
    for index, (name, date_cell, row) in enumerate(G9_ROWS):
        if name != previous:
            count = sum(1 for other, _, _ in G9_ROWS[index:] if other == name)
            if count > 1:
                spans.append((len(rows), 0, count, 1))
        rows.append([name if name != previous else "", date_cell, row.title, "ИМЦ", "Гаврилова О.И."])
        previous = name
    return make_ods([OdfTable(rows, spans, name="План на год")])


# -- 10. school-year ШНОР plan, UTF-8 CSV with a BOM, 2025/2026 -------------------------------------------------------------

G10_SECTIONS = [
    ("1. Организационные меры", [
        Row("1.1.", "Анализ результатов ГИА в ШНОР", "сентябрь 2025", [month(2025, 9)], None, "monitoring"),
        Row("1.2.", "Совещание с руководителями ШНОР", "I четверть", [("2025-09-01", "2025-10-31")], None, "meeting"),
        Row("1.3.", "Закрепление школ-наставников", "сентябрь 2025", [month(2025, 9)], None, None),
    ]),
    ("2. Методическая помощь", [
        Row("2.1.", "Консультации учителей по подготовке к ГИА", "в течение учебного года", SY25, "continuous",
            "consultation"),
        Row("2.2.", "Вебинар «Подготовка к ОГЭ по математике»", "3 четверть", [("2026-01-01", "2026-03-31")], None,
            "webinar"),
        Row("2.3.", "Открытые уроки в школах-наставниках", "II полугодие", [("2026-01-01", "2026-05-31")], None,
            "open_lesson"),
    ]),
    ("3. Анализ и отчётность", [
        Row("3.1.", "Диагностика профессиональных затруднений", "апрель–май 2026", [("2026-04-01", "2026-05-31")],
            None, "monitoring"),
        Row("3.2.", "Отчёт о работе с ШНОР", "до 10 июня 2026 г.", [(None, "2026-06-10")], None, "document"),
    ]),
]  # fmt: skip
G10_EXPECTED = [row for _, rows in G10_SECTIONS for row in rows]


def build_g10() -> bytes:
    rows = [["План работы с ШНОР на 2025/2026 учебный год", "", "", ""],
            ["№", "Содержание деятельности", "Срок", "Ответственный"]]
    for section, items in G10_SECTIONS:
        rows.append([section, "", "", ""])
        rows += [[row.number, row.title, row.when, "Методист"] for row in items]
    return make_csv(rows, ";", "utf-8-sig")


# -- tests -----------------------------------------------------------------------------------------------------------------

DOCS = {
    "g1_federal_stage.docx": (build_g1, G1_EXPECTED),
    "g2_r145.odt": (build_g2, G2_EXPECTED),
    "g3_regional.xlsx": (build_g3, G3_EXPECTED),
    "g4_500plus.csv": (build_g4, G4_EXPECTED),
    "g5_network.xlsx": (build_g5, G5_EXPECTED),
    "g6_mentor_plan.odt": (build_g6, G6_EXPECTED),
    "g7_school_pairs.docx": (build_g7, G7_EXPECTED),
    "g8_fgos.xlsx": (build_g8, G8_EXPECTED),
    "g9_month_events.ods": (build_g9, G9_EXPECTED),
    "g10_shnor_schoolyear.csv": (build_g10, G10_EXPECTED),
}
ALL = list(DOCS)
NOT_EVENTS = [*(s for s, _ in G1_STAGES), *(s for s, _ in G2_SECTIONS), *G3_NOT_EVENTS, *G4_SECTIONS,
              *(s for s, _ in G7_STAGES), *(s for s, _ in G8_SECTIONS), *(s for s, _ in G10_SECTIONS)]


def _expected(name: str) -> list[Row]:
    return DOCS[name][1]


@pytest.fixture(scope="module")
def parsed() -> dict[str, Roadmap]:
    return {name: parse_roadmap(build(), name) for name, (build, _) in DOCS.items()}


@pytest.mark.parametrize("name", ALL)
def test_no_section_or_list_is_an_event(name: str, parsed: dict[str, Roadmap]) -> None:
    roadmap = parsed[name]
    stray = [e.title for e in roadmap.events if norm(e.title) in NOT_EVENTS or "МБОУ" in e.title]
    assert not stray
    assert len(roadmap.events) == len(_expected(name))


@pytest.mark.parametrize("name", ALL)
def test_rows(name: str, parsed: dict[str, Roadmap]) -> None:
    assert not misses(parsed[name], _expected(name))


def test_stages_name_the_events(parsed: dict[str, Roadmap]) -> None:
    found, _ = align(parsed["g7_school_pairs.docx"], G7_EXPECTED)
    assert [e.section if e else None for e in found] == [s for s, rows in G7_STAGES for _ in rows]
    found, _ = align(parsed["g1_federal_stage.docx"], G1_EXPECTED)
    assert [e.section if e else None for e in found] == [s for s, rows in G1_STAGES for _ in rows]


def test_accuracy_on_fifth_held_out_set(parsed: dict[str, Roadmap]) -> None:
    """The bar: at least 95 % of rows right (days, recurrence, kind); stray events count as wrong."""
    totals = [accuracy(parsed[name], _expected(name)) for name in ALL]
    right, total = sum(r for r, _ in totals), sum(t for _, t in totals)
    assert total >= sum(len(_expected(name)) for name in ALL)
    assert right / total >= 0.95, f"{right}/{total}"
