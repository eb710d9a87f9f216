"""The operator CLI as an admin uses it on a server: real processes, real database files."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_", "ADMIN_", "DATABASE_", "MAX_"))}
    return subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True,
                          env={**base, **(env or {})}, cwd=cwd or REPO, timeout=120)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"}


def test_help_names_every_command() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "demo-data", "invite", "network", "backup"):
        assert command in result.stdout


@pytest.mark.parametrize(("env", "setting"), [
    ({}, "BOT_TOKEN"),
    ({"BOT_TOKEN": "1:x", "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
    ({"MAX_BOT_TOKEN": "t", "MAX_ADMIN_IDS": "12,abc"}, "MAX_ADMIN_IDS"),
    ({"BOT_TOKEN": "1:x", "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"BOT_TOKEN": "1:x", "WEBHOOK_URL": "https://bot.example.org/tg"}, "WEBHOOK_SECRET"),
    ({"BOT_TOKEN": "1:x", "WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
    ({"BOT_TOKEN": "1:x", "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
])
def test_bad_settings_end_with_one_clear_line(env: dict[str, str], setting: str, tmp_path: Path) -> None:
    result = cli("run", env=env, cwd=tmp_path)  # tmp cwd: no developer .env leaks in
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    assert "Traceback" not in result.stderr


def test_run_without_any_messenger_names_both_tokens(tmp_path: Path) -> None:
    result = cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr and "MAX_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize("env", [{"MAX_BOT_TOKEN": "t", "MAX_WEBHOOK_URL": "https://bot.example.org/max"},
                                 {"MAX_BOT_TOKEN": "t", "MAX_WEBHOOK_URL": "https://bot.example.org/max",
                                  "MAX_WEBHOOK_SECRET": "no spaces allowed"}])
def test_a_max_webhook_without_a_valid_secret_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    result = cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "MAX_WEBHOOK_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_migrate_network_invite_demo_and_backup(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    assert cli("migrate", env=sqlite_env).returncode == 0
    created = cli("network", "create", "--slug", "kirovsk", "--name", "Кировский район", env=sqlite_env)
    assert created.returncode == 0, created.stderr
    assert "kirovsk" in created.stdout
    again = cli("network", "create", "--slug", "kirovsk", "--name", "Кировский район", env=sqlite_env)
    assert again.returncode == 1
    assert "уже есть" in again.stderr

    invite = cli("invite", "create", "--network", "kirovsk", "--role", "coordinator", "--bot-username", "nb_bot",
                 env=sqlite_env)
    assert invite.returncode == 0, invite.stderr
    link = invite.stdout.strip()
    assert link.startswith("https://t.me/nb_bot?start=")
    assert 1 <= len(link.split("start=")[1]) <= 64

    missing = cli("invite", "create", "--network", "nowhere", "--bot-username", "b", env=sqlite_env)
    assert missing.returncode == 1 and "не найдена" in missing.stderr

    demo = cli("demo-data", "--network", "kirovsk", "--participants", "40", "--telegram-id-start", "5000",
               env=sqlite_env)
    assert demo.returncode == 0, demo.stderr
    demo_again = cli("demo-data", "--network", "kirovsk", "--participants", "40", "--telegram-id-start", "5000",
                     env=sqlite_env)
    assert "новых участников 0" in demo_again.stdout

    out = tmp_path / "copy.sqlite3"
    backup = cli("backup", "--out", str(out), env=sqlite_env)
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(out) as copy:
        people = copy.execute("SELECT count(*) FROM users WHERE messenger_id BETWEEN 5000 AND 5039").fetchone()[0]
        coordinators = copy.execute("SELECT count(*) FROM memberships WHERE is_coordinator").fetchone()[0]
    assert people == 40
    assert coordinators >= 1
