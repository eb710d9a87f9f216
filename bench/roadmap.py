"""Roadmap parser speed: a 100-row DOCX with merged section rows, parsed several times; the same rows as an
XLSX and as an ODS written the way LibreOffice writes it (a million implied empty rows at the end); and the DOCX
through the upload sandbox, as the import chat parses it (a worker process per file).

    python bench/roadmap.py [--rows 100] [--runs 7] [--no-sandbox]

Prints the median parse time of each (target for the DOCX: under 1 s) and what was parsed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import docx  # noqa: E402

from bot.services.roadmap import parse_roadmap  # noqa: E402

HEADER = ["№ п/п", "Наименование мероприятия", "Сроки исполнения", "Ответственный исполнитель",
          "Ожидаемый результат"]  # fmt: skip
TITLES = [
    "Вебинар для муниципальных и школьных проектных команд «О планировании работы на год»",
    "Семинар – практикум «Эффективность подготовки к ГИА: проблемы и пути их решения»",
    "Круглый стол по рефлексии выполненной работы на основе методических рекомендаций",
    "Мастер – класс «Использование современных образовательных технологий»",
    "Подготовка и проведение пробных открытых уроков учителями школ с НОР",
    "Совместный педсовет «Пути формирования учебной мотивации обучающихся»",
    "Мониторинг реализации проекта. Корректировка плана мероприятий",
    "Заполнение входной и итоговой анкеты участниками программы",
    "Разработка нормативных документов муниципального уровня",
    "Участие в научно-практической конференции по актуальным вопросам повышения качества образования",
]
WHENS = ["24.02", "14.03-18.03", "12.09.-07.10.", "Апрель, май", "Сентябрь – декабрь 2022 года",
         "до 27 марта 2022 г.", "Ежемесячно с марта 2022", "Ноябрь 15.11, 17.11, 22.11", "в течение года",
         "IV квартал", "по графику", "16.02, 04.03"]  # fmt: skip
RESPONSIBLE = "Куприенко Е.В., главный специалист отдела развития муниципальной системы образования;\n" \
              "Калинова С.А., методист МИМС"  # fmt: skip
RESULT = "Состоялось теоретическое обсуждение проблемы, разработаны планы уроков, подготовлены рекомендации."
SECTION_EVERY = 12


def table_rows(rows: int) -> list[list[str] | str]:
    out: list[list[str] | str] = []
    for index in range(rows):
        if index % SECTION_EVERY == 0:
            out.append(f"{index // SECTION_EVERY + 1}. Этап – основной: реализация проекта")
        out.append([f"{index + 1}.", TITLES[index % len(TITLES)], WHENS[index % len(WHENS)], RESPONSIBLE, RESULT])
    return out


def build_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["МУНИЦИПАЛЬНАЯ ДОРОЖНАЯ КАРТА реализации задач основного этапа на 2022 год"])
    sheet.append(HEADER)
    for row in table_rows(rows):
        if isinstance(row, str):
            sheet.append([row])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(HEADER))
        else:
            sheet.append(row)
    book.save(str(path))


def build_ods(path: Path, rows: int) -> None:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "roadmap"))
    from roadmap_builders import OdfTable, make_ods

    cells: list[list[str]] = [["МУНИЦИПАЛЬНАЯ ДОРОЖНАЯ КАРТА реализации задач основного этапа на 2022 год"], HEADER]
    spans = [(0, 0, 1, len(HEADER))]
    for row in table_rows(rows):
        if isinstance(row, str):
            spans.append((len(cells), 0, 1, len(HEADER)))
            cells.append([row])
        else:
            cells.append(row)
    path.write_bytes(make_ods([OdfTable([c + [""] * (len(HEADER) - len(c)) for c in cells], spans, name="План")]))


def build(path: Path, rows: int) -> None:
    document = docx.Document()
    document.add_paragraph("МУНИЦИПАЛЬНАЯ ДОРОЖНАЯ КАРТА реализации задач основного этапа на 2022 год")
    content = table_rows(rows)
    table = document.add_table(rows=len(content) + 1, cols=len(HEADER))
    for column, text in enumerate(HEADER):
        table.cell(0, column).text = text
    for r, row in enumerate(content, start=1):
        if isinstance(row, str):  # a section: one cell merged across the table
            table.cell(r, 0).merge(table.cell(r, len(HEADER) - 1)).text = row
            continue
        for column, text in enumerate(row):
            table.cell(r, column).text = text
    document.save(str(path))


def measure(path: Path, runs: int) -> tuple[list[float], object]:
    timings = []
    roadmap = None
    for _ in range(runs):
        started = time.perf_counter()
        roadmap = parse_roadmap(path)
        timings.append(time.perf_counter() - started)
    return timings, roadmap


def measure_sandbox(path: Path, runs: int) -> list[float]:
    import asyncio

    from bot.services.roadmap.job import parse_job
    from bot.services.uploads.limits import FileLimits
    from bot.services.uploads.sandbox import run_untrusted

    data, limits = path.read_bytes(), FileLimits()

    async def run() -> list[float]:
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            await run_untrusted(parse_job, data, path.name, {}, None, limits, limits=limits)
            timings.append(time.perf_counter() - started)
        return timings

    return asyncio.run(run())


def line(name: str, timings: list[float], runs: int, target: str = "") -> str:
    return (f"{name}: median {statistics.median(timings) * 1000:.0f} ms, min {min(timings) * 1000:.0f} ms, "
            f"max {max(timings) * 1000:.0f} ms over {runs} runs{target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-sandbox", action="store_true", help="skip the run through the upload sandbox")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roadmap-bench.docx"
        build(path, args.rows)
        timings, roadmap = measure(path, args.runs)
        size_kb = path.stat().st_size / 1024
        sections = len({e.section for e in roadmap.events})  # type: ignore[attr-defined]
        print(f"file: {args.rows} rows, {sections} merged sections, {size_kb:.0f} KB DOCX")
        print(f"parsed: {len(roadmap.events)} events, "  # type: ignore[attr-defined]
              f"{sum(not e.periods for e in roadmap.events)} undated")  # type: ignore[attr-defined]
        print(line("DOCX parse", timings, args.runs, " (target < 1000 ms)"))
        median = statistics.median(timings)
        for name, builder in (("XLSX", build_xlsx), ("ODS", build_ods)):
            other = Path(tmp) / f"roadmap-bench.{name.lower()}"
            builder(other, args.rows)
            other_timings, other_roadmap = measure(other, args.runs)
            print(line(f"{name} parse ({other.stat().st_size / 1024:.0f} KB, "
                       f"{len(other_roadmap.events)} events)", other_timings, args.runs))  # type: ignore[attr-defined]
        if not args.no_sandbox:
            print(line("DOCX through the upload sandbox (a worker process per file)",
                       measure_sandbox(path, args.runs), args.runs))
    print("OK" if median < 1.0 else "SLOW")


if __name__ == "__main__":
    main()
