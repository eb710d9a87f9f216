"""The import template coordinators download in chat (one sheet per shape, headers and example rows) and the
list of personal invite links an import hands back — both through the one XLSX writer."""
from __future__ import annotations

import io
from collections.abc import Sequence

from bot.i18n import Translator
from bot.services.xlsx import Book, table_xlsx

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
    t = Translator(language)
    buffer = io.BytesIO()
    book = Book(buffer, title=t("mentoring.template.schools.title"))
    for key, (headers, examples) in SHEETS.items():
        sheet = book.sheet(t(f"mentoring.template.{key}.title"),
                           [t(f"mentoring.template.{key}.{header}") for header in headers])
        sheet.append([[t(f"mentoring.template.{key}.example{number}.{header}") for header in headers]
                      for number in range(1, examples + 1)])
    book.close()
    return buffer.getvalue()


def invites_xlsx(rows: Sequence[Sequence[str]], language: str = "ru", messengers: Sequence[str] = ("telegram",)
                 ) -> bytes:
    """Personal invite links for people imported without a messenger id: name, then a link per messenger served
    (one column «Ссылка-приглашение» when there is one messenger, else «Ссылка для Telegram», «Ссылка для MAX»)."""
    t = Translator(language)
    buffer = io.BytesIO()
    links = ([t("mentoring.import.invites_link")] if len(messengers) == 1 else
             [t("mentoring.import.invites_link_for", messenger=t(f"invite.messenger.{m}")) for m in messengers])
    table_xlsx(buffer, t("mentoring.import.invites_sheet"), [t("mentoring.import.invites_name"), *links],
               [list(row) for row in rows])
    return buffer.getvalue()
