"""Reading the sheets coordinators keep (XLSX/CSV) and recognising what each one is by its headers.

Four shapes, headers in any order and in their usual wordings:

* schools — «Наименование ОО | Краткое наименование | Статус | Уровень | Муниципалитет»;
* participants — «ФИО | ОО | Должность | Роль | Предметы | Telegram | Телефон» (+ directions, mentor type, load);
* school pairs, as in Smolensk's list — «ОУ с низкими образовательными результатами | ОУ с высокими
  образовательными результатами | Ответственное лицо, Ф.И.О. | Должность»;
* teacher pairs — «Наставник | Наставляемый | Школа наставника | Школа наставляемого | Предмет | Форма | Цели…».

The header row need not be the first (titles above it are skipped); repeated header rows are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.services.errors import DomainError
from bot.services.uploads.limits import FileLimits, FileRejected
from bot.services.uploads.tables import csv_rows, xlsx_tables
from bot.services.untrusted_text import visible
from db.models.core import search_key

DEFAULT_LIMITS = FileLimits()
HEADER_SCAN = 15

SCHOOLS, PEOPLE, SCHOOL_PAIRS, TEACHER_PAIRS = "schools", "people", "school_pairs", "teacher_pairs"
KINDS = (SCHOOL_PAIRS, TEACHER_PAIRS, PEOPLE, SCHOOLS)  # tie-break order

# field → header wordings (normalised: lower case, ё→е, punctuation as spaces). A header matches a
# wording that starts at a word boundary; the longest matching wording wins, so «Школа наставника» is
# the mentor's school, not the mentor.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    SCHOOLS: {
        "name": ("наименование оо", "наименование ou", "наименование", "название школы", "название оо",
                 "полное наименование", "образовательная организация", "школа", "оо", "оу", "название"),
        "short_name": ("краткое наименование", "краткое название", "сокращенное наименование", "короткое"),
        "status": ("статус", "категория", "тип школы"),
        "level": ("уровень",),
        "municipality": ("муниципалитет", "муниципальное образование", "район", "город"),
    },
    PEOPLE: {
        "full_name": ("фио", "ф и о", "фамилия имя отчество", "фамилия", "участник", "педагог", "сотрудник"),
        "school": ("оо", "оу", "школа", "образовательная организация", "учреждение", "место работы",
                   "наименование оо"),
        "position": ("должность",),
        "role": ("роль", "роль в программе", "наставник наставляемый", "статус участника"),
        "subjects": ("предмет", "предметы", "преподаваемые предметы", "учебный предмет"),
        "telegram": ("telegram", "телеграм", "телеграмм", "tg", "ник в telegram", "username", "id telegram",
                     "аккаунт"),
        "phone": ("телефон", "тел", "мобильный", "номер телефона"),
        "directions": ("направления", "направление", "направления наставничества"),
        "mentor_type": ("тип наставника",),
        "capacity": ("нагрузка", "сколько наставляемых", "количество наставляемых", "максимум наставляемых"),
    },
    SCHOOL_PAIRS: {
        "mentee_school": ("оу с низкими", "оо с низкими", "школа с низкими", "с низкими образовательными",
                          "шнор", "шнро", "шпро", "наставляемая школа", "школа наставляемый",
                          "наставляемая оо"),
        "mentor_school": ("оу с высокими", "оо с высокими", "школа с высокими", "с высокими образовательными",
                          "школа наставник", "школа лидер", "школа куратор", "наставляющая школа",
                          "наставляющая оо"),
        "responsible": ("ответственное лицо", "ответственный", "куратор фио", "ответственное лицо ф и о"),
        "position": ("должность",),
    },
    TEACHER_PAIRS: {
        "mentor": ("наставник", "фио наставника", "наставник фио", "ф и о наставника"),
        "mentee": ("наставляемый", "наставляемые", "фио наставляемого", "наставляемый фио",
                   "ф и о наставляемого", "подопечный"),
        "mentor_school": ("школа наставника", "оо наставника", "оу наставника", "место работы наставника"),
        "mentee_school": ("школа наставляемого", "оо наставляемого", "оу наставляемого",
                          "место работы наставляемого"),
        "mentor_position": ("должность наставника",),
        "mentee_position": ("должность наставляемого",),
        "subject": ("предмет",),
        "form": ("форма", "форма наставничества"),
        "kind": ("модель", "вид", "вид наставничества", "модель наставничества"),
        "goals": ("цели", "цель", "задачи", "цели и задачи"),
        "deficits": ("дефициты", "дефицит", "профессиональные дефициты", "затруднения",
                     "профессиональные затруднения"),
        "starts_on": ("начало", "дата начала"),
        "ends_on": ("окончание", "дата окончания", "срок", "плановое окончание"),
    },
}
REQUIRED = {SCHOOLS: ("name",), PEOPLE: ("full_name",), SCHOOL_PAIRS: ("mentee_school", "mentor_school"),
            TEACHER_PAIRS: ("mentor", "mentee")}
SHEET_HINTS = {SCHOOLS: ("школ", "оо", "school"), PEOPLE: ("участник", "педагог", "people", "participant"),
               SCHOOL_PAIRS: ("пары школ", "школа школе", "school pair", "партнер"),
               TEACHER_PAIRS: ("пары педагог", "пары учител", "учитель учителю", "teacher pair", "наставнич")}

_PUNCT = re.compile(r"[^\w№]+", re.UNICODE)


def header_key(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", search_key(text) or "").split())


def _matches(header: str, wording: str) -> bool:
    return header == wording or re.search(rf"(?:^| ){re.escape(wording)}", header) is not None


def map_headers(cells: list[str], kind: str) -> dict[str, int]:
    """field → column index for one candidate header row."""
    found: dict[str, tuple[int, int]] = {}  # field → (wording length, column)
    for column, cell in enumerate(cells):
        header = header_key(cell)
        if not header or len(header) > 120:
            continue
        best: tuple[int, str] | None = None
        for name, wordings in FIELDS[kind].items():
            for wording in wordings:
                if _matches(header, wording) and (best is None or len(wording) > best[0]):
                    best = (len(wording), name)
        if best is None:
            continue
        length, name = best
        if name not in found or length > found[name][0]:
            found[name] = (length, column)
    return {name: column for name, (_, column) in found.items()}


@dataclass
class Table:
    name: str
    rows: list[list[str]]


@dataclass
class Sheet:
    """A recognised table: its kind, the header row (1-based) and field → column."""

    name: str
    kind: str
    header_row: int
    columns: dict[str, int]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (1-based row number, field → cell)


def recognise(table: Table) -> Sheet | None:
    best: tuple[tuple[int, int, int], Sheet] | None = None
    hint_key = header_key(table.name)
    for index, cells in enumerate(table.rows[:HEADER_SCAN]):
        for order, kind in enumerate(KINDS):
            columns = map_headers(cells, kind)
            if not all(name in columns for name in REQUIRED[kind]):
                continue
            hinted = any(h in hint_key for h in SHEET_HINTS[kind])
            score = (len(columns) + (2 if hinted else 0), -order, -index)
            if best is None or score > best[0]:
                best = (score, Sheet(table.name, kind, index + 1, columns))
    if best is None:
        return None
    sheet = best[1]
    header_cells = [header_key(c) for c in table.rows[sheet.header_row - 1]]
    for number, cells in enumerate(table.rows[sheet.header_row:], start=sheet.header_row + 1):
        if not any(c.strip() for c in cells):
            continue
        if [header_key(c) for c in cells] == header_cells:
            continue  # a header repeated after a page break
        values = {name: (cells[col].strip() if col < len(cells) else "") for name, col in sheet.columns.items()}
        if not any(values.values()):
            continue
        if all(re.fullmatch(r"\d+", v) for v in values.values() if v):
            continue  # a row of column numbers «1 | 2 | 3 | 4»
        sheet.rows.append((number, values))
    return sheet


# --- readers ---------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    return visible(text, lines="\n" in text)  # what Excel and web pages hide in a cell (\x0b, zero-width, marks)


def read_xlsx(data: bytes, limits: FileLimits = DEFAULT_LIMITS) -> list[Table]:
    tables = []
    for title, values in xlsx_tables(data, limits):
        rows = [[_cell(v) for v in row] for row in values]
        while rows and not any(rows[-1]):
            rows.pop()
        tables.append(Table(title, rows))
    return tables


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("mentoring.import.unreadable")


def read_csv(data: bytes, name: str = "CSV", limits: FileLimits = DEFAULT_LIMITS) -> list[Table]:
    text = _decode(data)
    sample = text[:4096]
    counts = {d: sample.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    return [Table(name, [[_cell(v) for v in row] for row in csv_rows(text, limits, delimiter)])]


def read_tables(data: bytes, filename: str, limits: FileLimits = DEFAULT_LIMITS) -> list[Table]:
    if len(data) > limits.max_bytes:
        raise FileRejected("uploads.too_big", limit_mb=limits.max_bytes // (1024 * 1024))
    lower = (filename or "").lower()
    if lower.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return read_xlsx(data, limits)
    if lower.endswith((".csv", ".txt", ".tsv")):
        return read_csv(data, filename.rsplit("/", 1)[-1], limits)
    raise DomainError("mentoring.import.bad_format")


def read_sheets(data: bytes, filename: str, limits: FileLimits = DEFAULT_LIMITS) -> list[Sheet]:
    """Every recognised table of the file. Untrusted files: run it through `uploads.sandbox.run_untrusted`."""
    sheets = [sheet for sheet in (recognise(t) for t in read_tables(data, filename, limits)) if sheet is not None]
    if not sheets:
        raise DomainError("mentoring.import.nothing_recognised")
    return sheets
