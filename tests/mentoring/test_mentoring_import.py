"""Bulk import against the real database: Smolensk's list of pairs, a 300-row participant sheet, teacher pairs;
header variants in any order; the preview equals the import; a second run changes nothing."""
from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.services.errors import DomainError
from bot.services.mentoring import links as link_service
from bot.services.mentoring.importer import parse_phone, parse_telegram, run_import, school_key
from bot.services.mentoring.sheets import PEOPLE, SCHOOL_PAIRS, TEACHER_PAIRS, read_sheets
from bot.services.mentoring.template import template_xlsx
from db.models import Invite, LinkKind, LinkMember, Membership, MentoringLink, School, User
from tests.mentoring.conftest import MENTEE, MENTOR, build_world
from tests.xlsx_check import check_xlsx

FIXTURES = Path(__file__).parent / "fixtures"
SMOLENSK = FIXTURES / "smolensk_pairs.csv"


def xlsx(rows: list[list[object]], title: str = "Лист1") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts(c) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return c.created, c.updated, c.unchanged


# --- reading and recognising -------------------------------------------------------------------------------------

def test_smolensk_list_is_recognised_as_school_pairs() -> None:
    [sheet] = read_sheets(SMOLENSK.read_bytes(), SMOLENSK.name)
    assert sheet.kind == SCHOOL_PAIRS
    assert set(sheet.columns) == {"mentee_school", "mentor_school", "responsible", "position"}
    assert len(sheet.rows) == 8
    number, first = sheet.rows[0]
    assert number == 2
    assert first["mentee_school"] == "МБОУ «СШ № 13 им. Э.Д. Балтина»"
    assert first["responsible"] == "Тимошенкова Светлана Александровна"


def test_headers_in_any_order_with_a_title_above_and_a_repeated_header() -> None:
    header = ["Телефон", "Ник в Telegram", "Должность", "Ф.И.О. участника", "Образовательная организация",
              "Роль в программе", "Преподаваемые предметы"]
    data = xlsx([["Список участников сетевого наставничества на 2026/2027 уч. год"], [], header,
                 ["8 (911) 123-45-67", "@ivanova_mp", "учитель", "Иванова Мария Петровна", "СОШ № 3", "наставник",
                  "математика"], ["1", "2", "3", "4", "5", "6", "7"], header,
                 ["", "", "директор", "Смирнова Ольга Николаевна", "Никольская ООШ", "наставляемый", ""]])
    [sheet] = read_sheets(data, "people.xlsx")
    assert sheet.kind == PEOPLE
    assert sheet.header_row == 3
    assert sheet.columns["full_name"] == 3 and sheet.columns["telegram"] == 1 and sheet.columns["school"] == 4
    assert [values["full_name"] for _, values in sheet.rows] == ["Иванова Мария Петровна", "Смирнова Ольга Николаевна"]


def test_teacher_pairs_headers_tell_the_mentor_from_the_mentor_school() -> None:
    data = "Школа наставника;Наставник;Наставляемый;Школа наставляемого;Цели\nА;Б;В;Г;Д\n".encode("cp1251")
    [sheet] = read_sheets(data, "pairs.csv")
    assert sheet.kind == TEACHER_PAIRS
    assert sheet.columns == {"mentor_school": 0, "mentor": 1, "mentee": 2, "mentee_school": 3, "goals": 4}


def test_unknown_files_are_refused_with_a_reason() -> None:
    with pytest.raises(DomainError) as error:
        read_sheets(b"%PDF-1.4", "order.pdf")
    assert error.value.key == "mentoring.import.bad_format"
    with pytest.raises(DomainError) as error:
        read_sheets("Мероприятие;Срок\nСеминар;Май\n".encode(), "roadmap.csv")
    assert error.value.key == "mentoring.import.nothing_recognised"


def test_the_template_is_recognised_sheet_by_sheet() -> None:
    sheets = read_sheets(template_xlsx(), "template.xlsx")
    assert sorted(s.kind for s in sheets) == ["people", "school_pairs", "schools", "teacher_pairs"]
    book = check_xlsx(template_xlsx())
    assert book.sheetnames == ["Школы", "Участники", "Пары школ", "Пары педагогов"]
    people = book["Участники"]
    assert people.freeze_panes == "A2" and people.auto_filter.ref and people.print_title_rows == "$1:$1"


def test_cells_people_type() -> None:
    assert parse_telegram("@ivanova_mp") == (None, "ivanova_mp")
    assert parse_telegram("https://t.me/ivanova_mp") == (None, "ivanova_mp")
    assert parse_telegram("123456789") == (123456789, None)
    with pytest.raises(DomainError):
        parse_telegram("иванова")
    assert parse_phone("8 (911) 123-45-67") == "+79111234567"
    assert parse_phone("") is None
    assert school_key("МБОУ «СШ № 7»") == school_key("СШ №7") == "сш №7"


# --- importing ----------------------------------------------------------------------------------------------------

async def test_smolensk_pairs_import_is_previewed_exactly_and_idempotent(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        world = await build_world(session, clock, with_people=False)
    sheets = read_sheets(SMOLENSK.read_bytes(), SMOLENSK.name)
    async with db.begin() as session:
        preview = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, dry_run=True,
                                   check_actor=False)
        assert await session.scalar(select(func.count()).select_from(MentoringLink)) == 0, "a dry run writes nothing"
    async with db.begin() as session:
        result = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, check_actor=False)
    for got in (preview, result):
        assert counts(got.schools) == (14, 0, 0)  # 8 low-result schools, 6 distinct high-result ones
        assert counts(got.people) == (6, 0, 0)  # Слободич and Тимошенкова answer for two pairs each
        assert counts(got.links) == (8, 0, 0)
        assert got.problems == []
        assert len(got.invites) == 6
    async with db() as session:
        links = (await session.scalars(select(MentoringLink).where(MentoringLink.network_id == world.network_id))).all()
        assert {link.kind for link in links} == {LinkKind.SCHOOL_SCHOOL.value}
        assert {link.form for link in links} == {"partner"}
        gymnasium = await session.scalar(select(School).where(School.name.like("%Гимназия № 1%")))
        low = await session.scalar(select(School).where(School.name == "МБОУ «СШ № 16»"))
        assert gymnasium.status == "leader" and low.status == "shnor"
        codes = set((await session.scalars(select(Invite.code).where(Invite.target_user_id.is_not(None)))).all())
        slobodich = await session.scalar(select(User).where(User.full_name == "Слободич Анжела Николаевна"))
        membership = await session.scalar(select(Membership).where(Membership.user_id == slobodich.id))
        assert membership.is_mentor and membership.school_id == gymnasium.id
        assert slobodich.consent_at is None, "nothing is agreed on the person's behalf"
    async with db.begin() as session:
        again = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, check_actor=False)
    assert counts(again.schools) == (0, 0, 14)
    assert counts(again.people) == (0, 0, 6)
    assert counts(again.links) == (0, 0, 8)
    assert {note.code for note in again.invites} == codes, "the same personal links, not new ones"


def participant_sheet(rows: int = 300, seed: int = 5) -> tuple[bytes, dict[str, int]]:
    """A coordinator's sheet: odd column order, Russian header variants, and a few honest mistakes."""
    rng = random.Random(seed)
    surnames = ("Иванова", "Петрова", "Сидорова", "Кузнецова", "Смирнова", "Попова", "Соколова", "Лебедева",
                "Козлова", "Новикова", "Морозова", "Волкова", "Алексеева", "Павлова", "Семёнова")
    names = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Галина")
    fathers = ("Петровна", "Сергеевна", "Ивановна", "Андреевна", "Николаевна", "Викторовна", "Олеговна")
    schools = ("Подпорожская СОШ № 3", "МБОУ «Важинский образовательный центр»", "Никольская ООШ № 9",
               "Подпорожская СОШ № 4")
    header = ["№", "Должность", "Ф.И.О.", "ОО", "Предметы", "Роль", "Telegram", "Телефон", "Направления"]
    table: list[list[object]] = [["Участники сетевого наставничества «Школа – школе»"], header]
    used: set[str] = set()
    expected = {"bad_name": 0, "bad_telegram": 0, "unknown_school": 0, "duplicate": 0, "no_telegram": 0}
    for number in range(1, rows + 1):
        while True:
            full = f"{rng.choice(surnames)} {rng.choice(names)} {rng.choice(fathers)}"
            if full not in used:
                used.add(full)
                break
        mentor = number % 7 == 0
        kind = number % 5
        telegram: object = (f"@teacher_{number}" if kind == 0 else 500_000_000 + number if kind in (1, 2) else "")
        school = schools[number % len(schools)]
        if number in (17, 130, 250):
            full = "Учитель 5Б"
            expected["bad_name"] += 1
        if number in (40, 41):
            telegram = "телеграм есть"
            expected["bad_telegram"] += 1
        if number == 99:
            school = "Школа, которой нет"
            expected["unknown_school"] += 1
        row = [number, "учитель-предметник", full, school, "математика; информатика" if kind else "русский язык",
               "наставник" if mentor else "наставляемый", telegram, "8 911 000 00 00" if kind == 3 else "",
               "ОГЭ, ВПР" if mentor else ""]
        table.append(row)
        if full != "Учитель 5Б" and (not isinstance(telegram, int)):
            expected["no_telegram"] += 1
        if number in (60, 61):
            table.append(list(row))  # the same row pasted twice
            expected["duplicate"] += 1
    return xlsx(table, "Участники"), expected


async def test_a_300_row_participant_sheet_imports_in_one_go_with_a_clear_problem_list(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        world = await build_world(session, clock, with_people=False)
    data, expected = participant_sheet()
    sheets = read_sheets(data, "uchastniki.xlsx")
    async with db.begin() as session:
        result = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, check_actor=False)
    assert result.rows == 302
    assert result.people.created == 300 - expected["bad_name"]
    keys = [p.key.rsplit(".", 1)[1] for p in result.problems]
    assert keys.count("bad_name") == expected["bad_name"]
    assert keys.count("bad_telegram") == expected["bad_telegram"]
    assert keys.count("unknown_school") == expected["unknown_school"]
    assert keys.count("duplicate_row") == expected["duplicate"]
    assert result.skipped_rows == expected["bad_name"] + expected["duplicate"]
    bad = next(p for p in result.problems if p.key.endswith("bad_name"))
    assert bad.sheet == "Участники" and bad.row == 19 and bad.skipped  # row 17 of the data, under two title rows
    # Everyone not in the bot yet gets a personal link, with or without an id in the sheet: the list doesn't tell
    # which ids the bot knows.
    assert len(result.invites) == result.people.created
    async with db() as session:
        mentors = await session.scalar(select(func.count()).select_from(Membership).where(
            Membership.network_id == world.network_id, Membership.is_mentor.is_(True)))
        assert mentors == len([n for n in range(1, 301) if n % 7 == 0 and n not in (17, 130, 250)])
        with_id = await session.scalar(select(User).where(User.messenger_id == 500_000_001))
        assert with_id.subjects == ["Математика", "Информатика"]
        membership = await session.scalar(select(Membership).where(Membership.user_id == with_id.id))
        assert membership.school_id is not None
    async with db.begin() as session:
        again = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, check_actor=False)
    assert again.people.created == 0 and again.people.updated == 0


async def test_teacher_pairs_hang_under_their_school_pair(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        world = await build_world(session, clock)
        await link_service.create_link(session, network_id=world.network_id, clock=clock, check_actor=False,
                                       draft=link_service.LinkDraft(kind="school_school", form="partner",
                                                                    mentor_school_id=world.schools["leader"],
                                                                    mentee_school_id=world.schools["vazhiny"]))
    table = [["Наставник", "Наставляемый", "Форма", "Дефициты", "Цели", "Дата окончания", "Школа наставника",
              "Должность наставника"],
             ["Иванова Мария Петровна", "Петрова Анна Сергеевна", "виртуальное", "ВПР; мотивация",
              "Подготовка к ВПР", "31.05.2027", "", ""],
             ["Иванова Мария Петровна", "Иванова Мария Петровна", "", "", "", "", "", ""],
             # Nobody by that name in the file or the network, and nothing to make a new person from.
             ["Никто Никтоев Никтоевич", "Фролова Ирина Викторовна", "флеш", "", "", "", "", ""],
             # A new mentor with what a new person needs: school and position.
             ["Новая Наставница Ивановна", "Фролова Ирина Викторовна", "флеш", "", "", "когда-нибудь",
              "Подпорожская СОШ № 4", "учитель математики"]]
    sheets = read_sheets(xlsx(table, "Пары педагогов"), "pairs.xlsx")
    async with db.begin() as session:
        preview = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock,
                                   check_actor=False, dry_run=True)
        result = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, check_actor=False)
    for got in (preview, result):
        assert got.links.created == 2
        assert [(p.row, p.key.rsplit(".", 1)[1], p.skipped) for p in got.problems] == [
            (3, "same_person", True), (4, "unknown_person", True), (5, "bad_date", False)]
        assert got.problems[1].values == {"name": "Никто Никтоев Никтоевич"}
    assert [note.full_name for note in result.invites] == ["Новая Наставница Ивановна"]
    async with db() as session:
        link = await session.scalar(select(MentoringLink).where(MentoringLink.form == "virtual"))
        school_link = await session.scalar(select(MentoringLink).where(MentoringLink.kind == "school_school"))
        assert link.kind == "teacher_teacher" and link.parent_id == school_link.id
        assert link.deficits == ["vpr", "motiv"] and link.directions == ["vpr"]
        assert link.ends_on.isoformat() == "2027-05-31"
        members = set((await session.execute(select(LinkMember.user_id, LinkMember.side).where(
            LinkMember.link_id == link.id))).all())
        assert members == {(world.uid(MENTOR), "mentor"), (world.uid(MENTEE), "mentee")}
        assert await session.scalar(select(User).where(User.full_name == "Никто Никтоев Никтоевич")) is None
        newcomer = await session.scalar(select(User).where(User.full_name == "Новая Наставница Ивановна"))
        assert newcomer.position == "учитель математики"


async def test_namesakes_at_different_schools_are_different_people(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        world = await build_world(session, clock, with_people=False)
    table = [["ФИО", "ОО", "Telegram"],
             ["Иванова Анна Петровна", "Важинский ОЦ", "@ivanova_v"],
             ["Иванова Анна Петровна", "Никольская ООШ № 9", "@ivanova_n"],
             ["Иванова Анна Петровна", "Важинский ОЦ", "@ivanova_v2"]]
    sheets = read_sheets(xlsx(table), "people.xlsx")
    async with db.begin() as session:
        result = await run_import(session, network_id=world.network_id, sheets=sheets, clock=clock, check_actor=False)
    assert counts(result.people) == (2, 0, 0), "the third row is the first person again, at the same school"
    async with db() as session:
        usernames = set((await session.scalars(select(User.username))).all())
    assert usernames == {"ivanova_v2", "ivanova_n"}


def test_the_cli_imports_and_prints_the_summary_and_the_links(tmp_path: Path) -> None:
    from tests.test_cli import cli

    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"}
    assert cli("network", "create", "--slug", "smolensk", "--name", "Смоленск", env=env).returncode == 0
    dry = cli("network", "import", str(SMOLENSK), "--network", "smolensk", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "Предпросмотр" in dry.stdout and "Школы: новых 14" in dry.stdout and "?start=" not in dry.stdout
    done = cli("network", "import", str(SMOLENSK), "--network", "smolensk", "--bot-username", "nb_bot", env=env)
    assert done.returncode == 0, done.stderr
    assert "завершён" in done.stdout and done.stdout.count("https://t.me/nb_bot?start=") == 6
    bad = tmp_path / "notes.csv"
    bad.write_text("что-то;без заголовков\n", encoding="utf-8")
    refused = cli("network", "import", str(bad), "--network", "smolensk", env=env)
    assert refused.returncode == 1 and "заголовков" in refused.stderr and "Traceback" not in refused.stderr
    missing = cli("network", "import", str(SMOLENSK), "--network", "nowhere", env=env)
    assert missing.returncode == 1 and "не найдена" in missing.stderr
