"""The network's workbook: «Участники», «Школы», «Пары и группы», «Встречи», «Мероприятия», «Посещаемость»,
«Анкеты», «Показатели» (with a native chart) — written by the one XLSX writer (bot/services/xlsx.py): typed
cells, frozen headers, filters, fitted widths, print set-up.

Every source reads the database a chunk at a time and every sheet is streamed into the file as the chunks
arrive (XlsxWriter's constant-memory mode), so 10,000 participants, 100,000 sessions and 50,000 answers never sit
in memory at once. Between chunks the writer yields to the event loop, so the bot keeps answering others.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.export.events import attendance_rows, events_rows
from bot.services.export.sessions import sessions_rows
from bot.services.forms import answers_sheet
from bot.services.mentoring.exports import export_rows
from bot.services.monitoring import Card, Indicator, network_card, school_cards
from bot.services.monitoring.periods import Period
from bot.services.monitoring.texts import (definition_lines, mark, name, period_text, status_text, target_text,
                                           value_text)
from bot.services.xlsx import Book, ChartSeries, Percent
from db.models import Network

SHEETS = ("people", "schools", "links", "sessions", "events", "attendance", "answers", "indicators")
CHUNK = 2000

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


def sheet_title(key: str, t: Translator) -> str:
    return t(f"monitoring.export.sheets.{key}")


async def _batched(rows: AsyncIterator[Sequence[Any]], size: int) -> AsyncIterator[Rows]:
    batch: Rows = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


INDICATOR_COLUMNS = ("scope", "indicator", "value", "numerator", "denominator", "percent", "target_value", "target",
                     "status", "period")
PERCENT_COLUMN, TARGET_COLUMN = INDICATOR_COLUMNS.index("percent"), INDICATOR_COLUMNS.index("target_value")


def indicator_rows(network_card_: Card, schools: Iterable[Card], t: Translator) -> tuple[list[str], Rows]:
    """The «Показатели» sheet: the network's indicators, then each school's — the value as the chat card shows
    it (a percent or a count, typed), the numbers themselves (count, of, percent, target) beside it."""
    header = [t(f"monitoring.export.indicators.{c}") for c in INDICATOR_COLUMNS]
    rows: Rows = []
    for card in (network_card_, *schools):
        scope = card.school_name if card.school_id is not None else t("monitoring.export.indicators.network")
        for i in card.indicators:  # shares first (monitoring.ORDER): the chart reads the first block
            rows.append((scope, name(i, t), _value(i, t), i.value, i.total if i.is_share else None,
                         i.percent, i.target, target_text(i, t), f"{mark(i, t)} {status_text(i, t)}",
                         period_text(i, card.period, t)))
    return header, rows


def _value(indicator: Indicator, t: Translator) -> Any:
    """«Значение» as the card shows it, but typed: a share is a percent, a count a number; only «нет данных»
    is text."""
    if indicator.is_share:
        return t("monitoring.value.no_data") if indicator.percent is None else Percent(indicator.percent / 100)
    return indicator.value if isinstance(indicator.value, int | float) else value_text(indicator, t)


def _definitions(t: Translator) -> Rows:
    """What each number counts, under the table: the same words as «ℹ️ Как считаем» in the chat."""
    rows: Rows = [(), (t("monitoring.definitions.heading"),)]
    rows += [(name_, text) for name_, text in definition_lines(t)]
    return rows


async def write_workbook(session: AsyncSession, network: Network, out: str | Path | IO[bytes], clock: Clock, *,
                         progress: ProgressFn | None = None, chunk: int = CHUNK,
                         language: str = "ru") -> ExportResult:
    """Writes the whole workbook to `out` (a path or a binary file object) through the one XLSX writer."""
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

    book = Book(out, tz=period.tz, created=period.now, title=t("monitoring.export.book_title", network=network.name))
    try:
        for index, key in enumerate(SHEETS, start=1):
            title = sheet_title(key, t)
            if progress is not None:
                await progress(Progress(key, title, index, len(SHEETS), 0))
            source = chunks(key)
            header = (await anext(source))[0]
            sheet = book.sheet(title, header)
            async for rows in source:
                if not rows:
                    continue
                sheet.append(rows)
                if progress is not None:
                    await progress(Progress(key, title, index, len(SHEETS), sheet.rows))
                await asyncio.sleep(0)  # let the bot answer others between chunks
            if key == "indicators":
                shares = sum(1 for i in card.indicators if i.is_share)
                sheet.chart(title=t("monitoring.export.chart.title", network=network.name,
                                    date=period.today.strftime("%d.%m.%Y")),
                            categories=INDICATOR_COLUMNS.index("indicator"), first=0, last=shares - 1,
                            series=[ChartSeries(t("monitoring.export.chart.fact"), PERCENT_COLUMN, "#2E7DB5"),
                                    ChartSeries(t("monitoring.export.chart.target"), TARGET_COLUMN, "#B8C4CF")],
                            at_column=len(INDICATOR_COLUMNS) + 1, axis=t("monitoring.export.chart.axis"))
                sheet.note([(), (t("monitoring.export.indicators.note",
                                   date=period.now.astimezone(period.tz).strftime("%d.%m.%Y %H:%M"),
                                   zone=period.tz.key),), *_definitions(t)])
            result.sheets.append((title, sheet.rows))
            if progress is not None:
                await progress(Progress(key, title, index, len(SHEETS), sheet.rows, finished=True))
    finally:
        await asyncio.to_thread(book.close)  # zipping the temporary sheet files takes a moment at scale
    result.seconds = time.perf_counter() - started
    return result
