"""A seventh held-out set, written after the sixth set's fixes and before the parser was run on it: its first-sight
score is the honest estimate of the external check (see the docs' «Quality»). One document per corpus family, in
variants neither the corpus nor the sixth set has, plus one file LibreOffice saved as XLS:

1. federal stage template as an XLSX: three title rows, the number and the stage merged down, «в течение
   I четверти», «ежемесячно, последняя среда», «ноябрь, март», «по запросу»; 2026–2027 school year;
2. Р-145 as an ODT: the header repeated inside the table after a page break, a column-number row, «I квартал»,
   «2-е полугодие», «постоянно», «по мере поступления запросов»; 2026;
3. a regional programme, DOCX, «на 2026-2028 годы»: Roman section rows giving their span in the date cell, «ежегодно
   до 15 декабря», «IV квартал 2026 г. – I квартал 2027 г.», an indicators table;
4. «500+» as an ODS: the year on its own row, «ежемесячно до 5 числа», «С марта 2026 г. ежеквартально», «по графику
   ФИОКО», a note under the table;
5. network days as an XLSX: Excel dates with a time of day and shown «ДД.ММ», a «Формат» column, «Ответственные»
   merged over two sub-headers, «Октябрь: 14.10, 21.10»;
6. a mentor's plan, DOCX: «Месяц · Содержание работы · Формы работы · Планируемый результат · Отметка», «Декабрь,
   май», «В течение года»;
7. school pairs as an ODS: a sheet of pairs, then the plan with «Этап» merged down; 2026-2027 school year;
8. ФГОС roadmap, cp1251 CSV, «на 2025-2028 гг.»: «Ежегодно, в августе», «Май, ежегодно с 2026 года»;
9. month-first plan, DOCX: «Месяц» merged down, «Дата, время, место», «в течение месяца», an empty date, a contacts
   table;
10. school-year ШНОР plan as an XLSX starting at column B with the header printed again on the second page, and the
    same workbook saved as XLS by LibreOffice 7.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from heldout import Row, day, misses, month, set_accuracy, stray_titles
from roadmap_builders import DocxTable, OdfTable, Sheet, make_csv, make_docx, make_odt, make_ods, make_xlsx

from bot.services.roadmap import Roadmap, parse_roadmap

SY26 = [("2026-09-01", "2027-05-31")]
CAL26 = [("2026-01-01", "2026-12-31")]
SURVEY = ("survey", "monitoring")
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# -- k1. federal stage template, XLSX, 2026–2027 -------------------------------------------------------------------

K1_STAGES = [
    ("Подготовка условий для реализации системы наставничества", [
        Row("", "Изучение нормативной базы наставничества", "до 10 сентября", [(None, "2026-09-10")], None, None),
        Row("", "Совещание при директоре «Запуск программы наставничества»", "сентябрь 2026 г.", [month(2026, 9)],
            None, "meeting"),
    ]),
    ("Формирование банка наставников и наставляемых", [
        Row("", "Анкетирование педагогов «Мои профессиональные затруднения»", "в течение I четверти",
            [("2026-09-01", "2026-10-31")], "continuous", SURVEY),
        Row("", "Собеседование с будущими наставниками", "октябрь", [month(2026, 10)], None, None),
    ]),
    ("Работа наставнических пар", [
        Row("", "Встречи наставнических пар", "ежемесячно, последняя среда", SY26, "monthly", "meeting"),
        Row("", "Методический семинар «Адаптация молодого педагога»", "ноябрь, март",
            [month(2026, 11), month(2027, 3)], None, "seminar"),
        Row("", "Фестиваль открытых уроков молодых педагогов", "январь – февраль 2027 г.",
            [("2027-01-01", "2027-02-28")], None, "open_lesson"),
        Row("", "Консультации куратора для наставников", "по запросу", [], None, "consultation"),
    ]),
    ("Подведение итогов", [
        Row("", "Педагогический совет «Итоги реализации программы наставничества»", "май 2027", [month(2027, 5)],
            None, "council"),
        Row("", "Отчёт куратора о работе наставнических пар", "до 31 мая", [(None, "2027-05-31")], None, "document"),
    ]),
]  # fmt: skip
K1_EXPECTED = [row for _, rows in K1_STAGES for row in rows]


def build_k1() -> bytes:
    rows: list[list[object]] = [
        ["Приложение № 3 к приказу от 31.08.2026 № 188", "", "", "", "", ""],
        ["Дорожная карта (план мероприятий) по реализации Положения о системе наставничества педагогических "
         "работников", "", "", "", "", ""],
        ["в МБОУ «СОШ № 21» на 2026–2027 учебный год", "", "", "", "", ""],
        ["", "", "", "", "", ""],
        ["№", "Наименование этапа", "Мероприятия", "Содержание деятельности и примерный план мероприятий", "Сроки",
         "Ответственный"]]
    merges = ["A2:F2", "A3:F3"]
    for number, (stage, items) in enumerate(K1_STAGES, 1):
        first = len(rows) + 1
        for index, row in enumerate(items):
            rows.append([f"{number}." if index == 0 else "", stage if index == 0 else "", row.title,
                         "По плану куратора; обсуждение на ШМО", row.when, "Куратор наставничества"])
        merges += [f"A{first}:A{len(rows)}", f"B{first}:B{len(rows)}"]
    return make_xlsx([Sheet("Дорожная карта", rows, merges)])


# -- k2. Р-145, ODT, 2026: the header printed again after a page break ---------------------------------------------

K2_SECTIONS = [
    ("1. Нормативно-правовое обеспечение", [
        (Row("1.1", "Издание приказа об утверждении дорожной карты", "январь", [month(2026, 1)], None, "document"),
         "Приказ"),
        (Row("1.2", "Назначение муниципального куратора", "до 1 февраля", [(None, "2026-02-01")], None, None),
         "Приказ"),
        (Row("1.3", "Разработка положения о муниципальном конкурсе наставников", "I квартал",
             [("2026-01-01", "2026-03-31")], None, "document"), "Положение"),
    ]),
    ("2. Организационно-методическое обеспечение", [
        (Row("2.1", "Собрание кураторов школьных программ наставничества", "март–апрель 2026 г.",
             [("2026-03-01", "2026-04-30")], None, "meeting"), "Протокол"),
        (Row("2.2", "Обучающий вебинар «Цифровые инструменты наставника»", "2-е полугодие",
             [("2026-07-01", "2026-12-31")], None, "webinar"), "Запись вебинара"),
        (Row("2.3", "Круглый стол «Наставничество в малой школе»", "ноябрь – декабрь", [("2026-11-01", "2026-12-31")],
             None, "round_table"), "Резолюция"),
        (Row("2.4", "Методическое сопровождение кураторов", "постоянно", CAL26, "continuous", None), "—"),
        (Row("2.5", "Консультирование школ по запросам", "по мере поступления запросов", [], None, "consultation"),
         "Журнал консультаций"),
    ]),
    ("3. Мониторинг", [
        (Row("3.1", "Анкетирование наставников и наставляемых", "октябрь", [month(2026, 10)], None, SURVEY),
         "Аналитическая справка"),
        (Row("3.2", "Аналитическая справка об итогах внедрения целевой модели", "до 25 декабря",
             [(None, "2026-12-25")], None, "document"), "Справка"),
    ]),
]  # fmt: skip
K2_EXPECTED = [row for _, rows in K2_SECTIONS for row, _ in rows]


def build_k2() -> bytes:
    header = ["№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственный исполнитель", "Вид документа"]
    rows = [header, ["1", "2", "3", "4", "5"]]
    spans, breaks = [], set()
    for section, items in K2_SECTIONS:
        spans.append((len(rows), 0, 1, 5))
        rows.append([section, "", "", "", ""])
        for row, kind in items:
            if row.number == "2.3":  # the next page: LibreOffice's PDF import prints the header again as a row
                breaks.add(len(rows))
                rows.append(list(header))
            rows.append([row.number, row.title, row.when, "Отдел образования", kind])
    title = ["УТВЕРЖДЕН приказом отдела образования от 15.01.2026 № 9",
             "План мероприятий («дорожная карта») по внедрению целевой модели наставничества в Никольском "
             "муниципальном районе на 2026 год"]
    return make_odt(title, [OdfTable(rows, spans, header_rows=1, page_breaks=breaks)])


# -- k3. regional programme, DOCX, 2026–2028: Roman sections with their span, an indicators table -----------------------

K3_SECTIONS = [
    ("I", "Нормативное и организационное обеспечение", "2026 г.", [
        Row("1", "Утверждение перечня школ – участников программы", "январь 2026 г.", [month(2026, 1)], None,
            "document"),
        Row("2", "Создание регионального координационного совета", "до 1 марта 2026 г.", [(None, "2026-03-01")],
            None, None),
    ]),
    ("II", "Методическая поддержка школ с низкими результатами", "2026–2028 гг.", [
        Row("3", "Заседания регионального координационного совета", "ежегодно, апрель",
            [month(2026, 4), month(2027, 4), month(2028, 4)], "yearly", ("council", "meeting")),
        Row("4", "Курсы повышения квалификации для учителей ШНОР", "2026–2027 гг.", [("2026-01-01", "2027-12-31")],
            None, None),
        Row("5", "Стажировки учителей в школах-лидерах", "по отдельному графику", [], None, None),
        Row("6", "Межрегиональная конференция «Школа – школе»", "IV квартал 2026 г. – I квартал 2027 г.",
            [("2026-10-01", "2027-03-31")], None, "conference"),
    ]),
    ("III", "Оценка эффективности", "2027–2028 гг.", [
        Row("7", "Мониторинг образовательных результатов школ – участников программы", "ежегодно до 15 декабря",
            [(None, "2026-12-15"), (None, "2027-12-15"), (None, "2028-12-15")], "yearly", "monitoring"),
        Row("8", "Публичный доклад о результатах программы", "II полугодие 2027 г.", [("2027-07-01", "2027-12-31")],
            None, "document"),
        Row("9", "Итоговая конференция программы", "2028 г.", [("2028-01-01", "2028-12-31")], None, "conference"),
    ]),
]  # fmt: skip
K3_EXPECTED = [row for _, _, _, rows in K3_SECTIONS for row in rows]
K3_INDICATOR = "Доля школ, вышедших из списка ШНОР"


def build_k3() -> bytes:
    rows = [["№ п/п", "Мероприятие", "Срок реализации", "Исполнитель", "Вид документа", "Целевой показатель"]]
    for roman, name, span, items in K3_SECTIONS:
        rows.append([roman, name, span, "", "", ""])
        rows += [[row.number, row.title, row.when, "Министерство образования, ИРО", "Распоряжение",
                  "не менее 30% школ"] for row in items]
    indicators = [["Показатель", "2026", "2027", "2028"], [K3_INDICATOR, "10%", "20%", "30%"],
                  ["Доля учителей ШНОР, прошедших повышение квалификации", "40%", "70%", "100%"]]
    title = ["Утверждена постановлением правительства области от 20.12.2025 № 741",
             "Региональная программа «Школа – школе»: план мероприятий на 2026-2028 годы"]
    return make_docx(title, [DocxTable(rows), DocxTable(indicators, caption=["Целевые показатели программы"])])


# -- k4. «500+», ODS, 2026: the year on its own row, a note under the table ------------------------------------------------

K4_ROWS = [
    Row("1", "Установочный семинар для руководителей ШНОР", "январь 2026 года", [month(2026, 1)], None, "seminar"),
    Row("2", "Размещение концепций развития школ на сайтах", "до 01.02.2026", [(None, "2026-02-01")], None, None),
    Row("3", "Диагностика управленческих дефицитов руководителей", "февраль – март", [("2026-02-01", "2026-03-31")],
        None, "monitoring"),
    Row("4", "Представление отчётов школ о реализации антирисковых программ", "ежемесячно до 5 числа",
        [(None, f"2026-{m:02d}-05") for m in range(1, 13)], "monthly", "document"),
    Row("5", "Мониторинг реализации антирисковых программ", "С марта 2026 г. ежеквартально",
        [("2026-03-01", "2026-12-31")], "quarterly", "monitoring"),
    Row("6", "Участие в вебинарах ФИОКО", "по графику ФИОКО", [], None, "webinar"),
    Row("7", "Методический десант в школы проекта", "в течение года", CAL26, "continuous", None),
    Row("8", "Школа управленческих команд: проектная сессия", "ноябрь", [month(2026, 11)], None,
        ("meeting", "workshop")),
    Row("9", "Итоговая конференция проекта «500+»", "декабрь", [month(2026, 12)], None, "conference"),
]  # fmt: skip
K4_NOTE = "Примечание: сроки проведения отдельных мероприятий уточняются."


def build_k4() -> bytes:
    rows = [["Муниципальный план мероприятий по поддержке школ с низкими результатами обучения (проект «500+»)", "",
             "", "", "", ""],
            ["на 2026 год", "", "", "", "", ""],
            ["№", "Мероприятие", "Сроки", "Ответственные", "Показатели", "Результат"]]
    rows += [[row.number, row.title, row.when, "Управление образования, ММС", "100% ШНОР", "Выполнено"]
             for row in K4_ROWS]
    rows += [["", "", "", "", "", ""], [K4_NOTE, "", "", "", "", ""]]
    return make_ods([OdfTable(rows, [(0, 0, 1, 6), (1, 0, 1, 6)], name="Дорожная карта")])


# -- k5. network days, XLSX, 2026: Excel dates with times, «Формат», two header rows ----------------------------------------

K5_ROWS = [
    (Row("1", "Вебинар «Старт сетевого года»", "16.01.2026 15:00", [day("2026-01-16")], None, "webinar"),
     datetime(2026, 1, 16, 15, 0), "DD.MM.YYYY HH:MM", "онлайн"),
    (Row("2", "Совещание директоров школ-партнёров", "29.01, 12.02", [day("2026-01-29"), day("2026-02-12")], None,
         "meeting"), "29.01, 12.02", None, "очно"),
    (Row("3", "Неделя взаимопосещения уроков", "16.03-20.03", [("2026-03-16", "2026-03-20")], None, "open_lesson"),
     "16.03-20.03", None, "очно"),
    (Row("4", "Мастер-класс «Функциональная грамотность на уроках истории»", "08.04.2026", [day("2026-04-08")], None,
         "master_class"), datetime(2026, 4, 8), "DD.MM.YYYY", "очно"),
    (Row("5", "Сетевой семинар-практикум для учителей начальных классов", "22 апреля", [day("2026-04-22")], None,
         ("workshop", "seminar")), "22 апреля", None, "ВКС"),
    (Row("6", "Педагогическая мастерская «Проектная задача»", "Октябрь: 14.10, 21.10",
         [day("2026-10-14"), day("2026-10-21")], None, "workshop"), "Октябрь: 14.10, 21.10", None, "очно"),
    (Row("7", "Круглый стол «Итоги сетевого года»", "10.12", [day("2026-12-10")], None, "round_table"),
     datetime(2026, 12, 10), "DD.MM", "очно"),
    (Row("8", "Отчёт о сетевом взаимодействии", "до 25.12.2026", [(None, "2026-12-25")], None, "document"),
     "до 25.12.2026", None, "—"),
]  # fmt: skip
K5_EXPECTED = [row for row, _, _, _ in K5_ROWS]


def build_k5() -> bytes:
    rows: list[list[object]] = [
        ["План-график сетевого взаимодействия школ-партнёров на 2026 год", "", "", "", "", ""],
        ["№", "Мероприятие", "Дата", "Формат", "Ответственные", ""],
        ["", "", "", "", "организатор", "школа-партнёр"]]
    formats = {}
    for row, cell, number_format, form in K5_ROWS:
        rows.append([int(row.number), row.title, cell, form, "Методист ИМЦ", "Заместитель директора"])
        if number_format:
            formats[f"C{len(rows)}"] = number_format
    merges = ["A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2"]
    return make_xlsx([Sheet("График", rows, merges, formats=formats)])


# -- k6. mentor's plan, DOCX, 2026/2027 --------------------------------------------------------------------------------

K6_ROWS = [
    (Row("", "Знакомство с ООП и рабочими программами", "Сентябрь", [month(2026, 9)], None,
         ("consultation", "meeting")), "Беседа"),
    (Row("", "Составление поурочных планов", "Сентябрь–октябрь", [("2026-09-01", "2026-10-31")], None, "workshop"),
     "Практикум"),
    (Row("", "Посещение уроков наставника", "Октябрь", [month(2026, 10)], None, "open_lesson"), "Посещение уроков"),
    (Row("", "Приёмы активизации познавательной деятельности", "Ноябрь", [month(2026, 11)], None, "master_class"),
     "Мастер-класс"),
    (Row("", "Анализ собственных уроков", "Декабрь, май", [month(2026, 12), month(2027, 5)], None, "monitoring"),
     "Самоанализ"),
    (Row("", "Эффективное общение с родителями", "Январь", [month(2027, 1)], None, "workshop"), "Тренинг"),
    (Row("", "Подготовка к открытому уроку", "Февраль", [month(2027, 2)], None, "consultation"), "Консультация"),
    (Row("", "Открытый урок молодого педагога", "Март", [month(2027, 3)], None, "open_lesson"), "Открытый урок"),
    (Row("", "Разбор затруднений молодого педагога", "В течение года", SY26, "continuous", "consultation"),
     "Консультация по запросу"),
    (Row("", "Итоги года: презентация портфолио", "Май", [month(2027, 5)], None, None), "Собеседование"),
]  # fmt: skip
K6_EXPECTED = [row for row, _ in K6_ROWS]


def build_k6() -> bytes:
    rows = [["Месяц", "Содержание работы", "Формы работы", "Планируемый результат", "Отметка о выполнении"]]
    rows += [[row.when, row.title, form, "Повышение профессиональной компетентности", ""] for row, form in K6_ROWS]
    title = ["МАОУ «Гимназия № 6»",
             "План индивидуального развития молодого педагога под руководством наставника на 2026/2027 учебный год",
             "Наставник: Лаптева Ольга Николаевна, учитель химии"]
    return make_docx(title, [DocxTable(rows, after=["Наставник ____________ О.Н. Лаптева",
                                                    "Молодой педагог ____________ И.С. Фёдоров"])])


# -- k7. school pairs, ODS, 2026-2027: a sheet of pairs, the plan with «Этап» merged down -----------------------------------

K7_STAGES = [
    ("Диагностический", [
        Row("", "Самодиагностика школы-партнёра по чек-листу", "сентябрь", [month(2026, 9)], None, "monitoring"),
        Row("", "Установочная встреча управленческих команд", "до 30 сентября", [(None, "2026-09-30")], None,
            "meeting"),
    ]),
    ("Проектировочный", [
        Row("", "Разработка плана совместных действий", "октябрь", [month(2026, 10)], None, "document"),
    ]),
    ("Внедренческий", [
        Row("", "Семинар «Учебная мотивация»", "ноябрь", [month(2026, 11)], None, "seminar"),
        Row("", "Взаимопосещение уроков", "декабрь – февраль", [("2026-12-01", "2027-02-28")], None, "open_lesson"),
        Row("", "Совместное заседание методических объединений", "март", [month(2027, 3)], None, "meeting"),
        Row("", "Консультации для учителей школы-партнёра", "1 раз в месяц", SY26, "monthly", "consultation"),
    ]),
    ("Рефлексивный", [
        Row("", "Круглый стол «Что изменилось в школе»", "апрель", [month(2027, 4)], None, "round_table"),
        Row("", "Отчёт о совместной работе", "до 20 мая", [(None, "2027-05-20")], None, "document"),
    ]),
]  # fmt: skip
K7_EXPECTED = [row for _, rows in K7_STAGES for row in rows]


def build_k7() -> bytes:
    pairs = [["№", "Школа-наставник", "Школа-партнёр", "Ответственный", "Должность"],
             ["1", "МБОУ «СОШ № 2»", "МКОУ «Ильинская ООШ»", "Ковалёва Т.Н.", "заместитель директора"],
             ["2", "МБОУ «Лицей»", "МКОУ «Бережковская СОШ»", "Титова Е.В.", "директор"]]
    rows = [["План совместной работы школ-партнёров на 2026-2027 учебный год", "", "", "", ""],
            ["Этап", "Содержание деятельности", "Сроки", "Ответственные", "Результат"]]
    spans = [(0, 0, 1, 5)]
    for stage, items in K7_STAGES:
        if len(items) > 1:
            spans.append((len(rows), 0, len(items), 1))
        for index, row in enumerate(items):
            rows.append([stage if index == 0 else "", row.title, row.when, "Команды школ", "Выполнено"])
    return make_ods([OdfTable(pairs, name="Пары"), OdfTable(rows, spans, name="План")])


# -- k8. ФГОС roadmap, cp1251 «;» CSV, 2025–2028 ----------------------------------------------------------------------------

K8_SECTIONS = [
    ("1. Организационное обеспечение", [
        Row("1", "Создание рабочей группы по введению ФГОС СОО", "Август 2025 года", [month(2025, 8)], None, None),
        Row("2", "Общешкольное родительское собрание", "Ежегодно, в августе",
            [month(2025, 8), month(2026, 8), month(2027, 8), month(2028, 8)], "yearly", "meeting"),
        Row("3", "Педагогический совет о введении ФГОС СОО", "Декабрь 2025 года, декабрь 2026 года",
            [month(2025, 12), month(2026, 12)], None, "council"),
    ]),
    ("2. Нормативное обеспечение", [
        Row("4", "Разработка ООП СОО", "до 31.08.2025", [(None, "2025-08-31")], None, "document"),
        Row("5", "Утверждение учебных планов", "Ежегодно до 1 сентября",
            [(None, "2025-09-01"), (None, "2026-09-01"), (None, "2027-09-01"), (None, "2028-09-01")], "yearly",
            "document"),
        Row("6", "Классные родительские собрания в 10-х классах", "Май, ежегодно с 2026 года",
            [month(2026, 5), month(2027, 5), month(2028, 5)], "yearly", "meeting"),
    ]),
    ("3. Методическое обеспечение", [
        Row("7", "Семинар для учителей «Функциональная грамотность в старшей школе»", "Ноябрь 2025 года",
            [month(2025, 11)], None, "seminar"),
        Row("8", "Курсы повышения квалификации по ФГОС СОО", "В течение 2026–2027 гг.", [("2026-01-01", "2027-12-31")],
            "continuous", None),
        Row("9", "Мониторинг готовности к введению ФГОС СОО", "Июнь 2026 года", [month(2026, 6)], None,
            "monitoring"),
    ]),
]  # fmt: skip
K8_EXPECTED = [row for _, rows in K8_SECTIONS for row in rows]


def build_k8() -> bytes:
    rows = [["Дорожная карта введения обновлённых ФГОС СОО в МБОУ «Лицей № 4» на 2025-2028 гг.", "", "", ""],
            ["№ п/п", "Мероприятия", "Сроки исполнения", "Результат"]]
    for section, items in K8_SECTIONS:
        rows.append([section, "", "", ""])
        rows += [[row.number, row.title, row.when, "Приказ, протокол"] for row in items]
    return make_csv(rows, ";", "cp1251")


# -- k9. month-first plan, DOCX, 2026-2027: «Месяц» merged down, a contacts table --------------------------------------

K9_ROWS = [
    ("Сентябрь", Row("", "Встреча молодых педагогов с руководством управления образования", "15.09, 14:00, ИМЦ",
                     [day("2026-09-15")], None, "meeting")),
    ("Сентябрь", Row("", "Входное анкетирование молодых педагогов", "до 25.09", [(None, "2026-09-25")], None,
                     SURVEY)),
    ("Октябрь", Row("", "Неделя открытых уроков наставников", "19–23 октября", [("2026-10-19", "2026-10-23")], None,
                    "open_lesson")),
    ("Ноябрь", Row("", "Мастер-класс «Приёмы формирующего оценивания»", "12.11.2026, 15.00, СОШ № 4",
                   [day("2026-11-12")], None, "master_class")),
    ("Ноябрь", Row("", "Индивидуальные консультации наставников", "по согласованию", [month(2026, 11)], None,
                   "consultation")),
    ("Декабрь", Row("", "Конкурс эссе «Я – учитель»", "в течение месяца", [month(2026, 12)], None, "competition")),
    ("Февраль", Row("", "Педагогическая гостиная «Профессиональное выгорание»", "18.02, 16.00, ИМЦ",
                    [day("2027-02-18")], None, "round_table")),
    ("Март", Row("", "Школа молодого педагога: практикум по проектированию урока", "25 марта", [day("2027-03-25")],
                 None, "workshop")),
    ("Апрель", Row("", "Слёт молодых педагогов района", "", [month(2027, 4)], None, None)),
    ("Май", Row("", "Итоговое анкетирование «Мой первый год»", "до 20 мая", [(None, "2027-05-20")], None, SURVEY)),
]  # fmt: skip
K9_EXPECTED = [row for _, row in K9_ROWS]


def build_k9() -> bytes:
    rows = [["Месяц", "Мероприятие", "Дата, время, место", "Ответственный"]]
    vmerges = []
    previous = None
    for index, (name, row) in enumerate(K9_ROWS):
        if name != previous:
            count = sum(1 for other, _ in K9_ROWS[index:] if other == name)
            if count > 1:
                vmerges.append((0, len(rows), len(rows) + count - 1))
        rows.append([name, row.title, row.when, "Методист ИМЦ Соловьёва Е.А."])
        previous = name
    contacts = [["ФИО", "Должность", "Телефон"], ["Соловьёва Елена Андреевна", "методист ИМЦ", "8 (81362) 7-12-40"]]
    return make_docx(["План мероприятий методического центра для молодых педагогов на 2026-2027 учебный год"],
                     [DocxTable(rows, vmerges=vmerges), DocxTable(contacts, caption=["Контакты"])])


# -- k10. school-year ШНОР plan, XLSX from column B, the header printed again; and as LibreOffice's XLS ---------------------

K10_SECTIONS = [
    ("1. Аналитическая работа", [
        Row("1.1", "Анализ результатов ГИА-2026 в школах с низкими результатами", "сентябрь", [month(2026, 9)], None,
            "monitoring"),
        Row("1.2", "Выявление дефицитов учителей по итогам ВПР", "октябрь – ноябрь", [("2026-10-01", "2026-11-30")],
            None, "monitoring"),
    ]),
    ("2. Методическая помощь", [
        Row("2.1", "Адресные консультации учителей математики", "ежемесячно", SY26, "monthly", "consultation"),
        Row("2.2", "Практико-ориентированный семинар «Смысловое чтение»", "1 полугодие", [("2026-09-01", "2026-12-31")],
            None, ("seminar", "workshop")),
        Row("2.3", "Открытые уроки в школах-наставниках", "3 четверть", [("2027-01-01", "2027-03-31")], None,
            "open_lesson"),
    ]),
    ("3. Контроль и отчётность", [
        Row("3.1", "Пробное тестирование в формате ОГЭ", "февраль", [month(2027, 2)], None, "monitoring"),
        Row("3.2", "Итоговое совещание с руководителями ШНОР", "май", [month(2027, 5)], None, "meeting"),
        Row("3.3", "Отчёт о реализации плана адресной помощи", "до 15 июня", [(None, "2027-06-15")], None,
            "document"),
    ]),
]  # fmt: skip
K10_EXPECTED = [row for _, rows in K10_SECTIONS for row in rows]
K10_XLS = FIXTURES / "heldout7_k10_shnor.xls"  # build_k10() saved as XLS by LibreOffice 7


def build_k10() -> bytes:
    header = ["", "№ п/п", "Содержание", "Срок", "Ответственный", "Ожидаемый результат"]
    rows: list[list[object]] = [
        ["", "План адресной помощи школам с низкими результатами обучения на 2026/2027 уч. год", "", "", "", ""],
        [""] * 6, header]
    merges = ["B1:F1"]
    for section, items in K10_SECTIONS:
        if section.startswith("3."):
            rows += [[""] * 6, list(header)]  # the second printed page starts with the header again
        rows.append(["", section, "", "", "", ""])
        merges.append(f"B{len(rows)}:F{len(rows)}")
        rows += [["", row.number, row.title, row.when, "Методический центр", "Оказана помощь"] for row in items]
    return make_xlsx([Sheet("План", rows, merges)])


# -- tests -----------------------------------------------------------------------------------------------------------

DOCS = {
    "k01_federal_stage.xlsx": (build_k1, K1_EXPECTED),
    "k02_r145.odt": (build_k2, K2_EXPECTED),
    "k03_regional_roman.docx": (build_k3, K3_EXPECTED),
    "k04_500plus.ods": (build_k4, K4_ROWS),
    "k05_network_days.xlsx": (build_k5, K5_EXPECTED),
    "k06_mentor_plan.docx": (build_k6, K6_EXPECTED),
    "k07_school_pairs.ods": (build_k7, K7_EXPECTED),
    "k08_fgos.csv": (build_k8, K8_EXPECTED),
    "k09_month_events.docx": (build_k9, K9_EXPECTED),
    "k10_shnor_schoolyear.xlsx": (build_k10, K10_EXPECTED),
}
ALL = [*DOCS, "k10_shnor_schoolyear.xls"]
NOT_EVENTS = [
    *(s for s, _ in K1_STAGES), *(s for s, _ in K2_SECTIONS), *(n for _, n, _, _ in K3_SECTIONS), K3_INDICATOR,
    K4_NOTE, *(s for s, _ in K7_STAGES), *(s for s, _ in K8_SECTIONS), *(s for s, _ in K10_SECTIONS),
]  # fmt: skip
NOT_EVENT_STARTS = ("Примечание", "Наставник", "Молодой педагог", "МБОУ", "МКОУ", "ФИО", "Соловьёва", "Доля",
                    "Наименование мероприятия", "Содержание", "Показатель")


def expected(name: str) -> list[Row]:
    return K10_EXPECTED if name.endswith(".xls") else DOCS[name][1]


@pytest.fixture(scope="module")
def parsed() -> dict[str, Roadmap]:
    out = {name: parse_roadmap(build(), name) for name, (build, _) in DOCS.items()}
    out["k10_shnor_schoolyear.xls"] = parse_roadmap(K10_XLS.read_bytes(), K10_XLS.name)
    return out


@pytest.mark.parametrize("name", ALL)
def test_no_section_note_or_signature_is_an_event(name: str, parsed: dict[str, Roadmap]) -> None:
    assert not stray_titles(parsed[name], NOT_EVENTS, NOT_EVENT_STARTS)
    assert len(parsed[name].events) == len(expected(name))


@pytest.mark.parametrize("name", ALL)
def test_rows(name: str, parsed: dict[str, Roadmap]) -> None:
    assert not misses(parsed[name], expected(name))


def test_accuracy_on_seventh_held_out_set(parsed: dict[str, Roadmap]) -> None:
    """The bar: at least 95 % of rows right (days, recurrence, kind); stray events count as wrong."""
    right, total = set_accuracy(parsed, expected)
    assert right / total >= 0.95, f"{right}/{total}"
