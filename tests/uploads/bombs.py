"""Hostile files, made on the spot (never committed): workbooks written as raw XML, so a test can put in what no
spreadsheet program would — a dimension over the whole sheet, a row numbered 100 million, a merged range over
every cell, a cell in column XFD, broken markup."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, cells: Iterable[str] = ()) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def workbook(rows: Iterable[str], *, dimension: str | None = None, merged: str | None = None,
             title: str = "Участники", sheet_xml: str | None = None) -> bytes:
    """An XLSX of one sheet whose XML is put together from `rows` (or given whole as `sheet_xml`)."""
    if sheet_xml is None:
        parts = [_SHEET_HEAD]
        if dimension:
            parts.append(f'<dimension ref="{dimension}"/>')
        parts.append("<sheetData>")
        parts.extend(rows)
        parts.append("</sheetData>")
        if merged:
            parts.append(f'<mergeCells count="1"><mergeCell ref="{merged}"/></mergeCells>')
        parts.append("</worksheet>")
        sheet_xml = "".join(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(title=title))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def people_header() -> str:
    return row(1, [cell("A1", "ФИО"), cell("B1", "ОО"), cell("C1", "Телефон")])


def billion_laughs() -> str:
    """The classic: nine levels of ten aliases — 10⁹ strings once expanded; 559 characters as typed."""
    lines = ['a: &a ["ха","ха","ха","ха","ха","ха","ха","ха","ха"]']
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("questions: [*i]")
    return "\n".join(lines)
