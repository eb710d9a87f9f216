"""Events services against the real database: import idempotency, typed dates, calendars, audiences, measures."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import func, select

from bot.services import audiences
from bot.services.errors import DomainError
from bot.services.events import calendar, core, importing, lifecycle, messages, signups
from bot.services.events.times import Slot, format_slot, parse_iso, parse_typed, slot_from_iso
from bot.i18n import Translator
from db.models import Event, EventPeriod, OutboxMessage, User
from db.session import make_sessionmaker
from keyboards.events import RsvpCb
from tests.events.common import add_event, build_world, network_of

FIXTURES = Path(__file__).resolve().parents[1] / "roadmap" / "fixtures"
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


# --- typed dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "start", "end", "all_day"), [
    ("25.12 15:00", datetime(2026, 12, 25, 12, 0), datetime(2026, 12, 25, 13, 30), False),
    ("25.12.2026 15:00–17:00", datetime(2026, 12, 25, 12, 0), datetime(2026, 12, 25, 14, 0), False),
    ("25.12.26, 9.30", datetime(2026, 12, 25, 6, 30), datetime(2026, 12, 25, 8, 0), False),
    ("10.01 10:00", datetime(2027, 1, 10, 7, 0), datetime(2027, 1, 10, 8, 30), False),  # next year: nearest ahead
    ("25.12.2026", datetime(2026, 12, 24, 21, 0), datetime(2026, 12, 25, 21, 0), True),
    ("14.03-18.03", datetime(2027, 3, 13, 21, 0), datetime(2027, 3, 18, 21, 0), True),
])
def test_typed_dates_are_local_to_the_network(text: str, start: datetime, end: datetime, all_day: bool) -> None:
    slot = parse_typed(text, MSK, NOW)
    assert slot == Slot(start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc), all_day)


@pytest.mark.parametrize(("text", "key"), [
    ("завтра", "events.when.bad"), ("", "events.when.bad"), ("32.12 10:00", "events.when.bad_date"),
    ("25.12 25:00", "events.when.bad_time"), ("25.12 15:00-14:00", "events.when.end_before_start"),
    ("01.01.2020 10:00", "events.when.past"), ("ежемесячно", "events.when.bad"), ("до 1 декабря", "events.when.bad"),
])
def test_bad_typed_dates_say_why(text: str, key: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_typed(text, MSK, NOW)
    assert error.value.key == key


def test_cli_iso_times() -> None:
    assert parse_iso("2026-12-01T15:00", MSK) == (datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc), False)
    assert parse_iso("2026-12-01T15:00+05:00", MSK)[0] == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    assert parse_iso("2026-12-01T12:00Z", MSK)[0] == datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    day = slot_from_iso("2026-12-01", "2026-12-03", MSK)
    assert day.all_day and day.local_days(MSK) == (date(2026, 12, 1), date(2026, 12, 3))
    assert slot_from_iso("2026-12-01T15:00", None, MSK).end - slot_from_iso("2026-12-01T15:00", None, MSK).start \
        == timedelta(minutes=90)
    for start, end in (("1 декабря", None), ("2026-12-01", "2026-12-01T10:00"), ("2026-12-01T15:00", "2026-12-01T14:00")):
        with pytest.raises(DomainError):
            slot_from_iso(start, end, MSK)


def test_dates_are_shown_in_local_time() -> None:
    t = Translator("ru")
    timed = Slot(datetime(2026, 12, 25, 12, 0, tzinfo=timezone.utc), datetime(2026, 12, 25, 14, 0, tzinfo=timezone.utc),
                 False)
    assert format_slot(timed, MSK, t) == "пт, 25.12.2026, 15:00–17:00"
    assert format_slot(parse_typed("14.03-18.03", MSK, NOW), MSK, t) == "14.03–18.03.2027"
    deadline = Slot(None, datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc), True)
    assert format_slot(deadline, MSK, t) == "до 01.12.2026"
    assert format_slot(timed, MSK, Translator("en")) == "Fri, 25.12.2026, 15:00–17:00"


def test_buttons_built_in_the_service_are_the_keyboards_callback_data() -> None:
    for action in (messages.GOING, messages.DECLINE, messages.CALENDAR):
        for where in (messages.FROM_MESSAGE, messages.FROM_CARD):
            packed = messages.rsvp_callback(123456789, action, where)
            assert packed == RsvpCb(id=123456789, a=action, w=where).pack()
            assert len(packed.encode()) <= 64


# --- import ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["kirovsk-2022.docx", "smolensk-500plus-2022.xlsx", "podporozhye-2021-2022.csv"])
async def test_reimport_updates_and_never_duplicates(engine, clock, name: str) -> None:
    sessionmaker = make_sessionmaker(engine)
    roadmap = importing.parse_file((FIXTURES / name).read_bytes(), name)
    rows = importing.rows_of(roadmap)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        network = await network_of(session, world)
        first = await importing.import_rows(session, network, rows, file_name=name, title=roadmap.title, clock=clock)
    assert first.created == len(rows) and first.updated == 0
    async with sessionmaker.begin() as session:
        network = await network_of(session, world)
        again = await importing.import_rows(session, network, rows, file_name=name, title=roadmap.title, clock=clock)
        count = await session.scalar(select(func.count()).select_from(Event))
        periods = await session.scalar(select(func.count()).select_from(EventPeriod))
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
    assert count == len(rows)
    assert periods == sum(len(r["periods"]) for r in rows)
    assert again.event_ids == first.event_ids


async def test_reimport_takes_the_files_changes_but_keeps_the_coordinators(engine, clock) -> None:
    sessionmaker = make_sessionmaker(engine)
    row = {"number": "2.4", "section": "2. Этап", "title": "Семинар «Анализ ВПР»", "kind": "seminar", "when": "15.12",
           "periods": [{"start": "2026-12-15", "end": "2026-12-15"}], "recurrence": None, "responsible": "ИМЦ",
           "expected_result": "Планы", "indicator": None, "warnings": [], "audience": None}
    other = {**row, "number": "2.5", "title": "Вебинар для учителей", "kind": "webinar", "when": "16.12",
             "periods": [{"start": "2026-12-16", "end": "2026-12-16"}]}
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        network = await network_of(session, world)
        result = await importing.import_rows(session, network, [row, other], file_name="plan.csv", title="", clock=clock)
        seminar, webinar = [await session.get(Event, i) for i in result.event_ids]
        core.edit(seminar, "title", "Семинар «Анализ ВПР-2026»", clock)  # the coordinator renamed it
        await lifecycle.announce(session, webinar, clock)
        await signups.rsvp(session, webinar, await session.get(User, world.teachers[0]), True, clock)
    changed = {**row, "responsible": "Методист ИМЦ", "periods": [{"start": "2026-12-17", "end": "2026-12-17"}]}
    moved = {**other, "when": "18.12", "periods": [{"start": "2026-12-18", "end": "2026-12-18"}]}
    async with sessionmaker.begin() as session:
        network = await network_of(session, world)
        again = await importing.import_rows(session, network, [changed, moved], file_name="plan.csv", title="",
                                            clock=clock)
        seminar, webinar = [await session.get(Event, i) for i in again.event_ids]
        events = (await session.scalars(select(Event.id))).all()
        notices = (await session.scalars(select(OutboxMessage.user_id).where(
            OutboxMessage.dedupe_key.like(f"event:{webinar.id}:moved:%")))).all()
    assert again.created == 0 and again.updated == 2 and again.moved == 1
    assert seminar.title == "Семинар «Анализ ВПР-2026»" and seminar.responsible == "Методист ИМЦ"
    assert seminar.starts_at.astimezone(MSK).date() == date(2026, 12, 17)
    assert webinar.starts_at.astimezone(MSK).date() == date(2026, 12, 18)
    assert len(events) == 2
    assert notices == [world.teachers[0]], "the one signed up is told the announced event moved"


async def test_fixing_a_row_uses_the_roadmaps_year_rules() -> None:
    row = {"number": "1", "title": "Вебинар", "when": "по согласованию", "periods": [], "warnings": ["нет даты"]}
    fixed = importing.fix_row(row, "февраль", "План на 2026/2027 учебный год", 2026)
    assert fixed["periods"] == [{"start": "2027-02-01", "end": "2027-02-28"}] and fixed["warnings"] == []
    with pytest.raises(DomainError):
        importing.fix_row(row, "когда-нибудь", "", 2026)
    with pytest.raises(DomainError) as error:
        importing.parse_file(b"not a zip", "plan.docx")
    assert error.value.key == "events.import.unreadable" and error.value.values["reason"]
    with pytest.raises(DomainError):
        importing.parse_file(b"x", "plan.pdf")


# --- calendar, audiences, measures ------------------------------------------------------------------

async def test_calendar_file_has_zone_alarm_and_all_day_dates(engine, clock) -> None:
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        network = await network_of(session, world)
        timed = await add_event(session, world, clock, title="Вебинар", start=clock.now() + timedelta(days=2))
        whole = await add_event(session, world, clock, title="Открытые уроки")
        core.set_slots(whole, [parse_typed("14.12-16.12", MSK, clock.now())])
        data = calendar.calendar_file([timed, whole], network, Translator("ru"), now=clock.now())
    cal = icalendar.Calendar.from_ical(data)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert [str(e["SUMMARY"]) for e in events] == ["Вебинар", "Открытые уроки"]
    assert events[0]["DTSTART"].params["TZID"] == "Europe/Moscow"
    assert events[0]["DTSTART"].dt == (clock.now() + timedelta(days=2)).astimezone(MSK)
    assert events[1]["DTSTART"].dt == date(2026, 12, 14) and events[1]["DTEND"].dt == date(2026, 12, 17)
    alarms = [a for e in events for a in e.walk() if a.name == "VALARM"]
    assert [a["TRIGGER"].dt for a in alarms] == [timedelta(hours=-1), timedelta(hours=-15)]
    assert any(c.name == "VTIMEZONE" for c in cal.walk())


async def test_calendar_name_is_escaped_and_sequence_only_grows(engine, clock) -> None:
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        network = await network_of(session, world)
        event = await add_event(session, world, clock, title="Вебинар")
        name = "Сеть; «Школа, школе»\\ 2026\nвторая строка"
        first = calendar.calendar_file([event], network, Translator("ru"), now=clock.now(), name=name)
        sequences = [calendar.sequence(event)]
        for seconds in (1, 1, 3600):  # two changes within the same minute, then one an hour later
            clock.set(clock.now() + timedelta(seconds=seconds))
            start = clock.now() + timedelta(days=3)
            await lifecycle.move_event(session, event, Slot(start, start + timedelta(hours=1), False), clock)
            sequences.append(calendar.sequence(event))
        second = calendar.calendar_file([event], network, Translator("ru"), now=clock.now(), name=name)
    unfolded = first.decode().replace("\r\n ", "")
    # RFC 5545 text escaping, as SUMMARY or LOCATION get it: \; \, \\ and \n — one line, nothing breaks out.
    assert "X-WR-CALNAME:Сеть\\; «Школа\\, школе»\\\\ 2026\\nвторая строка\r\n" in unfolded
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)  # strictly growing
    read = [c for c in icalendar.Calendar.from_ical(second).walk() if c.name == "VEVENT"][0]
    assert int(read["SEQUENCE"]) == sequences[-1] > sequences[0] and sequences[-1] < 2**31


async def test_event_sign_ups_are_an_audience_for_broadcasts_and_forms(engine, clock) -> None:
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        event = await add_event(session, world, clock)
        await lifecycle.announce(session, event, clock)
        for uid, going in zip(world.teachers, (True, True, False, True)):
            await signups.rsvp(session, event, await session.get(User, uid), going, clock)
        going = await audiences.resolve(session, world.network_id, {"kind": "event", "event_id": event.id})
        wrong_network = await audiences.resolve(session, world.network_id + 1, {"kind": "event", "event_id": event.id})
    assert {r.user_id for r in going} == {world.teachers[0], world.teachers[1], world.teachers[3]}
    assert wrong_network == []
    async with sessionmaker() as session:
        picked = await audiences.choices(session, "event", world.network_id, 0, clock.now())
    assert [c.id for c in picked.items] == [event.id]
    assert picked.items[0].label == "01.12 · Семинар «Анализ ВПР»"


async def test_measures_give_the_share_done(engine, clock) -> None:
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        tasks = [await add_event(session, world, clock, title=f"Мониторинг {i}", kind="monitoring") for i in range(4)]
        await add_event(session, world, clock, title="Семинар")
        coordinator = await session.get(User, world.coordinator)
        for task in tasks[:3]:
            core.set_done(task, True, coordinator, clock)
        core.set_done(tasks[2], False, coordinator, clock)
        await lifecycle.cancel_event(session, tasks[3], clock)
        progress = await core.measures_progress(session, world.network_id)
    assert (progress.done, progress.total, progress.percent) == (2, 3, 67)


async def test_announcing_is_refused_when_it_makes_no_sense(engine, clock) -> None:
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock)
        task = await add_event(session, world, clock, kind="document")
        soon = await add_event(session, world, clock, start=clock.now() + timedelta(hours=1))
        for event, at, key in ((task, None, "events.announce.task"),
                               (soon, clock.now() + timedelta(hours=2), "events.announce.too_late")):
            with pytest.raises(DomainError) as error:
                await lifecycle.announce(session, event, clock, at=at)
            assert error.value.key == key
        first = await lifecycle.announce(session, soon, clock)
        again = await lifecycle.announce(session, soon, clock)
    assert first.recipients == 5 and again.recipients == 0, "announcing twice reaches nobody twice"
