"""The files the bot hands out, checked from outside as the issue's reviewer would: a fresh SQLite database,
`demo-data`, a roadmap import and a `network import` that brings a school named «=1+2» and a person whose record
holds a control character (the importer reads it as a space, as the writer does); then `export` and `report` as processes, a broadcast's not-reached list, and:

* every XLSX: the zip's local headers against the central directory, every XML part, openpyxl, no formulas,
  date columns holding dates; LibreOffice converts each sheet to CSV (cells as shown) and the workbook to PDF;
* the DOCX: LibreOffice converts it to PDF and pdftoppm to PNG pages (kept with --keep DIR to look at);
* the chart: rendered and scaled to 390 px wide (kept too).

    python bench/check_files.py [--keep DIR]

Prints what it checked and the figures; exits non-zero on the first failed check. Needs LibreOffice
(`apt-get install -y libreoffice-calc libreoffice-writer poppler-utils`).
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.xlsx_check import check_xlsx, libreoffice_convert, soffice  # noqa: E402

FIRST_ID = 7_000_000


def cli(*args: str, url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_", "ADMIN_", "DATABASE_"))}
    done = subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True,
                          env={**env, "DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"}, cwd=REPO, timeout=600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def import_files(folder: Path) -> list[Path]:
    """CSV, the way a coordinator's spreadsheet often arrives (openpyxl would refuse the control character and
    turn «=1+2» into a formula before the bot ever saw it)."""
    schools, people = folder / "schools.csv", folder / "people.csv"
    schools.write_text("Наименование ОО;Краткое наименование;Статус;Уровень;Муниципалитет\n"
                       "=1+2;=1+2;ШНОР;3;Кировский район\n", encoding="utf-8")
    people.write_text("ФИО;ОО;Должность;Роль;Предметы\n"
                      "Звонкова\x07 Анна Петровна;=1+2;учитель\x07математики;участник;Математика\n", encoding="utf-8")
    return [schools, people]


async def not_reached(path: Path) -> None:
    from bot.services.broadcasts import UnreachedRow, report_xlsx

    rows = [UnreachedRow(1, "Звонкова\x07 Анна", None, '=HYPERLINK("http://example.invalid","x")', "unreachable",
                         "Forbidden: bot was blocked by the user")]
    path.write_bytes(report_xlsx(rows, title="Рассылка №1: кому сообщение не дошло"))


def check_workbook(path: Path, out: Path, *, tricky: bool = True) -> None:
    started = time.perf_counter()
    wb = check_xlsx(path)
    checked = f"{path.name}: zip headers, XML parts, no formulas, openpyxl — {len(wb.sheetnames)} sheets"
    for ws in wb.worksheets:
        header = [c.value for c in next(ws.iter_rows(max_row=1))]
        for index, title in enumerate(header):
            if title in ("Дата", "Начало", "Окончание", "В сети с", "Срок", "Отправлено", "Когда отмечено"):
                values = [r[index] for r in ws.iter_rows(min_row=2, max_row=500, values_only=True) if r[index]]
                assert all(isinstance(v, datetime) for v in values), (ws.title, title, values[:3])
    if soffice():
        sheets = libreoffice_convert(path, "csv", out / f"{path.stem}-csv")
        texts = {p.stem.rsplit("-", 1)[-1]: list(csv.reader(p.open(encoding="utf-8"))) for p in sheets}
        flat = [cell for rows in texts.values() for row in rows for cell in row]
        if tricky:
            assert "=1+2" in flat or any("HYPERLINK" in c for c in flat), "a formula-looking name did not stay text"
            assert any(c in ("Звонкова Анна Петровна", "Звонкова  Анна") for c in flat), \
                "the control character did not become a space"
            assert not any("\x07" in c for c in flat)
        pdf = libreoffice_convert(path, "pdf", out)
        checked += f"; LibreOffice: {len(sheets)} CSV sheets, PDF {pdf[0].stat().st_size // 1024} KB"
    print(f"OK {checked} ({time.perf_counter() - started:.1f} s)")


def check_report(path: Path, out: Path) -> None:
    from docx import Document

    doc = Document(str(path))
    assert doc.paragraphs[0].text == "АНАЛИТИЧЕСКАЯ СПРАВКА"
    line = f"OK {path.name}: python-docx reads {len(doc.paragraphs)} paragraphs, {len(doc.tables)} tables"
    if soffice():
        pdf = libreoffice_convert(path, "pdf", out)[0]
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / "spravka-page")], check=True)
            pages = sorted(out.glob("spravka-page*.png"))
            line += f"; LibreOffice PDF, {len(pages)} pages as PNG in {out}"
    print(line)


async def chart(url: str, out: Path) -> None:
    from PIL import Image

    from bot.i18n import Translator
    from bot.services.clock import SystemClock
    from bot.services.monitoring import network_card, render_chart
    from bot.services.networks import get_network
    from db.session import create_engine, make_sessionmaker

    engine = create_engine(url)
    async with make_sessionmaker(engine)() as session:
        card = await network_card(session, await get_network(session, "demo"), SystemClock())
    await engine.dispose()
    png = out / "chart.png"
    png.write_bytes(render_chart(card, Translator("ru")))
    with Image.open(png) as image:
        w, h = image.size
        image.resize((390, round(h * 390 / w)), Image.LANCZOS).save(out / "chart-390.png")
    print(f"OK chart {w}×{h} px, scaled to 390 px wide: {out / 'chart-390.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", help="write the files into this directory and keep them")
    args = parser.parse_args()
    if not soffice():
        print("LibreOffice is not installed: the zip/XML/openpyxl checks run, the LibreOffice ones are skipped")
    with tempfile.TemporaryDirectory(prefix="check-files-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        db = out / "check.sqlite3"
        db.unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{db}"
        cli("migrate", url=url)
        cli("demo-data", "--network", "demo", "--participants", "120", "--telegram-id-start", str(FIRST_ID), url=url)
        cli("roadmap", "import", str(REPO / "tests" / "roadmap" / "fixtures" / "kirovsk-2022.docx"), "--network",
            "demo", "--year", str(datetime.now().year), url=url)
        for path in import_files(out):
            print(cli("network", "import", str(path), "--network", "demo", url=url).strip().splitlines()[0])
        cli("export", "--network", "demo", "--out", str(out / "export.xlsx"), url=url)
        cli("report", "--network", "demo", "--out", str(out / "spravka.docx"), url=url)
        asyncio.run(not_reached(out / "not-reached.xlsx"))
        from bot.services.mentoring.template import template_xlsx

        (out / "template.xlsx").write_bytes(template_xlsx())
        for name in ("export.xlsx", "not-reached.xlsx", "template.xlsx"):
            check_workbook(out / name, out, tricky=name != "template.xlsx")
        check_report(out / "spravka.docx", out)
        asyncio.run(chart(url, out))


if __name__ == "__main__":
    main()
