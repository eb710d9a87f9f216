"""Quiet hours and mutes, applied by the outbox at enqueue time for every feature."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.services import broadcasts, outbox, quiet_hours
from bot.services.errors import DomainError
from bot.services.preferences import toggle
from db.models import Network, OutboxMessage
from tests.delivery.conftest import populate

MSK = ZoneInfo("Europe/Moscow")
TEXT = {"type": "text", "text": "Напоминание"}


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK).astimezone(timezone.utc)


def test_the_window_over_midnight_and_in_the_day() -> None:
    night = quiet_hours.QuietHours()
    assert night.label == "21:00–08:00"
    assert [night.contains(time(h)) for h in (20, 21, 23, 0, 7, 8, 12)] == [False, True, True, True, True, False,
                                                                         False]
    assert night.release_at(msk(24, 22, 30), MSK) == msk(25, 8)
    assert night.release_at(msk(25, 3), MSK) == msk(25, 8)
    assert night.release_at(msk(25, 8), MSK) is None
    day = quiet_hours.QuietHours(time(13), time(14))  # a lunch break, for the sake of it
    assert day.release_at(msk(24, 13, 30), MSK) == msk(24, 14) and day.release_at(msk(24, 12), MSK) is None
    assert quiet_hours.OFF.release_at(msk(24, 23), MSK) is None


def test_settings_and_what_a_coordinator_types() -> None:
    assert quiet_hours.of(None) == quiet_hours.QuietHours()
    assert quiet_hours.of({"quiet_hours": {"enabled": False}}) == quiet_hours.OFF
    assert quiet_hours.of({"quiet_hours": {"start": "22:30", "end": "7"}}) == quiet_hours.QuietHours(time(22, 30),
                                                                                                   time(7))
    assert quiet_hours.of({"quiet_hours": {"start": "junk"}}).start == time(21)
    assert quiet_hours.parse("22:00–07:00") == quiet_hours.QuietHours(time(22), time(7))
    assert quiet_hours.parse("с 21 до 8") == quiet_hours.QuietHours(time(21), time(8))
    assert quiet_hours.parse("23.30-6") == quiet_hours.QuietHours(time(23, 30), time(6))
    assert quiet_hours.parse(" Выкл ") == quiet_hours.OFF
    for bad, key in (("вечером", "settings.quiet.bad_format"), ("25:00-07:00", "settings.quiet.bad_time"),
                     ("8-8", "settings.quiet.empty")):
        with pytest.raises(DomainError) as error:
            quiet_hours.parse(bad)
        assert error.value.key == key
    stored = quiet_hours.with_quiet_hours({"other": 1}, quiet_hours.QuietHours(time(22), time(7)))
    assert stored == {"other": 1, "quiet_hours": {"start": "22:00", "end": "07:00"}}


async def _rows(session) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    return {row.dedupe_key: row for row in (await session.scalars(select(OutboxMessage))).all()}


async def test_held_kinds_wait_for_the_morning_personal_ones_never(sessionmaker, clock) -> None:
    clock.set(msk(24, 22, 30))
    async with sessionmaker.begin() as session:
        p = await populate(session, people=3)
        net, user = p.network.id, p.users[1]
        common = {"chat_id": user.messenger_id, "user_id": user.id, "network_id": net, "payload": TEXT}
        for kind in ("reminder", "nudge", "announcement", "broadcast", "form_request", "notification", "reply"):
            await outbox.enqueue(session, kind=kind, dedupe_key=kind, clock=clock, **common)
        await outbox.enqueue(session, kind="broadcast", dedupe_key="urgent", clock=clock, quiet_hours=False, **common)
        await outbox.enqueue(session, kind="notification", dedupe_key="forced", clock=clock, quiet_hours=True,
                             **common)
        await outbox.enqueue(session, kind="reminder", dedupe_key="no-network", clock=clock,
                             chat_id=user.messenger_id, payload=TEXT)
        # A reminder of an event at 07:30: not held past the start (late is worse than early).
        await outbox.enqueue(session, kind="reminder", dedupe_key="event-0730", clock=clock,
                             not_before=msk(25, 6, 30), expires_at=msk(25, 7, 30), **common)
        # Planned for the afternoon: nothing to move.
        await outbox.enqueue(session, kind="reminder", dedupe_key="afternoon", clock=clock,
                             not_before=msk(25, 15), **common)
        rows = await _rows(session)
    morning = msk(25, 8)
    for key in ("reminder", "nudge", "announcement", "broadcast", "form_request", "forced"):
        assert rows[key].not_before == morning, key
    for key in ("notification", "reply", "urgent", "no-network"):
        assert rows[key].not_before == clock.now(), key
    assert rows["event-0730"].not_before == msk(25, 6, 30)
    assert rows["afternoon"].not_before == msk(25, 15)


async def test_each_network_has_its_own_window_and_zone(sessionmaker, clock) -> None:
    clock.set(msk(24, 20, 30))  # 22:30 in Yekaterinburg
    async with sessionmaker.begin() as session:
        moscow = await populate(session, people=2)
        urals = await populate(session, people=2, slug="ekb", telegram_start=200_000)
        urals.network.timezone = "Asia/Yekaterinburg"
        silent_off = await populate(session, people=2, slug="off", telegram_start=300_000)
        silent_off.network.settings = quiet_hours.with_quiet_hours({}, quiet_hours.OFF)
        await session.flush()
        rows = [{"chat_id": p.users[0].messenger_id, "user_id": p.users[0].id, "network_id": p.network.id,
                 "payload": TEXT, "kind": "reminder", "dedupe_key": f"r:{p.network.slug}:{i}"}
                for p in (moscow, urals, silent_off) for i in range(3)]
        assert await outbox.enqueue_many(session, rows, clock=clock) == 9
        found = await _rows(session)
    assert found["r:kirovsk:0"].not_before == clock.now(), "20:30 in Moscow is not quiet yet"
    assert found["r:ekb:2"].not_before == datetime(2026, 11, 25, 8, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
    assert found["r:off:1"].not_before == clock.now()


async def test_a_person_who_muted_a_topic_gets_no_row_of_it(sessionmaker, clock) -> None:
    async with sessionmaker.begin() as session:
        p = await populate(session, people=4)
        p.users[1].notification_prefs = toggle({}, "form_reminders")
        p.users[2].notification_prefs = toggle({}, "announcements")
        await session.flush()
        rows = [{"chat_id": u.messenger_id, "user_id": u.id, "network_id": p.network.id, "payload": TEXT,
                 "kind": "reminder", "dedupe_key": f"form:1:user:{u.id}:remind", "topic": "form_reminders"}
                for u in p.users]
        assert await outbox.enqueue_many(session, rows, clock=clock) == 3
        assert await outbox.enqueue(session, chat_id=p.users[1].messenger_id, user_id=p.users[1].id,
                                    payload=TEXT, kind="reminder", dedupe_key="single", clock=clock,
                                    topic="form_reminders") is None
        # Broadcasts are never muted: the coordinator means everyone.
        broadcast, total = await broadcasts.create_broadcast(session, p.network, TEXT, "everyone", None, clock)
        assert total == 4
        network = await session.get(Network, p.network.id)
        assert network is not None


async def test_announcement_mutes_are_honoured_where_announcements_are_planned(sessionmaker, clock) -> None:
    """The events feature plans announcements; whoever muted «announcements» is left out (and
    `topic="announcements"` on the outbox rows would do it too)."""
    from bot.services.events import core, lifecycle, times

    async with sessionmaker.begin() as session:
        p = await populate(session, people=4)
        p.users[2].notification_prefs = toggle({}, "announcements")
        start = clock.now() + timedelta(days=3)
        event = await core.create_event(session, p.network, title="Семинар-практикум", clock=clock,
                                        slot=times.Slot(start, start + timedelta(hours=2), False))
        await lifecycle.announce(session, event, clock)
        people = set((await session.scalars(select(OutboxMessage.user_id).where(
            OutboxMessage.kind == "announcement"))).all())
    assert people == {p.users[i].id for i in (0, 1, 3)}
