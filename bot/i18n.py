"""Locale files (bot/locales/<language>/<feature>.yaml, merged) and a tiny translator.

Values passed to a translation are HTML-escaped, because every message is sent with parse_mode=HTML
and user-provided text (names, school titles) must never be read as markup.
"""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "ru"
LANGUAGES = ("ru", "en")


class Raw(str):
    """A value that is already safe HTML (built from other translations)."""


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value).rstrip("\n")
    return flat


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """All of a language's files; each feature owns one, and a key defined twice is a bug."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / language).glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            entries = _flatten(yaml.safe_load(fh) or {})
        clash = merged.keys() & entries.keys()
        if clash:
            raise ValueError(f"{path.name} redefines {sorted(clash)[:3]}")
        merged.update(entries)
    return merged


def normalize_language(code: str | None) -> str:
    if code and code.split("-")[0].lower() in LANGUAGES:
        return code.split("-")[0].lower()
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = normalize_language(language)
        self._own = catalog(self.language)
        self._fallback = catalog(DEFAULT_LANGUAGE)

    def has(self, key: str) -> bool:
        return key in self._own or key in self._fallback

    def template(self, key: str) -> str:
        template = self._own.get(key) or self._fallback.get(key)
        if template is None:
            raise KeyError(f"missing translation key {key!r}")
        return template

    def __call__(self, key: str, /, **values: Any) -> str:
        template = self.template(key)
        safe = {name: value if isinstance(value, Raw) else html.escape(str(value), quote=False)
                for name, value in values.items()}
        return template.format(**safe) if safe else template


def t(key: str, language: str = DEFAULT_LANGUAGE, /, **values: Any) -> str:
    return Translator(language)(key, **values)


def plain(key: str, language: str = DEFAULT_LANGUAGE, /, **values: Any) -> str:
    """A translation as plain text, values not escaped: for text that is data (stored, printed as JSON) and
    escaped wherever it is shown."""
    template = Translator(language).template(key)
    return template.format(**values) if values else template
