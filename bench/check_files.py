"""The files the bot hands out, checked from outside as the issue's reviewer would: a fresh SQLite database,
`demo-data`, a roadmap import and a `network import` that brings a school named «=1+2» and a person whose record
holds a control character (the importer reads it as a space, as the writer does); then `export` and `report` as processes, a broadcast's not-reached list, and:

* every XLSX: the zip's local headers against the central directory, every XML part, openpyxl, no formulas,
  date columns holding dates; LibreOffice converts each sheet to CSV (cells as shown) and the workbook to PDF;
* the DOCX files (the справка, a person's /mydata): python-docx reads them, LibreOffice converts them to PDF and
  pdftoppm to PNG pages (kept with --keep DIR to look at);
* the calendar (ICS) of the network's events: icalendar reads it back, every line is CRLF-ended and at most 75
  octets, each event has a UID, a start and a summary, and LibreOffice opens it as text (it has no calendar
  import) — then the same events read by a second, independent line parser;
* the /mydata JSON: parsed strictly (no NaN), its keys Russian words, and the same numbers of records as the DOCX;
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


def check_report(path: Path, out: Path, first: str = "АНАЛИТИЧЕСКАЯ СПРАВКА") -> None:
    from docx import Document

    doc = Document(str(path))
    assert doc.paragraphs[0].text.strip() == first, doc.paragraphs[0].text
    line = f"OK {path.name}: python-docx reads {len(doc.paragraphs)} paragraphs, {len(doc.tables)} tables"
    if soffice():
        pdf = libreoffice_convert(path, "pdf", out)[0]
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / f"{path.stem}-page")], check=True)
            pages = sorted(out.glob(f"{path.stem}-page*.png"))
            line += f"; LibreOffice PDF, {len(pages)} pages as PNG in {out}"
    print(line)


async def person_files(url: str, out: Path) -> None:
    """What /mydata hands out and the calendar file the events screen offers, made by the bot's own code."""
    from sqlalchemy import select

    from bot.i18n import Translator
    from bot.services import mydata, privacy
    from bot.services.clock import SystemClock
    from bot.services.events.calendar import calendar_file, public_events
    from bot.services.networks import get_network
    from db.models import Event, Membership, User
    from db.session import create_engine, make_sessionmaker

    engine = create_engine(url)
    now = SystemClock().now()
    async with make_sessionmaker(engine)() as session:
        network = await get_network(session, "demo")
        user = await session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                                    .where(Membership.network_id == network.id, User.consent_at.is_not(None),
                                           Membership.is_mentor.is_(True)).order_by(User.id).limit(1))
        assert user is not None, "demo-data made no registered mentor"
        data = await privacy.export_user_data(session, user)
        (out / mydata.FILE_NAME).write_bytes(await mydata.document(session, user, data, Translator("ru"), now))
        (out / "my-data.json").write_bytes(privacy.export_as_json(data))
        events = (await session.scalars(select(Event).where(Event.network_id == network.id))).all()
        shown = public_events(events, now) or list(events)
        (out / "events.ics").write_bytes(calendar_file(shown, network, Translator("ru"), now=now))
    await engine.dispose()


def check_json(path: Path) -> None:
    import json
    import re

    def no_constants(name: str) -> None:
        raise AssertionError(f"{path.name}: {name} is not JSON")

    data = json.loads(path.read_bytes().decode("utf-8"), parse_constant=no_constants)
    keys: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            keys.extend(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    latin = [k for k in keys if re.search(r"[A-Za-z]", k)]
    print(f"OK {path.name}: strict JSON, {len(keys)} keys" + (f", Latin keys: {sorted(set(latin))[:8]}" if latin else
                                                              ", all keys in Russian"))


def check_calendar(path: Path, out: Path) -> None:
    import icalendar

    raw = path.read_bytes()
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "every line ends with CRLF"
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert events, "the calendar holds the network's events"
    for event in events:
        assert event.get("uid") and event.get("dtstart") and str(event.get("summary") or "").strip(), event
    # A second reader: unfold the lines by hand (RFC 5545, 3.1) and count what the first one saw.
    unfolded = raw.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8").split("\r\n")
    assert sum(line == "BEGIN:VEVENT" for line in unfolded) == len(events)
    assert sum(line.startswith("SUMMARY") for line in unfolded) == len(events)
    line = f"OK {path.name}: icalendar reads {len(events)} events, lines ≤ 75 octets with CRLF, unfolded by hand alike"
    if soffice():
        text = libreoffice_convert(path, "txt:Text", out / "ics-txt")
        line += f"; LibreOffice opens it ({text[0].stat().st_size // 1024} KB as text)"
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
        asyncio.run(person_files(url, out))
        from bot.i18n import plain
        from bot.services import mydata

        check_report(out / mydata.FILE_NAME, out, first=plain("mydata.title", "ru"))
        check_json(out / "my-data.json")
        check_calendar(out / "events.ics", out)
        asyncio.run(chart(url, out))


if __name__ == "__main__":
    main()
