"""Readers of every format coordinators save in, with the quirks of the suites that write them, and hostile files.

LibreOffice (ODT/ODS, and DOCX/XLS it saves), МойОфис and Р7-Офис (inline strings, tables and rows inside content
controls, <w:vMerge/> without a value, odd grids), Excel (dates stored as numbers with a date format). Every
reader is bounded by FileLimits: what a file only claims (spans, repeats, merged ranges) is clipped to the data
and counted; beyond a limit the file is refused with «uploads.too_complex».
"""
from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from roadmap_builders import DocxTable, OdfTable, make_csv, make_docx, make_odt, make_ods

from bot.services.roadmap import RoadmapError, parse_roadmap, read_document
from bot.services.uploads.limits import FileLimits, FileRejected

FIXTURES = Path(__file__).resolve().parent / "fixtures"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SMALL = FileLimits(max_rows=200, max_cols=20, max_cells=3000)
HEADER = ["№", "Мероприятие", "Срок", "Ответственный"]


# -- ODS / ODT ------------------------------------------------------------------------------------------


def test_ods_as_libreoffice_writes_it() -> None:
    sheet = OdfTable(
        [["План на 2025 год", "", "", ""], HEADER,
         ["I. Организационный этап", "", "", ""],
         ["1", "Семинар\nдля наставников", "12.03.2025", "ИМЦ"],
         ["2", "Вебинар  «Цифровой урок»", "", "ИМЦ"],
         ["3", "Круглый стол", "май", "ИМЦ"],
         ["3", "Круглый стол", "май", "ИМЦ"]],  # two identical rows: LibreOffice writes one, repeated
        spans=[(0, 0, 1, 4), (2, 0, 1, 4), (3, 3, 2, 1)],  # titles across, «ИМЦ» merged down two rows
        dates={(4, 2): "2025-04-09"},  # a date cell stored as a value
        name="План",
    )
    document = read_document(make_ods([sheet]), "plan.ods")
    table = document.tables[0]
    assert table.name == "Лист «План»"
    assert len(table.rows) == 7, "the million empty rows LibreOffice implies are not read"
    assert all(len(row.cells) == 4 for row in table.rows), "nor its 16 384 columns"
    assert table.rows[0].spans_table and table.rows[2].spans_table and not table.rows[3].spans_table
    assert table.rows[2].cells == ["I. Организационный этап"] * 4
    assert table.rows[3].cells[1] == "Семинар\nдля наставников"  # two paragraphs
    assert table.rows[4].cells[1] == "Вебинар  «Цифровой урок»"  # text:s keeps the spaces
    assert table.rows[4].cells[2] == "09.04.2025"  # no display text: the stored date
    assert table.rows[4].cells[3] == "ИМЦ", "a cell merged down fills the rows it covers"
    assert table.rows[5].cells == table.rows[6].cells == ["3", "Круглый стол", "май", "ИМЦ"]


def test_odt_tables_header_rows_page_breaks_and_sections() -> None:
    rows = [HEADER, ["1.", "Этап 1", "", ""], ["1.1", "Семинар", "24.02", "ИМЦ"], ["1.2", "Вебинар", "03.03", "ИМЦ"]]
    data = make_odt(["ДОРОЖНАЯ КАРТА", "на 2022 год"],
                    [OdfTable(rows, [(1, 1, 1, 3)], header_rows=1, page_breaks={3}),
                     OdfTable([HEADER, ["2", "Совещание", "май", "ИМЦ"]], caption=["Второй раздел"], name="T2")])
    document = read_document(data, "plan.odt")
    assert document.title_lines == ["ДОРОЖНАЯ КАРТА", "на 2022 год"]
    assert [len(t.rows) for t in document.tables] == [4, 2]
    assert document.tables[0].rows[0].cells == HEADER, "the header inside table:table-header-rows is read"
    assert document.tables[1].caption == ["Второй раздел"]
    roadmap = parse_roadmap(data, "plan.odt")
    assert [(e.number, e.section, str(e.periods[0].start)) for e in roadmap.events] == [
        ("1.1", "1. Этап 1", "2022-02-24"), ("1.2", "1. Этап 1", "2022-03-03"), ("2", None, "2022-05-01")]


def test_the_xls_libreoffice_saved_reads_like_the_xlsx() -> None:
    from test_roadmap_heldout_fourth import build_f10

    xls = parse_roadmap((FIXTURES / "heldout4_shnor_2024_2025.xls").read_bytes(), "plan.xls")
    xlsx = parse_roadmap(build_f10(), "plan.xlsx")
    assert [e.to_json() for e in xls.events] == [e.to_json() for e in xlsx.events]
    assert len(xls.events) == 9


# -- DOCX from other suites --------------------------------------------------------------------------------


def _docx_xml(data: bytes) -> tuple[docx.document.Document, etree._Element]:
    document = docx.Document(io.BytesIO(data))
    return document, document.element.body


def _save(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _wrap(element: etree._Element) -> None:
    """Put an element inside a content control (w:sdt/w:sdtContent) where it stands."""
    parent = element.getparent()
    sdt = etree.Element(f"{W}sdt")
    parent.insert(parent.index(element), sdt)
    etree.SubElement(sdt, f"{W}sdtContent").append(element)


def test_docx_rows_and_cells_inside_content_controls_and_vmerge_without_value() -> None:
    data = make_docx(["План на 2024 год"], [DocxTable([HEADER, ["1", "Семинар", "май", "ИМЦ"],
                                                      ["2", "Вебинар", "июнь", "ИМЦ"]])])
    document, body = _docx_xml(data)
    tbl = body.find(f"{W}tbl")
    rows = tbl.findall(f"{W}tr")
    # Р7-Офис / МойОфис: the second data row wrapped in a content control, a cell of it wrapped too.
    _wrap(rows[2])
    _wrap(rows[2].findall(f"{W}tc")[1])
    # «Ответственный» merged down: the continuation written as <w:vMerge/> with no value.
    for index, row in enumerate((rows[1], rows[2])):
        tc = row.findall(f".//{W}tc")[3]
        tc_pr = tc.find(f"{W}tcPr")
        if tc_pr is None:
            tc_pr = etree.SubElement(tc, f"{W}tcPr")
            tc.insert(0, tc_pr)
        merge = etree.SubElement(tc_pr, f"{W}vMerge")
        if index == 0:
            merge.set(f"{W}val", "restart")
        else:
            for p in tc.findall(f"{W}p"):
                for r in p.findall(f"{W}r"):
                    p.remove(r)
    roadmap = parse_roadmap(_save(document), "plan.docx")
    assert [(e.title, e.responsible, str(e.periods[0].start)) for e in roadmap.events] == [
        ("Семинар", "ИМЦ", "2024-05-01"), ("Вебинар", "ИМЦ", "2024-06-01")]


def test_docx_grid_span_beyond_the_grid_is_clipped() -> None:
    data = make_docx(["План на 2024 год"], [DocxTable([HEADER, ["Раздел 1"], ["1", "Семинар", "май", "ИМЦ"]],
                                                     merged_rows={1})])
    document, body = _docx_xml(data)
    span = body.find(f".//{W}gridSpan")
    span.set(f"{W}val", "200000000")  # a forged span: the grid has four columns
    table = read_document(_save(document), "plan.docx").tables[0]
    assert all(len(row.cells) == 4 for row in table.rows)
    assert table.rows[1].spans_table


def test_docx_without_a_grid_and_a_huge_span_is_refused() -> None:
    data = make_docx([], [DocxTable([HEADER, ["1", "Семинар", "май", "ИМЦ"]])])
    document, body = _docx_xml(data)
    tbl = body.find(f"{W}tbl")
    tbl.remove(tbl.find(f"{W}tblGrid"))
    tc = tbl.find(f".//{W}tc")
    tc_pr = tc.find(f"{W}tcPr")
    etree.SubElement(tc_pr, f"{W}gridSpan").set(f"{W}val", "5000")
    with pytest.raises(FileRejected) as error:
        read_document(_save(document), "plan.docx", SMALL)
    assert error.value.key == "uploads.too_complex"


def test_docx_with_more_rows_than_the_limit_is_refused() -> None:
    document, body = _docx_xml(make_docx([], [DocxTable([HEADER, ["1", "Семинар", "май", "ИМЦ"]])]))
    tbl = body.find(f"{W}tbl")
    row = tbl.findall(f"{W}tr")[1]
    for _ in range(250):
        tbl.append(copy.deepcopy(row))
    with pytest.raises(FileRejected) as error:
        read_document(_save(document), "plan.docx", SMALL)
    assert error.value.key == "uploads.too_complex"


# -- XLSX as МойОфис and Excel write it -----------------------------------------------------------------------

_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>План на 2025 год</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>Мероприятие</t></is></c><c r="B2" t="inlineStr"><is><t>Дата</t></is></c>
<c r="C2" t="inlineStr"><is><t>Ответственный</t></is></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><r><t>Семинар </t></r><r><rPr><b/></rPr><t>«Урок»</t></r></is></c>
<c r="B3" s="1"><v>45728</v></c><c r="C3" t="inlineStr"><is><t>ИМЦ</t></is></c></row>
<row r="4"><c r="A4" t="inlineStr"><is><t>Вебинар</t></is></c><c r="B4" s="2"><v>45769</v></c>
<c r="C4" t="inlineStr"><is><t>ИМЦ</t></is></c></row>
<row r="1048576"><c r="XFD1048576" s="1"/></row>
</sheetData>
<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>
</worksheet>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd\\.mm"/></numFmts>
<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="3"><xf/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_PARTS = {
    "[Content_Types].xml": """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>""",
    "_rels/.rels": """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>""",
    "xl/workbook.xml": """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="План" sheetId="1" r:id="rId1"/></sheets></workbook>""",
    "xl/_rels/workbook.xml.rels": """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>""",
    "xl/styles.xml": _STYLES,
}


def _xlsx(sheet: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_xlsx_inline_strings_dates_as_numbers_and_a_styled_last_cell() -> None:
    table = read_document(_xlsx(_SHEET), "plan.xlsx").tables[0]
    assert len(table.rows) == 4 and len(table.rows[0].cells) == 3, "a styled empty cell at XFD1048576 is not data"
    assert table.rows[0].spans_table
    assert table.rows[2].cells == ["Семинар «Урок»", "12.03.2025", "ИМЦ"]  # rich inline text; a date as a number
    assert table.rows[3].cells[1] == "22.04", "a date formatted without a year keeps no year"
    roadmap = parse_roadmap(_xlsx(_SHEET), "plan.xlsx")
    assert [str(e.periods[0].start) for e in roadmap.events] == ["2025-03-12", "2025-04-22"]


def test_xlsx_merged_ranges_are_clipped_to_the_data_and_counted() -> None:
    beyond = _SHEET.replace('<mergeCell ref="A1:C1"/>', '<mergeCell ref="A1:C1"/><mergeCell ref="D3:T900"/>')
    table = read_document(_xlsx(beyond), "plan.xlsx").tables[0]
    assert len(table.rows) == 4 and len(table.rows[0].cells) == 3, "a merge past the data adds nothing"
    # openpyxl would make an object for each of the 17 billion cells: counted first, and refused.
    whole = _SHEET.replace('<mergeCell ref="A1:C1"/>', '<mergeCell ref="A1:C1"/><mergeCell ref="C3:XFD1048576"/>')
    with pytest.raises(FileRejected) as error:
        read_document(_xlsx(whole), "plan.xlsx")
    assert error.value.key == "uploads.too_complex"


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 300_000_000 + b"/>")
    with pytest.raises(FileRejected) as error:
        read_document(buffer.getvalue(), "plan.xlsx")
    assert error.value.key == "uploads.too_complex"


# -- hostile ODS and CSV --------------------------------------------------------------------------------------


def test_ods_repeats_beyond_the_limits_are_refused() -> None:
    rows = OdfTable([["Мероприятие", "Срок"], *[["Семинар", "май"]] * 400], name="План")  # one row repeated 400×
    with pytest.raises(FileRejected):
        read_document(make_ods([rows]), "plan.ods", SMALL)
    wide = OdfTable([["Мероприятие", *["май"] * 50]], name="План")  # one cell repeated across 50 columns
    with pytest.raises(FileRejected):
        read_document(make_ods([wide]), "plan.ods", SMALL)
    # Within the limits the same repeats are read, row by row.
    table = read_document(make_ods([OdfTable([["Мероприятие", "Срок"], *[["Семинар", "май"]] * 100])]),
                          "plan.ods", SMALL).tables[0]
    assert len(table.rows) == 101


def test_spans_count_against_the_cells_limit() -> None:
    tight = FileLimits(max_rows=200, max_cols=20, max_cells=400)
    rows = [["Мероприятие", "Срок", "Кто"], *[[f"Семинар {i}", "май", "ИМЦ"] for i in range(120)]]
    spans = [(r, 0, 1, 3) for r in range(1, 120)]  # every row merged across: its covered cells count too
    with pytest.raises(FileRejected):
        read_document(make_ods([OdfTable(rows, spans)]), "plan.ods", tight)


def test_csv_over_the_limits_is_refused() -> None:
    with pytest.raises(FileRejected):
        read_document(make_csv([["Мероприятие", "Срок"]] + [["Семинар", "май"]] * 300), "plan.csv", SMALL)
    with pytest.raises(FileRejected):
        read_document(("x;" * 40 + "\n").encode() * 3, "plan.csv", SMALL)


def test_old_and_broken_files_get_a_russian_message() -> None:
    with pytest.raises(RoadmapError, match="\\.doc"):
        read_document(b"\xd0\xcf\x11\xe0" + b"\0" * 600, "plan.doc")
    with pytest.raises(RoadmapError, match="повреждён|не поддерживается"):
        read_document(b"\xd0\xcf\x11\xe0" + b"\0" * 600, "plan.xls")
    with pytest.raises(RoadmapError, match="повреждён"):
        read_document(b"PK\x03\x04broken", "plan.ods")
    with pytest.raises(RoadmapError, match="повреждён"):
        read_document(b"not an office file", "plan.xls")


# -- what LibreOffice itself saved ------------------------------------------------------------------------------

# Documents of the fourth held-out set opened and saved in another format by LibreOffice 7 (soffice
# --convert-to): its DOCX, XLSX, ODT and ODS, with whatever it writes of its own.
SAVED_BY_LIBREOFFICE = [
    ("lo_f1_federal_stage.docx", "f1_federal_stage.odt"),
    ("lo_f4_500plus.xlsx", "f4_500plus.ods"),
    ("lo_f9_month_events.odt", "f9_month_events.docx"),
    ("lo_f6_mentor_plan.ods", "f6_mentor_plan.xlsx"),
]


@pytest.mark.parametrize(("saved", "original"), SAVED_BY_LIBREOFFICE)
def test_files_libreoffice_saved_read_as_their_originals(saved: str, original: str) -> None:
    from heldout import misses
    from test_roadmap_heldout_fourth import DOCS

    build, expected = DOCS[original]
    roadmap = parse_roadmap((FIXTURES / saved).read_bytes(), saved)
    assert not misses(roadmap, expected)
    assert [e.to_json() for e in roadmap.events] == [e.to_json() for e in parse_roadmap(build(), original).events]


# -- hidden columns ----------------------------------------------------------------------------------------------

# Last year's plan copied and its dates column hidden, the new one beside it: the coordinator sees only this year's.
HIDDEN_ROWS = [["План мероприятий по наставничеству на 2026 год", "", "", "", ""],
               ["№", "Мероприятие", "Срок", "Срок", "Ответственный"],
               ["1", "Семинар для наставников", "март 2025", "март 2026", "Методист"],
               ["2", "Вебинар для кураторов", "12.05.2025", "14.05.2026", "Куратор"],
               ["3", "Круглый стол «Итоги года»", "декабрь 2025", "декабрь 2026", "Методист"]]
HIDDEN_EXPECTED = [("март 2026", "2026-03-01"), ("14.05.2026", "2026-05-14"), ("декабрь 2026", "2026-12-01")]


def _dates(roadmap: object) -> list[tuple[str, str]]:
    return [(e.when, str(e.periods[0].start)) for e in roadmap.events]  # type: ignore[attr-defined]


def build_hidden_xlsx() -> bytes:
    from roadmap_builders import Sheet, make_xlsx

    return make_xlsx([Sheet("План", HIDDEN_ROWS, ["A1:E1"], hidden_columns=["C"])])  # type: ignore[arg-type]


def test_a_hidden_xlsx_column_is_not_read() -> None:
    roadmap = parse_roadmap(build_hidden_xlsx(), "plan.xlsx")
    assert _dates(roadmap) == HIDDEN_EXPECTED
    assert [c["header"] for c in roadmap.columns[0]["columns"]] == ["№", "Мероприятие", "Срок", "Ответственный"]


def test_a_hidden_ods_column_is_not_read() -> None:
    data = make_ods([OdfTable(HIDDEN_ROWS, [(0, 0, 1, 5)], hidden_columns={2})])
    assert _dates(parse_roadmap(data, "plan.ods")) == HIDDEN_EXPECTED


def test_a_hidden_xls_column_is_not_read() -> None:
    # build_hidden_xlsx() saved as XLS by LibreOffice 7 (soffice --convert-to xls)
    data = (FIXTURES / "hidden_column_2026.xls").read_bytes()
    assert _dates(parse_roadmap(data, "plan.xls")) == HIDDEN_EXPECTED


def test_an_excel_date_shown_as_a_month_is_that_month() -> None:
    """Excel keeps a day behind «Октябрь 2025» / «10.2025» (often the 1st, sometimes the day it was typed): the
    coordinator reads the month, so the whole month is the period; a date shown with its day stays that day."""
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["План работы на 2025/2026 учебный год"])
    sheet.append(["№", "Мероприятие", "Срок", "Ответственный"])
    shown = {"MM.YYYY": "Октябрь 2025", "[$-419]MMMM YYYY;@": "Ноябрь 2025", "mmm yy": "Декабрь 2025",
             "MMMM": "Январь", "DD.MM.YYYY": "14.02.2026", "D MMMM": "14.03", "hh:mm": "10:00"}
    for number, (fmt, _) in enumerate(shown.items(), start=1):
        moment = datetime(2025 + (number > 3), (9 + number) % 12 or 12, 14, 10 if fmt == "hh:mm" else 0)
        sheet.append([number, f"Семинар для педагогов № {number}", moment, "Иванова И.И."])
        sheet.cell(sheet.max_row, 3).number_format = fmt
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_document(buffer.getvalue(), "plan.xlsx").tables[0]
    assert [row.cells[2] for row in table.rows[2:]][:6] == list(shown.values())[:6]
    events = parse_roadmap(buffer.getvalue(), "plan.xlsx").events
    periods = [(str(e.periods[0].start), str(e.periods[0].end)) for e in events[:6]]
    assert periods == [("2025-10-01", "2025-10-31"), ("2025-11-01", "2025-11-30"), ("2025-12-01", "2025-12-31"),
                       ("2026-01-01", "2026-01-31"), ("2026-02-14", "2026-02-14"), ("2026-03-14", "2026-03-14")]
