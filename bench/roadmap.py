"""Roadmap parser speed: a 100-row DOCX with merged section rows, parsed several times.

    python bench/roadmap.py [--rows 100] [--runs 7]

Prints the median parse time (target: under 1 s) and what was parsed.
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


def build(path: Path, rows: int) -> None:
    document = docx.Document()
    document.add_paragraph("МУНИЦИПАЛЬНАЯ ДОРОЖНАЯ КАРТА реализации задач основного этапа на 2022 год")
    table_rows: list[list[str] | str] = []
    for index in range(rows):
        if index % SECTION_EVERY == 0:
            table_rows.append(f"{index // SECTION_EVERY + 1}. Этап – основной: реализация проекта")
        table_rows.append([f"{index + 1}.", TITLES[index % len(TITLES)], WHENS[index % len(WHENS)], RESPONSIBLE,
                           RESULT])  # fmt: skip
    table = document.add_table(rows=len(table_rows) + 1, cols=len(HEADER))
    for column, text in enumerate(HEADER):
        table.cell(0, column).text = text
    for r, row in enumerate(table_rows, start=1):
        if isinstance(row, str):  # a section: one cell merged across the table
            table.cell(r, 0).merge(table.cell(r, len(HEADER) - 1)).text = row
            continue
        for column, text in enumerate(row):
            table.cell(r, column).text = text
    document.save(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roadmap-bench.docx"
        build(path, args.rows)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            roadmap = parse_roadmap(path)
            timings.append(time.perf_counter() - started)
        size_kb = path.stat().st_size / 1024
    median = statistics.median(timings)
    sections = len({e.section for e in roadmap.events})
    print(f"file: {args.rows} rows, {sections} merged sections, {size_kb:.0f} KB DOCX")
    print(f"parsed: {len(roadmap.events)} events, {sum(not e.periods for e in roadmap.events)} undated")
    print(f"parse time over {args.runs} runs: median {median * 1000:.0f} ms, "
          f"min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms (target < 1000 ms)")  # fmt: skip
    print("OK" if median < 1.0 else "SLOW")


if __name__ == "__main__":
    main()
