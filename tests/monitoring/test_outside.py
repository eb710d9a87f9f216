"""Issue 12's check as an outside reviewer runs it, every step a process: `network import` of a CSV that brings a
school named «=1+2» and a person whose ФИО holds a control character, `export`, a broadcast from the CLI and its
not-reached workbook (`broadcast status N --out`). The person must arrive (the control character a space), the school
must stay text in both workbooks, and nothing may become a formula."""
from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli import cli
from tests.xlsx_check import check_xlsx

SCHOOLS = "Наименование ОО;Краткое наименование;Статус;Уровень;Муниципалитет\n=1+2;=1+2;ШНОР;3;Кировский район\n"
PEOPLE = ("ФИО;ОО;Должность;Роль;Предметы\n"
          "Звонкова\x07 Анна Петровна;=1+2;учитель;участник;Математика\n"
          "Петров\x01Иван Сергеевич;=1+2;учитель;участник;Физика\n")


def test_import_export_and_not_reached_list_keep_tricky_names(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"}
    assert cli("network", "create", "--slug", "demo", "--name", "Демо", env=env).returncode == 0
    (tmp_path / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    for name in ("schools.csv", "people.csv"):
        done = cli("network", "import", str(tmp_path / name), "--network", "demo", "--bot-username", "nb_bot",
                   env=env)
        assert done.returncode == 0, done.stderr
        assert "пропущен" not in done.stdout, done.stdout  # nobody is refused for a stray control character
    assert "Участники: новых 2" in done.stdout

    out = tmp_path / "e.xlsx"
    assert cli("export", "--network", "demo", "--out", str(out), env=env).returncode == 0
    wb = check_xlsx(out)  # zip headers, XML, no formulas, openpyxl
    people = {row[0]: row for row in wb["Участники"].iter_rows(min_row=2, values_only=True)}
    assert set(people) == {"Звонкова Анна Петровна", "Петров Иван Сергеевич"}
    assert people["Звонкова Анна Петровна"][1] == "=1+2"
    schools = [row for row in wb["Школы"].iter_rows(min_row=2, values_only=True)]
    assert any("=1+2" in row for row in schools)

    queued = cli("broadcast", "--network", "demo", "--text", "Совещание в пятницу", env=env)
    assert queued.returncode == 0, queued.stderr
    number = re.search(r"Рассылка №(\d+)", queued.stdout).group(1)  # type: ignore[union-attr]
    report = tmp_path / "not-reached.xlsx"
    status = cli("broadcast", "status", number, "--out", str(report), env=env)
    assert status.returncode == 0, status.stderr
    assert "Кому не дошла (строк: 2)" in status.stdout
    rows = list(check_xlsx(report).worksheets[0].iter_rows(values_only=True))
    header = next(row for row in rows if row and "ФИО" in row)
    school, reason = header.index("Школа"), header.index("Причина")
    listed = [row for row in rows if row and row[0] in people]
    assert len(listed) == 2 and all(row[school] == "=1+2" for row in listed)
    assert all("бот" in (row[reason] or "") for row in listed), listed
