"""Small edge pieces with sharp edges: flood control, long-text splitting, pagination."""
from __future__ import annotations

from bot.middlewares.throttling import ThrottlingMiddleware
from bot.services.networks import add_school, create_network, search_schools
from db.session import make_sessionmaker
from handlers.common import split_text


def test_flood_control_allows_a_burst_then_warns_once_then_recovers() -> None:
    now = [0.0]
    throttle = ThrottlingMiddleware(rate=2.0, burst=5, clock=lambda: now[0])
    results = [throttle._take(1) for _ in range(8)]
    assert [allowed for allowed, _ in results] == [True] * 5 + [False] * 3
    assert [warn for _, warn in results] == [False] * 5 + [True, False, False], "one note per flood"
    assert throttle._take(2) == (True, False), "other people are not affected"
    now[0] += 1.0  # two tokens back
    assert throttle._take(1) == (True, False)
    assert throttle._take(1) == (True, False)
    assert throttle._take(1) == (False, True), "a new flood gets a new note"


def test_split_text_respects_the_limit_and_keeps_everything() -> None:
    text = "\n".join(f"строка {i} " + "я" * (i % 300) for i in range(400)) + "\n" + "ж" * 9000
    parts = split_text(text)
    assert all(0 < len(part) <= 4096 for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("коротко") == ["коротко"]


async def test_school_search_is_case_insensitive_for_cyrillic_and_paginates(engine) -> None:  # type: ignore[no-untyped-def]
    async with make_sessionmaker(engine).begin() as session:
        network = await create_network(session, slug="luga", name="Лужский район", timezone="Europe/Moscow")
        await add_school(session, network.id, "МОУ «Ёлочкинская СОШ»")
        for number in range(20):
            await add_school(session, network.id, f"МОУ «Лужская СОШ №{number}»")
        found = await search_schools(session, network.id, "ЕЛОЧКИН", 0)
        assert [s.name for s in found.items] == ["МОУ «Ёлочкинская СОШ»"]
        page = await search_schools(session, network.id, "лужская", 2)
        assert (page.total, page.pages, page.page, len(page.items)) == (20, 3, 2, 4)
        clamped = await search_schools(session, network.id, None, 99)
        assert clamped.page == clamped.pages - 1


async def test_loading_slots_limit_loading_but_not_handlers() -> None:
    """Updates take turns loading their context; a handler that runs long (an export) holds no slot."""
    import asyncio

    from bot.middlewares.context import LoadingSlots

    slots = LoadingSlots(3)
    loading, most, release_handlers = 0, 0, asyncio.Event()
    handled: list[int] = []

    async def handler(event, data):  # type: ignore[no-untyped-def]
        handled.append(event)
        await release_handlers.wait()  # every handler blocks until all ten are in

    async def load_then_handle(event, data):  # type: ignore[no-untyped-def]
        nonlocal loading, most
        loading += 1
        most = max(most, loading)
        await asyncio.sleep(0.01)  # the dialog state and the person being read
        loading -= 1
        return await slots.leave(handler, event, data)

    tasks = [asyncio.create_task(slots.enter(load_then_handle, n, {})) for n in range(10)]
    for _ in range(100):
        if len(handled) == 10:
            break
        await asyncio.sleep(0.01)
    assert most == 3, "at most three loading at once"
    assert sorted(handled) == list(range(10)), "blocked handlers held no slot"
    release_handlers.set()
    await asyncio.gather(*tasks)

    async def failing(event, data):  # type: ignore[no-untyped-def]
        raise RuntimeError("the state could not be read")

    for _ in range(5):  # a failure before leave() gives its slot back
        try:
            await slots.enter(failing, 0, {})
        except RuntimeError:
            pass
    await asyncio.wait_for(slots.enter(load_then_handle, 11, {}), 1)
