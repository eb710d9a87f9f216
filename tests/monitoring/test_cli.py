"""As it will be checked from outside: `demo-data`, a roadmap import and `export` run as processes; a script
reads the workbook's sheets and headers, and the «Показатели» numbers agree with what /stats shows."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import load_workbook

from bot.services.report import doc_marks
from tests.harness import BotHarness
from tests.monitoring.test_chat import card_lines, indicator_values

REPO = Path(__file__).resolve().parent.parent.parent
ROADMAPS = REPO / "tests" / "roadmap" / "fixtures"
FIRST_ID = 5_100_000  # demo-data makes the first two people coordinators

HEADERS = {
    "Участники": ["ФИО", "ОО", "Должность", "Предметы", "Роли"],
    "Школы": ["№", "Наименование", "Краткое наименование", "Муниципалитет", "Статус"],
    "Пары и группы": ["№", "Вид", "Форма", "Статус"],
    "Встречи": ["Дата", "Пара №", "Вид пары", "Наставник", "Наставляемые", "Формат"],
    "Мероприятия": ["№", "Раздел", "Мероприятие", "Вид", "Мера (без анонса)", "Срок в дорожной карте", "Даты",
                    "Начало", "Окончание"],
    "Посещаемость": ["№ мероприятия", "Мероприятие", "Дата", "ФИО", "ОО", "Запись", "Присутствие"],
    "Анкеты": ["Анкета", "Запрос", "Срок", "ФИО", "Школа", "Статус", "Отправлено", "Изменено"],
    "Показатели": ["Школа", "Показатель", "Значение", "Сколько", "Из", "Процент", "Цель (число)", "Цель", "Статус",
                   "Период"],
}


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_", "ADMIN_", "DATABASE_"))}
    result = subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True,
                            env={**base, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}, cwd=REPO,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result


async def test_export_after_demo_data_and_a_roadmap_agrees_with_stats(harness: BotHarness, database_url: str,
                                                                      tmp_path: Path) -> None:
    cli("demo-data", "--network", "demo", "--participants", "80", "--telegram-id-start", str(FIRST_ID),
        database_url=database_url)
    imported = cli("roadmap", "import", str(ROADMAPS / "podporozhye-2021-2022.csv"), "--network", "demo",
                   database_url=database_url).stdout
    new_rows = int(re.search(r"новых: (\d+)", imported).group(1))  # type: ignore[union-attr]
    out = tmp_path / "report" / "demo.xlsx"
    printed = cli("export", "--network", "demo", "--out", str(out), database_url=database_url).stdout
    harness.app.clock.set(datetime.now(timezone.utc))  # the bot reads the same moment the CLI did
    assert "Выгрузка сети «" in printed and "Показатели:" in printed

    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == list(HEADERS)
    for title, expected in HEADERS.items():
        header = next(wb[title].iter_rows(max_row=1, values_only=True))
        assert list(header[:len(expected)]) == expected, title
    counts = {title: sum(1 for _ in wb[title].iter_rows(min_row=2)) for title in ("Участники", "Школы", "Мероприятия")}
    assert counts["Участники"] == 80 and counts["Школы"] == 14
    assert new_rows > 0 and counts["Мероприятия"] == 9 + new_rows  # the demo's nine and the roadmap's
    assert f"Участники: {counts['Участники']}" in printed
    rows = [r for r in indicator_values(wb["Показатели"]) if r and r[0] == "Вся сеть"]

    coordinator = harness.person(FIRST_ID)
    sent = await coordinator.command("stats")
    assert [s.method for s in sent] == ["sendPhoto", "sendMessage"]
    shown = card_lines(sent[1].plain_text or "")
    assert [r[1] for r in rows] == list(shown)
    for scope, name, value, count, of, percent, target_value, target, status, period in rows:
        line = shown[name]
        assert f"{name}: {value}" in line, (line, value)
        if of is not None and percent is not None:
            assert f"({count} из {of})" in line, (line, count, of)
        if target != "не задана":
            assert f"цель {target}" in line, (line, target)
        assert line.split(" ")[0] == status.split(" ")[0]
    participation = next(r for r in rows if r[1] == "Участие педагогов")
    assert participation[4] == 78  # 80 people, of them 2 coordinators

    await coordinator.press("По школам")
    await coordinator.press(next(b for b in coordinator.buttons() if "Назиевская" in b))
    school = card_lines(coordinator.joined())
    sheet = {r[1]: r for r in indicator_values(wb["Показатели"])
             if r and r[0] == "Назиевская СОШ"}
    assert list(sheet) == list(school)
    for name, row in sheet.items():
        assert f"{name}: {row[2]}" in school[name]

    # `report` as a process: the справка's indicator table says what /stats says.
    spravka = tmp_path / "r.docx"
    printed = cli("report", "--network", "demo", "--out", str(spravka), database_url=database_url).stdout
    assert "Аналитическая справка сети" in printed and "сохранена" in printed
    from docx import Document

    table = next(t for t in Document(str(spravka)).tables if t.rows[0].cells[1].text == "Показатель")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[1] for r in rows] == list(shown)
    for _, name, value, target, mark in rows:
        assert doc_marks(shown[name]).startswith(mark.split(" ")[0]) and value.split(" (")[0] in shown[name]
    failed = subprocess.run([sys.executable, str(REPO / "main.py"), "report", "--network", "demo", "--out",
                             str(tmp_path / "x.docx"), "--school", "СОШ"], capture_output=True, text=True,
                            env={**os.environ, "DATABASE_URL": database_url}, cwd=REPO, timeout=300)
    assert failed.returncode == 1 and "подходит несколько школ" in failed.stderr
