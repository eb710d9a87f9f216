"""A roadmap file in the import chat: stored, parsed in the upload sandbox, read again when the coordinator
changes a column's role or moves a past plan to this school year, and the dates they typed kept.

The file and the parse result live in ``roadmap_uploads`` (the dialog state keeps only the id). The parser
never runs on the event loop: :func:`bot.services.uploads.sandbox.run_untrusted` runs it in a capped worker.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import plain
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.roadmap import YearContext, parse_when
from bot.services.roadmap.columns import ROLES, SKIP
from bot.services.roadmap.job import parse_job
from bot.services.uploads.limits import FileLimits
from bot.services.uploads.sandbox import run_untrusted
from db.models.roadmap import RoadmapUpload

LIMITS = FileLimits()
CHOOSABLE_ROLES: tuple[str, ...] = (*ROLES, SKIP)


async def parse(data: bytes, file_name: str, roles: dict[str, Any] | None = None, *,
                limits: FileLimits | None = None) -> dict[str, Any]:
    """The parse result of a file, computed in the sandbox (DomainError for an unreadable or too complex file);
    `limits`: the settings' (``Settings.file_limits``) for a new file; a stored one was accepted under them."""
    limits = limits or LIMITS
    return await run_untrusted(parse_job, data, file_name, roles or {}, None, limits, limits=limits)


async def store(session: AsyncSession, network_id: int, user_id: int, file_name: str, data: bytes,
                result: dict[str, Any], clock: Clock) -> RoadmapUpload:
    """Keep the file and its first reading; an earlier unfinished upload of this coordinator goes."""
    await session.execute(delete(RoadmapUpload).where(RoadmapUpload.user_id == user_id))
    upload = RoadmapUpload(network_id=network_id, user_id=user_id, file_name=file_name[:255], data=data, roles={},
                           shift_years=0, fixes={}, result=result, created_at=clock.now())
    session.add(upload)
    await session.flush()
    return upload


async def get(session: AsyncSession, upload_id: int | None, network_id: int, user_id: int) -> RoadmapUpload | None:
    """The upload if it is this coordinator's, in the network they coordinate now."""
    if not upload_id:
        return None
    upload = await session.get(RoadmapUpload, upload_id)
    if upload is None or upload.network_id != network_id or upload.user_id != user_id:
        return None
    return upload


async def drop(session: AsyncSession, upload: RoadmapUpload | None) -> None:
    if upload is not None:
        await session.delete(upload)
        await session.flush()


def rows(upload: RoadmapUpload) -> list[dict[str, Any]]:
    return list((upload.result or {}).get("rows") or [])


async def set_role(session: AsyncSession, upload: RoadmapUpload, table: int, column: int, role: str) -> None:
    """The coordinator says how a column is to be read; the file is read again at once."""
    if role not in CHOOSABLE_ROLES or not _has_column(upload, table, column):
        raise DomainError("errors.stale_button")
    roles = {key: dict(value) for key, value in (upload.roles or {}).items()}
    roles.setdefault(str(table), {})[str(column)] = role
    upload.roles = roles
    await refresh(session, upload)


async def reset_roles(session: AsyncSession, upload: RoadmapUpload) -> None:
    upload.roles = {}
    await refresh(session, upload)


async def set_shift(session: AsyncSession, upload: RoadmapUpload, years: int) -> None:
    upload.shift_years = years
    await refresh(session, upload)


async def refresh(session: AsyncSession, upload: RoadmapUpload) -> None:
    """Read the file again with the coordinator's roles, then move the dates and put back the typed ones."""
    result = await parse(upload.data, upload.file_name, upload.roles)
    result["rows"] = [shift_row(row, upload.shift_years) for row in result["rows"]]
    for index, row in enumerate(result["rows"]):
        typed = (upload.fixes or {}).get(_row_key(row))
        if typed:
            try:
                result["rows"][index] = fix_row(row, typed, context(result, upload.shift_years, None))
            except DomainError:
                continue
    upload.result = result
    await session.flush()


def fix(upload: RoadmapUpload, index: int, text: str, fallback_year: int) -> dict[str, Any]:
    """The coordinator typed a date for a row: parsed like the roadmap's own cells, kept across re-reading."""
    found = rows(upload)
    if not 0 <= index < len(found):
        raise DomainError("errors.stale_button")
    text = " ".join((text or "").split())[:200]
    row = fix_row(found[index], text, context(upload.result or {}, upload.shift_years, fallback_year))
    found[index] = row
    upload.fixes = {**(upload.fixes or {}), _row_key(row): text}
    upload.result = {**(upload.result or {}), "rows": found}
    return row


def fix_row(row: dict[str, Any], text: str, ctx: YearContext) -> dict[str, Any]:
    """A row with the date the coordinator typed: no longer flagged (they have decided)."""
    parsed = parse_when(text, ctx)
    if not parsed.periods:
        raise DomainError("events.import.fix_bad", text=text)
    return {**row, "when": text, "periods": [p.to_json() for p in parsed.periods], "recurrence": parsed.recurrence,
            "warnings": []}


def context(result: dict[str, Any], shift: int, fallback_year: int | None) -> YearContext:
    """The document's period (moved with the plan), for dates the coordinator types without a year."""
    period = result.get("period") or {}
    first, last = period.get("first"), period.get("last")
    if first is None or last is None:
        return YearContext.calendar(fallback_year) if fallback_year else YearContext()
    first, last = first + shift, last + shift
    if period.get("kind") == "school":
        return YearContext.school(first)
    if period.get("kind") == "multi":
        return YearContext.multi(first, last)
    return YearContext.calendar(first)


def _row_key(row: dict[str, Any]) -> str:
    return f"{row.get('number') or ''}|{row.get('title') or ''}"[:300]


def _has_column(upload: RoadmapUpload, table: int, column: int) -> bool:
    for entry in (upload.result or {}).get("columns") or []:
        if entry.get("table") == table + 1:
            return 0 <= column < len(entry.get("columns") or [])
    return False


# -- a past plan moved to this school year ------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    years: int  # how many years the dates move forward
    kind: str  # school · calendar · multi
    first: int  # the period it lands in
    last: int


def school_year_start(today: date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def past_plan(upload: RoadmapUpload, today: date) -> Move | None:
    """A plan whose every date is before this school year («2022/2023» imported in 2026): where to move it."""
    if upload.shift_years:
        return None
    result = upload.result or {}
    ends = [date.fromisoformat(p["end"]) for row in result.get("rows") or [] for p in row.get("periods") or []]
    this_year = school_year_start(today)
    if not ends or max(ends) >= date(this_year, 9, 1):
        return None
    period = result.get("period") or {}
    starts = [date.fromisoformat(p["start"] or p["end"]) for row in result.get("rows") or []
              for p in row.get("periods") or []]
    kind = period.get("kind") or "calendar"
    first = period.get("first") or min(starts).year
    last = period.get("last") or max(ends).year
    target = this_year if kind == "school" else today.year
    years = target - first
    if years <= 0:
        return None
    return Move(years, kind, first + years, last + years)


def shift_row(row: dict[str, Any], years: int) -> dict[str, Any]:
    if not years:
        return row
    return {**row, "periods": [{"start": _shift(p.get("start"), years), "end": _shift(p["end"], years)}
                               for p in row.get("periods") or []]}


def _shift(value: str | None, years: int) -> str | None:
    if value is None:
        return None
    day = date.fromisoformat(value)
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1])).isoformat()


def russian_dates(periods: list[dict[str, Any]]) -> str:
    """«10.02.2027», «14.03.2027 – 18.03.2027», «до 01.12.2026»; several periods: the first and how many more."""
    if not periods:
        return ""

    def one(period: dict[str, Any]) -> str:
        end = _ru(period["end"])
        if period.get("start") is None:
            return plain("roadmap.period.until", date=end)
        start = _ru(period["start"])
        return start if start == end else f"{start} – {end}"

    shown = ", ".join(one(p) for p in periods[:3])
    return shown + (f" … (+{len(periods) - 3})" if len(periods) > 3 else "")


def _ru(value: str) -> str:
    return datetime.strptime(value, "%Y-%m-%d").strftime("%d.%m.%Y")
