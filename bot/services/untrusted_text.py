"""Text a stranger typed, on its way to a coordinator or a mentor: no live links.

A join request reaches every coordinator of a network; a pool question reaches dozens of mentors. A URL typed
as a school or a question would arrive clickable, with a preview — a phishing page delivered by the bot itself.
Fields that are never links (a school's name, a position) refuse them when typed (`has_link`); free texts
that are shown to others (a question, a comment, an old school note) are shown with their links defused
(`unlink`): the address stays readable, «пример[.]рф/страница», but Telegram no longer makes it a link; and
the messages carrying them go without link previews.
"""
from __future__ import annotations

import re

# What Telegram turns into a link: a scheme, «www.», or a bare domain with a known-looking ending.
_TLD = r"(?:[a-z]{2,24}|рф|рус|онлайн|сайт|дети|москва|xn--[a-z0-9-]{2,30})"
_LINK = re.compile(
    rf"(?ix)(?:\b(?:https?|ftp|tg)://\S+"
    rf"|\bwww\.\S+"
    rf"|\b(?:[\w-]+\.)+{_TLD}\b(?:[/:?#]\S*)?)"
)
_SCHEME = re.compile(r"(?i)^(?:https?|ftp|tg)://")


def has_link(text: str | None) -> bool:
    return bool(_LINK.search(text or ""))


def _defuse(match: re.Match[str]) -> str:
    address = _SCHEME.sub("", match.group(0))
    host, sep, rest = address.partition("/")
    return host.replace(".", "[.]") + sep + rest


def unlink(text: str | None) -> str:
    """`text` with every address defused: readable, not clickable («evil[.]example/login»)."""
    return _LINK.sub(_defuse, text or "")


# Control characters (\x0b from Excel's line breaks, \x07, \x1f…) read as a space; invisible format characters
# (zero-width spaces and joiners, direction marks and embeddings, word joiner, BOM, soft hyphen) are dropped.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_INVISIBLE = re.compile(r"[\xad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
                        r"\ufeff\ufff9-\ufffb\ud800-\udfff]")


def visible(text: str | None, *, lines: bool = False) -> str:
    """`text` as a person reads it: control characters become spaces, invisible ones go, spaces shrink to one and
    the ends are trimmed (names and titles from Excel, Word or a web page). `lines` keeps the line breaks."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n"))
    if lines:
        return "\n".join(" ".join(_CONTROL.sub(" ", line).split()) for line in text.split("\n")).strip()
    return " ".join(_CONTROL.sub(" ", text).split())
