"""A coordinator's own form: a YAML or JSON definition, or an XLSX sheet of questions.

XLSX: one sheet (the first, or one named «Вопросы»/«Анкета»), a header row with the columns
«вопрос», «тип», «варианты», «обязательный», «мин», «макс» (only «вопрос» and «тип» are required;
«код» and «подсказка» are optional), one question per row. A non-empty cell above the header is the
form's title. Options are separated by «;» or line breaks inside the cell.

YAML/JSON: {title, intro, kind, questions: [{text, type, options, required, min, max, id, hint}]};
Russian keys (название, вопросы, вопрос, тип, варианты, обязательный, мин, макс) work too, and a bare
list of questions is accepted.

Every problem found is reported at once, naming the row (or the question's number) and the field.
"""
from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

from bot.services.errors import DomainError
from bot.services.forms.definitions import (
    TITLE_LIMIT,
    Definition,
    DefinitionError,
    Issue,
    RawQuestion,
    build_definition,
    squeeze,
)
from db.models.forms import FormKind

MAX_FILE_BYTES = 1_000_000
MAX_SHEET_ROWS = 500
HEADER_SEARCH_ROWS = 15

# Column header (lower case, ё → е) → field. Matching is by the start of the header text.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("вопрос", "text"), ("текст вопроса", "text"), ("question", "text"), ("text", "text"),
    ("тип", "type"), ("type", "type"),
    ("вариант", "options"), ("options", "options"),
    ("обязат", "required"), ("required", "required"),
    ("мин", "min"), ("min", "min"),
    ("макс", "max"), ("max", "max"),
    ("код", "id"), ("id", "id"),
    ("подсказ", "hint"), ("пояснен", "hint"), ("hint", "hint"),
)
KEYS: dict[str, str] = {
    "text": "text", "вопрос": "text", "question": "text", "текст": "text",
    "type": "type", "тип": "type",
    "options": "options", "варианты": "options", "choices": "options", "варианты ответа": "options",
    "required": "required", "обязательный": "required", "обязательно": "required",
    "min": "min", "мин": "min", "минимум": "min",
    "max": "max", "макс": "max", "максимум": "max",
    "id": "id", "код": "id",
    "hint": "hint", "подсказка": "hint", "пояснение": "hint",
}
TOP_KEYS: dict[str, str] = {
    "title": "title", "название": "title", "заголовок": "title",
    "intro": "intro", "описание": "intro", "вступление": "intro",
    "kind": "kind", "вид": "kind",
    "questions": "questions", "вопросы": "questions",
}
KIND_ALIASES: dict[str, str] = {
    **{k.value: k.value for k in FormKind},
    "рефлексия": "reflection", "удовлетворенность": "satisfaction", "входная": "entry", "итоговая": "final",
    "отчет": "report", "самоанализ": "self_analysis", "своя": "custom",
}


@dataclass(frozen=True)
class Draft:
    title: str
    kind: str
    definition: Definition


def _title(*candidates: Any) -> str:
    for candidate in candidates:
        if candidate is not None and str(candidate).strip():
            return " ".join(str(candidate).split())[:TITLE_LIMIT]
    return ""


def _kind(value: Any) -> str:
    if value is None:
        return FormKind.CUSTOM.value
    return KIND_ALIASES.get(squeeze(value), FormKind.CUSTOM.value)


def parse_upload(data: bytes, filename: str, *, caption: str | None = None) -> Draft:
    """A file sent by a coordinator → a checked draft, or `DefinitionError`/`DomainError` in Russian."""
    if len(data) > MAX_FILE_BYTES:
        raise DomainError("forms.upload.too_big", limit=MAX_FILE_BYTES // 1000)
    suffix = PurePath(filename or "").suffix.lower()
    stem = PurePath(filename or "").stem
    if suffix in (".yaml", ".yml", ".json", ".txt"):
        return parse_text(_decode(data), fallback_title=_title(caption, stem), json_only=suffix == ".json")
    if suffix == ".xlsx":
        return parse_xlsx(data, fallback_title=_title(caption, stem))
    if suffix == ".xls":
        raise DomainError("forms.upload.old_excel")
    raise DomainError("forms.upload.bad_format", name=filename or "?")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("forms.upload.bad_encoding")


def parse_text(text: str, *, fallback_title: str = "", json_only: bool = False) -> Draft:
    """A YAML or JSON definition (JSON is valid YAML, but its errors read better from json)."""
    stripped = text.strip()
    if not stripped:
        raise DefinitionError([Issue("forms.def.no_questions")])
    try:
        if json_only or stripped[0] in "[{":
            tree = json.loads(stripped)
        else:
            tree = yaml.safe_load(stripped)
    except json.JSONDecodeError as error:
        raise DomainError("forms.upload.bad_json", line=error.lineno, column=error.colno) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DomainError("forms.upload.bad_yaml", line=(mark.line + 1) if mark else "?") from None
    return _from_tree(tree, fallback_title)


def _from_tree(tree: Any, fallback_title: str) -> Draft:
    top: dict[str, Any] = {}
    if isinstance(tree, list):
        items = tree
    elif isinstance(tree, Mapping):
        for key, value in tree.items():
            name = TOP_KEYS.get(squeeze(key))
            if name:
                top[name] = value
        items = top.get("questions")
        if items is None:
            raise DefinitionError([Issue("forms.def.no_questions_key")])
        if not isinstance(items, list):
            raise DefinitionError([Issue("forms.def.questions_not_list")])
    else:
        raise DefinitionError([Issue("forms.def.not_a_mapping")])
    raw: list[RawQuestion] = []
    issues: list[Issue] = []
    for number, item in enumerate(items, start=1):
        where = ("forms.where.question", {"n": number})
        if isinstance(item, str):  # a bare line: a required text question
            raw.append(RawQuestion(where=where, text=item, type="text"))
            continue
        if not isinstance(item, Mapping):
            issues.append(Issue("forms.def.question_not_mapping", where=where))
            continue
        fields: dict[str, Any] = {}
        for key, value in item.items():
            name = KEYS.get(squeeze(key))
            if name is None:
                issues.append(Issue("forms.def.unknown_key", {"key": str(key)}, where))
            else:
                fields[name] = value
        raw.append(RawQuestion(where=where, **fields))
    try:
        definition = build_definition(raw, intro=top.get("intro")) if raw else None
    except DefinitionError as error:
        issues.extend(error.issues)
        definition = None
    if not raw and not issues:
        issues.append(Issue("forms.def.no_questions"))
    if issues or definition is None:
        raise DefinitionError(issues)
    title = _title(top.get("title"), fallback_title)
    if not title:
        raise DefinitionError([Issue("forms.def.no_title")])
    return Draft(title=title, kind=_kind(top.get("kind")), definition=definition)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


def _header_fields(row: tuple[Any, ...]) -> dict[int, str]:
    fields: dict[int, str] = {}
    for index, value in enumerate(row):
        if value is None:
            continue
        word = squeeze(value)
        for prefix, name in COLUMNS:
            if word.startswith(prefix) and name not in fields.values():
                fields[index] = name
                break
    return fields


def parse_xlsx(data: bytes, *, fallback_title: str = "") -> Draft:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook gets the same clear message
        raise DomainError("forms.upload.bad_xlsx") from None
    try:
        names = {squeeze(name): name for name in workbook.sheetnames}
        sheet_name = next((names[n] for n in ("вопросы", "анкета", "questions") if n in names),
                          workbook.sheetnames[0])
        rows = workbook[sheet_name].iter_rows(values_only=True)
        title_above = None
        fields: dict[int, str] = {}
        header_row = 0
        for number, row in enumerate(rows, start=1):
            cells = tuple(_cell(v) for v in row)
            found = _header_fields(cells)
            if "text" in found.values() and "type" in found.values():
                fields, header_row = found, number
                break
            if title_above is None:
                title_above = next((c for c in cells if c is not None), None)
            if number >= HEADER_SEARCH_ROWS:
                break
        if not fields:
            raise DefinitionError([Issue("forms.upload.no_header")])
        raw: list[RawQuestion] = []
        for number, row in enumerate(rows, start=header_row + 1):
            cells = tuple(_cell(v) for v in row)
            values = {name: cells[i] if i < len(cells) else None for i, name in fields.items()}
            if all(v is None for v in values.values()):
                continue
            if number > MAX_SHEET_ROWS:
                raise DefinitionError([Issue("forms.upload.too_many_rows", {"limit": MAX_SHEET_ROWS})])
            raw.append(RawQuestion(where=("forms.where.row", {"row": number}), **values))
    finally:
        workbook.close()
    if not raw:
        raise DefinitionError([Issue("forms.def.no_questions")])
    definition = build_definition(raw)
    title = _title(title_above if isinstance(title_above, str) else None, fallback_title)
    if not title:
        raise DefinitionError([Issue("forms.def.no_title")])
    return Draft(title=title, kind="custom", definition=definition)
