"""The mentoring vocabulary: codes stored in the database, and how the words people type map onto them.

Codes are short Latin strings (they travel in callback data); what people see comes from the locale
files (`mentoring.direction.<code>`, `mentoring.kind.<code>` …). Sheets and older records may hold the
Russian words instead («ОГЭ/ЕГЭ», «функциональная грамотность»): `direction_code` reads both.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import catalog
from db.models.core import Network, SchoolStatus, search_key
from db.models.mentoring import LinkForm, LinkKind, LinkStatus

# Mentoring directions (Podporozhye's list) — also the commonest professional deficits.
DIRECTIONS: tuple[str, ...] = ("oge_ege", "vpr", "olymp", "fg", "ovz")
# Further professional deficits named in the seeds' monitoring of «профессиональные затруднения».
EXTRA_DEFICITS: tuple[str, ...] = ("assess", "motiv", "weak", "diff", "manage", "parents", "digital", "young")
DEFICITS: tuple[str, ...] = DIRECTIONS + EXTRA_DEFICITS
MENTOR_TYPES: tuple[str, ...] = ("methodist", "leader", "tutor", "developer")
KINDS: tuple[str, ...] = tuple(k.value for k in LinkKind)
FORMS: tuple[str, ...] = tuple(f.value for f in LinkForm)
STATUSES: tuple[str, ...] = tuple(s.value for s in LinkStatus)
SCHOOL_STATUSES: tuple[str, ...] = tuple(s.value for s in SchoolStatus)
SCHOOL_LEVELS: tuple[int, ...] = (1, 2, 3)
DURATIONS: tuple[int, ...] = (30, 45, 60, 90, 120)
CAPACITIES: tuple[int, ...] = (1, 2, 3, 5, 10)
PEOPLE_KINDS = (LinkKind.LEADER_LEADER.value, LinkKind.TEACHER_TEACHER.value, LinkKind.GROUP.value,
                LinkKind.STUDENT_STUDENT.value)

# Words people write for each code (search keys: lower case, ё→е). A cell matches a code when it
# contains one of them.
_DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "oge_ege": ("огэ", "егэ", "гиа", "oge", "ege", "state exam"),
    "vpr": ("впр", "vpr", "всероссийские проверочные"),
    "olymp": ("олимп", "olymp"),
    "fg": ("функциональн", "фг", "functional literacy"),
    "ovz": ("овз", "ограниченными возможностями", "особыми потребностями", "инклюзив", "sen", "special needs"),
    "assess": ("оценив", "assessment"),
    "motiv": ("мотивац", "motivation"),
    "weak": ("слабоуспевающ", "низкомотивирован", "low achiev"),
    "diff": ("дифференцир", "индивидуализир", "differentiat"),
    "manage": ("управлен", "менеджмент", "management"),
    "parents": ("родител", "parents"),
    "digital": ("цифров", "икт", "дистанцион", "digital"),
    "young": ("молод", "young teacher", "начинающ"),
}
_MENTOR_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "methodist": ("методист", "methodist"),
    "leader": ("лидер", "leader"),
    "tutor": ("тьютор", "tutor"),
    "developer": ("разработчик", "developer"),
}
_FORM_WORDS: dict[str, tuple[str, ...]] = {
    "traditional": ("традицион", "traditional", "классическ"),
    "partner": ("партнер", "равный", "partner", "peer"),
    "group": ("группов", "group"),
    "flash": ("флеш", "flash"),
    "virtual": ("виртуальн", "онлайн", "дистанцион", "virtual"),
    "reverse": ("реверс", "обратн", "reverse"),
    "situational": ("ситуацион", "situational"),
}
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "school_school": ("школа-школ", "школа школ", "школа – школ", "школа - школ", "school"),
    "group": ("учителя", "руководители", "групп", "group"),
    "leader_leader": ("руководител", "директор", "leader", "director"),
    "student_student": ("ученик", "обучающ", "student"),
    "teacher_teacher": ("учитель", "педагог", "teacher"),
}
_SCHOOL_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "shnor": ("шнор", "шнро", "шпро", "нор", "низк", "low result"),
    "shnsu": ("шнсу", "шфнсу", "нсу", "неблагоприятн", "сложных социальн", "difficult"),
    "leader": ("лидер", "стажировоч", "высок", "вор", "leader", "high result"),
    "curator": ("куратор", "curator"),
    "regular": ("обычн", "regular", "нет"),
}


_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "direction": _DIRECTION_WORDS, "mentor_type": _MENTOR_TYPE_WORDS, "form": _FORM_WORDS, "kind": _KIND_WORDS,
    "school_status": _SCHOOL_STATUS_WORDS,
}


def _match(text: str | None, table: str) -> str | None:
    return _match_key(search_key(text), table)


@lru_cache(maxsize=8192)
def _match_key(key: str | None, table: str) -> str | None:
    """Cached: matching runs over every mentor of the network on each suggestion screen."""
    words = _TABLES[table]
    if not key:
        return None
    if key in words:
        return key
    for code, variants in words.items():
        if any(variant in key for variant in variants):
            return code
    return None


def direction_code(text: str | None) -> str | None:
    """«ОГЭ/ЕГЭ», «огэ», "oge_ege" → "oge_ege"; the extra deficits too. None if nothing fits."""
    return _match(text, "direction")


def direction_codes(values: Iterable[str] | str | None) -> list[str]:
    """Codes for a list or a cell («ВПР; олимпиады»), in vocabulary order, each once."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [part for part in _split_cell(values)]
    found = {code for code in (direction_code(value) for value in values) if code}
    return [code for code in DEFICITS if code in found]


def mentor_type_code(text: str | None) -> str | None:
    return _match(text, "mentor_type")


def form_code(text: str | None) -> str | None:
    return _match(text, "form")


def kind_code(text: str | None) -> str | None:
    return _match(text, "kind")


def school_status_code(text: str | None) -> str | None:
    return _match(text, "school_status")


def _split_cell(cell: str) -> list[str]:
    for separator in (";", "\n", "|"):
        cell = cell.replace(separator, ",")
    return [part.strip() for part in cell.split(",") if part.strip()]


# --- subjects ---------------------------------------------------------------------------------------
# Registration stores subjects as words in the person's language («Математика», "Mathematics");
# matching compares codes, so both languages and the usual abbreviations are read.

_SUBJECT_EXTRA = {"матем": "math", "алгебр": "math", "геометр": "math", "рус": "russian", "литер": "literature",
                  "нач": "primary", "иностран": "english", "англ": "english", "немец": "german",
                  "физкульт": "pe", "физическ": "pe", "естеств": "biology", "общест": "social", "истор": "history",
                  "информ": "informatics", "хим": "chemistry", "биол": "biology", "геогр": "geography"}


@lru_cache(maxsize=1)
def _subject_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for language in ("ru", "en"):
        for key, value in catalog(language).items():
            if key.startswith("subjects."):
                table[search_key(value) or ""] = key.split(".", 1)[1]
    return table


def subject_code(text: str | None) -> str | None:
    return _subject_code(search_key(text))


@lru_cache(maxsize=4096)
def _subject_code(key: str | None) -> str | None:
    if not key:
        return None
    table = _subject_table()
    if key in table:
        return table[key]
    if key in table.values():
        return key
    for prefix, code in _SUBJECT_EXTRA.items():
        if key.startswith(prefix):
            return code
    return None


def subject_codes(values: Iterable[str] | str | None) -> set[str]:
    if values is None:
        return set()
    if isinstance(values, str):
        values = _split_cell(values)
    return {code for code in (subject_code(value) for value in values) if code}


def subject_label(code: str, language: str = "ru") -> str:
    return catalog(language).get(f"subjects.{code}", code)


# --- network settings and time ------------------------------------------------------------------------

DEFAULT_QUIET_WEEKS = 3
QUIET_WEEK_CHOICES = (2, 3, 4, 6, 8)
EDIT_WINDOW = timedelta(hours=48)
MORNING = time(9, 0)
EVENING = time(20, 0)


def quiet_weeks(network: Network) -> int:
    """N: a link with no session for N weeks nudges its mentor (network setting `mentoring_quiet_weeks`)."""
    value: Any = (network.settings or {}).get("mentoring_quiet_weeks", DEFAULT_QUIET_WEEKS)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_QUIET_WEEKS


def flag_weeks(network: Network) -> int:
    """After this many weeks without a session the coordinator is told (default: twice N)."""
    value: Any = (network.settings or {}).get("mentoring_flag_weeks")
    try:
        return max(quiet_weeks(network) + 1, int(value))
    except (TypeError, ValueError):
        return quiet_weeks(network) * 2


def zone(network: Network) -> ZoneInfo:
    try:
        return ZoneInfo(network.timezone or "Europe/Moscow")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Moscow")


def local_today(network: Network, now: datetime) -> date:
    return now.astimezone(zone(network)).date()


def polite_time(network: Network, now: datetime) -> datetime:
    """`now` if it is daytime in the network (9:00–20:00), else the next 9:00 there: nudges don't wake people."""
    tz = zone(network)
    local = now.astimezone(tz)
    if MORNING <= local.time() < EVENING:
        return now
    day = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return datetime.combine(day, MORNING, tzinfo=tz).astimezone(now.tzinfo)


def school_year_end(today: date) -> date:
    """31 May of the current school year (September–May)."""
    return date(today.year + 1 if today.month >= 9 else today.year, 5, 31)
