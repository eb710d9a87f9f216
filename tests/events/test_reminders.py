"""Reminders against the real database: who, when, dedupe keys, moves, declines, mutes, offsets, downtime."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.clock import FrozenClock
from bot.services.events import lifecycle, reminders, signups
from bot.services.events.times import Slot, local_midnight, zone
from db.models import Network, OutboxMessage, User
from db.session import make_sessionmaker
from tests.events.common import add_event, build_world, network_of, outbox, timed, utc


async def _world(engine, clock, **kwargs):  # type: ignore[no-untyped-def]
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, **kwargs)
    return sessionmaker, world


async def test_announced_event_gets_both_reminders_for_its_audience_with_keys_and_expiry(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    start = clock.now() + timedelta(hours=20)  # inside the planning horizon for both 1 day and 1 hour
    async with sessionmaker.begin() as session:
        event = await add_event(session, world, clock, start=start)
        await lifecycle.announce(session, event, clock)
        rows = await outbox(session, "reminder:")
        event_id = event.id
    # 1 day before has passed already (announced 20 h before): only the 1-hour reminder, for 5 people.
    assert {r.dedupe_key.split(":")[5] for r in rows} == {"1h"}
    assert len(rows) == 5
    row = rows[0]
    assert row.dedupe_key.startswith(f"reminder:event:{event_id}:user:")
    assert row.dedupe_key.endswith(f":1h:{start:%Y%m%d%H%M}")
    assert row.not_before == start - timedelta(hours=1)
    assert row.expires_at == start
    assert row.kind == "reminder" and row.priority == 10
    assert "Напоминание" in row.payload["text"] and "через час" in row.payload["text"]
    buttons = [b["text"] for line in row.payload["reply_markup"]["inline_keyboard"] for b in line]
    assert buttons == ["Пойду", "Не смогу", "📅 В календарь"]


async def test_reminders_are_planned_a_day_ahead_idempotently_and_skip_those_who_declined(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    start = clock.now() + timedelta(days=5)
    async with sessionmaker.begin() as session:
        event = await add_event(session, world, clock, start=start)
        await lifecycle.announce(session, event, clock)
        assert await outbox(session, "reminder:") == [], "nothing due within a day yet"
        declined = await session.get(User, world.teachers[0])
        await signups.rsvp(session, event, declined, False, clock)
    clock.move(timedelta(days=3, hours=12))  # 1.5 days before: the 1-day reminder is within the horizon
    async with sessionmaker.begin() as session:
        assert await reminders.plan_upcoming(session, clock) == 4
        assert await reminders.plan_upcoming(session, clock) == 0, "idempotent"
        rows = await outbox(session, "reminder:")
    assert {r.user_id for r in rows} == {world.coordinator, *world.teachers[1:]}
    assert all(":1d:" in r.dedupe_key for r in rows)
    clock.move(timedelta(hours=12))
    async with sessionmaker.begin() as session:
        assert await reminders.plan_upcoming(session, clock) == 4  # the 1-hour ones now
        assert await reminders.plan_upcoming(session, clock) == 0


async def test_changing_ones_mind_cancels_and_revives_ones_reminders(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    async with sessionmaker.begin() as session:
        event = await add_event(session, world, clock, start=clock.now() + timedelta(hours=20))
        await lifecycle.announce(session, event, clock)
        teacher = await session.get(User, world.teachers[0])
        await signups.rsvp(session, event, teacher, False, clock)
        mine = [r for r in await outbox(session, "reminder:") if r.user_id == teacher.id]
        assert [r.status for r in mine] == ["cancelled"]
        result = await signups.rsvp(session, event, teacher, True, clock)
        assert result.changed and result.going == 1
        mine = [r for r in await outbox(session, "reminder:") if r.user_id == teacher.id]
        assert [r.status for r in mine] == ["pending"], "revived, not duplicated"
        again = await signups.rsvp(session, event, teacher, True, clock)
        assert not again.changed and again.going == 1


async def test_someone_outside_the_audience_who_signs_up_is_reminded(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    async with sessionmaker.begin() as session:
        event = await add_event(session, world, clock, start=clock.now() + timedelta(hours=20), audience="mentors")
        await lifecycle.announce(session, event, clock)
        mentor = world.teachers[1]
        assert {r.user_id for r in await outbox(session, "reminder:")} == {mentor}
        outsider = await session.get(User, world.teachers[2])
        await signups.rsvp(session, event, outsider, True, clock)
        assert {r.user_id for r in await outbox(session, "reminder:")} == {mentor, outsider.id}


async def test_muted_event_reminders_and_announcements_are_skipped(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    async with sessionmaker.begin() as session:
        quiet = await session.get(User, world.teachers[0])
        quiet.notification_prefs = {"mute": ["event_reminders"]}
        silent = await session.get(User, world.teachers[1])
        silent.notification_prefs = {"mute": ["announcements", "event_reminders"]}
        event = await add_event(session, world, clock, start=clock.now() + timedelta(hours=20))
        announced = await lifecycle.announce(session, event, clock)
        assert announced.recipients == 4
        reminded = {r.user_id for r in await outbox(session, "reminder:")}
    assert quiet.id not in reminded and silent.id not in reminded and len(reminded) == 3


async def test_moving_an_event_cancels_old_reminders_plans_new_ones_and_tells_those_going(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    start = clock.now() + timedelta(hours=20)
    async with sessionmaker.begin() as session:
        event = await add_event(session, world, clock, start=start)
        await lifecycle.announce(session, event, clock)
        for uid in world.teachers[:2]:
            await signups.rsvp(session, event, await session.get(User, uid), True, clock)
        told = await lifecycle.move_event(session, event, timed(start + timedelta(hours=2)), clock)
        assert told == 2
        rows = await outbox(session, "reminder:")
        old = [r for r in rows if r.dedupe_key.endswith(f"{start:%Y%m%d%H%M}")]
        new = [r for r in rows if not r.dedupe_key.endswith(f"{start:%Y%m%d%H%M}")]
        assert old and all(r.status == "cancelled" for r in old)
        assert len(new) == 5 and all(r.status == "pending" for r in new)
        assert all(r.expires_at == start + timedelta(hours=2) for r in new)
        notices = await outbox(session, f"event:{event.id}:moved:")
        assert {n.user_id for n in notices} == set(world.teachers[:2])
        assert "перенесено" in notices[0].payload["text"]
        # Moved back: the reminders of the original time come back instead of staying cancelled.
        await lifecycle.move_event(session, event, timed(start), clock)
        back = [r for r in await outbox(session, "reminder:") if r.dedupe_key.endswith(f"{start:%Y%m%d%H%M}")]
        assert len(back) == 5 and all(r.status == "pending" for r in back)


async def test_cancelling_holds_back_reminders_and_announcements_and_tells_those_going(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    async with sessionmaker.begin() as session:
        event = await add_event(session, world, clock, start=clock.now() + timedelta(hours=20))
        await lifecycle.announce(session, event, clock, at=clock.now() + timedelta(hours=1))
        await signups.rsvp(session, event, await session.get(User, world.teachers[3]), True, clock)
        assert await lifecycle.cancel_event(session, event, clock) == 1
        assert {r.status for r in await outbox(session, "reminder:")} == {"cancelled"}
        assert {r.status for r in await outbox(session, "announce:")} == {"cancelled"}
        notice = await outbox(session, f"event:{event.id}:cancelled:")
        assert [n.user_id for n in notice] == [world.teachers[3]] and "отменено" in notice[0].payload["text"]
        assert await reminders.plan_upcoming(session, clock) == 0


async def test_offsets_are_the_coordinators_choice(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    async with sessionmaker.begin() as session:
        network = await network_of(session, world)
        assert reminders.offsets_of(network) == ["1d", "1h"]
        event = await add_event(session, world, clock, start=clock.now() + timedelta(hours=20))
        await lifecycle.announce(session, event, clock)
        assert await reminders.set_offsets(session, network, ["3h", "30m"], clock) == ["3h", "30m"]
        rows = await outbox(session, "reminder:")
    by_code: dict[str, set[str]] = {}
    for row in rows:
        by_code.setdefault(row.dedupe_key.split(":")[5], set()).add(row.status)
    assert by_code == {"1h": {"cancelled"}, "3h": {"pending"}, "30m": {"pending"}}
    async with sessionmaker.begin() as session:
        network = await network_of(session, world)
        await reminders.set_offsets(session, network, ["3h", "30m", "1h"], clock)
        pending = {r.dedupe_key.split(":")[5] for r in await outbox(session, "reminder:") if r.status == "pending"}
    assert pending == {"1h", "3h", "30m"}, "an offset taken back comes back"


async def test_all_day_roadmap_dates_are_reminded_at_nine_the_day_before(engine, clock) -> None:
    sessionmaker, world = await _world(engine, clock)
    async with sessionmaker.begin() as session:
        network = await session.get(Network, world.network_id)
        tz = zone(network)
        day = (clock.now() + timedelta(days=1)).astimezone(tz).date() + timedelta(days=1)
        event = await add_event(session, world, clock)
        from bot.services.events.core import set_slots

        set_slots(event, [Slot(local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz), True)])
        await lifecycle.announce(session, event, clock)
        clock.move(timedelta(hours=12))
        await reminders.plan_upcoming(session, clock)
        rows = await outbox(session, "reminder:")
    assert rows and {r.dedupe_key.split(":")[5] for r in rows} == {"1d"}, "no «1 hour before» a whole day"
    assert {r.not_before.astimezone(tz).hour for r in rows} == {9}
    assert {r.not_before.astimezone(tz).date() for r in rows} == {day - timedelta(days=1)}


async def test_a_reminder_that_fell_due_while_the_bot_was_down_is_sent_or_missed(harness, clock) -> None:
    from tests.events.common import make_world

    world = await make_world(harness)
    start = clock.now() + timedelta(hours=30)

    async def announce(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, clock, start=start, audience="coordinators")
        await lifecycle.announce(session, event, clock)
        await session.execute(OutboxMessage.__table__.update().where(OutboxMessage.kind == "announcement")
                              .values(status="sent"))
        return event.id

    await harness.in_db(announce)
    clock.move(timedelta(hours=7))  # the scheduler plans the 1-day reminder …
    await harness.in_db(lambda session: reminders.plan_upcoming(session, clock))
    clock.move(timedelta(hours=22, minutes=40))  # … then the bot is down past it and the 1-hour moment
    await harness.in_db(lambda session: reminders.plan_upcoming(session, clock))  # the catch-up at start
    coordinator = harness.person(820_001)
    coordinator._mark = harness.fake.last_seq
    assert await harness.deliver() == 2  # the event hasn't begun: both go out (1 day and 1 hour)
    assert coordinator.joined().count("Напоминание") == 2

    clock.move(timedelta(hours=1))  # now the event has begun: a late row would be missed
    async def late(session):  # type: ignore[no-untyped-def]
        from bot.services import outbox as box

        await box.enqueue(session, chat_id=820_001, payload={"type": "text", "text": "x"}, kind="reminder",
                          dedupe_key="reminder:event:999:user:1:1h:x", clock=clock, not_before=start - timedelta(hours=1),
                          expires_at=start)
    await harness.in_db(late)
    await harness.deliver()

    async def status(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(OutboxMessage.status).where(
            OutboxMessage.dedupe_key == "reminder:event:999:user:1:1h:x"))
    assert await harness.in_db(status) == "missed"


async def test_the_planner_pass_reads_each_network_once(engine) -> None:
    clock = FrozenClock(utc(2026, 11, 24, 9))
    sessionmaker, world = await _world(engine, clock, teachers=6)
    async with sessionmaker.begin() as session:
        for hours in (20, 21, 22):
            event = await add_event(session, world, clock, start=clock.now() + timedelta(hours=hours),
                                    title=f"Вебинар {hours}")
            await lifecycle.announce(session, event, clock)
    clock.move(timedelta(minutes=1))
    async with sessionmaker.begin() as session:
        assert await reminders.plan_upcoming(session, clock) == 0, "announce planned them already"
        count = len(await outbox(session, "reminder:"))
    assert count == 3 * 7
