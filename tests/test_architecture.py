"""House rules that keep the code honest: checked, not just written down."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.i18n import catalog

REPO = Path(__file__).resolve().parent.parent
SERVICES = REPO / "bot" / "services"
CODE_DIRS = [REPO / "bot", REPO / "handlers", REPO / "keyboards"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_services_never_import_aiogram() -> None:
    offenders = [str(path.relative_to(REPO)) for path in SERVICES.rglob("*.py")
                 if any(name == "aiogram" or name.startswith("aiogram.") for name in _imports(path))]
    assert offenders == []


def test_locales_have_the_same_keys() -> None:
    assert set(catalog("ru")) == set(catalog("en"))


def test_every_literal_translation_key_exists() -> None:
    keys = set(catalog("ru"))
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']|DomainError\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
    missing = set()
    for directory in CODE_DIRS:
        for path in directory.rglob("*.py"):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                key = match.group(1) or match.group(2)
                if key not in keys:
                    missing.add(f"{path.relative_to(REPO)}: {key}")
    assert sorted(missing) == []


def test_no_cyrillic_literals_in_handlers_or_keyboards() -> None:
    """User-facing text lives in locale files; Russian in code would bypass English users."""
    cyrillic = re.compile(r"[А-Яа-яЁё]")
    offenders = []
    for directory in (REPO / "handlers", REPO / "keyboards"):
        for path in directory.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                          if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                          and node.body and isinstance(node.body[0], ast.Expr)}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and id(node) not in docstrings and cyrillic.search(node.value)):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []
