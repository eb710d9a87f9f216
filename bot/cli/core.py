"""run, migrate, demo-data, backup."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from bot.cli import in_session, run_async, settings_or_exit
from bot.services.clock import SystemClock
from db.session import is_sqlite


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("migrate")(migrate)
    app.command("demo-data")(demo_data)
    app.command("backup")(backup)


def run() -> None:
    """Запустить бота (polling, или webhook при заданном WEBHOOK_URL)."""
    settings = settings_or_exit(need_token=True)
    from bot.logs import setup_logging

    setup_logging(settings)  # before anything logs: the token and SQL parameters never reach the log
    from bot.app import run as run_bot

    run_async(run_bot(settings))


def migrate() -> None:
    """Применить миграции базы данных."""
    settings = settings_or_exit()
    from db.migrate import upgrade

    run_async(upgrade(settings.database_url))
    typer.echo("Миграции применены.")


def demo_data(
    network: str = typer.Option(..., "--network", help="slug сети (создаётся, если её нет)"),
    participants: int = typer.Option(50, "--participants", min=0, help="сколько участников создать"),
    messenger_id_start: int = typer.Option(100_000, "--telegram-id-start", "--id-start",
                                           help="первый id участника в мессенджере"),
    messenger: str | None = typer.Option(None, "--messenger",
                                         help="telegram или max (по умолчанию — Telegram, если он настроен)"),
) -> None:
    """Создать демо-сеть: школы из районов-источников и зарегистрированных участников."""
    settings = settings_or_exit()
    from bot.services.demo import create_demo

    platform = messenger or ("telegram" if settings.telegram_enabled or not settings.max_enabled else "max")
    if platform not in ("telegram", "max"):
        typer.echo("Мессенджер: telegram или max.", err=True)
        raise typer.Exit(2)

    async def work(session):  # type: ignore[no-untyped-def]
        return await create_demo(session, slug=network, participants=participants,
                                 messenger_id_start=messenger_id_start, clock=SystemClock(),
                                 timezone=settings.timezone, platform=platform)

    summary = run_async(in_session(settings, work))
    typer.echo(f"Сеть «{summary.network.name}» ({summary.network.slug}): школ {summary.schools}, "
               f"новых участников {summary.created}, из них наставников {summary.mentors}, "
               f"координаторов {summary.coordinators}.")
    if summary.mentoring is not None:
        typer.echo(f"Пар и групп {sum(summary.mentoring.links.values())}, встреч {summary.mentoring.sessions}, "
                   f"целей ИППР {summary.mentoring.goals}.")


def backup(out: Path = typer.Option(..., "--out", help="файл копии")) -> None:
    """Сделать согласованную копию базы (SQLite; для PostgreSQL подскажет pg_dump)."""
    settings = settings_or_exit()
    if not is_sqlite(settings.database_url):
        url = make_url(settings.database_url)
        typer.echo(f"Для PostgreSQL используйте: pg_dump -h {url.host or 'localhost'} -p {url.port or 5432} "
                   f"-U {url.username or 'postgres'} -Fc -f {out} {url.database}")
        raise typer.Exit(0)
    source = make_url(settings.database_url).database or ""
    if not Path(source).exists():
        typer.echo(f"Файл базы не найден: {source}", err=True)
        raise typer.Exit(1)
    out.parent.mkdir(parents=True, exist_ok=True)

    def copy() -> None:
        # SQLite's online backup API: consistent even while the bot is writing.
        with sqlite3.connect(source) as src, sqlite3.connect(out) as dst:
            src.backup(dst)

    asyncio.run(asyncio.to_thread(copy))
    typer.echo(f"Копия сохранена: {out}")
