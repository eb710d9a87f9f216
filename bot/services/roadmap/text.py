"""Text normalisation shared by every stage of the parser."""

from __future__ import annotations

import re

_SPACE_RE = re.compile(r"\s+")
# Bell, vertical tab and other controls read as a space; zero-width and direction marks as nothing (a soft
# hyphen stays: norm() reads it as a dash).
_CONTROL_CHARS = frozenset(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)])
_HIDDEN_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
                        r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Word and PDF converters use every dash Unicode has; the grammar only knows "-".
_DASH_RE = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad]")
# "исполне-\nния": a word hyphenated across lines (header cells only — in a date cell
# "Февраль-\nмарт" is a range).
_SOFT_BREAK_RE = re.compile(r"(?<=[а-яё])-[ \t]*\n\s*(?=[а-яё])")


def clean(text: str | None) -> str:
    """Collapse all whitespace (line breaks, NBSP, tabs, control characters) to single spaces; invisible
    characters (zero-width, direction marks) go, so titles never carry them into announcements."""
    if not text:
        return ""
    if _HIDDEN_RE.search(text):
        text = _HIDDEN_RE.sub(lambda m: " " if m.group(0) in _CONTROL_CHARS else "", text)
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
