"""What every reply must look like to a person, checked on every message a harness test makes the bot send.

A Russian-speaking person never sees HTML shown as text, English words, a network's code (slug), a raw id, a
time-zone name or an exception; and whenever the bot waits for their answer (a dialog step), the newest message
with buttons offers a way out. `tests/harness.py` runs these checks after every typed message, tap and outbox
drain, so a flow that breaks them fails where it breaks.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# Latin words a Russian reply may carry: names of formats, products and the messenger itself.
ALLOWED_LATIN = frozenset("""
    telegram qr xlsx xls csv docx doc ods odt ics json yaml yml pdf txt png jpg excel word libreoffice max
    zoom english
""".split())

_HTML_AS_TEXT = re.compile(r"</?(?:a|b|i|u|s|em|strong|code|pre|tg-spoiler|blockquote|br|span)\b[^>]*>"
                           r"|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);", re.IGNORECASE)
_TECHNICAL = re.compile(r"\(MSK\)|\bUTC\b|Europe/|Asia/|\bNone\b|\bnull\b|Traceback|Forbidden:|Bad Request"
                        r"|\bid=\d|tg://")
# What is legitimately Latin: links (also defused ones a stranger typed: «evil[.]example/…»), @usernames,
# /commands, e-mails, file names.
_NOT_WORDS = re.compile(r"https?://\S*|t\.me/\S+|www\.\S+|\S+\[\.\]\S+|@\w+|/\w+|\S+@\S+\.\w+"
                        r"|\S+\.(?:xlsx|xls|csv|ics|docx|json|txt|png|pdf|yaml|yml|ods|odt)\b", re.IGNORECASE)
_LATIN_WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z']+(?:-[A-Za-z]+)*")

EXIT_LABELS = ("Отмена", "Отменить", "Назад", "⬅️", "В меню", "Готово", "Не даю согласия", "Нет, оставить", "Закрыть",
               "Выйти", "Продолжить позже")


def reply_problems(text: str, *, english: bool = False, allowed: Iterable[str] = ()) -> list[str]:
    """What is wrong with one reply as a person reads it (the text after Telegram parsed its HTML)."""
    problems = [f"HTML shown as text: {m.group(0)!r}" for m in _HTML_AS_TEXT.finditer(text)]
    problems += [f"technical word: {m.group(0)!r}" for m in _TECHNICAL.finditer(text)]
    if not english:
        allowed_words = ALLOWED_LATIN | {word.lower() for word in allowed}
        latin = _LATIN_WORD.findall(_NOT_WORDS.sub(" ", text))
        problems += [f"English or a code: {word!r}" for word in latin if word.lower() not in allowed_words]
    return problems


def has_way_out(buttons: Iterable[str]) -> bool:
    return any(label in button for button in buttons for label in EXIT_LABELS)
