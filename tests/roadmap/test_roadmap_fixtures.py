"""The three shared fixtures; expectations written from the seed texts (seeds 000, 002, 003)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from roadmap_builders import periods_of

from bot.services.roadmap import EVENT_KINDS, Roadmap, parse_roadmap, roadmap_to_json


@pytest.fixture
def kirovsk(fixtures_dir: Path) -> Roadmap:
    return parse_roadmap(fixtures_dir / "kirovsk-2022.docx")


@pytest.fixture
def smolensk(fixtures_dir: Path) -> Roadmap:
    return parse_roadmap(fixtures_dir / "smolensk-500plus-2022.xlsx")


@pytest.fixture
def podporozhye(fixtures_dir: Path) -> Roadmap:
    return parse_roadmap(fixtures_dir / "podporozhye-2021-2022.csv")


# -- Kirovsk 2022 (DOCX, calendar year «на 2022 год») ----------------------------------------

KIROVSK = [
    # number, periods, kind
    ("1", [("2022-02-24", "2022-02-24")], "webinar"),
    ("2", [("2022-03-03", "2022-03-03")], "meeting"),
    ("3", [("2022-03-03", "2022-03-10")], "document"),
    ("4", [("2022-03-10", "2022-03-10")], "meeting"),
    ("5", [("2022-03-10", "2022-03-31")], "document"),
    ("6", [("2022-05-01", "2022-05-31")], "conference"),
    ("7", [("2022-02-01", "2022-11-30")], "webinar"),
    ("8", [("2022-03-10", "2022-12-28")], "other"),
    ("8.1", [("2022-03-14", "2022-03-31")], "other"),
    ("8.1.1", [("2022-03-14", "2022-03-18")], "round_table"),
    ("8.1.2", [("2022-02-24", "2022-03-10")], "open_lesson"),
    ("8.1.3", [("2022-03-28", "2022-03-31")], "round_table"),
    ("8.1.4", [("2022-04-01", "2022-04-30"), ("2022-05-01", "2022-05-31")], "other"),
    ("8.2", [("2022-04-04", "2022-04-29")], "other"),
    ("8.2.1", [("2022-04-04", "2022-04-08")], "round_table"),
    ("8.2.2", [("2022-04-25", "2022-04-29")], "round_table"),
    ("8.2.3", [("2022-05-01", "2022-05-31"), ("2022-06-01", "2022-06-30")], "other"),
    ("8.3", [("2022-09-12", "2022-10-07")], "other"),
    ("8.3.1", [("2022-09-12", "2022-09-16")], "round_table"),
    ("8.3.2", [("2022-09-19", "2022-09-30")], "seminar"),
    ("8.3.3", [("2022-09-26", "2022-09-30")], "round_table"),
    ("8.3.4", [("2022-10-03", "2022-10-07")], "other"),
    ("8.3.5", [("2022-10-01", "2022-12-31")], "other"),
    ("8.4", [("2022-10-10", "2022-10-31")], "other"),
    ("8.4.1", [("2022-10-10", "2022-10-14")], "round_table"),
    ("8.4.2", [("2022-10-17", "2022-10-31")], "open_lesson"),
    ("8.4.3", [("2022-10-24", "2022-10-31")], "round_table"),
    ("8.4.4", [("2022-11-01", "2022-12-31")], "other"),
    ("9", [(f"2022-11-{d}", f"2022-11-{d}") for d in (15, 17, 22, 24, 29)], "meeting"),
    ("10", [("2022-12-15", "2022-12-15")], "conference"),
    ("11", [("2022-11-01", "2022-11-30"), ("2022-12-01", "2022-12-31")], "document"),
    ("12", [("2022-12-01", "2022-12-31")], "council"),
]


def test_kirovsk_rows(kirovsk: Roadmap) -> None:
    assert [e.number for e in kirovsk.events] == [n for n, _, _ in KIROVSK]
    for event, (number, periods, kind) in zip(kirovsk.events, KIROVSK, strict=True):
        assert event.periods == periods_of(periods), number
        assert event.kind == kind, number
        assert event.recurrence is None, number


def test_kirovsk_document(kirovsk: Roadmap) -> None:
    assert kirovsk.title.startswith("МУНИЦИПАЛЬНАЯ ДОРОЖНАЯ КАРТА реализации задач")
    assert kirovsk.title.endswith("на 2022 год")
    assert kirovsk.warnings == []
    first = kirovsk.events[0]
    # both «Ответственные» columns are kept
    assert first.responsible is not None
    assert "Куприенко Е.В." in first.responsible and "МКОУ «Шумская СОШ»" in first.responsible
    assert first.expected_result == "Участие в вебинаре, презентация содержания вебинара получена."
    # the stray page number in «Февраль-ноябрь, 4» is dropped and reported
    seventh = kirovsk.events[6]
    assert seventh.when == "Февраль-ноябрь, 4"
    assert any("номер страницы" in w for w in seventh.warnings)


# -- Smolensk «500+» 2022 (XLSX with merged section rows) -------------------------------------

SMOLENSK_SECTIONS = [
    "Организационные мероприятия, направленные на адресное сопровождение ШНОР",
    "Муниципальные- методические мероприятия, направленные на адресное сопровождение школ – участниц проекта",
    "Обобщение и распространение опыта работы по проекту «500+»",
]
SMOLENSK_ROWS = {
    # number: (periods, recurrence, kind)
    "1": ([("2022-01-01", "2022-01-31")], None, "meeting"),
    "2": ([("2022-03-01", "2022-03-31")], None, "document"),
    "5": ([(None, "2022-03-27")], None, "document"),
    "6": ([(None, "2022-03-27")], None, "document"),
    "8": ([("2022-03-01", "2022-12-31")], None, "consultation"),
    "9": ([(None, "2022-04-01")], None, "monitoring"),
    "10": ([("2022-04-01", "2022-12-31")], "quarterly", "monitoring"),
    "11": ([("2022-01-01", "2022-12-31")], "weekly", "webinar"),
    "12": ([("2022-01-01", "2022-12-31")], "continuous", "survey"),
    "13": ([("2022-03-01", "2022-12-31")], "monthly", "monitoring"),
    "14": ([("2022-04-01", "2022-12-31")], None, "seminar"),
    "16": ([("2022-03-01", "2022-05-31")], None, "competition"),
    "17": ([("2022-09-01", "2022-09-30"), ("2022-10-01", "2022-10-31"), ("2022-11-01", "2022-11-30")], None, "meeting"),
    "18": ([("2022-09-01", "2022-12-31")], None, "workshop"),
    "23": ([("2022-10-01", "2022-10-31"), ("2022-11-01", "2022-11-30")], None, "meeting"),
    "27": ([("2022-03-01", "2022-12-31")], "monthly", "meeting"),
    "28": ([("2021-04-01", "2021-12-31")], None, "seminar"),
    "32": ([("2022-07-01", "2022-07-31")], None, "seminar"),
    "35": ([("2022-12-01", "2022-12-31")], None, "conference"),
}


def test_smolensk_sections_are_not_events(smolensk: Roadmap) -> None:
    assert len(smolensk.events) == 33  # 1–30, 32, an unnumbered row, 35
    titles = {e.title for e in smolensk.events}
    assert not titles & set(SMOLENSK_SECTIONS)
    assert [e.section for e in smolensk.events].count(SMOLENSK_SECTIONS[0]) == 13
    assert [e.section for e in smolensk.events].count(SMOLENSK_SECTIONS[1]) == 14
    assert [e.section for e in smolensk.events].count(SMOLENSK_SECTIONS[2]) == 6
    assert smolensk.title.startswith("План – график («дорожная карта»)")


def test_smolensk_rows(smolensk: Roadmap) -> None:
    by_number = {e.number: e for e in smolensk.events}
    for number, (periods, recurrence, kind) in SMOLENSK_ROWS.items():
        event = by_number[number]
        assert (event.periods, event.recurrence, event.kind) == (periods_of(periods), recurrence, kind), number
    assert by_number["1"].indicator == "100% участие"
    assert by_number["1"].expected_result == "Протокол совещания"


def test_smolensk_flags_what_coordinators_must_check(smolensk: Roadmap) -> None:
    by_number = {e.number: e for e in smolensk.events}
    # «Апрель – декабрь 2021 года» in a 2022 plan: kept as written, flagged
    assert any("вне периода документа" in w for w in by_number["28"].warnings)
    unnumbered = by_number[None]
    assert unnumbered.title == "Публичный отчёт школ участниц проекта 500+"
    assert unnumbered.periods == periods_of([("2022-11-01", "2022-11-30")])


# -- Podporozhye 2021/2022 (CSV, school year) ---------------------------------------------------


def test_podporozhye(podporozhye: Roadmap) -> None:
    events = podporozhye.events
    assert [e.number for e in events] == ["1.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9", "2.10"]
    section = ("1.Этап – основной: реализация проекта, организация сетевого наставничества «Школа – школе» "
               "и «учитель – учителю»")
    assert {e.section for e in events} == {section}
    by_number = {e.number: e for e in events}
    assert by_number["2.2"].kind == "workshop"
    assert by_number["2.4"].periods == periods_of([("2021-12-01", "2021-12-31")])
    assert by_number["2.5"].periods == periods_of([("2022-01-01", "2022-01-31")])
    assert by_number["2.7"].kind == "council"
    nine = by_number["2.9"]
    assert (nine.kind, nine.recurrence) == ("workshop", "continuous")
    assert nine.periods == periods_of([("2021-09-01", "2022-05-31")])  # the school year
    assert by_number["2.10"].kind == "monitoring"
    assert by_number["2.10"].expected_result is None
    assert "2021- 2022 учебный год" in podporozhye.title


# -- JSON contract ------------------------------------------------------------------------------


def test_json_shape(fixtures_dir: Path) -> None:
    result = roadmap_to_json(fixtures_dir / "smolensk-500plus-2022.xlsx")
    json.dumps(result, ensure_ascii=False)  # serialisable as is
    assert set(result) == {"title", "events", "columns"}
    plan = result["columns"][0]
    assert plan["read"] and [(c["header"], c["role"]) for c in plan["columns"]] == [
        ("№ п/п", "number"), ("Наименование мероприятия", "title"), ("Сроки исполнения", "dates"),
        ("Показатель реализации", "indicator"), ("Исполнитель", "responsible"), ("Результат", "result")]
    keys = {"number", "section", "title", "kind", "when", "periods", "recurrence", "responsible",
            "expected_result", "indicator", "warnings"}  # fmt: skip
    assert all(set(e) == keys for e in result["events"])
    deadline = next(e for e in result["events"] if e["number"] == "5")
    assert deadline["when"] == "До 27 марта 2022 г."
    assert deadline["periods"] == [{"start": None, "end": "2022-03-27"}]
    assert all(e["kind"] in (*EVENT_KINDS, "document", "monitoring", "survey", "other") for e in result["events"])


def test_bytes_and_path_give_the_same_result(fixtures_dir: Path) -> None:
    path = fixtures_dir / "kirovsk-2022.docx"
    assert parse_roadmap(path.read_bytes(), "kirovsk-2022.docx").to_json() == parse_roadmap(path).to_json()
