"""Deactivated means off everywhere: a deactivated member gets no nudge, plan reminder, event notice or form
request; a paused pair gets no plan reminders and is not «a pair still running» for forms and broadcasts; a
cancelled event's sign-ups are no audience. Their past stays where it was."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.services import audiences
from bot.services import membership as membership_service
from bot.services.events import lifecycle, signups
from bot.services.events.core import get_event
from bot.services.mentoring import reminders as mentoring_reminders
from db.models import LinkStatus, Membership, MentoringLink, PlanGoal, User
from db.models.events import EventStatus
from tests.events.common import add_event, make_world as events_world, timed
from tests.harness import BotHarness
from tests.mentoring.chat import make_link, setup
from tests.mentoring.conftest import MENTEE, MENTOR


async def _deactivate(h: BotHarness, user_id: int, network_id: int) -> None:
    async def work(session):  # type: ignore[no-untyped-def]
        membership = await session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                                   Membership.network_id == network_id))
        membership_service.deactivate(membership)

    await h.in_db(work)


async def _received(h: BotHarness, chat: int, mark: int) -> list[str]:
    return [s.plain_text or "" for s in h.fake.sent_to(chat) if s.seq > mark]


async def test_a_deactivated_mentor_gets_no_nudge_and_no_plan_reminder(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])
    clock = harness.app.clock
    today = clock.now().date()

    async def quiet_with_a_goal(session):  # type: ignore[no-untyped-def]
        link = await session.get(MentoringLink, link_id)
        link.starts_on = today - timedelta(weeks=10)
        link.created_at = clock.now() - timedelta(weeks=10)
        session.add(PlanGoal(link_id=link_id, text="Открытый урок", due_on=today))

    await harness.in_db(quiet_with_a_goal)
    await _deactivate(harness, world.uid(MENTOR), world.network_id)
    mark = harness.fake.last_seq

    async def plan(session):  # type: ignore[no-untyped-def]
        await mentoring_reminders.plan_quiet_link_nudges(session, clock)
        await mentoring_reminders.plan_goal_reminders(session, clock)

    await harness.in_db(plan)
    clock.move(timedelta(hours=12))
    await harness.deliver()
    assert await _received(harness, MENTOR, mark) == [], "the deactivated mentor hears nothing"
    assert any("Открытый урок" in text for text in await _received(harness, MENTEE, mark)), "the mentee still does"


async def test_a_paused_pair_is_off_for_plan_reminders_and_pair_audiences(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])
    clock = harness.app.clock

    async def pause(session):  # type: ignore[no-untyped-def]
        await session.execute(update(MentoringLink).where(MentoringLink.id == link_id)
                              .values(status=LinkStatus.PAUSED.value))
        session.add(PlanGoal(link_id=link_id, text="Открытый урок", due_on=clock.now().date()))

    await harness.in_db(pause)
    mark = harness.fake.last_seq

    async def plan(session):  # type: ignore[no-untyped-def]
        await mentoring_reminders.plan_goal_reminders(session, clock)
        return ([r.user_id for r in await audiences.resolve(session, world.network_id, "mentees")],
                [r.user_id for r in await audiences.resolve(session, world.network_id, "pair_mentors")])

    mentees, mentors = await harness.in_db(plan)
    assert mentees == [] and mentors == [], "a paused pair is not «действующая»"
    clock.move(timedelta(hours=12))
    await harness.deliver()
    assert await _received(harness, MENTOR, mark) == [] and await _received(harness, MENTEE, mark) == []


async def test_a_deactivated_member_hears_nothing_of_a_moved_event_and_a_cancelled_one_is_no_audience(
        harness: BotHarness) -> None:
    world = await events_world(harness)
    clock = harness.app.clock

    async def prepare(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, clock)
        await lifecycle.announce(session, event, clock)
        for user_id in world.teachers[:2]:
            await signups.rsvp(session, event, await session.get(User, user_id), True, clock)
        return event.id

    event_id = await harness.in_db(prepare)
    await harness.deliver()
    await _deactivate(harness, world.teachers[0], world.network_id)
    mark = harness.fake.last_seq

    async def move(session):  # type: ignore[no-untyped-def]
        event = await get_event(session, event_id)
        await lifecycle.move_event(session, event, timed(clock.now() + timedelta(days=9)), clock)

    await harness.in_db(move)
    await harness.deliver()
    assert await _received(harness, world.telegram(0), mark) == [], "deactivated: no notice of the move"
    assert await _received(harness, world.telegram(1), mark), "an active member is told"

    async def cancel(session):  # type: ignore[no-untyped-def]
        event = await get_event(session, event_id)
        await lifecycle.cancel_event(session, event, clock)
        assert event.status == EventStatus.CANCELLED.value
        return await audiences.resolve(session, world.network_id, {"kind": "event", "event_id": event_id})

    assert await harness.in_db(cancel) == [], "a cancelled event's sign-ups are no audience"


async def test_what_was_queued_before_the_coordinator_switched_a_mentor_off_does_not_go(harness: BotHarness) -> None:
    from tests.mentoring.conftest import COORDINATOR

    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])
    clock = harness.app.clock

    async def goal_tomorrow(session):  # type: ignore[no-untyped-def]
        session.add(PlanGoal(link_id=link_id, text="Открытый урок", due_on=clock.now().date()))
        await mentoring_reminders.plan_goal_reminders(session, clock)  # queued for the polite hour, not sent yet

    await harness.in_db(goal_tomorrow)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Участники")
    await coordinator.send("Иванова")
    await coordinator.press("Иванова")
    await coordinator.press("Отключить")
    mark = harness.fake.last_seq
    clock.move(timedelta(hours=12))
    await harness.deliver()
    assert await _received(harness, MENTOR, mark) == [], "switched off: the queued reminder is cancelled"
    assert any("Открытый урок" in text for text in await _received(harness, MENTEE, mark))
