"""network create; network import (schools, participants and pairs from the sheets coordinators keep)."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli import in_session, run_async, settings_or_exit
from bot.i18n import t
from bot.services.networks import create_network

app = typer.Typer(help="Сети (муниципальные программы).", no_args_is_help=True)


@app.command("create")
def create(
    slug: str = typer.Option(..., "--slug", help="короткое латинское имя, например kirovsk"),
    name: str = typer.Option(..., "--name", help="название сети"),
    timezone: str = typer.Option(None, "--timezone", help="часовой пояс IANA (по умолчанию TIMEZONE)"),
) -> None:
    """Создать сеть."""
    settings = settings_or_exit()

    async def work(session):  # type: ignore[no-untyped-def]
        return await create_network(session, slug=slug, name=name, timezone=timezone or settings.timezone)

    network = run_async(in_session(settings, work))
    typer.echo(f"Сеть создана: {network.name} ({network.slug}), часовой пояс {network.timezone}.")


@app.command("import")
def import_sheet(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="таблица XLSX или CSV"),
    network: str = typer.Option(..., "--network", help="slug сети"),
    dry_run: bool = typer.Option(False, "--dry-run", help="только показать, что изменится"),
    bot_username: str = typer.Option(None, "--bot-username", help="имя бота для ссылок (иначе спросим у Telegram)"),
    max_bot_username: str = typer.Option(None, "--max-bot-username",
                                         help="имя бота в MAX (иначе MAX_BOT_USERNAME или спросим у MAX)"),
) -> None:
    """Импортировать школы, участников, пары школ (как в списке Смоленска) и пары педагогов из XLSX/CSV.

    Повторный импорт того же файла ничего не дублирует. Тем, кто ещё не в боте, создаются личные
    ссылки-приглашения: по ним человек входит в свою запись.
    """
    settings = settings_or_exit()
    from bot.services.clock import SystemClock
    from bot.services.invites import links
    from bot.services.mentoring.importer import run_import
    from bot.services.mentoring.sheets import read_sheets
    from bot.services.networks import get_network

    data = file.read_bytes()

    async def work(session):  # type: ignore[no-untyped-def]
        net = await get_network(session, network)
        sheets = read_sheets(data, file.name, settings.file_limits())
        return await run_import(session, network_id=net.id, sheets=sheets, clock=SystemClock(), dry_run=dry_run,
                                check_actor=False)

    result = run_async(in_session(settings, work))
    typer.echo(_import_report(result, file.name))
    if result.invites and not dry_run:
        from bot.cli.invite import bot_usernames

        usernames = run_async(bot_usernames(settings, bot_username, max_bot_username))
        typer.echo(t("mentoring.import.invites_count", "ru", count=len(result.invites)))
        for note in result.invites:  # name, then a link per messenger (Telegram's first), tab-separated
            typer.echo("\t".join([note.full_name, *(link.url for link in links(usernames, note.code or ""))]))


def _import_report(result, name: str) -> str:  # type: ignore[no-untyped-def]
    import re

    lines = [t("mentoring.import.preview" if result.dry_run else "mentoring.import.summary", "ru", name=name,
               sheets="; ".join(t("mentoring.import.sheet_line", "ru", name=sheet,
                                  kind=t(f"mentoring.import.kind_{kind}", "ru"), rows=rows)
                                for sheet, kind, rows in result.sheets))]
    for key, counts in (("schools", result.schools), ("people", result.people), ("links", result.links)):
        lines.append(t(f"mentoring.import.counts_{key}", "ru", created=counts.created, updated=counts.updated,
                       unchanged=counts.unchanged))
    if result.problems:
        lines.append(t("mentoring.import.problems", "ru", count=len(result.problems), skipped=result.skipped_rows))
        for problem in result.problems:
            lines.append(t("mentoring.import.problem_line", "ru", sheet=problem.sheet, row=problem.row,
                           what=t(problem.key, "ru", **problem.values),
                           tail=t("mentoring.import.skipped_mark", "ru") if problem.skipped else ""))
    else:
        lines.append(t("mentoring.import.no_problems", "ru"))
    return re.sub(r"<[^>]+>", "", "\n".join(lines))
