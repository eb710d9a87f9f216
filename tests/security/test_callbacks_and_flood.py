"""Forged presses with ids no database row can have are refused politely; a flood from many accounts waits or is
dropped while a newcomer's /start goes straight through."""
from __future__ import annotations

import asyncio

import pytest

from bot.middlewares.budget import BUSY, DROPPED, LIGHT, UpdateBudget
from bot.middlewares.callback_ids import out_of_range
from tests.harness import BotHarness
from tests.mentoring.chat import setup
from tests.mentoring.conftest import COORDINATOR, MENTOR


@pytest.mark.parametrize("data", ["mc:pc:12345678901234567890:0", "mt:open:-99999999999999999999:0",
                                  "fs:99999999999999999999:1:v:0", "jr:4294967296:1", "rsvp:2147483648:go:0"])
async def test_twenty_digit_ids_get_a_polite_refusal(harness: BotHarness, data: str) -> None:
    await setup(harness)
    for messenger_id in (COORDINATOR, MENTOR):
        person = harness.person(messenger_id)
        await person.press_data(data)
        assert person.alerts()[-1] == "Эта кнопка устарела. Откройте /menu."
        assert not any("Что-то пошло не так" in text for text in person.texts())


def test_ordinary_ids_and_codes_pass() -> None:
    for data in ("mc:pc:2147483647:0", "rsvp:15:go:1", "evs:t:1d:0", "pg:schools:3", "lang:ru", "fs:7:0:v:-1"):
        assert not out_of_range(data), data
    assert out_of_range("mc:pc:2147483648:0") and out_of_range("fb:5:-2147483649:0")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def busy(budget: UpdateBudget, sender: int, updates: int, clock: Clock) -> None:
    """The sender has just sent `updates` updates (their score), none of them waiting now."""
    for _ in range(updates):
        budget._note(sender, clock.now)  # noqa: SLF001


async def test_a_quiet_sender_always_goes_first_and_a_busy_one_waits_its_turn() -> None:
    clock = Clock()
    budget = UpdateBudget(rate=100, burst=3, clock=clock, max_waiting=3, max_wait=0.2)
    # The first updates are a quiet sender's (they take a token if there is one); the next takes the last token.
    assert [await budget.admit(1) for _ in range(3)] == [LIGHT, LIGHT, BUSY]
    assert await budget.admit(1) == DROPPED, "no tokens and the clock stands still: it waited, then was dropped"
    assert await budget.admit(2) == LIGHT, "a newcomer goes at once even with no tokens left"
    clock.now += 30  # the busy sender's score fades: a quiet sender again
    assert await budget.admit(1) == LIGHT


async def test_the_least_busy_waiting_update_gets_the_next_place() -> None:
    clock = Clock()
    budget = UpdateBudget(rate=100, burst=1, clock=clock, max_waiting=10, max_wait=2.0)
    budget.tokens = 0.0
    busy(budget, 7, 6, clock)
    busy(budget, 8, 2, clock)
    busier = asyncio.create_task(budget.admit(7))
    await asyncio.sleep(0.02)
    calmer = asyncio.create_task(budget.admit(8))  # came later, but has been less busy
    await asyncio.sleep(0.02)
    clock.now += 0.015  # one token's worth of time
    await asyncio.wait([calmer], timeout=1)
    assert calmer.done() and calmer.result() == BUSY
    assert not busier.done(), "the busier sender still waits"
    clock.now += 0.015
    assert await busier == BUSY


async def test_busy_senders_are_handled_a_few_at_a_time_and_one_update_each() -> None:
    clock = Clock()
    budget = UpdateBudget(rate=1000, burst=100, busy_slots=2, clock=clock, max_waiting=10, max_wait=2.0)
    for sender in (31, 32, 33):
        busy(budget, sender, 5, clock)
    assert [await budget.admit(31), await budget.admit(32)] == [BUSY, BUSY]  # both places taken
    third = asyncio.create_task(budget.admit(33))
    await asyncio.sleep(0.02)
    assert not third.done(), "tokens are there, but no place"
    assert await budget.admit(33) == DROPPED, "a second update of a sender already waiting is dropped"
    budget.release(31)
    assert await asyncio.wait_for(third, 1) == BUSY
    assert budget.busy == 2


async def test_a_full_queue_drops_the_busiest_waiting_update() -> None:
    clock = Clock()
    budget = UpdateBudget(rate=100, burst=1, clock=clock, max_waiting=2, max_wait=2.0)
    budget.tokens = 0.0
    busy(budget, 21, 3, clock)
    busy(budget, 22, 6, clock)
    busy(budget, 23, 9, clock)
    middle = asyncio.create_task(budget.admit(22))
    busiest = asyncio.create_task(budget.admit(23))
    await asyncio.sleep(0.02)
    calm = asyncio.create_task(budget.admit(21))  # the queue is full: the busiest makes room
    await asyncio.sleep(0.02)
    assert busiest.done() and busiest.result() == DROPPED
    clock.now += 0.015
    await asyncio.wait([calm], timeout=1)
    assert calm.result() == BUSY
    clock.now += 0.015
    assert await middle == BUSY
    assert budget.dropped == 1


async def test_a_bursts_second_message_is_not_a_quiet_senders() -> None:
    from types import SimpleNamespace

    clock = Clock()
    budget = UpdateBudget(rate=100, burst=1, clock=clock, max_waiting=10, max_wait=0.1)
    budget.tokens = 0.0
    release = asyncio.Event()
    handled: list[str] = []

    async def handler(event, data):  # type: ignore[no-untyped-def]
        handled.append(event)
        await release.wait()

    data = {"event_from_user": SimpleNamespace(id=41)}
    first = asyncio.create_task(budget(handler, "first", dict(data)))
    await asyncio.sleep(0.01)
    await budget(handler, "second", dict(data))  # the first is still being handled: it has to wait, and is dropped
    assert handled == ["first"] and budget.dropped == 1
    release.set()
    await first
    clock.now += 2  # a second later, nothing of theirs in flight: quiet again
    await budget(handler, "third", dict(data))
    assert handled == ["first", "third"]


async def test_a_flood_of_many_accounts_doesnt_hold_up_a_newcomers_start(harness: BotHarness) -> None:
    budget: UpdateBudget = harness.app.dispatcher["update_budget"]
    budget.rate, budget.burst, budget.tokens, budget.max_waiting, budget.max_wait = 5, 5, 5, 10, 0.3
    flooders = [harness.person(880_000 + n) for n in range(20)]
    newcomer = harness.person(890_001)

    async def flood(person) -> None:  # type: ignore[no-untyped-def]
        for _ in range(10):
            await harness.feed(harness.fake.updates.command(person.user_id, "/start"))

    waves = [asyncio.create_task(flood(person)) for person in flooders]
    await asyncio.sleep(0.05)
    await newcomer.command("start")
    assert "Сетевой наставник" in newcomer.joined(), "the newcomer was answered in the middle of the flood"
    await asyncio.gather(*waves)
    answered = sum(1 for person in flooders for sent in harness.fake.sent_to(person.user_id))
    assert budget.dropped >= 100, (budget.dropped, answered)
    assert answered < 100
