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

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

from bot.services.errors import DomainError
from bot.services.uploads.limits import FileLimits, FileRejected
from bot.services.uploads.tables import open_workbook, sheet_rows
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
# A form is small: a megabyte, a few hundred rows and a handful of columns are plenty.
FORM_LIMITS = FileLimits(max_bytes=MAX_FILE_BYTES, max_unpacked_bytes=20 * 1024 * 1024, max_rows=MAX_SHEET_ROWS * 4,
                         max_cols=50, max_cells=50_000, max_yaml_aliases=0)


def form_limits(limits: FileLimits) -> FileLimits:
    """The deployment's limits (settings), never looser than what a form needs."""
    return FileLimits(max_bytes=min(limits.max_bytes, FORM_LIMITS.max_bytes),
                      max_unpacked_bytes=min(limits.max_unpacked_bytes, FORM_LIMITS.max_unpacked_bytes),
                      max_ratio=limits.max_ratio, max_members=min(limits.max_members, 1000),
                      max_rows=min(limits.max_rows, FORM_LIMITS.max_rows),
                      max_cols=min(limits.max_cols, FORM_LIMITS.max_cols),
                      max_cells=min(limits.max_cells, FORM_LIMITS.max_cells),
                      max_yaml_aliases=limits.max_yaml_aliases, parse_seconds=limits.parse_seconds,
                      parse_memory_mb=limits.parse_memory_mb)


class _Loader(yaml.SafeLoader):
    """SafeLoader counting aliases: a billion-laughs needs them, a form doesn't (`max_yaml_aliases`)."""

    max_aliases = 0
    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise FileRejected("uploads.yaml_aliases")
        return super().compose_node(parent, index)


def _yaml(text: str, max_aliases: int) -> Any:
    loader = _Loader(text)
    loader.max_aliases = max_aliases
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()

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


def parse_upload(data: bytes, filename: str, *, caption: str | None = None,
                 limits: FileLimits = FORM_LIMITS) -> Draft:
    """A file sent by a coordinator → a checked draft, or `DefinitionError`/`DomainError` in Russian.
    Untrusted files: run it through `uploads.sandbox.run_untrusted`."""
    limits = form_limits(limits)
    if len(data) > limits.max_bytes:
        raise DomainError("forms.upload.too_big", limit=limits.max_bytes // 1000)
    suffix = PurePath(filename or "").suffix.lower()
    stem = PurePath(filename or "").stem
    if suffix in (".yaml", ".yml", ".json", ".txt"):
        return parse_text(_decode(data), fallback_title=_title(caption, stem), json_only=suffix == ".json",
                          limits=limits)
    if suffix == ".xlsx":
        return parse_xlsx(data, fallback_title=_title(caption, stem), limits=limits)
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


def parse_text(text: str, *, fallback_title: str = "", json_only: bool = False,
               limits: FileLimits = FORM_LIMITS) -> Draft:
    """A YAML or JSON definition (JSON is valid YAML, but its errors read better from json).
    YAML aliases are refused beyond `limits.max_yaml_aliases` (none by default): no billion laughs."""
    stripped = text.strip()
    if not stripped:
        raise DefinitionError([Issue("forms.def.no_questions")])
    try:
        if json_only or stripped[0] in "[{":
            tree = json.loads(stripped)
        else:
            tree = _yaml(stripped, limits.max_yaml_aliases)
    except RecursionError:
        raise FileRejected("uploads.too_deep") from None
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


def parse_xlsx(data: bytes, *, fallback_title: str = "", limits: FileLimits = FORM_LIMITS) -> Draft:
    limits = form_limits(limits)
    try:
        workbook = open_workbook(data, limits)
    except FileRejected as error:
        if error.key in ("uploads.too_big", "uploads.too_complex"):
            raise
        raise DomainError("forms.upload.bad_xlsx") from None
    try:
        names = {squeeze(name): name for name in workbook.sheetnames}
        sheet_name = next((names[n] for n in ("вопросы", "анкета", "questions") if n in names),
                          workbook.sheetnames[0])
        rows = sheet_rows(workbook[sheet_name], limits)
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
