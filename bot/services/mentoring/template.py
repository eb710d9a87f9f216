"""The import template coordinators download in chat: one sheet per shape, headers and an example row each."""
from __future__ import annotations

import io

from bot.i18n import Translator

# sheet key → (header keys, example rows); texts live in the locale files (mentoring.template.*).
SHEETS: dict[str, tuple[tuple[str, ...], int]] = {
    "schools": (("name", "short_name", "status", "level", "municipality"), 2),
    "people": (("full_name", "school", "position", "role", "subjects", "telegram", "phone", "directions",
                "mentor_type", "capacity"), 3),
    "school_pairs": (("number", "mentee_school", "mentor_school", "responsible", "position"), 2),
    "teacher_pairs": (("mentor", "mentor_school", "mentor_position", "mentee", "mentee_school", "mentee_position",
                       "subject", "form", "goals", "deficits", "starts_on", "ends_on"), 1),
}


def template_xlsx(language: str = "ru") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = Translator(language)
    book = Workbook()
    book.remove(book.active)
    for key, (headers, examples) in SHEETS.items():
        sheet = book.create_sheet(t(f"mentoring.template.{key}.title"))
        sheet.append([t(f"mentoring.template.{key}.{header}") for header in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for number in range(1, examples + 1):
            sheet.append([t(f"mentoring.template.{key}.example{number}.{header}") for header in headers])
        for column, header in enumerate(headers, start=1):
            width = max(len(t(f"mentoring.template.{key}.{header}")), 14)
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = min(width + 4, 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
