"""Names short enough for a phone's button row, still recognisable.

A phone shows about 35–40 characters of a full-width button; the rest is cut by Telegram where it likes. An
imported school often has no short name and is called «Муниципальное бюджетное общеобразовательное учреждение
«Средняя общеобразовательная школа № 12 имени …»», and a pair's button named both sides in full. Buttons use
these instead: the organisational form as its usual abbreviation (МБОУ, СОШ…), people by surname and initials
when the full name does not fit, and a cut at a word with «…» only as the last resort.
"""
from __future__ import annotations

import re

ROW = 40  # characters of one full-width button a phone shows whole

# The long forms schools are registered under, as everybody abbreviates them (case ignored, ё = е).
_FORMS = [(re.compile(pattern, re.IGNORECASE), short) for pattern, short in (
    (r"муниципальн\w+ бюджетн\w+ общеобразовательн\w+ учреждени\w+", "МБОУ"),
    (r"муниципальн\w+ автономн\w+ общеобразовательн\w+ учреждени\w+", "МАОУ"),
    (r"муниципальн\w+ казенн\w+ общеобразовательн\w+ учреждени\w+|муниципальн\w+ казённ\w+ "
     r"общеобразовательн\w+ учреждени\w+", "МКОУ"),
    (r"муниципальн\w+ общеобразовательн\w+ учреждени\w+", "МОУ"),
    (r"государственн\w+ бюджетн\w+ общеобразовательн\w+ учреждени\w+", "ГБОУ"),
    (r"государственн\w+ казенн\w+ общеобразовательн\w+ учреждени\w+", "ГКОУ"),
    (r"государственн\w+ общеобразовательн\w+ учреждени\w+", "ГОУ"),
    (r"частн\w+ общеобразовательн\w+ учреждени\w+", "ЧОУ"),
    (r"средн\w+ общеобразовательн\w+ школ\w+", "СОШ"),
    (r"основн\w+ общеобразовательн\w+ школ\w+", "ООШ"),
    (r"начальн\w+ общеобразовательн\w+ школ\w+", "НОШ"),
    (r"общеобразовательн\w+ учреждени\w+", "ОУ"),
    (r"образовательн\w+ центр\w*", "ОЦ"),
    (r"центр\w* образовани\w+", "ЦО"),
    (r"с углубленным изучением отдельных предметов|с углублённым изучением отдельных предметов", "с УИОП"),
)]
_QUOTES = re.compile(r"[«»\"“”„]")


def cut(text: str, limit: int = ROW) -> str:
    """`text` within `limit` characters, cut after a whole word with «…»."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head and not text[limit - 1].isspace():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:·–-") + "…"


def school(name: str | None, short_name: str | None = None, limit: int = ROW) -> str:
    """A school as a button shows it: its short name if it has one, else its name with the usual abbreviations
    («МБОУ СОШ № 12 им. Героя…»), the quotes of the long form gone."""
    if short_name:
        return cut(short_name, limit)
    text = " ".join((name or "—").split())
    if len(text) <= limit:
        return text
    for pattern, short in _FORMS:
        text = pattern.sub(short, text)
    text = re.sub(r"\bимени\b", "им.", text)
    if len(text) > limit:
        text = _QUOTES.sub("", text)
    return cut(" ".join(text.split()), limit)


def initials(full_name: str | None) -> str:
    """«Петрова Анна Сергеевна» → «Петрова А. С.»."""
    words = (full_name or "—").split()
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:3])]) if len(words) > 1 else (full_name or "—")


def person(full_name: str | None, limit: int = ROW) -> str:
    """A person in full if it fits, else surname and initials."""
    name = " ".join((full_name or "—").split())
    return name if len(name) <= limit else cut(initials(name), limit)


def person_at(full_name: str | None, school_name: str | None, short_name: str | None = None, *, prefix: str = "",
              suffix: str = "", limit: int = ROW) -> str:
    """«Иванова Мария Петровна · Важинский ОЦ», shortened step by step to fit a button: initials first, then the
    school abbreviated, then the school cut."""
    room = limit - len(prefix) - len(suffix)
    name = " ".join((full_name or "—").split())
    where = school(school_name, short_name, limit=10_000) if (school_name or short_name) else ""
    for who in (name, initials(name)):
        label = f"{who} · {where}" if where else who
        if len(label) <= room:
            return f"{prefix}{label}{suffix}"
    who = cut(initials(name), room)
    if where and room - len(who) - 3 >= 8:
        who = f"{who} · {cut(where, room - len(who) - 3)}"
    return f"{prefix}{who}{suffix}"
