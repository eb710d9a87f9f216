"""The audit's held-out probes (helper S, issue 9's outside check rehearsed): twelve documents of the corpus
families in variants — the federal stage template with the stage merged down, Р-145 as an XLSX with a number row
and merged sections, network days as Excel dates in an ODS, a mentor's plan as a UTF-8 CSV with a BOM, a month-first
plan with «Месяц» merged over day numbers, a 2026–2028 ODT with Roman sections, school pairs as an ODS with the stage
on its first row only, a ШНОР CSV with lettered sections; then a «Направление деятельности» column over «Содержание
работы», a merged «Задача» column, headers in brackets in a UTF-16 tab CSV with «09.2025» and decades, and «Форма
проведения» beside the title. Expectations (`fixtures/audit/expected.json`) were written with the generators
(`fixtures/audit/gen_*.py.txt`) before the parser was run on them.

First sight: the first eight 59/59; the last four 18/21 — «09.2025» undated and «1-я декада ноября», «2-я декада
февраля» read as whole months. Fixed by pattern in `dates.py` (months with their year in digits, decades); 80/80 now.
Scored the way `../shared/tools/score_roadmaps.py` scores: the days covered (the end days of a deadline), the
recurrence where one is expected, the kind where one is expected, and every stray event counts as a wrong row."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.services.roadmap import parse_roadmap

FOLDER = Path(__file__).parent / "fixtures" / "audit"
EXPECTED: dict[str, list[dict]] = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))


def _key(text: str) -> str:
    return re.sub(r"[^a-zа-я0-9]+", "", text.lower().replace("ё", "е"))


def _days(periods: list, deadline: bool) -> set:
    out: set = set()
    for start, end in periods:
        if deadline:
            out.add(("end", end))
            continue
        day, last = date.fromisoformat(start), date.fromisoformat(end)
        while day <= last:
            out.add(day)
            day += timedelta(days=1)
    return out


def score(name: str) -> tuple[int, int, list[str]]:
    events = parse_roadmap(FOLDER / name).to_json()["events"]
    used: set[int] = set()
    right, problems = 0, []
    for row in EXPECTED[name]:
        key = _key(row["title"])[:30]
        found = next((i for i, e in enumerate(events) if i not in used and key in _key(e["title"] or "")), None)
        if found is None:
            problems.append(f"missing «{row['title']}»")
            continue
        used.add(found)
        got = events[found]
        periods = [(p["start"], p["end"]) for p in got["periods"]]
        ok = _days(periods, row["deadline"]) == _days(row["periods"], row["deadline"])
        ok = ok and (not row["recurrence"] or got["recurrence"] == row["recurrence"])
        ok = ok and (not row["kinds"] or got["kind"] in row["kinds"])
        if ok:
            right += 1
        else:
            problems.append(f"«{row['title']}»: {periods} {got['recurrence']} {got['kind']}")
    stray = [e["title"] for i, e in enumerate(events) if i not in used]
    return right, len(EXPECTED[name]) + len(stray), problems + [f"stray «{t}»" for t in stray]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_row_of_the_audit_probes(name: str) -> None:
    right, total, problems = score(name)
    assert (right, problems) == (total, []), problems


def test_the_probes_cover_every_format_of_the_outside_check() -> None:
    assert {Path(n).suffix for n in EXPECTED} >= {".docx", ".xlsx", ".csv", ".odt", ".ods"}
    assert sum(len(rows) for rows in EXPECTED.values()) == 80
