"""roadmap parse FILE [--year] [--json]; roadmap import FILE --network S [--year]."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from bot.cli import in_session, run_async, settings_or_exit
from bot.services.clock import SystemClock

app = typer.Typer(help="Дорожная карта: разобрать файл DOCX/XLSX/XLS/ODT/ODS/CSV и импортировать мероприятия в сеть.",
                  no_args_is_help=True)

SHOWN_PROBLEMS = 50


def echo_utf8(text: str) -> None:
    """UTF-8 whatever the terminal's locale says (a server's LANG=C must not break Cyrillic)."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        typer.echo(text)
        return
    stream.write((text + "\n").encode("utf-8"))
    stream.flush()


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _read(file: Path, year: int | None, *, as_json: bool = False) -> Any:
    """The parsed roadmap (or exactly `roadmap_to_json`'s dict); a Russian message and exit 1 if unreadable or
    over the upload limits."""
    from bot.i18n import plain
    from bot.services.errors import DomainError
    from bot.services.roadmap import RoadmapError, parse_roadmap, roadmap_to_json

    if not file.is_file():
        _fail(f"Файл не найден: {file}")
    try:
        return roadmap_to_json(file, year) if as_json else parse_roadmap(file, year=year)
    except RoadmapError as error:
        _fail(str(error))
    except DomainError as error:  # FileRejected: more rows, columns or cells than a roadmap may have
        _fail(plain(error.key, **error.values))


def _period(p: dict[str, Any]) -> str:
    if p["start"] is None:
        return f"до {p['end']}"
    return p["start"] if p["start"] == p["end"] else f"{p['start']}…{p['end']}"


@app.command("parse")
def parse(
    file: Path = typer.Argument(..., help="файл дорожной карты: .docx, .xlsx, .xls, .odt, .ods или .csv"),
    year: int = typer.Option(None, "--year", help="год, если документ его не называет"),
    as_json: bool = typer.Option(False, "--json", help="вывести JSON (строки, периоды, повторяемость, вид; "
                                                      "columns — роль каждого столбца)"),
) -> None:
    """Разобрать дорожную карту и показать строки (с --json — машиночитаемо)."""
    if as_json:
        echo_utf8(json.dumps(_read(file, year, as_json=True), ensure_ascii=False, indent=2))
        return
    roadmap = _read(file, year)
    from bot.i18n import plain
    from bot.services.events.importing import needs_attention, preview, rows_of

    rows = rows_of(roadmap)
    summary = preview(roadmap.title, rows, roadmap.warnings)
    lines = [f"«{summary.title or file.name}»",
             f"Строк: {summary.rows}; с датами: {summary.dated}; требуют внимания: {summary.attention}; "
             f"разделов: {summary.sections}.",
             f"Мероприятий для анонса: {summary.events}; мер (документы, мониторинги, анкетирования): {summary.tasks}."]
    lines += [f"Замечание: {w}" for w in summary.warnings]
    for table in roadmap.columns:
        roles = ", ".join(f"«{c['header'] or c['column']}» — {plain('roadmap.roles.' + c['role'])}"
                          for c in table["columns"] if c["role"])
        lines.append(f"{table['name']}: {roles or 'столбцы не распознаны'}" + ("" if table["read"] else " (пропущена)"))
    section = None
    for row in rows:
        if row["section"] != section and row["section"]:
            section = row["section"]
            lines.append(f"\n== {section}")
        periods = ", ".join(_period(p) for p in row["periods"][:4]) + (" …" if len(row["periods"]) > 4 else "")
        flag = "⚠ " if needs_attention(row) else ""
        recurrence = f" ({row['recurrence']})" if row["recurrence"] else ""
        lines.append(f"{flag}{row['number'] or '—'} [{row['kind']}] {row['title']}\n"
                     f"    срок: «{row['when']}» → {periods or 'без даты'}{recurrence}")
        lines += [f"    ⚠ {w}" for w in row["warnings"]]
    echo_utf8("\n".join(lines))


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="файл дорожной карты: .docx, .xlsx, .xls, .odt, .ods или .csv"),
    network: str = typer.Option(..., "--network", help="slug сети"),
    year: int = typer.Option(None, "--year", help="год, если документ его не называет"),
) -> None:
    """Импортировать мероприятия и меры в сеть. Повторный импорт обновляет строки (по номеру и названию),
    не создавая дублей."""
    settings = settings_or_exit()
    roadmap = _read(file, year)

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.services.events.importing import import_rows, rows_of
        from bot.services.networks import get_network

        found = await get_network(session, network)
        result = await import_rows(session, found, rows_of(roadmap), file_name=file.name, title=roadmap.title,
                                   warnings=roadmap.warnings, clock=SystemClock())
        return found.name, result

    name, result = run_async(in_session(settings, work))
    lines = [f"Дорожная карта «{roadmap.title or file.name}» → сеть «{name}» (импорт №{result.import_id}).",
             f"Строк: {result.rows}; новых: {result.created}; обновлено: {result.updated}; "
             f"без изменений: {result.unchanged}; перенесено объявленных: {result.moved}.",
             f"Требуют внимания: {len(result.attention)}."]
    for row in result.attention[:SHOWN_PROBLEMS]:
        why = "; ".join(row.get("warnings") or []) or "без даты"
        lines.append(f"  {row.get('number') or '—'} «{row.get('title')}» — срок «{row.get('when') or ''}»: {why}")
    if len(result.attention) > SHOWN_PROBLEMS:
        lines.append(f"  … и ещё {len(result.attention) - SHOWN_PROBLEMS}")
    if result.attention:
        lines.append("Исправить даты можно в боте: «Дорожная карта» → пришлите файл → «Показать проблемы».")
    echo_utf8("\n".join(lines))
