"""export --network S --out FILE.xlsx: the network's whole workbook, as «Выгрузка» gives it in the chat."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli import in_session, run_async, settings_or_exit
from bot.services.clock import SystemClock


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    network: str = typer.Option(..., "--network", help="slug сети"),
    out: Path = typer.Option(..., "--out", help="файл .xlsx, куда сохранить выгрузку"),
) -> None:
    """Выгрузить всё по сети в один файл Excel: участники, школы, пары и группы, встречи, мероприятия,
    посещаемость, анкеты, показатели."""
    settings = settings_or_exit()
    if out.suffix.lower() != ".xlsx":
        typer.echo("Файл выгрузки должен иметь расширение .xlsx", err=True)
        raise typer.Exit(1)
    out.parent.mkdir(parents=True, exist_ok=True)

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.services.export import write_workbook
        from bot.services.networks import get_network

        found = await get_network(session, network)
        return await write_workbook(session, found, out, SystemClock())

    result = run_async(in_session(settings, work))
    from bot.cli.roadmap import echo_utf8

    lines = [f"Выгрузка сети «{result.network}» сохранена: {out}"]
    lines += [f"  {title}: {rows}" for title, rows in result.sheets]
    lines.append(f"Время: {result.seconds:.1f} с.")
    echo_utf8("\n".join(lines))
