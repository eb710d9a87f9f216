"""Roadmap import: the parser's rows become events and measures of a network.

Idempotent: a row is matched to an existing event by its number and title (the title as imported before,
so renaming an event in the chat doesn't break the match); a re-import updates what the file says and never
duplicates. What the coordinator changed in the chat (a title, a date they fixed or moved) wins over the
file: a field is taken from the file only while it still holds what the previous import put there, and a
row without dates never wipes dates an event already has.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events import lifecycle
from bot.services.events.core import ANNOUNCEABLE_KINDS, set_slots, slots, title_key
from bot.services.events.times import Slot, slot_from_period, zone
from bot.services.roadmap import (ALL_KINDS, TASK_KINDS, Period, Roadmap, RoadmapError, detect_year_context,
                                  parse_roadmap, parse_when)
from bot.services.roadmap.readers import EXTENSIONS as READABLE
from db.models.core import Network, User
from db.models.events import Event, EventStatus, RoadmapImport

MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSIONS = READABLE  # DOCX, XLSX, XLS, ODT, ODS, CSV
# Parser field → Event column. Dates (periods) are handled on their own.
ROW_FIELDS = {"number": "number", "section": "section", "title": "title", "kind": "kind", "when": "when_text",
              "recurrence": "recurrence", "responsible": "responsible", "expected_result": "expected_result",
              "indicator": "indicator", "audience": "audience_text", "warnings": "warnings"}


def parse_file(data: bytes, file_name: str, year: int | None = None) -> Roadmap:
    if not file_name.lower().endswith(EXTENSIONS):
        raise DomainError("events.import.wrong_type", name=file_name)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError("events.import.too_big", mb=MAX_FILE_BYTES // (1024 * 1024))
    try:
        return parse_roadmap(data, file_name, year=year)
    except RoadmapError as error:
        raise DomainError("events.import.unreadable", reason=str(error)) from None


def rows_of(roadmap: Roadmap) -> list[dict[str, Any]]:
    """The rows as plain JSON (what a dialog keeps between steps): the parser's fields and the audience."""
    return [{**row.to_json(), "audience": row.audience} for row in roadmap.events]


def needs_attention(row: dict[str, Any]) -> bool:
    return not row.get("periods") or bool(row.get("warnings"))


def is_announceable(row: dict[str, Any]) -> bool:
    return row.get("kind") in ANNOUNCEABLE_KINDS


@dataclass(frozen=True)
class Preview:
    title: str
    rows: int
    dated: int
    attention: int
    sections: int
    events: int  # kinds to announce (and «other», the coordinator decides)
    tasks: int  # measures with a deadline
    warnings: list[str]


def preview(title: str, rows: list[dict[str, Any]], warnings: list[str]) -> Preview:
    return Preview(title=title, rows=len(rows), dated=sum(1 for r in rows if r.get("periods")),
                   attention=sum(1 for r in rows if needs_attention(r)),
                   sections=len({r["section"] for r in rows if r.get("section")}),
                   events=sum(1 for r in rows if is_announceable(r)),
                   tasks=sum(1 for r in rows if r.get("kind") in TASK_KINDS), warnings=list(warnings))


def fix_row(row: dict[str, Any], text: str, document_title: str, fallback_year: int) -> dict[str, Any]:
    """The coordinator typed a date for a row: parsed like the roadmap's own cells (same year rules)."""
    text = " ".join((text or "").split())[:200]
    ctx = detect_year_context([document_title], fallback_year=fallback_year)
    parsed = parse_when(text, ctx)
    if not parsed.periods:
        raise DomainError("events.import.fix_bad", text=text)
    # The coordinator has decided: the row is no longer flagged.
    return {**row, "when": text, "periods": [p.to_json() for p in parsed.periods],
            "recurrence": parsed.recurrence, "warnings": []}


def _slots(row: dict[str, Any], network: Network) -> list[Slot]:
    tz = zone(network)
    out = []
    for p in row.get("periods") or []:
        start = date.fromisoformat(p["start"]) if p.get("start") else None
        out.append(slot_from_period(Period(start, date.fromisoformat(p["end"])), tz))
    return out


@dataclass
class ImportResult:
    import_id: int
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    attention: list[dict[str, Any]] = field(default_factory=list)  # rows still undated or flagged
    event_ids: list[int] = field(default_factory=list)  # every row's event, in the file's order
    moved: int = 0  # announced events whose dates the file changed (reminders re-planned, people told)


def _value(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if key == "warnings":
        return list(value or [])
    if key == "kind":
        return value if value in ALL_KINDS else "other"
    if key == "number":
        return (value or None) and str(value)[:32]
    return value or None


async def import_rows(session: AsyncSession, network: Network, rows: list[dict[str, Any]], *, file_name: str,
                      title: str, clock: Clock, warnings: list[str] | None = None, by: User | None = None) -> ImportResult:
    now = clock.now()
    record = RoadmapImport(network_id=network.id, file_name=Path(file_name).name[:255] or "roadmap",
                           title=title or None, imported_by_id=by.id if by else None, imported_at=now,
                           rows=len(rows), warnings=list(warnings or []))
    session.add(record)
    await session.flush()
    existing = list((await session.scalars(select(Event).where(Event.network_id == network.id)
                                            .order_by(Event.id))).all())
    index: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in existing:
        keys = {(event.number or "", event.title_key)}
        if event.source:
            keys.add((str(event.source.get("number") or ""), title_key(event.source.get("title") or "")))
        for key in keys:
            index[key].append(event)
    used: set[int] = set()
    result = ImportResult(import_id=record.id, rows=len(rows))
    for row in rows:
        key = (str(row.get("number") or ""), title_key(row.get("title") or ""))
        event = next((e for e in index.get(key, []) if e.id not in used), None)
        if event is None:
            event = _create(network, row, record.id, now)
            session.add(event)
            await session.flush()
            result.created += 1
        else:
            changed, moved = _update(event, row, network, record.id, now)
            if moved is not None and event.status in (EventStatus.PLANNED.value, EventStatus.ANNOUNCED.value):
                result.moved += event.status == EventStatus.ANNOUNCED.value
                await lifecycle.move_event(session, event, moved, clock)
            elif moved is not None:  # held or cancelled: only the record changes
                set_slots(event, moved)
            result.updated += changed or moved is not None
            result.unchanged += not changed and moved is None
        used.add(event.id)
        result.event_ids.append(event.id)
        if not event.periods or row.get("warnings"):
            result.attention.append(row)
    record.created, record.updated, record.unchanged = result.created, result.updated, result.unchanged
    record.attention = len(result.attention)
    await session.flush()
    return result


def _create(network: Network, row: dict[str, Any], import_id: int, now: Any) -> Event:
    title = (row.get("title") or "").strip() or "—"
    kind = _value(row, "kind")
    event = Event(network_id=network.id, import_id=import_id, title_key=title_key(title), is_task=kind in TASK_KINDS,
                  audience={"kind": "everyone"}, status=EventStatus.PLANNED.value, source=dict(row), created_at=now,
                  updated_at=now)
    for key, column in ROW_FIELDS.items():
        setattr(event, column, _value(row, key))
    event.title = title
    event.periods = []
    set_slots(event, _slots(row, network))
    return event


def _update(event: Event, row: dict[str, Any], network: Network, import_id: int,
            now: Any) -> tuple[bool, list[Slot] | None]:
    """Take from the file what the coordinator hasn't changed. Returns (fields changed, new dates or None)."""
    before = event.source or {}
    changed = False
    for key, column in ROW_FIELDS.items():
        new = _value(row, key)
        untouched = getattr(event, column) == _value(before, key) or not before
        if untouched and getattr(event, column) != new:
            setattr(event, column, new)
            changed = True
    if changed:
        event.title_key = title_key(event.title)
        event.is_task = event.kind in TASK_KINDS
    new_slots = _slots(row, network)
    dates_untouched = not before or slots(event) == _slots(before, network)
    moved = new_slots if new_slots and dates_untouched and new_slots != slots(event) else None
    if changed or moved is not None or event.source != row:
        event.source, event.import_id, event.updated_at = dict(row), import_id, now
    return changed, moved
