"""Comparing a parsed roadmap with rows written out by hand (the held-out sets two to seven).

A row is right when its days, recurrence and kind match; ``kind`` may name several acceptable kinds or be
None where no kind is clear. Rows are matched to events by title, in order, so one stray event does not
shift the rest; a stray event (a section, a note, a signature reported as an event) counts as a wrong row.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass

from roadmap_builders import days, periods_of

from bot.services.roadmap import Roadmap, RoadmapRow

Span = tuple[str | None, str]


@dataclass
class Row:
    number: str
    title: str
    when: str
    periods: list[Span]
    recurrence: str | None
    kind: str | tuple[str, ...] | None


def norm(text: str) -> str:
    return " ".join(text.split())


def month(year: int, m: int) -> Span:
    return (f"{year}-{m:02d}-01", f"{year}-{m:02d}-{calendar.monthrange(year, m)[1]}")


def day(iso: str) -> Span:
    return (iso, iso)


def kind_ok(kind: str, expected: str | tuple[str, ...] | None) -> bool:
    if expected is None:
        return True
    return kind in ((expected,) if isinstance(expected, str) else expected)


def event_matches(event: RoadmapRow, expected: Row) -> bool:
    return (days(event.periods) == days(periods_of(expected.periods)) and event.recurrence == expected.recurrence
            and kind_ok(event.kind, expected.kind))


def align(roadmap: Roadmap, expected: list[Row]) -> tuple[list[RoadmapRow | None], list[RoadmapRow]]:
    events = roadmap.events
    used: set[int] = set()
    found: list[RoadmapRow | None] = []
    cursor = 0
    for row in expected:
        title = norm(row.title)
        hit = next((i for i in range(cursor, len(events)) if norm(events[i].title).startswith(title)), None)
        if hit is None:
            found.append(None)
            continue
        used.add(hit)
        cursor = hit + 1
        found.append(events[hit])
    return found, [e for i, e in enumerate(events) if i not in used]


def misses(roadmap: Roadmap, expected: list[Row]) -> list[tuple[object, ...]]:
    found, extra = align(roadmap, expected)
    wrong: list[tuple[object, ...]] = []
    for row, event in zip(expected, found, strict=True):
        if event is None:
            wrong.append((row.number, row.title[:40], row.when, "нет события"))
        elif not event_matches(event, row):
            got = [(str(p.start), str(p.end)) for p in event.periods]
            wrong.append((row.number, row.when, got, event.recurrence, event.kind, "ожидалось", row.periods,
                          row.recurrence, row.kind))
    wrong += [("лишнее событие", e.number, e.title[:60], e.when) for e in extra]
    return wrong


def accuracy(roadmap: Roadmap, expected: list[Row]) -> tuple[int, int]:
    found, extra = align(roadmap, expected)
    right = sum(e is not None and event_matches(e, x) for e, x in zip(found, expected, strict=True))
    return right, len(expected) + len(extra)


def stray_titles(roadmap: Roadmap, not_events: list[str], starts: tuple[str, ...] = ()) -> list[str]:
    """Events that are a section, a note, a total or a signature of the document."""
    return [e.title for e in roadmap.events if norm(e.title) in not_events or norm(e.title).startswith(starts)]


def set_accuracy(parsed: dict[str, Roadmap], expected: Callable[[str], list[Row]]) -> tuple[int, int]:
    """Rows right and rows counted (expected rows plus stray events) over a whole held-out set."""
    totals = [accuracy(roadmap, expected(name)) for name, roadmap in parsed.items()]
    right, total = sum(r for r, _ in totals), sum(t for _, t in totals)
    assert total >= sum(len(expected(name)) for name in parsed)
    return right, total
