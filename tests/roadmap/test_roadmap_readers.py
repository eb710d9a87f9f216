"""Readers and header recognition: merged cells, encodings, delimiters, header wording."""

from __future__ import annotations

import pytest
from roadmap_builders import DocxTable, Sheet, make_csv, make_docx, make_xlsx

from bot.services.roadmap import RawRow, RoadmapError, parse_roadmap, read_document
from bot.services.roadmap.columns import field_of, find_header, is_column_numbers

HEADER = ["№ п/п", "Мероприятие", "Сроки", "Ответственные"]


def test_docx_merged_cells_and_title() -> None:
    data = make_docx(
        ["ДОРОЖНАЯ КАРТА", "на 2022 год"],
        [
            DocxTable(
                [
                    HEADER,
                    ["Раздел 1. Организация"],
                    ["1.", "Вебинар\nдля команд", "24.02", "Иванова И.И."],
                    ["2.", "Семинар", "03.03", "Иванова И.И."],
                ],
                merged_rows={1},
                vmerges=[(3, 2, 3)],
            )
        ],
    )
    document = read_document(data, "plan.docx")
    assert document.title_lines == ["ДОРОЖНАЯ КАРТА", "на 2022 год"]
    rows = document.tables[0].rows
    assert rows[1].spans_table and rows[1].cells == ["Раздел 1. Организация"] * 4
    assert not rows[2].spans_table
    assert rows[2].cells[1] == "Вебинар\nдля команд"  # a multi-line cell keeps its line break
    assert rows[3].cells[3] == "Иванова И.И."  # vertically merged: the text applies to both rows


def test_docx_captions_belong_to_their_tables() -> None:
    data = make_docx(
        ["Проект на 2020 – 2022 гг."],
        [
            DocxTable([HEADER, ["1.", "Семинар", "Май", "ИМС"]], caption=["План на 2020- 2021 учебный год"]),
            DocxTable([HEADER, ["1.", "Семинар", "Май", "ИМС"]], caption=["План на 2021- 2022 учебный год"]),
        ],
    )
    roadmap = parse_roadmap(data, "plan.docx")
    assert [e.periods[0].start.year for e in roadmap.events] == [2021, 2022]  # type: ignore[union-attr]


def test_xlsx_merged_ranges_and_sheets() -> None:
    data = make_xlsx(
        [
            Sheet(
                "План",
                [["План на 2022 год", "", "", ""], HEADER, ["Этап 1", "", "", ""], ["1", "Семинар", "Май", ""]],
                merges=["A1:D1", "A3:D3"],
            ),
            Sheet("Список", [["№", "Наименование ОО"], ["1", "МБОУ «СШ № 21»"]]),
        ]
    )
    document = read_document(data, "plan.xlsx")
    assert [t.name for t in document.tables] == ["Лист «План»", "Лист «Список»"]
    plan = document.tables[0].rows
    assert plan[0].spans_table and plan[2].spans_table and not plan[3].spans_table
    assert plan[2].cells == ["Этап 1"] * 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_delimiters(encoding: str, delimiter: str) -> None:
    rows = [
        ["План мероприятий на 2022 год"],
        HEADER,
        ["1.", "Семинар «Анализ, выводы; итоги»", "Апрель, май", "ИМС, школы"],
    ]
    document = read_document(make_csv(rows, delimiter, encoding), "plan.csv")
    table = document.tables[0].rows
    assert table[1].cells == HEADER
    assert table[2].cells[1] == "Семинар «Анализ, выводы; итоги»"
    assert table[2].cells[2] == "Апрель, май"


def test_unsupported_files_get_a_russian_message() -> None:
    with pytest.raises(RoadmapError, match="не поддерживается"):
        read_document(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "plan.doc")
    with pytest.raises(RoadmapError, match="повреждён"):
        read_document(b"PK\x03\x04broken", "plan.docx")


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("№ п/п", "number"), ("№", "number"), ("N п/п", "number"),
        ("Наименование мероприятия", "title"), ("Мероприятия", "title"), ("Мероприятие", "title"),
        ("Направления деятельности", "title"), ("Содержание деятельности", "title"),
        ("Содержание работы", "title"), ("Наименование мероприятия (краткое содержание)", "title"),
        ("Сроки", "dates"), ("Срок", "dates"), ("Срок реализации", "dates"), ("Сроки исполнения", "dates"),
        ("Сроки проведения", "dates"), ("Дата", "dates"), ("Дата проведения", "dates"),
        ("Сроки\nисполнен-\nия", "dates"), ("  СРОКИ  ", "dates"),
        ("Ответственный", "responsible"), ("Ответственные", "responsible"),
        ("Ответственные исполнители", "responsible"), ("Исполнитель", "responsible"),
        ("Исполнители", "responsible"), ("Ответственный\nисполнитель", "responsible"),
        ("Ответственные на муниципальном уровне", "responsible"),
        ("Ожидаемые результаты", "result"), ("Результат", "result"), ("Планируемый результат", "result"),
        ("Ожидаемый\nрезультат", "result"),
        ("Вид документа", "document"), ("Форма отчётности", "document"), ("Форма проведения", "form"),
        ("Форма работы", "form"), ("Месяц", "month"), ("Наименование этапа", "stage"),
        ("Содержание деятельности и примерный план мероприятий", "title"), ("Отметка о выполнении", "note"),
        ("Показатель реализации", "indicator"), ("Показатели", "indicator"), ("Индикатор", "indicator"),
        ("Участники", "audience"), ("Целевая аудитория", "audience"), ("Этап", "stage"),
        ("Примечание", "note"), ("Предмет мониторинга", None),
    ],
)  # fmt: skip
def test_header_variants(label: str, field: str | None) -> None:
    assert field_of(label) == field


def test_header_in_any_order_below_title_rows() -> None:
    rows = [
        RawRow(["План на 2022 год"] * 4, True),
        RawRow(["Ответственный", "Сроки проведения", "Мероприятия", "№"]),
        RawRow(["ИМС", "Май", "Семинар", "1"]),
    ]
    header = find_header(rows)
    assert header is not None and header.row_index == 1
    columns = header.columns
    assert (columns.number, columns.title, columns.dates, columns.responsible) == (3, 2, 1, [0])


def test_group_header_with_sub_headers() -> None:
    rows = [
        RawRow(["№", "Мероприятие", "Срок", "Ответственные", "Ответственные"]),
        RawRow(["№", "Мероприятие", "Срок", "муниципальный уровень", "школьный уровень"]),
        RawRow(["1", "Семинар", "Май", "ИМС", "Школа"]),
    ]
    header = find_header(rows)
    assert header is not None and header.rows_used == 2 and header.columns.responsible == [3, 4]


def test_table_without_title_and_dates_is_reported() -> None:
    data = make_xlsx([Sheet("Список", [["№", "Наименование ОО"], ["1", "МБОУ «СШ № 21»"]])])
    roadmap = parse_roadmap(data, "list.xlsx", year=2022)
    assert roadmap.events == []
    assert any("Лист «Список»" in w and "пропущена" in w for w in roadmap.warnings)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1", "2", "3", "4", "5"], True),
        (["1.", "2.", "3.", "4."], True),
        (["1", "2", "2", "3"], True),  # a merged header cell repeats its number
        (["1", "Семинар", "Май", ""], False),
        (["12", "", "", ""], False),
        (["2", "3", "4"], False),
    ],
)
def test_column_number_row(cells: list[str], expected: bool) -> None:
    assert is_column_numbers(RawRow(cells)) is expected
