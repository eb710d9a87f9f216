"""Form definitions: typed questions, checking a definition, and checking one answer.

A definition is JSON stored with the form:

    {"intro": "…",                                   optional, shown above the first question
     "questions": [
        {"id": "usefulness", "type": "scale", "text": "…", "required": true, "min": 1, "max": 5},
        {"id": "apply", "type": "text", "text": "…"},
        {"id": "dirs", "type": "multi", "text": "…", "options": ["ОГЭ/ЕГЭ", "ВПР"], "required": false},
        …]}

Types: text, number (min/max), scale (min..max, 1–5 by default), single, multi (min/max = how many may be
chosen), yesno, date. Answers are stored by question id: text → str, number → int/float, scale → int,
single → the option's text, multi → list of option texts, yesno → bool, date → "YYYY-MM-DD".

Problems are reported as `Issue`s (a locale key and values, plus where: a row of a sheet or a question's
number), so the coordinator reads «Строка 4, «тип»: неизвестный тип …» in their language.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.services.errors import DomainError
from bot.services.uploads.limits import quote_cell

QUESTION_TYPES = ("text", "number", "scale", "single", "multi", "yesno", "date")
CHOICE_TYPES = ("single", "multi")
MAX_QUESTIONS = 50
QUESTION_TEXT_LIMIT = 500
HINT_LIMIT = 300
INTRO_LIMIT = 1000
TITLE_LIMIT = 200
OPTION_LIMIT = 100
MIN_OPTIONS, MAX_OPTIONS = 2, 20
SCALE_MAX_SPAN = 10  # 0–10 at most: the buttons still fit a phone
ANSWER_TEXT_LIMIT = 2000
NUMBER_LIMIT = 1e12
ID_RE = re.compile(r"^[a-z0-9_]{1,32}$")

# What a coordinator may write in the «тип» column (lower case, ё → е, spaces squeezed).
TYPE_ALIASES: dict[str, str] = {
    **{name: name for name in QUESTION_TYPES},
    "текст": "text", "строка": "text", "открытый": "text", "открытый вопрос": "text", "свободный ответ": "text",
    "развернутый ответ": "text",
    "число": "number", "числовой": "number", "количество": "number", "integer": "number",
    "шкала": "scale", "оценка": "scale", "рейтинг": "scale", "rating": "scale",
    "один вариант": "single", "один": "single", "выбор": "single", "один из списка": "single",
    "одиночный выбор": "single", "choice": "single", "radio": "single",
    "несколько вариантов": "multi", "несколько": "multi", "множественный выбор": "multi",
    "мультивыбор": "multi", "multiple": "multi", "checkbox": "multi",
    "да/нет": "yesno", "да-нет": "yesno", "да нет": "yesno", "yes/no": "yesno", "bool": "yesno",
    "дата": "date",
}
YES_WORDS = frozenset({"да", "д", "yes", "y", "+", "1", "true", "ага", "конечно"})
NO_WORDS = frozenset({"нет", "н", "no", "n", "-", "0", "false"})
REQUIRED_TRUE = frozenset({"да", "д", "yes", "y", "+", "1", "true", "обязательный", "обязательно", "x", "х", "v"})
REQUIRED_FALSE = frozenset({"нет", "н", "no", "n", "-", "0", "false", "необязательный", "необязательно", ""})


def squeeze(text: Any) -> str:
    return " ".join(str(text).replace("ё", "е").replace("Ё", "Е").split()).lower()


# --- issues ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    key: str  # what is wrong (locale key)
    values: Mapping[str, Any] = field(default_factory=dict)
    where: tuple[str, Mapping[str, Any]] | None = None  # e.g. ("forms.where.row", {"row": 4})
    field: str | None = None  # "text", "type", "options", "required", "min", "max", "id"

    def __post_init__(self) -> None:
        # Values quoted back from the file are cut short: a 100 KB cell must not come back as pages of text.
        object.__setattr__(self, "values", {name: quote_cell(value) for name, value in self.values.items()})


class DefinitionError(DomainError):
    """A definition that can't be used; `issues` says every problem found, not only the first."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__("forms.upload.invalid", count=len(issues))
        self.issues = list(issues)

    def __reduce__(self) -> tuple[Any, ...]:
        # Crosses the upload sandbox's process boundary with its issues (see bot.services.uploads.sandbox).
        return (DefinitionError, (self.issues,))


# --- the model ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    required: bool = True
    options: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    hint: str | None = None

    @property
    def scale_range(self) -> range:
        low = int(self.min if self.min is not None else 1)
        high = int(self.max if self.max is not None else 5)
        return range(low, high + 1)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "text": self.text, "required": self.required}
        if self.options:
            data["options"] = list(self.options)
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        if self.hint:
            data["hint"] = self.hint
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Question:
        return cls(id=str(data["id"]), type=str(data["type"]), text=str(data["text"]),
                   required=bool(data.get("required", True)), options=tuple(data.get("options") or ()),
                   min=data.get("min"), max=data.get("max"), hint=data.get("hint") or None)


@dataclass(frozen=True)
class Definition:
    questions: tuple[Question, ...]
    intro: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"questions": [q.to_json() for q in self.questions]}
        if self.intro:
            data["intro"] = self.intro
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Definition:
        """A stored (already checked) definition."""
        return cls(questions=tuple(Question.from_json(q) for q in data.get("questions") or ()),
                   intro=data.get("intro") or None)

    def index_of(self, question_id: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)

    def __len__(self) -> int:
        return len(self.questions)


# --- checking a definition ------------------------------------------------------------------------

@dataclass
class RawQuestion:
    """One question as written by a person (a sheet row or a YAML mapping), before checking."""

    where: tuple[str, Mapping[str, Any]]
    text: Any = None
    type: Any = None
    options: Any = None
    required: Any = None
    min: Any = None
    max: Any = None
    id: Any = None
    hint: Any = None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    """A number from a cell or a YAML value; None when it isn't one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def split_options(value: Any) -> list[str]:
    """Options from a list, or from one cell: separated by «;», new lines or «|»."""
    if _blank(value):
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value if not _blank(v)]
    else:
        items = re.split(r"[;\n|]", str(value))
    return [" ".join(item.split()) for item in items if item.strip()]


def parse_required(value: Any) -> bool | None:
    if value is None:
        return True  # questions are required unless the coordinator says otherwise
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    word = squeeze(value)
    if word in REQUIRED_TRUE:
        return True
    if word in REQUIRED_FALSE:
        return False
    return None


def build_definition(raw: Sequence[RawQuestion], *, intro: Any = None) -> Definition:
    """Check every question; raise `DefinitionError` listing all problems, or return the definition."""
    issues: list[Issue] = []
    questions: list[Question] = []
    if not raw:
        raise DefinitionError([Issue("forms.def.no_questions")])
    if len(raw) > MAX_QUESTIONS:
        issues.append(Issue("forms.def.too_many_questions", {"count": len(raw), "limit": MAX_QUESTIONS}))
    seen_ids: set[str] = set()
    for number, item in enumerate(raw, start=1):
        question, problems = _check_question(item, number, seen_ids)
        issues.extend(problems)
        if question is not None:
            questions.append(question)
            seen_ids.add(question.id)
    intro_text = None if _blank(intro) else str(intro).strip()
    if intro_text and len(intro_text) > INTRO_LIMIT:
        issues.append(Issue("forms.def.intro_too_long", {"limit": INTRO_LIMIT}))
    if issues:
        raise DefinitionError(issues)
    return Definition(tuple(questions), intro_text)


def _check_question(item: RawQuestion, number: int, seen_ids: set[str]) -> tuple[Question | None, list[Issue]]:
    issues: list[Issue] = []

    def problem(key: str, field_name: str | None = None, **values: Any) -> None:
        issues.append(Issue(key, values, item.where, field_name))

    text = "" if _blank(item.text) else " ".join(str(item.text).split())
    if not text:
        problem("forms.def.no_text", "text")
    elif len(text) > QUESTION_TEXT_LIMIT:
        problem("forms.def.text_too_long", "text", limit=QUESTION_TEXT_LIMIT, length=len(text))

    kind = None
    if _blank(item.type):
        problem("forms.def.no_type", "type")
    else:
        kind = TYPE_ALIASES.get(squeeze(item.type))
        if kind is None:
            problem("forms.def.bad_type", "type", value=str(item.type).strip())

    required = parse_required(item.required)
    if required is None:
        problem("forms.def.bad_required", "required", value=str(item.required).strip())

    qid = f"q{number}"
    if not _blank(item.id):
        qid = str(item.id).strip().lower()
        if not ID_RE.match(qid):
            problem("forms.def.bad_id", "id", value=str(item.id).strip())
    if qid in seen_ids:
        problem("forms.def.duplicate_id", "id", value=qid)

    low = high = None
    for name, value in (("min", item.min), ("max", item.max)):
        if _blank(value):
            continue
        parsed = _number(value)
        if parsed is None or abs(parsed) > NUMBER_LIMIT:
            problem("forms.def.bad_number", name, value=str(value).strip())
        elif name == "min":
            low = parsed
        else:
            high = parsed
    if low is not None and high is not None and low > high:
        problem("forms.def.min_above_max", "min", min=_plain(low), max=_plain(high))

    options = split_options(item.options)
    if kind in CHOICE_TYPES:
        if len(options) < MIN_OPTIONS:
            problem("forms.def.few_options", "options", minimum=MIN_OPTIONS)
        if len(options) > MAX_OPTIONS:
            problem("forms.def.many_options", "options", limit=MAX_OPTIONS, count=len(options))
        for option in options:
            if len(option) > OPTION_LIMIT:
                problem("forms.def.option_too_long", "options", option=option[:40] + "…", limit=OPTION_LIMIT)
        folded = [squeeze(o) for o in options]
        duplicates = sorted({o for o in options if folded.count(squeeze(o)) > 1})
        if duplicates:
            problem("forms.def.duplicate_option", "options", option=duplicates[0])
    elif options and kind is not None:
        problem("forms.def.options_not_used", "options")

    if kind == "scale":
        low = 1 if low is None else low
        high = 5 if high is None else high
        if not float(low).is_integer() or not float(high).is_integer():
            problem("forms.def.scale_whole", "min")
        elif not 1 <= high - low <= SCALE_MAX_SPAN:
            problem("forms.def.scale_span", "max", span=SCALE_MAX_SPAN)
    if kind == "multi":
        for name, value in (("min", low), ("max", high)):
            if value is not None and (not float(value).is_integer() or value < 0 or value > max(len(options), 1)):
                problem("forms.def.multi_bounds", name, count=len(options))
    if kind == "text":
        if high is not None and not 1 <= high <= ANSWER_TEXT_LIMIT:
            problem("forms.def.text_bounds", "max", limit=ANSWER_TEXT_LIMIT)
        if low is not None and not 0 <= low <= (high or ANSWER_TEXT_LIMIT):
            problem("forms.def.text_bounds", "min", limit=ANSWER_TEXT_LIMIT)
    if kind in ("yesno", "date") and (low is not None or high is not None):
        problem("forms.def.bounds_not_used", "min")

    hint = None if _blank(item.hint) else " ".join(str(item.hint).split())
    if hint and len(hint) > HINT_LIMIT:
        problem("forms.def.hint_too_long", "hint", limit=HINT_LIMIT)

    if issues or kind is None or required is None:
        return None, issues
    return Question(id=qid, type=kind, text=text, required=required, options=tuple(options),
                    min=None if low is None else _plain(low), max=None if high is None else _plain(high),
                    hint=hint), []


def check_definition(data: Mapping[str, Any]) -> Definition:
    """Re-check a definition given as stored JSON (templates, tests)."""
    raw = [RawQuestion(where=("forms.where.question", {"n": n}), text=q.get("text"), type=q.get("type"),
                       options=q.get("options"), required=q.get("required"), min=q.get("min"),
                       max=q.get("max"), id=q.get("id"), hint=q.get("hint"))
           for n, q in enumerate(data.get("questions") or [], start=1)]
    return build_definition(raw, intro=data.get("intro"))


# --- checking one answer --------------------------------------------------------------------------

class AnswerError(DomainError):
    """The answer doesn't fit the question; the person stays on it and reads why."""


DATE_RE = re.compile(r"^(\d{1,2})[./\-](\d{1,2})(?:[./\-](\d{2}|\d{4}))?\.?$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
RELATIVE_DAYS = {"сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2}


def parse_date(text: str, today: date) -> date:
    """ДД.ММ.ГГГГ, ДД.ММ.ГГ, ДД.ММ (this year), ГГГГ-ММ-ДД, «сегодня», «вчера», «позавчера»."""
    word = squeeze(text).rstrip(".")
    if word in RELATIVE_DAYS:
        return today - timedelta(days=RELATIVE_DAYS[word])
    iso = ISO_DATE_RE.match(word)
    match = DATE_RE.match(word.replace(" ", ""))
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if match:
            day, month, year = match.groups()
            full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
            return date(full_year, int(month), int(day))
    except ValueError:
        raise AnswerError("forms.answer.no_such_date", value=text.strip()) from None
    raise AnswerError("forms.answer.bad_date")


def _bounds_error(q: Question, low: float | None, high: float | None, key: str) -> AnswerError:
    if low is not None and high is not None:
        return AnswerError(f"{key}_between", min=_fmt_number(low), max=_fmt_number(high))
    if low is not None:
        return AnswerError(f"{key}_at_least", min=_fmt_number(low))
    return AnswerError(f"{key}_at_most", max=_fmt_number(high or 0))


def _fmt_number(value: float | int) -> str:
    return f"{_plain(float(value)):g}".replace(".", ",") if isinstance(value, float) else str(value)


def parse_typed(q: Question, text: str, today: date) -> Any:
    """A typed answer to `q`, checked; raises `AnswerError` with a clear reason."""
    raw = (text or "").strip()
    if not raw:
        raise AnswerError("forms.answer.empty")
    if q.type == "text":
        value = raw
        limit = int(q.max) if q.max is not None else ANSWER_TEXT_LIMIT
        if len(value) > limit:
            raise AnswerError("forms.answer.too_long", limit=limit, length=len(value))
        if q.min is not None and len(value) < int(q.min):
            raise AnswerError("forms.answer.too_short", minimum=int(q.min))
        return value
    if q.type == "number":
        number = _number(raw)
        if number is None or abs(number) > NUMBER_LIMIT:
            raise AnswerError("forms.answer.not_a_number")
        if (q.min is not None and number < q.min) or (q.max is not None and number > q.max):
            raise _bounds_error(q, q.min, q.max, "forms.answer.number")
        return _plain(number)
    if q.type == "scale":
        number = _number(raw)
        values = q.scale_range
        if number is None or not float(number).is_integer() or int(number) not in values:
            raise AnswerError("forms.answer.scale", min=values.start, max=values.stop - 1)
        return int(number)
    if q.type == "single":
        return q.options[_option_index(q, raw)]
    if q.type == "multi":
        picked = sorted({_option_index(q, part) for part in re.split(r"[,;\s]+", raw) if part})
        return check_selection(q, [q.options[i] for i in picked])
    if q.type == "yesno":
        word = squeeze(raw).rstrip(".!")
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise AnswerError("forms.answer.yes_or_no")
    if q.type == "date":
        return parse_date(raw, today).isoformat()
    raise AnswerError("forms.answer.unsupported")


def _option_index(q: Question, text: str) -> int:
    word = squeeze(text).rstrip(".)")
    if word.isdigit() and 1 <= int(word) <= len(q.options):
        return int(word) - 1
    for index, option in enumerate(q.options):
        if squeeze(option) == word:
            return index
    raise AnswerError("forms.answer.pick_option", count=len(q.options))


def button_value(q: Question, value: int, today: date) -> Any:
    """The answer a button stands for; raises `AnswerError("forms.answer.stale")` for a value no button has."""
    if q.type == "scale" and value in q.scale_range:
        return value
    if q.type == "single" and 0 <= value < len(q.options):
        return q.options[value]
    if q.type == "yesno" and value in (0, 1):
        return bool(value)
    if q.type == "date" and value in (0, 1):
        return (today - timedelta(days=value)).isoformat()
    raise AnswerError("forms.answer.stale")


def toggle_option(q: Question, current: Iterable[str] | None, index: int) -> list[str]:
    if q.type != "multi" or not 0 <= index < len(q.options):
        raise AnswerError("forms.answer.stale")
    chosen = set(current or ())
    option = q.options[index]
    chosen.symmetric_difference_update({option})
    return [o for o in q.options if o in chosen]


def check_selection(q: Question, selected: Sequence[str]) -> list[str]:
    """A finished multiple choice: required means at least one; min/max bound the count."""
    count = len(selected)
    low = int(q.min) if q.min is not None else (1 if q.required else 0)
    high = int(q.max) if q.max is not None else len(q.options)
    if count == 0 and q.required:
        raise AnswerError("forms.answer.pick_some")
    if count and (count < low or count > high):
        raise _bounds_error(q, low if low > 1 else None, high if high < len(q.options) else None,
                            "forms.answer.choose")
    return list(selected)


def is_answered(q: Question, value: Any) -> bool:
    if value is None:
        return False
    if q.type == "multi":
        return bool(value)
    return not (isinstance(value, str) and not value.strip())
