"""«Пойду» answered from memory before the update touches the database (bot/services/events/rsvp_gate.py),
with the handler still deciding: one answer per tap, a stale early answer corrected by a message, the look
loaded once per burst and dropped when the event changes."""
from __future__ import annotations

import asyncio

from sqlalchemy import update

from bot.services.events import lifecycle, messages
from bot.services.events.rsvp_gate import RsvpGates
from db.models import Event
from tests.events.common import FIRST_TEACHER, add_event, make_world, signups_of
from tests.harness import BotHarness

TEACHER = FIRST_TEACHER


async def _announced(h: BotHarness, world) -> int:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, h.app.clock)
        await lifecycle.announce(session, event, h.app.clock)
        return event.id

    return await h.in_db(work)


def answers_to(h: BotHarness, messenger_id: int) -> list[str]:
    return [c.params.get("text", "") for c in h.fake.calls_of("answerCallbackQuery")
            if str(c.params.get("callback_query_id", "")).startswith(f"cbq-{messenger_id}-")]


def gates_of(h: BotHarness) -> RsvpGates:
    return h.app.dispatcher["early_answerers"][0].gates


async def test_a_burst_of_taps_is_answered_once_each_and_the_look_is_loaded_once(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=12)
    event_id = await _announced(harness, world)
    going = messages.rsvp_callback(event_id, messages.GOING)
    chats = [FIRST_TEACHER + i for i in range(12)]
    await asyncio.gather(*(harness.feed(harness.fake.updates.callback(chat, going, message_text="📣 Приглашаем!"))
                           for chat in chats))
    for chat in chats:
        assert answers_to(harness, chat) == ["Вы записаны ✅"], "one answer per tap"
    assert len(await harness.in_db(lambda s: signups_of(s, event_id))) == 12, "every tap stored"
    assert gates_of(harness).loads == 1, "the taps that came while the look loaded shared it"


async def test_a_stale_early_answer_is_corrected_by_a_message(harness: BotHarness) -> None:
    world = await make_world(harness)
    event_id = await _announced(harness, world)
    teacher = harness.person(TEACHER)
    await teacher.press_data(messages.rsvp_callback(event_id, messages.GOING))
    assert answers_to(harness, TEACHER) == ["Вы записаны ✅"]

    # Cancelled by another process (a plain UPDATE: this process's session events never see it).
    async with harness.app.engine.begin() as connection:
        await connection.execute(update(Event).where(Event.id == event_id).values(status="cancelled"))
    await teacher.press_data(messages.rsvp_callback(event_id, messages.DECLINE))
    assert answers_to(harness, TEACHER)[-1] == "Отметили: не сможете прийти.", "answered early from the old look"
    assert "Запись закрыта" in teacher.joined(), "the handler's own answer arrives as a message"
    assert len(answers_to(harness, TEACHER)) == 2, "still one answer per tap"
    stored = await harness.in_db(lambda s: signups_of(s, event_id))
    assert list(stored.values()) == ["going"], "the decline on a cancelled event was not stored"


async def test_a_change_made_in_this_process_is_seen_at_once(harness: BotHarness) -> None:
    world = await make_world(harness)
    event_id = await _announced(harness, world)
    teacher = harness.person(TEACHER)
    await teacher.press_data(messages.rsvp_callback(event_id, messages.GOING))
    loads = gates_of(harness).loads

    async def cancel(session):  # type: ignore[no-untyped-def]
        await lifecycle.cancel_event(session, await session.get(Event, event_id), harness.app.clock)

    await harness.in_db(cancel)
    await teacher.press_data(messages.rsvp_callback(event_id, messages.DECLINE))
    assert gates_of(harness).loads == loads + 1, "the cancelled event's look was dropped on commit"
    assert "Запись закрыта" in answers_to(harness, TEACHER)[-1], "answered by the handler, no early toast"
    assert "Запись закрыта" not in teacher.joined()


async def test_someone_outside_the_look_is_answered_by_the_handler(harness: BotHarness) -> None:
    world = await make_world(harness)
    event_id = await _announced(harness, world)
    stranger = harness.person(999_001)
    await stranger.press_data(messages.rsvp_callback(event_id, messages.GOING))
    assert len(answers_to(harness, 999_001)) == 1
    assert "Вы записаны" not in answers_to(harness, 999_001)[0]
