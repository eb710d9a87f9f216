"""The network's workbook: «Участники», «Школы», «Пары и группы», «Встречи», «Мероприятия», «Посещаемость»,
«Анкеты», «Показатели» — Russian headers, local dates, frozen header rows, widths from the data.

Every source reads the database a chunk at a time and every sheet is streamed into the file as the chunks
arrive (bot/services/export/xlsx.py), so 10,000 participants, 100,000 sessions and 50,000 answers never sit
in memory at once. Between chunks the writer yields to the event loop, so the bot keeps answering others.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.export.events import attendance_rows, events_rows
from bot.services.export.sessions import sessions_rows
from bot.services.export.xlsx import XlsxBook
from bot.services.forms import answers_sheet
from bot.services.mentoring.exports import export_rows
from bot.services.monitoring import Card, network_card, school_cards
from bot.services.monitoring.periods import Period
from bot.services.monitoring.texts import mark, name, period_text, status_text, target_text, value_text
from db.models import Network

SHEETS = ("people", "schools", "links", "sessions", "events", "attendance", "answers", "indicators")
CHUNK = 2000
SAMPLE_ROWS = 200  # rows looked at to size the columns
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 6, 60, 28

Rows = list[Sequence[Any]]


@dataclass(frozen=True)
class Progress:
    key: str
    title: str
    index: int  # 1-based
    total: int
    rows: int  # data rows written to this sheet so far
    finished: bool = False  # the sheet is complete


ProgressFn = Callable[[Progress], Awaitable[None]]


@dataclass
class ExportResult:
    network: str
    sheets: list[tuple[str, int]] = field(default_factory=list)  # title, data rows
    seconds: float = 0.0
    card: Card | None = None  # the «Показатели» the workbook holds (what /stats shows at that moment)


class Sheet(Protocol):
    rows: int

    def append(self, rows: Rows) -> None: ...
    def note(self, rows: Rows) -> None: ...


class Book(Protocol):
    def sheet(self, title: str, header: Sequence[Any], widths: Sequence[float]) -> Sheet: ...
    def close(self) -> None: ...


def sheet_title(key: str, t: Translator) -> str:
    return t(f"monitoring.export.sheets.{key}")


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return max((len(part) for part in text.split("\n")), default=0)


def widths(header: Sequence[Any], sample: Iterable[Sequence[Any]]) -> list[float]:
    """Wide enough for the data seen (up to a limit); headers wrap rather than widen a column."""
    result = [min(max(_width(h), MIN_WIDTH), HEADER_WIDTH) for h in header]
    for row in sample:
        for index, value in enumerate(row[:len(result)]):
            result[index] = max(result[index], min(_width(value), MAX_WIDTH))
    return [w + 2 for w in result]


async def _batched(rows: AsyncIterator[Sequence[Any]], size: int) -> AsyncIterator[Rows]:
    batch: Rows = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def indicator_rows(network_card_: Card, schools: Iterable[Card], t: Translator) -> tuple[list[str], Rows]:
    """The «Показатели» sheet: the network's indicators, then each school's — in the chat card's words."""
    columns = ("scope", "indicator", "value", "numerator", "denominator", "percent", "target", "status", "period")
    header = [t(f"monitoring.export.indicators.{c}") for c in columns]
    rows: Rows = []
    for card in (network_card_, *schools):
        scope = card.school_name if card.school_id is not None else t("monitoring.export.indicators.network")
        for i in card.indicators:
            rows.append((scope, name(i, t), value_text(i, t), i.value, i.total if i.is_share else None,
                         i.percent, target_text(i, t), f"{mark(i, t)} {status_text(i, t)}",
                         period_text(i, card.period, t)))
    return header, rows


async def write_workbook(session: AsyncSession, network: Network, out: str | Path | IO[bytes], clock: Clock, *,
                         progress: ProgressFn | None = None, chunk: int = CHUNK, language: str = "ru",
                         book: Callable[[str | Path | IO[bytes]], Book] | None = None) -> ExportResult:
    """Writes the whole workbook to `out` (a path or a binary file object). `book` picks the writer
    (the streaming XLSX writer by default; `OpenpyxlBook` gives the same workbook through openpyxl)."""
    started = time.perf_counter()
    t = Translator(language)
    period = Period.of(network, clock.now())
    card = await network_card(session, network, clock)
    result = ExportResult(network=network.name, card=card)

    async def chunks(key: str) -> AsyncIterator[Rows]:
        if key == "sessions":
            async for rows in sessions_rows(session, network, t, chunk=chunk):
                yield rows
        elif key in ("people", "schools", "links"):
            async for rows in export_rows(session, network.id, key, language=language, chunk=chunk):
                yield rows
        elif key == "events":
            async for rows in events_rows(session, network, period, t, chunk=chunk):
                yield rows
        elif key == "attendance":
            async for rows in attendance_rows(session, network, period, t, chunk=chunk):
                yield rows
        elif key == "answers":
            sheet = await answers_sheet(session, network.id)
            yield [sheet.headers]
            async for rows in _batched(sheet.rows(), chunk):
                yield rows
        else:
            header, rows = indicator_rows(card, (await school_cards(session, network, clock)).values(), t)
            yield [header]
            yield rows

    writer = book(out) if book is not None else XlsxBook(out, created=period.now)
    try:
        for index, key in enumerate(SHEETS, start=1):
            title = sheet_title(key, t)
            if progress is not None:
                await progress(Progress(key, title, index, len(SHEETS), 0))
            source = chunks(key)
            header = (await anext(source))[0]
            pending: Rows | None = await anext(source, [])
            sheet = writer.sheet(title, header, widths(header, (pending or [])[:SAMPLE_ROWS]))
            while pending is not None:
                if pending:
                    sheet.append(pending)
                    if progress is not None:
                        await progress(Progress(key, title, index, len(SHEETS), sheet.rows))
                    await asyncio.sleep(0)  # let the bot answer others between chunks
                pending = await anext(source, None)
            if key == "indicators":
                sheet.note([(), (t("monitoring.export.indicators.note",
                                   date=period.now.astimezone(period.tz).strftime("%d.%m.%Y %H:%M"),
                                   zone=period.tz.key),)])
            result.sheets.append((title, sheet.rows))
            if progress is not None:
                await progress(Progress(key, title, index, len(SHEETS), sheet.rows, finished=True))
    finally:
        writer.close()
    result.seconds = time.perf_counter() - started
    return result
