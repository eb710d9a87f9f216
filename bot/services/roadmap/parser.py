"""Roadmap file → :class:`Roadmap`: tables, sections, events with periods and kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.i18n import plain

from bot.services.uploads.limits import FileLimits

from .columns import ColumnMap, Header, Reading, is_column_numbers, is_repeated_header, read_columns
from .dates import YearContext, date_profile, detect_year_context, last_written_year, parse_when
from .kinds import classify
from .model import RawDocument, RawRow, RawTable, Roadmap, RoadmapRow, When
from .readers import read_document
from .text import clean, first_letter, norm

# «1. Этап – …», «I. …», «А. …», «Раздел 2. …», «Блок …», «Направление: …»
_SECTION_RE = re.compile(
    r"^(?:(?:\d+|[ivxlc]+)\s*[.)]?\s*)?(?:этап|раздел|блок|модуль|направление\s*:)"
    r"|^[ivxlc]+\s*[.)]\s+\S"
)
_STAGE_END_RE = re.compile(r"\bэтап$")  # «Подготовительный этап (август – сентябрь)»
_STAGE_START_RE = re.compile(r"^(?:(?:\d+|[ivxlc]+)\s*[.)]?\s*)?(?:этап|раздел)\s*(?:\d+|[ivxlc]+)?\s*[.:)-]")
_PARENTHESES_RE = re.compile(r"\([^()]*\)")
_LETTERED_RE = re.compile(r"^[А-ЯЁ]\s*[.)]\s+(?:[А-ЯЁ][а-яё]|[«\"])")  # «А. Учебные мероприятия», not «А. С. Пушкин»
_NUMBERED_HEAD_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s*[^\d\s.]")  # «1.1. Создание …» in one cell
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)*\.?$|^[ivxlc]+\.?$")
# «II», «А.», «б)» alone in the number cell: the number of a section, not of an activity
_SECTION_NUMBER_RE = re.compile(r"^(?:[ivxlc]{1,6}|[а-я])\s*[.)]?$")
_TOP_NUMBER_RE = re.compile(r"^(\d+)\.?$")
_SIGNATURE = r"исполнитель\s*:.*|подпись.*|тел\.?\s*[:\d(].*|м\.\s*п\.?|председатель\b.*|начальник\b.*|и\.\s*о\.\s.*"
_NOISE_RE = re.compile(rf"^(?:\d{{1,3}}|стр\.?\s*\d+|-\s*\d+\s*-|\d+\s*из\s*\d+|{_SIGNATURE})$")
# «Председатель комитета … | Е.В. Бокова»: a signature spread over several cells, no number, no dates
_SIGNATURE_RE = re.compile(rf"^(?:{_SIGNATURE})$")
# «Директор МБОУ «Луговская СОШ» | Н.В. Орлова»: a post beside a name, no number, no date.
_POST_RE = re.compile(r"^(?:директор|заместитель|руководитель|заведующ|начальник|председатель|и\.\s*о\.|врио|глава)\b")
# «Всего мероприятий: 9», «Итого: 10»: a count under the plan, not an activity.
_TOTAL_RE = re.compile(r"^(?:итого|всего)\b")
_NAME_RE = re.compile(r"[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+|[А-ЯЁ][а-яё]+\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.")
_TITLE_SKIP_RE = re.compile(r"^(?:приложение|к приказу|к распоряжению|к постановлению|от \d|утвержд|№\s*\d)")
_TITLE_START_RE = re.compile(
    r"^(?:(?:муниципальн|регионал|городск|районн)\w*\s+)?(?:дорожн|план|программ|график|мероприяти|перечень)"
)
_TITLE_MAX_LINES = 4
_PLACEHOLDER_RE = re.compile(r"^[\s\-\u2012-\u2015\u2212_.х]*$")  # «—», «-», «х»: a cell left empty on purpose
_CONTINUATION_PUNCT = ",;:)-"


@dataclass
class _Line:
    """One table row read through the column map."""

    cells: list[str]
    spans: bool
    number: str
    title: str
    dates: str  # as written, only stripped
    responsible: str
    result: str
    indicator: str
    audience: str
    form: str  # the form of work («Практикум»): a hint for the kind
    document: str  # «Вид документа»: kept with the result, never the kind
    stage: str
    month: str  # a «Месяц» column beside the dates: the fallback when the date cell is not a date
    details: str  # «Содержание деятельности» beside the title

    @property
    def texts(self) -> list[str]:
        """Distinct non-empty cell texts, in column order."""
        return list(dict.fromkeys(c for c in self.cells if c))


@dataclass
class _TableState:
    columns: ColumnMap
    width: int
    ctx: YearContext


@dataclass
class _Builder:
    year: int | None
    events: list[RoadmapRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    section: str | None = None
    hint_year: int | None = None
    noise_rows: int = 0
    title_lines: list[str] | None = None  # the document title: the lines above its first table
    columns: list[dict[str, Any]] = field(default_factory=list)  # how each table was read
    period: YearContext | None = None  # the first dated table's period
    dated: bool = False  # a row of the current plan has been dated (a school year's August comes after it)

Roles = dict[int, dict[int, str]]  # table index → column → role, as the coordinator chose


def parse_roadmap(
    source: Path | bytes,
    filename: str | None = None,
    year: int | None = None,
    roles: Roles | None = None,
    limits: FileLimits | None = None,
) -> Roadmap:
    """Parse a roadmap file (DOCX, XLSX, XLS, ODT, ODS, CSV). ``year`` is used only if the document names no
    period; ``roles`` fixes the role of columns the coordinator chose; ``limits`` bound what is read."""
    raw = read_document(source, filename, limits)
    roadmap = build_roadmap(raw, year, roles)
    if not roadmap.title and (filename or isinstance(source, Path)):
        roadmap.title = Path(filename or str(source)).stem
    return roadmap


def roadmap_to_json(path: str | Path, year: int | None = None) -> dict[str, Any]:
    """What ``main.py roadmap parse FILE [--year] --json`` prints: title, events and how the columns were read."""
    return parse_roadmap(Path(path), year=year).to_json(with_columns=True)


def build_roadmap(raw: RawDocument, year: int | None = None, roles: Roles | None = None) -> Roadmap:
    builder = _Builder(year)
    previous: _TableState | None = None
    for index, table in enumerate(raw.tables, 1):
        previous = _read_table(raw, table, index, previous, builder, (roles or {}).get(index - 1))
    if not builder.events and not builder.warnings:
        builder.warnings.append(plain("roadmap.warnings.no_tables"))
    if builder.noise_rows:
        builder.warnings.append(plain("roadmap.warnings.noise_rows", count=builder.noise_rows))
    period = builder.period
    return Roadmap(builder.title, builder.events, builder.warnings, builder.columns,
                   _period_json(period) if period is not None else None)


def _period_json(ctx: YearContext) -> dict[str, Any] | None:
    if ctx.kind == "none":
        return None
    return {"kind": ctx.kind, "first": ctx.first_year, "last": ctx.last_year}


def _read_table(
    raw: RawDocument, table: RawTable, index: int, previous: _TableState | None, builder: _Builder,
    overrides: dict[int, str] | None = None,
) -> _TableState | None:
    reading = read_columns(table.rows, overrides)
    header = reading.header
    name = table.name or plain("roadmap.table.table", number=index)
    if header is None:
        if previous is not None and not overrides and _continues(table, previous):
            _read_rows(table.rows, previous, None, builder)  # the table goes on after a page break
            return previous
        builder.warnings.append(_not_placed(name, reading))
        if reading.labels:
            builder.columns.append(_columns_json(index, name, reading, read=False))
        return None
    builder.columns.append(_columns_json(index, name, reading, read=True))
    above = [text for row in table.rows[: header.row_index] for text in _distinct(row)]
    titled = bool(table.caption or above)
    if titled or previous is None:
        # A sheet with a heading but no year of its own («Направление «учитель – учителю»») takes the
        # document's: its title (DOCX paragraphs, else the rows above the first table), the nearest line first.
        if builder.title_lines is None:
            builder.title_lines = raw.title_lines or [*table.caption, *above]
        lines = list(dict.fromkeys([*builder.title_lines, *table.caption, *above]))
        ctx = detect_year_context(lines, builder.year)
        builder.section = None  # a new titled table starts its own sections
        builder.dated = False
    else:
        ctx = previous.ctx  # the header repeated after a page break: the same table goes on
    if ctx.kind == "none" and (titled or previous is None):
        builder.warnings.append(plain("roadmap.warnings.no_doc_year", name=name))
    if not builder.title:
        builder.title = _pick_title([*table.caption, *above])
    if builder.period is None or builder.period.kind == "none":
        builder.period = ctx
    state = _TableState(header.columns, len(table.rows[0].cells), ctx)
    _read_rows(table.rows[header.row_index + header.rows_used :], state, header, builder)
    return state


def _columns_json(index: int, name: str, reading: Reading, *, read: bool) -> dict[str, Any]:
    """How a table's columns were read: for ``roadmap parse --json`` and the import chat."""
    return {"table": index, "name": name, "read": read,
            "columns": [{"column": column + 1, "header": clean(label), "role": role}
                        for column, (label, role) in enumerate(zip(reading.labels, reading.roles, strict=True))]}


def _not_placed(name: str, reading: Reading) -> str:
    """A table that is not read is reported with what was understood of it."""
    understood = [f"{plain('roadmap.roles.' + role)} — «{clean(label)}»"
                  for label, role in zip(reading.labels, reading.roles, strict=True) if role and role != "skip" and label]
    missing = ", ".join(plain("roadmap.roles." + role) for role in reading.missing) or plain("roadmap.roles.title")
    if understood:
        return plain("roadmap.warnings.not_placed", name=name, missing=missing, understood="; ".join(understood))
    return plain("roadmap.warnings.no_columns", name=name)


def _continues(table: RawTable, previous: _TableState) -> bool:
    return not table.caption and bool(table.rows) and len(table.rows[0].cells) == previous.width


def _distinct(row: RawRow) -> list[str]:
    return list(dict.fromkeys(clean(c) for c in row.cells if clean(c)))


def _pick_title(lines: list[str]) -> str:
    """The heading right above the table: «План мероприятий …», «Дорожная карта …»."""
    kept = [clean(x) for x in lines if clean(x) and not _TITLE_SKIP_RE.match(norm(x))][-_TITLE_MAX_LINES:]
    for start, line in enumerate(kept):
        if _TITLE_START_RE.match(norm(line)):
            return " ".join(kept[start:])
    return " ".join(kept[-2:])


# -- rows ---------------------------------------------------------------------


def _read_rows(rows: list[RawRow], state: _TableState, header: Header | None, builder: _Builder) -> None:
    lines = [line for row in rows if (line := _keep(row, state, header, builder)) is not None]
    for position, line in enumerate(lines):
        if line.stage:  # a stage written once at its first row (not merged down) goes on until the next one
            builder.section = line.stage
            if not line.texts:
                continue
        section = _section_of(line, lines[position + 1 :], state.columns)
        if section is not None:
            builder.section = section
        elif _is_continuation(line, builder):
            _merge_into(builder.events[-1], line)
        else:
            builder.events.append(_event(line, state, builder))


def _keep(row: RawRow, state: _TableState, header: Header | None, builder: _Builder) -> _Line | None:
    """The row as a _Line, or None for empty rows, repeated headers, column numbers and noise."""
    if header is not None and is_repeated_header(row, header):
        return None
    if is_column_numbers(row):
        return None
    line = _line(row, state.columns)
    texts = line.texts
    if not texts and line.stage:
        return line  # a row naming only the stage
    lone_noise = len(texts) == 1 and _NOISE_RE.match(norm(texts[0]))
    if not texts or lone_noise or _is_signature(line) or _is_total(line):
        builder.noise_rows += bool(texts)
        return None
    return line


def _is_signature(line: _Line) -> bool:
    """A signature row: its first text is a post or «Исполнитель: …», with no number and no date in it."""
    texts = line.texts
    if len(texts) < 2 or _NUMBER_RE.match(norm(line.number)) or any(ch.isdigit() for ch in line.dates):
        return False
    first = norm(texts[0])
    return bool(_SIGNATURE_RE.match(first)) or (
        bool(_POST_RE.match(first)) and any(_NAME_RE.fullmatch(t.strip(" _")) for t in texts[1:])
    )


def _is_total(line: _Line) -> bool:
    """A totals row: «Всего мероприятий: 9» with no number of its own and no date."""
    numbered = bool(_NUMBER_RE.match(norm(line.number)))
    return not numbered and not line.dates and bool(_TOTAL_RE.match(norm(line.texts[0])))


def _line(row: RawRow, columns: ColumnMap) -> _Line:
    cells = [clean(c) for c in row.cells]

    title = cells[columns.title] if columns.title < len(cells) else ""

    def cell(index: int | None) -> str:
        text = cells[index] if index is not None and index < len(cells) else ""
        # A title merged across the row («1. | Этап 1 ⟶») repeats in the cells it covers: they hold nothing.
        return "" if text and text == title and index != columns.title else text

    responsible = "; ".join(dict.fromkeys(cell(i) for i in columns.responsible if cell(i)))
    details = " ".join(dict.fromkeys(cell(i) for i in columns.details if cell(i)))
    dates = row.cells[columns.dates].strip() if columns.dates < len(row.cells) and cell(columns.dates) else ""
    end = cell(columns.dates_end)
    if end and _PLACEHOLDER_RE.match(dates):  # «—» · «01.03.2026»: no start, a deadline
        dates = ""
    if end and end != clean(dates):  # «10.03.2025» · «14.03.2025» in two columns → one period
        dates = f"{dates} – {end}" if dates else f"{plain('roadmap.period.until', date=end)}"
    # The stage and month columns mark groups of rows, and notes («выполнено») are not content: leave them out
    # of the row's own texts.
    aside = {columns.stage, columns.month, *columns.notes}
    own = [c if i not in aside else "" for i, c in enumerate(cells)]
    return _Line(
        own, row.spans_table, cell(columns.number), cell(columns.title), dates, responsible,
        cell(columns.result), cell(columns.indicator), cell(columns.audience), cell(columns.form),
        cell(columns.document), cell(columns.stage), cell(columns.month), details,
    )  # fmt: skip


def _section_of(line: _Line, following: list[_Line], columns: ColumnMap) -> str | None:
    texts = line.texts
    if len(texts) == 1:
        return _single_text_section(line, texts[0], columns, following)
    if line.title and following and _is_stage_heading(line, following):  # its date is the stage's span
        return _section_label(line)
    if line.dates or line.responsible or line.result:
        return None
    if line.title and _is_section_text(line.title):
        return clean(f"{line.number} {line.title}")
    if line.title and _SECTION_NUMBER_RE.match(norm(line.number)):  # «II | Методическое сопровождение», «Б | …»
        return _section_label(line)
    top = _TOP_NUMBER_RE.match(line.number)
    if top and line.title and _next_number_is_child(top.group(1), following):
        return clean(f"{line.number} {line.title}")
    return None


def _section_label(line: _Line) -> str:
    if _SECTION_NUMBER_RE.match(norm(line.number)):  # «II», «Б)» → «II. …», «Б. …»
        return clean(f"{line.number.rstrip('.)')}. {line.title}")
    return clean(f"{line.number} {line.title}")


def _is_stage_heading(line: _Line, following: list[_Line]) -> bool:
    """«Подготовительный этап | август – сентябрь», «Этап 1. … | сентябрь», «II | Методическая поддержка | 2026–2028
    гг.» or «1. | Организационные меры | в течение года» over «1.1»: a stage with the span of its rows, not an
    activity («Региональный этап конкурса» is one)."""
    title = _PARENTHESES_RE.sub("", norm(line.title)).strip(" .:")
    if (_STAGE_END_RE.search(title) and ":" not in title) or _STAGE_START_RE.match(title):  # not «ВсОШ: школьный этап»
        return True
    if line.responsible or line.result:
        return False
    if _SECTION_NUMBER_RE.match(norm(line.number)):  # «II | Методическая поддержка | 2026–2028 гг.» over «3», «4»
        return _next_is_numbered(following)
    top = _TOP_NUMBER_RE.match(line.number)
    return bool(top) and _next_number_is_child(top.group(1), following)


def _is_section_text(text: str) -> bool:
    return bool(_SECTION_RE.match(norm(text)) or _LETTERED_RE.match(clean(text)))


def _next_is_numbered(following: list[_Line]) -> bool:
    return bool(following) and bool(_NUMBER_RE.match(norm(following[0].number)))


def _single_text_section(line: _Line, text: str, columns: ColumnMap, following: list[_Line]) -> str | None:
    filled = sum(1 for c in line.cells if c)
    lowered = norm(text)
    if line.spans or filled > 1 or _is_section_text(text) or _NUMBERED_HEAD_RE.match(lowered):
        return text
    in_number_column = columns.number is not None and line.number == text
    if in_number_column and not _NUMBER_RE.match(lowered):
        return text
    # A heading without a number over numbered rows («Организационная работа» above «1.1»).
    if line.title == text and columns.number is not None and not line.number and _next_is_numbered(following):
        return text if not first_letter(text).islower() and first_letter(text) not in _CONTINUATION_PUNCT else None
    return None


def _next_number_is_child(top: str, following: list[_Line]) -> bool:
    """«1.» followed by «1.1»: the first is a heading of the second."""
    for line in following:
        if line.number:
            return line.number.startswith(f"{top}.") and len(line.number.rstrip(".")) > len(top)
    return False


def _is_continuation(line: _Line, builder: _Builder) -> bool:
    """A row split by a page break: no number, no dates, text going on from the row before."""
    if not builder.events or line.number or line.dates:
        return False
    if not line.title:
        return True
    first = first_letter(line.title)
    return first.islower() or first in _CONTINUATION_PUNCT


def _merge_into(event: RoadmapRow, line: _Line) -> None:
    event.title = _join(event.title, line.title)
    event.responsible = _join(event.responsible, line.responsible) or None
    event.expected_result = _join(event.expected_result, line.result) or None
    event.indicator = _join(event.indicator, line.indicator) or None
    event.audience = _join(event.audience, line.audience) or None


def _join(left: str | None, right: str) -> str:
    return clean(f"{left or ''} {right}")


def _when(line: _Line, ctx: YearContext) -> tuple[str, When]:
    """The date cell; when it is not a date («по индивидуальному графику», «12–23»), the month column decides."""
    when = parse_when(line.dates, ctx)
    if when.periods or when.recurrence is not None or not line.month or line.month == line.dates:
        return line.dates, when
    if line.dates:
        joined = parse_when(f"{line.dates} {line.month}", ctx)  # «12 – 23» + «май»
        if joined.periods:
            return f"{line.dates} ({plain('roadmap.month_column')}: {line.month})", joined
    by_month = parse_when(line.month, ctx)
    if not by_month.periods:
        return line.dates, when
    shown = f"{line.dates} ({plain('roadmap.month_column')}: {line.month})" if line.dates else line.month
    return shown, by_month


def _is_month_heading(section: str | None) -> bool:
    """«ЯНВАРЬ», «Март – апрель 2026 г.»: a section that is nothing but months heads the rows of that month."""
    if not section:
        return False
    share, precision = date_profile(section)
    return share >= 1.0 and precision == "month"


def _event(line: _Line, state: _TableState, builder: _Builder) -> RoadmapRow:
    ctx = state.ctx.with_hint(builder.hint_year)
    if not builder.dated:
        ctx = ctx.opening()
    if not line.month and _is_month_heading(builder.section):
        line = replace(line, month=builder.section or "")  # «по графику» under «МАРТ» is in March
    shown, when = _when(line, ctx)
    builder.dated = builder.dated or bool(when.periods)
    builder.hint_year = last_written_year(shown) or builder.hint_year
    warnings = list(when.warnings)
    title = line.title or line.details
    if not title:
        warnings.append(plain("roadmap.warnings.no_title"))
    number = line.number.rstrip(". ") or None
    if number is not None and not _NUMBER_RE.match(norm(number)):
        warnings.append(plain("roadmap.warnings.odd_number", number=number))
    return RoadmapRow(
        number=number,
        section=line.stage or builder.section,
        title=title,
        kind=classify(title, line.form),
        when=shown,
        periods=when.periods,
        recurrence=when.recurrence,
        responsible=line.responsible or None,
        expected_result="; ".join(dict.fromkeys(x for x in (line.result, line.document) if x)) or None,
        indicator=line.indicator or None,
        audience=line.audience or None,
        warnings=warnings,
    )
