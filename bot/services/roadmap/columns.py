"""Which column is which, decided by evidence: the header's words *and* what the column holds.

Every column gets a score for every role (number, title, dates, month, stage, responsible, result, document,
form of work, indicator, audience, details, note): from its header label (a vocabulary of the words roadmaps
use, strongest for the exact names) plus from the cells under it — how date-like they are, how long, how
often a value repeats down the rows (a stage merged over several rows), whether they name people or posts,
documents, or forms of work. Roles are then given greedily, best score first, one column per role (several
for responsible, details and notes). The title is the column of distinct activity names; a second such
column («Содержание деятельности» beside «Мероприятия») becomes the details. A coordinator's choice for a
column (``overrides``) is fixed before the rest is placed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .dates import date_profile
from .kinds import EVENT_KINDS, classify
from .model import RawRow
from .text import norm, unhyphenate

ROLES: tuple[str, ...] = ("number", "title", "dates", "dates_end", "month", "stage", "responsible", "result", "document",
                          "form", "indicator", "audience", "details", "note")  # fmt: skip
MULTI_ROLES = frozenset({"responsible", "details", "note"})
SKIP = "skip"  # a coordinator's «не использовать»

# (role, pattern on the normalised label, weight). The strongest matching pattern of a role counts.
_HEADER_WORDS: list[tuple[str, str, float]] = [
    ("number", r"^(?:№|n|no|номер|нпп)(?:\s*п\s*/?\s*п)?$|^п\s*/\s*п$|^№\s*п\s*/\s*п|^n\s*п\s*/\s*п", 3.5),
    ("title", r"^(?:наименование|название|перечень)\s+(?:мероприят|меропр|работ|тем|мер\b|действ|деятельност)", 3.5),
    ("title", r"^мероприяти|^тема\b|^темы\b|^тематика", 3.5),
    ("title", r"^содержание\s+(?:мероприят|деятельност|работ)|^направлени[яе]\s+(?:деятельност|работ)", 2.6),
    ("title", r"\bмероприяти[яей]\b|\bмероприятие\b", 2.2),
    ("title", r"^(?:наименование|название)$", 2.2),
    ("title", r"^(?:наименование|название)\b|^задач|^меры\b|^действи|^что\b", 1.5),
    ("details", r"^(?:содержание|описание|краткое\s+содержание|краткая\s+характеристика|примерный\s+план|пояснени)",
     2.5),
    ("dates", r"^(?:сроки?|дата|даты|период|время|когда|календарн|график|плановый\s+срок|контрольн\w*\s+срок)\b",
     3.5),
    ("dates", r"\b(?:сроки?|дата|даты|период\w*)\b", 2.2),
    ("month", r"^месяц|^месяцы", 3.6),
    # «Дата начала · Дата окончания», «Сроки» over «начало · окончание»: the second is where a period ends
    ("dates_end", r"^(?:(?:дата|даты|сроки?)(?:\s+[а-я]+){0,2}\s+)?(?:окончани|завершени)\w*(?:\s+(?:мероприяти\w*|работ\w*|срока))?$"
                  r"|^конец$|^по$", 3.8),
    ("stage", r"^(?:наименование|название)\s+(?:этап|раздел|блок|модул|направлени)", 3.8),
    ("stage", r"^(?:этап|этапы|раздел|блок|модуль)\b", 3.5),
    ("stage", r"^направлени[ея]$", 1.8),
    ("responsible", r"^(?:ответствен|отв\.|исполнител|соисполнител|организатор|кто\s+(?:проводит|отвечает)"
                    r"|координатор|куратор|ответств)", 3.5),
    ("responsible", r"ответствен|исполнител", 2.2),
    ("result", r"^(?:(?:ожидаем|планируем|прогнозируем|конечн|достигнут)\w*\s+)?результат", 3.4),
    ("result", r"^(?:итог|эффект|продукт)", 2.2),
    ("document", r"^(?:вид|форма|тип)\s+(?:итогового\s+)?(?:документ|отч[её]т|представлени)", 3.7),
    ("document", r"документ|отч[её]тност|форма\s+отч[её]т", 2.6),
    ("form", r"^(?:форма|формы|формат)(?:\s+(?:работы|проведения|мероприяти\w*|организации|реализации|"
             r"взаимодействия|занятия|деятельности))?$", 3.6),
    ("form", r"^(?:вид|тип|виды)\s+(?:мероприяти|работ|занят|деятельност)", 3.4),
    ("form", r"^форм[аы]\b", 2.2),
    ("indicator", r"^(?:показател|индикатор|целев\w*\s+(?:значени|показател)|критери)", 3.5),
    ("audience", r"^(?:участник|целев\w*\s+аудитори|аудитори|категори|для\s+кого|кто\s+участвует|адресат)", 3.4),
    ("note", r"^(?:примечани|отметк|комментари|статус|выполнени|информация\s+о\s+выполнени|место\b|место\s+провед)",
     3.4),
    ("note", r"^(?:должност|фио\b|ф\.\s*и\.\s*о|телефон|тел\.|e-?mail|адрес|контакт|сайт|ссылк)", 3.0),
]
_HEADER_RES = [(role, re.compile(pattern), weight) for role, pattern, weight in _HEADER_WORDS]
_HEADER_SEARCH_ROWS = 25
_SAMPLE_ROWS = 80
_ACCEPT = 2.0  # the least score that places a column
_COLUMN_NUMBER_RE = re.compile(r"^\d{1,2}\.?$")
_NUMBER_CELL_RE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){0,3}\.?|[ivxlc]{1,6}\.?)$")
_PERSON_RE = re.compile(
    r"^(?:директор|зам\w*|завуч|руководител|методист|куратор|координатор|наставник|учител|педагог|специалист"
    r"|председател|начальник|администрац|управлени|комитет|отдел|центр|имц|иро|ммс|мимс|школ|оо\b|ноо|ооо"
    r"|[мг]?[бка]?оу\b|мбоу|маоу|мкоу|гбоу|гбу|гау|моу|рабоч\w*\s+групп|классн\w*\s+руководител|социальн\w*\s+педагог"
    r"|психолог|логопед|тьютор|советник|главн\w*\s+специалист|ведущ\w*\s+специалист|член\w*|вс[еи]\s|ответствен"
    r"|администраци|лидер|команд|эксперт|министерств|департамент|институт|университет)"
)
_INITIALS_RE = re.compile(r"[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+|[А-ЯЁ][а-яё]+\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.")
_DOCUMENT_RE = re.compile(
    r"^(?:приказ|протокол|положени|справк|аналитическ|отч[её]т|план\b|программ|материал|методическ\w*\s+"
    r"(?:материал|рекомендац|разработк)|резолюци|информаци|сборник|журнал|реестр|баз[аы]\b|карт[аы]\b|решени"
    r"|распоряжени|постановлени|акт\b|презентаци|публикаци|документ|паспорт|перечень|список|график|портфолио"
    r"|сертификат|диплом|лист|рекомендаци|доклад|стать|размещени|локальн|дорожн|мониторингов\w*\s+карт|банк)"
)
_DONE_RE = re.compile(r"^(?:выполнен\w*|не\s+выполнен\w*|исполнен\w*|да|нет|\+|-|–|✓|✔|v|x|проведен\w*|в\s+работе)$")
# What roadmap activities start with: a verbal noun («Разработка», «Организация», «Проведение», «Участие»).
_ACTIVITY_RE = re.compile(r"^[«\"]?[а-яё-]+(?:ние|ния|нье|тие|тия|ция|ции|ка|ки|ство|ж|аж)\b")
_NUMERIC_RE = re.compile(r"^(?:не\s+менее\s+|не\s+более\s+|до\s+|от\s+)?\d+(?:[.,]\d+)?\s*%?(?:\s*(?:чел|ед|шт)\.?)?$")


@lru_cache(maxsize=4096)
def header_scores(label: str) -> dict[str, float]:
    """The header words' vote for each role (only roles with a vote)."""
    text = norm(unhyphenate(label)).strip(" :.*")
    text = re.sub(r"\s*/\s*", "/", text)
    scores: dict[str, float] = {}
    for role, pattern, weight in _HEADER_RES:
        if weight > scores.get(role, 0) and pattern.search(text):
            scores[role] = weight
    if "dates_end" in scores:  # «Дата окончания», «Сроки реализации окончание»: the end, not the start
        scores.pop("dates", None)
    return scores


def field_of(label: str) -> str | None:
    """The role a header label names by its words alone, or None."""
    scores = header_scores(label)
    best = max(scores.items(), key=lambda item: item[1], default=None)
    return best[0] if best and best[1] >= _ACCEPT else None


# -- content -------------------------------------------------------------------------------------------


@dataclass
class Profile:
    """What a column holds, as shares of its non-empty cells (0..1)."""

    filled: float = 0.0
    count: int = 0
    dates: float = 0.0  # date-like
    months: float = 0.0  # months only (no days)
    days: float = 0.0  # day-level dates
    unique: float = 0.0
    repeats: float = 0.0  # equal to the cell above (a value merged down)
    length: float = 0.0  # mean characters
    numbers: float = 0.0  # «1», «1.2.3», «IV»
    people: float = 0.0
    documents: float = 0.0
    forms: float = 0.0  # a short name of a form of work («Консультация», «Практикум»)
    done: float = 0.0  # «выполнено», «+»
    numeric: float = 0.0  # «60», «100%», «не менее 75%»
    activities: float = 0.0  # starting with a verbal noun or naming a kind («Разработка …», «Семинар …»)


def profile(cells: list[str], total_rows: int) -> Profile:
    texts = [c for c in cells if c]
    if not texts:
        return Profile()
    n = len(texts)
    previous = None
    repeats = 0
    for cell in cells:
        if cell and previous is not None and cell == previous:
            repeats += 1
        previous = cell or previous
    dated = [date_profile(t) for t in texts]
    lowered = [norm(t) for t in texts]
    return Profile(
        filled=n / max(1, total_rows),
        count=n,
        dates=sum(d[0] for d in dated) / n,
        months=sum(1 for d in dated if d[1] == "month") / n,
        days=sum(1 for d in dated if d[1] == "day") / n,
        unique=len(set(texts)) / n,
        repeats=repeats / max(1, n - 1) if n > 1 else 0.0,
        length=sum(len(t) for t in texts) / n,
        numbers=sum(1 for t in lowered if _NUMBER_CELL_RE.match(t)) / n,
        people=sum(_is_person(t) for t in texts) / n,
        documents=sum(1 for t in lowered if _DOCUMENT_RE.match(t)) / n,
        forms=sum(_is_form(t) for t in lowered) / n,
        done=sum(1 for t in lowered if _DONE_RE.match(t)) / n,
        numeric=sum(1 for t in lowered if _NUMERIC_RE.match(t)) / n,
        activities=sum(1 for t in lowered if _ACTIVITY_RE.match(t) or classify(t) != "other") / n,
    )  # fmt: skip


def _is_person(text: str) -> bool:
    parts = [p.strip(" .") for p in re.split(r"[,;\n]|\s+и\s+", text) if p.strip(" .")]
    if not parts:
        return False
    hits = sum(1 for p in parts if _PERSON_RE.match(norm(p)) or _INITIALS_RE.search(p))
    return hits * 2 >= len(parts)


def _is_form(lowered: str) -> bool:
    return len(lowered.split()) <= 5 and classify(lowered) in EVENT_KINDS


def content_scores(p: Profile) -> dict[str, float]:
    """The cells' vote for each role."""
    if not p.count:
        return {}
    short = p.length < 40
    scores = {
        "number": 3.0 * p.numbers if p.length < 8 else 0.0,
        "dates": 3.0 * p.dates,
        "month": 3.0 * p.months if p.days < 0.2 else 0.0,
        "stage": 3.2 * p.repeats if p.repeats >= 0.3 and p.unique < 0.7 and p.dates < 0.5 else 0.0,
        "responsible": 2.6 * p.people,
        "document": 2.4 * p.documents if short else 1.2 * p.documents,
        "form": 2.6 * p.forms if p.length < 25 else 0.0,  # «Практикум», «Консультация»: names of forms are short
        "indicator": 2.0 * p.numeric,
        "note": 2.4 * p.done,
    }
    wordy = min(1.0, p.length / 25)
    plain_text = 1.0 - max(p.dates, p.numbers, p.numeric, p.done)
    title = (2.2 * p.unique * wordy - 1.6 * p.repeats - 1.6 * p.people - 1.4 * p.documents) * plain_text
    scores["title"] = max(0.0, title)
    scores["details"] = max(0.0, title - 0.3) if p.length >= 30 else 0.0
    return scores


# -- the header and the roles -----------------------------------------------------------------------------


@dataclass
class ColumnMap:
    title: int
    dates: int
    dates_end: int | None = None
    number: int | None = None
    month: int | None = None
    stage: int | None = None
    responsible: list[int] = field(default_factory=list)
    result: int | None = None
    document: int | None = None
    form: int | None = None
    indicator: int | None = None
    audience: int | None = None
    details: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)

    @classmethod
    def from_roles(cls, roles: list[str | None]) -> ColumnMap | None:
        found: dict[str, int] = {}
        multi: dict[str, list[int]] = {"responsible": [], "details": [], "note": []}
        for column, role in enumerate(roles):
            if role in multi:
                multi[role].append(column)
            elif role and role != SKIP and role not in found:
                found[role] = column
        if "title" not in found or "dates" not in found:
            return None
        return cls(responsible=multi["responsible"], details=multi["details"], notes=multi["note"], **found)


@dataclass
class Header:
    row_index: int  # index of the first header row in the table (-1: no header row, data from the top)
    rows_used: int  # 2 when a merged group header has sub-headers under it
    columns: ColumnMap
    signature: tuple[str | None, ...]  # field of each column, to spot repeated headers
    texts: tuple[tuple[str, ...], ...] = ()  # the header rows as printed, normalised
    labels: tuple[str, ...] = ()  # each column's header, as printed
    roles: tuple[str | None, ...] = ()  # each column's role


@dataclass
class Reading:
    """How a table was read, also when it could not be placed: for the warning and the chat."""

    header: Header | None
    labels: list[str]
    roles: list[str | None]
    missing: list[str]  # «title», «dates»: what could not be found


def read_columns(rows: list[RawRow], overrides: dict[int, str] | None = None) -> Reading:
    """Find the header row and give each column a role; ``overrides`` (column → role) are the coordinator's."""
    overrides = overrides or {}
    candidates = _header_candidates(rows)
    best: Reading | None = None
    for index in candidates:
        labels, used = _labels(rows, index)
        roles = assign(labels, _sample(rows, index + used, len(labels)), overrides)
        reading = _reading(rows, index, used, labels, roles)
        if reading.header is not None:
            return reading
        if best is None or len(reading.missing) < len(best.missing):
            best = reading
    if best is None and overrides and rows:  # the coordinator placed columns of a table without a header
        width = len(rows[0].cells)
        roles = assign([""] * width, _sample(rows, 0, width), overrides)
        best = _reading(rows, -1, 1, [""] * width, roles)
    return best or Reading(None, [], [], ["title", "dates"])


def find_header(rows: list[RawRow], overrides: dict[int, str] | None = None) -> Header | None:
    return read_columns(rows, overrides).header


def _reading(rows: list[RawRow], index: int, used: int, labels: list[str], roles: list[str | None]) -> Reading:
    columns = ColumnMap.from_roles(roles)
    missing = [role for role in ("title", "dates") if role not in roles]
    if columns is None:
        return Reading(None, labels, roles, missing)
    texts = tuple(_row_text(rows[i]) for i in range(index, index + used)) if index >= 0 else ()
    signature = tuple(field_of(x) for x in labels)
    return Reading(Header(index, used if index >= 0 else 0, columns, signature, texts, tuple(labels), tuple(roles)),
                   labels, roles, missing)


def _header_candidates(rows: list[RawRow]) -> list[int]:
    """Rows that look like a header (two or more distinct labels naming roles), most telling first."""
    scored: list[tuple[float, int]] = []
    for index in range(min(len(rows), _HEADER_SEARCH_ROWS)):
        row = rows[index]
        distinct = list(dict.fromkeys(c for c in row.cells if c.strip()))
        if row.spans_table or len(distinct) < 2:
            continue
        named = [header_scores(c) for c in distinct if len(c) < 120 and date_profile(c)[0] < 0.5]
        votes = sum(max(s.values()) for s in named if s and max(s.values()) >= _ACCEPT)
        hits = sum(1 for s in named if s and max(s.values()) >= _ACCEPT)
        # A row of short labels, none a date or a number, is a header even with few known words («Пункт ·
        # Активность · Период · Ведущий»): the content under it decides the rest.
        label_like = all(len(c) < 60 and date_profile(c)[0] < 0.5 and not _NUMBER_CELL_RE.match(norm(c))
                         for c in distinct)
        if hits >= 2 or (label_like and (hits >= 1 or index + 1 < len(rows))):
            scored.append((votes + (0.5 if label_like else 0.0), index))
    # The most telling row first; at a tie the upper one.
    return [index for _, index in sorted(scored, key=lambda item: (-item[0], item[1]))]


def _labels(rows: list[RawRow], index: int) -> tuple[list[str], int]:
    """Header labels; a merged group header («Ответственные») takes its sub-headers' text."""
    top = list(rows[index].cells)
    if index + 1 >= len(rows):
        return top, 1
    below = rows[index + 1].cells
    grouped = any(top[c] and top[c] == top[c + 1] for c in range(len(top) - 1))
    if not grouped and _unmerged_group(top, below):
        # «Ответственные | (empty)» over «муниципальный уровень | школьный уровень» — a CSV, or a table whose
        # group label was not merged: the empty cells belong to the label on their left.
        top = [t or next((x for x in reversed(top[:c]) if x), "") if below[c].strip() else t
               for c, t in enumerate(top)]
        grouped = True
    if not grouped:
        return top, 1
    if is_column_numbers(rows[index + 1]) or sum(1 for b in below if header_scores(b)) == 0 and any(
        date_profile(b)[0] >= 0.5 for b in below
    ):
        return top, 1  # the row below is data, not sub-headers
    labels = [t if not b or b == t else f"{t} {b}" for t, b in zip(top, below, strict=True)]
    return labels, 2


def _unmerged_group(top: list[str], below: list[str]) -> bool:
    """The row below names what is under empty header cells, and holds nothing but short labels, with blanks
    under the labels that span both rows («№ п/п», «Мероприятие»)."""
    if len(below) != len(top):
        return False
    under_blank = [c for c, t in enumerate(top) if c and not t.strip() and below[c].strip() and any(top[:c])]
    filled = [b for b in below if b.strip()]
    blanks_under_labels = any(t.strip() and not b.strip() for t, b in zip(top, below, strict=True))
    return bool(under_blank) and blanks_under_labels and all(
        len(b) < 60 and date_profile(b)[0] < 0.5 and not _NUMBER_CELL_RE.match(norm(b)) for b in filled
    )


def _sample(rows: list[RawRow], start: int, width: int) -> list[list[str]]:
    """Cells of up to _SAMPLE_ROWS data rows below the header, by column (section rows and repeats left out)."""
    columns: list[list[str]] = [[] for _ in range(width)]
    taken = 0
    for row in rows[start:]:
        if taken >= _SAMPLE_ROWS:
            break
        cells = [c.strip() for c in row.cells[:width]] + [""] * max(0, width - len(row.cells))
        distinct = {c for c in cells if c}
        if row.spans_table or len(distinct) < 2 or is_column_numbers(row):
            continue
        for column, cell in enumerate(cells):
            columns[column].append(cell)
        taken += 1
    return columns


def assign(labels: list[str], sample: list[list[str]], overrides: dict[int, str] | None = None) -> list[str | None]:
    """The role of each column: the coordinator's first, then the best-scoring role for each column."""
    overrides = overrides or {}
    width = len(labels)
    roles: list[str | None] = [None] * width
    taken: set[str] = set()
    for column, role in overrides.items():
        if 0 <= column < width:
            roles[column] = role
            if role not in MULTI_ROLES and role != SKIP:
                taken.add(role)
    rows = max((len(c) for c in sample), default=0)
    scored: list[tuple[float, int, str]] = []
    profiles = [profile(sample[c] if c < len(sample) else [], rows) for c in range(width)]
    for column in range(width):
        if roles[column] is not None:
            continue
        votes = header_scores(labels[column]) if labels[column] else {}
        content = content_scores(profiles[column])
        if not profiles[column].count and not votes:
            continue
        # A header that clearly names a role («Должность», «Примечание») leaves other roles to strong content only.
        damp = 0.5 if max(votes.values(), default=0.0) >= 3.0 else 1.0
        for role in ROLES:
            score = votes.get(role, 0.0) + content.get(role, 0.0) * (1.0 if role in votes else damp)
            score -= _contradiction(role, profiles[column])
            if score >= _ACCEPT:
                scored.append((score, column, role))
    for score, column, role in sorted(scored, key=lambda item: (-item[0], item[1], ROLES.index(item[2]))):
        if roles[column] is not None or (role in taken and role not in MULTI_ROLES):
            continue
        if role == "details" and "title" not in taken and _could_be_title(column, scored):
            continue  # a text column is the title before it is anyone's details
        roles[column] = role
        taken.add(role)
    if "dates" not in taken and "month" in taken:  # «Месяц · Тема · Форма работы»: the month is the date
        roles[roles.index("month")] = "dates"
        taken.add("dates")
    if "dates" not in taken and "dates_end" in taken:  # only an end date: it is the date
        roles[roles.index("dates_end")] = "dates"
    if "title" not in taken:
        _fallback_title(roles, profiles)
    return roles


def _could_be_title(column: int, scored: list[tuple[float, int, str]]) -> bool:
    return any(c == column and r == "title" for _, c, r in scored)


def _contradiction(role: str, p: Profile) -> float:
    """Content that rules a role out whatever the header says (a «Срок» column of names, a «№» of sentences)."""
    if p.count < 3:
        return 0.0
    if role in ("dates", "dates_end", "month") and p.dates < 0.3:
        return 2.0
    if role == "title" and (p.dates > 0.6 or p.numbers > 0.6 or p.done > 0.6):
        return 3.0
    if role == "number" and p.numbers < 0.3:
        return 3.0
    if role == "form" and p.documents > 0.5:
        return 2.0  # «Форма завершения»: «Приказ», «Протокол» — what the work produces, not how it is done
    if role == "stage" and p.unique > 0.9 and p.count >= 4:
        return 1.5  # every row a different value: not a stage
    return 0.0


def _fallback_title(roles: list[str | None], profiles: list[Profile]) -> None:
    """No header names the activity: the free column of distinct wordy texts that read as activities (a list
    of people or schools with a date column is not a roadmap)."""
    best, best_score = None, 0.8
    for column, role in enumerate(roles):
        if role not in (None, "details") or profiles[column].activities < 0.3:
            continue
        score = content_scores(profiles[column]).get("title", 0.0)
        if score > best_score:
            best, best_score = column, score
    if best is not None:
        roles[best] = "title"


def is_repeated_header(row: RawRow, header: Header) -> bool:
    """The header printed again on the next page (PDF→DOCX conversions keep it as a row)."""
    if header.row_index >= 0 and _row_text(row) in header.texts:
        return True
    fields = tuple(field_of(cell) for cell in row.cells)
    return sum(f is not None for f in fields) >= 2 and fields == header.signature


def _row_text(row: RawRow) -> tuple[str, ...]:
    return tuple(norm(cell) for cell in row.cells)


def is_column_numbers(row: RawRow) -> bool:
    """A row «1 | 2 | 3 | 4 | 5» numbering the columns under the header."""
    values: list[int] = []
    for cell in row.cells:
        text = cell.strip()
        if not text:
            continue
        if not _COLUMN_NUMBER_RE.match(text):
            return False
        number = int(text.rstrip("."))
        if not values or values[-1] != number:  # merged cells repeat their number
            values.append(number)
    return len(values) >= 2 and values == list(range(1, len(values) + 1))
