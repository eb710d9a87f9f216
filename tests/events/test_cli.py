"""`roadmap parse/import` and `event add/list` as an operator runs them: real processes, a real database file."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.services.roadmap import roadmap_to_json
from tests.test_cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "roadmap" / "fixtures"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", "LANG": "C", "LC_ALL": "C"}


@pytest.mark.parametrize("name", ["kirovsk-2022.docx", "smolensk-500plus-2022.xlsx", "podporozhye-2021-2022.csv"])
def test_parse_json_is_exactly_the_parsers_output(name: str, env: dict[str, str]) -> None:
    result = subprocess_utf8("roadmap", "parse", str(FIXTURES / name), "--json", env=env)
    assert json.loads(result) == roadmap_to_json(FIXTURES / name)
    assert "\\u04" not in result, "Cyrillic as is, not escaped"


def subprocess_utf8(*args: str, env: dict[str, str]) -> str:
    done = cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_parse_with_a_year_and_a_readable_summary(env: dict[str, str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("№;Мероприятие;Сроки\n1;Семинар для наставников;15.12\n2;Вебинар;по графику\n", encoding="utf-8")
    data = json.loads(subprocess_utf8("roadmap", "parse", str(plan), "--year", "2026", "--json", env=env))
    assert data["events"][0]["periods"] == [{"start": "2026-12-15", "end": "2026-12-15"}]
    assert data["events"][1]["periods"] == [] and data["events"][1]["warnings"]
    summary = subprocess_utf8("roadmap", "parse", str(plan), "--year", "2026", env=env)
    assert "Строк: 2; с датами: 1; требуют внимания: 1" in summary
    assert "2026-12-15" in summary and "⚠" in summary


def test_unreadable_or_missing_files_end_with_a_russian_message(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "plan.docx"
    broken.write_bytes(b"PK\x03\x04 not really a docx")
    for path in (broken, tmp_path / "nope.xlsx"):
        result = cli("roadmap", "parse", str(path), "--json", env=env)
        assert result.returncode == 1
        assert result.stdout == ""
        assert "Traceback" not in result.stderr and any("а" <= ch <= "я" for ch in result.stderr.lower())


def test_import_is_idempotent_and_lists_rows_needing_attention(env: dict[str, str]) -> None:
    assert cli("network", "create", "--slug", "podp", "--name", "Подпорожский район", env=env).returncode == 0
    path = str(FIXTURES / "podporozhye-2021-2022.csv")
    first = subprocess_utf8("roadmap", "import", path, "--network", "podp", env=env)
    assert "Строк: 10; новых: 10; обновлено: 0; без изменений: 0" in first
    # August 2022 is after the 2021/2022 school year; August 2021 opens it (not flagged)
    assert "Требуют внимания: 1" in first and "01.08.2022–31.08.2022 вне периода документа" in first
    second = subprocess_utf8("roadmap", "import", path, "--network", "podp", env=env)
    assert "новых: 0; обновлено: 0; без изменений: 10" in second
    listed = json.loads(subprocess_utf8("event", "list", "--network", "podp", "--json", env=env))
    assert len(listed) == 10
    assert {e["kind"] for e in listed} >= {"monitoring", "workshop", "council", "conference"}
    wrong = cli("roadmap", "import", path, "--network", "nowhere", env=env)
    assert wrong.returncode == 1 and "не найдена" in wrong.stderr


def test_event_add_announces_to_everyone_with_rsvp_buttons(env: dict[str, str], tmp_path: Path) -> None:
    assert cli("demo-data", "--network", "demo", "--participants", "30", "--telegram-id-start", "50000",
               env=env).returncode == 0
    added = subprocess_utf8("event", "add", "--network", "demo", "--title", "Вебинар «Функциональная грамотность»",
                            "--start", "2030-12-01T15:00", "--kind", "webinar", "--link", "https://example.org/w",
                            "--announce", env=env)
    assert "получателей 30" in added and "broadcast status" in added
    database = sqlite3.connect(tmp_path / "bot.sqlite3")
    rows = database.execute("SELECT payload, not_before FROM outbox WHERE kind = 'announcement'").fetchall()
    assert len(rows) == 30
    payload = json.loads(rows[0][0])
    buttons = [b["text"] for line in payload["reply_markup"]["inline_keyboard"] for b in line]
    assert buttons == ["Пойду", "Не смогу", "📅 В календарь"]
    assert "01.12.2030, 15:00–16:30" in payload["text"]

    draft = subprocess_utf8("event", "add", "--network", "demo", "--title", "Совещание", "--start", "2030-12-02",
                            "--kind", "meeting", "--audience", "mentors", env=env)
    assert "черновик" in draft
    listed = subprocess_utf8("event", "list", "--network", "demo", env=env)
    assert "[анонсировано] 2030-12-01 15:00" in listed and "[черновик]" in listed
    bad = cli("event", "add", "--network", "demo", "--title", "X", "--start", "завтра", env=env)
    assert bad.returncode == 1 and "Не получилось разобрать" in bad.stderr
    past = cli("event", "add", "--network", "demo", "--title", "Семинар", "--start", "2020-01-01T10:00",
               "--announce", env=env)
    assert past.returncode == 1 and "прошло" in past.stderr
    kind = cli("event", "add", "--network", "demo", "--title", "Семинар", "--start", "2030-01-01T10:00",
               "--kind", "party", env=env)
    assert kind.returncode == 1 and "Неизвестный вид" in kind.stderr
