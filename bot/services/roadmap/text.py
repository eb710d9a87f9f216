"""Text normalisation shared by every stage of the parser."""

from __future__ import annotations

import re

_SPACE_RE = re.compile(r"\s+")
# Word and PDF converters use every dash Unicode has; the grammar only knows "-".
_DASH_RE = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad]")
# "исполне-\nния": a word hyphenated across lines (header cells only — in a date cell
# "Февраль-\nмарт" is a range).
_SOFT_BREAK_RE = re.compile(r"(?<=[а-яё])-[ \t]*\n\s*(?=[а-яё])")


def clean(text: str | None) -> str:
    """Collapse all whitespace (line breaks, NBSP, tabs) to single spaces."""
    if not text:
        return ""
    return _SPACE_RE.sub(" ", text).strip()


def norm(text: str | None) -> str:
    """Lower-case comparable form: ё→е, any dash → "-", single spaces."""
    if not text:
        return ""
    text = _DASH_RE.sub("-", text).replace("ё", "е").replace("Ё", "Е")
    return clean(text).lower()


def unhyphenate(text: str) -> str:
    """Join words hyphenated across line breaks."""
    return _SOFT_BREAK_RE.sub("", text)


def first_letter(text: str) -> str:
    """The first alphanumeric or punctuation character that is not a space."""
    stripped = text.lstrip()
    return stripped[:1]
