"""`broadcast` and `broadcast status ID` as an operator types them."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import broadcast as broadcast_cli
from db.migrate import upgrade
from db.session import create_engine, make_sessionmaker
from tests.delivery.conftest import populate


def operator_cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(broadcast_cli.app, name="broadcast")
    return app


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"

    async def prepare() -> None:
        engine = create_engine(url)
        await upgrade(url, engine=engine)
        async with make_sessionmaker(engine).begin() as session:
            population = await populate(session, people=12)
            population.users[3].is_reachable = False
        await engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return url


def test_broadcast_queues_and_reports(db_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(operator_cli(), ["broadcast", "--network", "kirovsk", "--text", "Семинар в пятницу",
                                            "--audience", "mentors"])
    assert result.exit_code == 0, result.output
    assert "Рассылка №1" in result.output and "получателей: 3" in result.output  # mentors 0, 5, 10
    result = runner.invoke(operator_cli(), ["broadcast", "--network", "kirovsk", "--text", "Всем привет"])
    assert "получателей: 11" in result.output and "пропущены: 1" in result.output
    status = runner.invoke(operator_cli(), ["broadcast", "status", "2"])
    assert status.exit_code == 0, status.output
    assert "Доставлено: 0 из 11" in status.output and "В очереди: 11" in status.output


@pytest.mark.parametrize(("args", "message"), [
    (["broadcast", "--network", "nowhere", "--text", "x"], "не найдена"),
    (["broadcast", "--network", "kirovsk", "--text", "x", "--audience", "aliens"], "Неизвестная аудитория"),
    (["broadcast", "--network", "kirovsk", "--text", "   "], "пуст"),
    (["broadcast", "--network", "kirovsk", "--text", "я" * 5000], "длиннее 4096"),
    (["broadcast", "status", "99"], "не найдена"),
])
def test_broadcast_errors_are_explained_in_russian(db_env: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(operator_cli(), args)
    assert result.exit_code != 0
    assert message in result.output
