"""Writes a held-out set to a folder as the external check sees it: the files, and `expected.json` in the corpus
format (`../shared/fixtures/roadmaps/corpus/README.md`), so `score_roadmaps.py` can score it through the CLI.

    python tests/roadmap/export_heldout.py test_roadmap_heldout_sixth /tmp/sixth
    python ../shared/tools/score_roadmaps.py /tmp/sixth /tmp/sixth/expected.json --all
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]


def expected_row(row: object) -> dict[str, object]:
    periods = [[start, end] for start, end in row.periods]  # type: ignore[attr-defined]
    kinds = row.kind  # type: ignore[attr-defined]
    return {"title": row.title, "when": row.when, "periods": periods,  # type: ignore[attr-defined]
            "deadline": bool(periods) and all(start is None for start, _ in periods),
            "recurrence": row.recurrence,  # type: ignore[attr-defined]
            "kinds": None if kinds is None else [kinds] if isinstance(kinds, str) else list(kinds)}


def main(module_name: str, folder: Path) -> None:
    docs = importlib.import_module(module_name).DOCS
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (build, rows) in docs.items():
        (folder / name).write_bytes(build())
        expected[name] = [expected_row(row) for row in rows]
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
