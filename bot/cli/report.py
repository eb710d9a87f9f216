"""report --network S --out FILE.docx [--from DATE] [--to DATE] [--school NAME]: the «Аналитическая справка»,
as «📄 Справка» gives it in the chat."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from bot.cli import in_session, run_async, settings_or_exit
from bot.services.clock import SystemClock


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    typer.echo(f"{option}: дата в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, например 01.09.2026", err=True)
    raise typer.Exit(2)


def report(
    network: str = typer.Option(..., "--network", help="slug сети"),
    out: Path = typer.Option(..., "--out", help="файл .docx, куда сохранить справку"),
    since: str = typer.Option(None, "--from", help="начало периода (по умолчанию — 1 сентября учебного года)"),
    until: str = typer.Option(None, "--to", help="конец периода (по умолчанию — сегодня)"),
    school: str = typer.Option(None, "--school", help="справка одной школы (самоанализ): её название"),
) -> None:
    """Аналитическая справка по сети (или по одной школе) за период: показатели против целей с графиком, меры
    дорожной карты, мероприятия, анкеты, пары без встреч, выводы и приложения по школам."""
    settings = settings_or_exit()
    if out.suffix.lower() != ".docx":
        typer.echo("Файл справки должен иметь расширение .docx", err=True)
        raise typer.Exit(1)
    first, last = _day(since, "--from"), _day(until, "--to")
    out.parent.mkdir(parents=True, exist_ok=True)

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.i18n import Translator
        from bot.services.errors import DomainError
        from bot.services.networks import get_network
        from bot.services.report import find_school, write_report

        found = await get_network(session, network)
        try:
            school_id = (await find_school(session, found, school)).id if school else None
            return await write_report(session, found, out, SystemClock(), since=first, until=last,
                                      school_id=school_id)
        except DomainError as error:
            typer.echo(Translator("ru").template(error.key).format(**error.values), err=True)
            raise typer.Exit(1) from None

    result = run_async(in_session(settings, work))
    from bot.cli.roadmap import echo_utf8
    from bot.services.monitoring.texts import mark, name, value_text
    from bot.i18n import Translator

    t = Translator("ru")
    who = f"«{result.school}» (сеть «{result.network}»)" if result.school else f"сети «{result.network}»"
    lines = [f"Аналитическая справка {who} за {result.since:%d.%m.%Y} — {result.until:%d.%m.%Y} сохранена: {out}"]
    lines += [f"  {mark(i, t)} {name(i, t)}: {value_text(i, t)}" for i in result.card.indicators]
    lines.append(f"Время: {result.seconds:.1f} с.")
    echo_utf8("\n".join(lines))
