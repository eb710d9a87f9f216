"""The operator CLI (`python main.py …`): one Typer app, one module per command group."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings, SettingsError, load_settings
from bot.services.errors import DomainError
from bot.i18n import t
from db.session import create_engine, make_sessionmaker

T = TypeVar("T")


def settings_or_exit(*, need_token: bool = False) -> Settings:
    try:
        settings = load_settings()
        if need_token:
            settings.require_messenger()
        return settings
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except DomainError as error:
        typer.echo(t(error.key, "ru", **error.values), err=True)
        raise typer.Exit(1) from None
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


async def in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work` in one committed transaction on a migrated database."""
    from db.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(settings.database_url, engine=engine)
        async with make_sessionmaker(engine).begin() as session:
            return await work(session)
    finally:
        await engine.dispose()


def build_cli() -> typer.Typer:
    from bot.cli import broadcast, core, invite, network

    app = typer.Typer(help="Сетевой наставник — команды оператора.", no_args_is_help=True,
                      add_completion=False, pretty_exceptions_enable=False)
    core.register(app)
    app.add_typer(network.app, name="network")
    app.add_typer(invite.app, name="invite")
    from bot.cli import event, roadmap

    app.add_typer(roadmap.app, name="roadmap")
    app.add_typer(event.app, name="event")
    app.add_typer(broadcast.app, name="broadcast")
    from bot.cli import export, report

    export.register(app)
    report.register(app)
    return app
