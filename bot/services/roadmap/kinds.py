"""Kind of a roadmap row from its wording: a webinar to announce, or a document to produce.

The head noun of a Russian title comes first («Окружные совещания … «Сетевой педсовет»»),
so the earliest match wins; at the same position the order of ``_PATTERNS`` decides
(«семинар-практикум» is a workshop, not a seminar). The words before a colon are the head
(«Направление для педагогов: …»); quoted topics («…») are ignored unless the title is
nothing but a quote.
"""

from __future__ import annotations

import re

from .text import norm

EVENT_KINDS: tuple[str, ...] = (
    "webinar", "seminar", "workshop", "round_table", "master_class", "open_lesson",
    "conference", "meeting", "consultation", "council", "competition",
)  # fmt: skip
# «анкетирование» is a form sent to people with a deadline, not a gathering to announce.
TASK_KINDS: tuple[str, ...] = ("document", "monitoring", "survey")
ALL_KINDS: tuple[str, ...] = (*EVENT_KINDS, *TASK_KINDS, "other")

# The field's words for each kind. Order matters only at the same position («семинар-практикум» is a
# workshop before it is a seminar).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("workshop", re.compile(
        r"семинар\w*[\s-]*практикум|практикум|мастерск(?:ая|ой|ую|ие|их|ими)\b|практическ\w*\s+(?:заняти|семинар)"
        r"|тренинг|деловая\s+игр|деловые\s+игр|деловой\s+игр|воркшоп|интенсив|педагогическ\w*\s+лаборатори")),
    ("webinar", re.compile(r"вебинар|веб[\s-]семинар|онлайн[\s-]семинар|интернет[\s-]семинар|видеосеминар")),
    ("round_table", re.compile(
        r"кругл\w*\s+стол|дискусси|педагогическ\w*\s+гостин|дебат")),  # дискуссия, -онная площадка, панельная …
    ("master_class", re.compile(r"мастер[\s-]*класс")),
    ("open_lesson", re.compile(
        r"открыт\w*\s+(?:\w+\s+)?(?:урок|заняти|показ|мероприяти)|взаимопосещени\w*|показательн\w*\s+(?:урок|заняти)"
        r"|посещени\w*\s+(?:\w+\s+)?(?:урок|заняти)")),
    ("conference", re.compile(
        r"конференци|\bфорум|педагогическ\w*\s+чтени|\bсл[её]т\b|\bсл[её]та\b|\bсъезд|симпозиум|конгресс")),
    ("council", re.compile(
        r"педсовет|(?:педагогическ|методическ|координационн|научно-методическ|экспертн|управляющ|попечительск)"
        r"\w*\s+совет|\bсовет\w*\s+(?:директоров|руководителей|наставников|молодых)|консилиум")),
    ("seminar", re.compile(r"семинар")),
    ("meeting", re.compile(
        r"совещани|заседани|\bвстреч[аиеу]|планерк|собрани[ея]|\bсесси[яиюей]\b|\bсходк")),
    ("consultation", re.compile(r"консультаци|консультирован|\bбесед[аыуе]\b|супервизи|коучинг|коуч-сесси")),
    ("competition", re.compile(
        r"конкурс|(?<!к )олимпиад|соревновани|чемпионат|турнир")),  # not «подготовка к олимпиадам»
    ("survey", re.compile(r"анкетировани|\bанкет|\bопрос|социологическ\w*\s+исследовани")),
    ("monitoring", re.compile(
        r"мониторинг|диагности[кч]|самоанализ|\bанализ|(?:\bсамо)?аудит(?!ори)|\bконтрол|\bпроверк|экспертиз"
        r"|самообследовани|\bвпр\b|пробн\w*\s+(?:огэ|егэ|гиа|экзамен)"
        r"|оценк[аиу]\s+(?:\w+\s+)?(?:эффективност|качеств|результат|удовлетворенност|готовност)|тестировани"
        r"|\bнаблюдени|выявлени\w*\s+(?:\w+\s+)?(?:дефицит|затруднени|потребност)")),
    (
        "document",
        re.compile(
            r"разработк|доработк|корректировк|составлени|утвержд|положени[еяй]\b|\bприказ|\bотч[её]т"
            r"|дорожн\w*\s+карт|\bплан\b|\bплан[аы]\b|\bпрограмм[аы]\b|рекомендаци|сборник|концепци"
            r"|нормативн|\bдокумент|локальн\w*\s+акт|\bакт(?:а|ов|ы)?\b|распоряжени|постановлени|\bреестр"
            r"|аналитическ\w*\s+справк|\bпаспорт"
        ),
    ),
]
_WORD_RE = re.compile(r"[а-яa-z]{2,}")
_QUOTED_RE = re.compile(r"«[^«»]*»|\"[^\"]*\"|“[^“”]*”")


def classify(title: str, form: str | None = None) -> str:
    """One of ALL_KINDS, from the activity itself: the title when it names a gathering, else the form-of-work
    cell («Форма проведения»: «Практикум») when it names a kind, else whatever the title names.

    Never from a «Вид документа» / «Форма отчётности» column: what a row produces is not what it is.
    """
    kind = _classify_text(title)
    if kind in EVENT_KINDS or not form:
        return kind
    said = _classify_text(form)
    # A gathering named by the form wins over a task the title names («Самоанализ урока» · «Практикум»); a
    # document it names («Аналитическая справка») only fills in a title that names nothing.
    if said in EVENT_KINDS or kind == "other":
        return said
    return kind


def is_event(kind: str) -> bool:
    """Whether the row is something to announce (as opposed to a task with a deadline)."""
    return kind in EVENT_KINDS


# «Подготовка к открытому уроку», «подготовка к олимпиадам»: what is prepared for is not what the row is.
_PREPARING_FOR_RE = re.compile(r"\bподготовк\w*\s+к\s+[^,;:()]*")


def _classify_text(text: str) -> str:
    normalized = _PREPARING_FOR_RE.sub(" ", norm(text))
    outside = _strip_quotes(normalized)
    head, colon, rest = outside.partition(":")
    found = _earliest(head)
    if found is None and colon and len(_WORD_RE.findall(head)) >= 2:
        # A phrase before the colon that names no kind is a label («Методическое сопровождение ШНОР:
        # консультации по запросу»): the rest names the activity when it names one kind; an umbrella naming
        # several («Неделя молодого педагога: открытые уроки и мастер-классы») is none of them.
        named = set(_kinds_in(rest))
        return named.pop() if len(named) == 1 else "other"
    if found is None:  # a one-word label («Тема: …») leaves the kind to the rest
        found = _earliest(outside)
    if found is None and len(_WORD_RE.findall(outside)) < 2:
        found = _earliest(normalized)
    return found or "other"


def _strip_quotes(text: str) -> str:
    previous = None
    while previous != text:  # innermost first, so nested quotes go too
        previous, text = text, _QUOTED_RE.sub(" ", text)
    return text


def _kinds_in(text: str) -> list[str]:
    """Every kind the text names, left to right, each match read once («семинар-практикум» is one workshop)."""
    kinds: list[str] = []
    position = 0
    while (match := _earliest_match(text, position)) is not None:
        kinds.append(match[0])
        position = match[1]
    return kinds


def _earliest_match(text: str, position: int) -> tuple[str, int] | None:
    """The kind matched first from ``position`` (at the same place the list order decides) and where it ends."""
    best: tuple[int, int, str, int] | None = None
    for priority, (kind, pattern) in enumerate(_PATTERNS):
        match = pattern.search(text, position)
        if match and (best is None or (match.start(), priority) < best[:2]):
            best = (match.start(), priority, kind, max(match.end(), match.start() + 1))
    return (best[2], best[3]) if best else None


def _earliest(text: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for priority, (kind, pattern) in enumerate(_PATTERNS):
        match = pattern.search(text)
        if match and (best is None or (match.start(), priority) < best[:2]):
            best = (match.start(), priority, kind)
    return best[2] if best else None
