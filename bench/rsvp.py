"""RSVP burst: N people tap «Пойду» at once; how long until each tap is answered.

    python bench/rsvp.py [--n 300] [--rounds 3] [--database-url postgresql+asyncpg://…] [--no-limits]

Both bots poll the loopback Telegram (tests/fakes/telegram_api.py, Telegram's limits on by default) in the same
run: first a bare aiogram bot whose only handler answers the callback, then the real bot (dispatcher,
middlewares, the database, the limiter every call passes) with N registered participants and an announced
event. The latency of a tap is from the moment it is queued at the fake to the moment its answerCallbackQuery
reaches the fake. Prints p50/p95 of both and their ratio (target: p95 ≤ 1.5× the bare bot), and of the real
application with a handler that only answers and no answers from memory — what the update pipeline (session,
dialog state, the person) costs before any feature runs. The real bot answers «Пойду» from memory
(bot/services/events/rsvp_gate.py) before that pipeline; the handler still stores every tap.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Dispatcher, Router  # noqa: E402
from aiogram.types import CallbackQuery  # noqa: E402
from sqlalchemy import insert, select, text, update  # noqa: E402

from bot.app import build_app, build_bot  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.delivery import setup_delivery  # noqa: E402
from bot.services.clock import SystemClock  # noqa: E402
from bot.services.events import core, lifecycle, messages  # noqa: E402
from bot.services.events.times import Slot  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Membership, Network, OutboxMessage, User  # noqa: E402
from db.session import create_engine, make_sessionmaker  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

FIRST = 2_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300, help="people tapping at once")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per bot (alternating); the median round counts")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--no-limits", action="store_true", help="turn the fake's rate limits off")
    return parser.parse_args()


async def prepare(url: str, n: int) -> tuple[int, list[int]]:
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(url, engine=engine)
    clock = SystemClock()
    now = clock.now()
    async with make_sessionmaker(engine).begin() as session:
        network = Network(slug="bench", name="Бенчмарк", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        await session.execute(insert(User), [
            {"messenger_id": FIRST + i, "full_name": f"Участник {i:04d}", "subjects": [], "language": "ru",
             "consent_at": now, "notification_prefs": {}, "is_reachable": True} for i in range(n)])
        ids = (await session.scalars(select(User.id).where(User.messenger_id >= FIRST))).all()
        await session.execute(insert(Membership), [
            {"user_id": uid, "network_id": network.id, "is_participant": True, "is_mentor": False,
             "is_coordinator": False, "directions": [], "is_active": True} for uid in ids])
        start = now + timedelta(days=7)
        event = await core.create_event(session, network, title="Вебинар «Функциональная грамотность»",
                                        slot=Slot(start, start + timedelta(hours=1), False), kind="webinar",
                                        clock=clock)
        await lifecycle.announce(session, event, clock)
        # The announcements count as delivered: the burst is about the taps.
        await session.execute(update(OutboxMessage).values(status="sent"))
        event_id = event.id
    await engine.dispose()
    return event_id, [FIRST + i for i in range(n)]


async def burst(fake: FakeTelegram, chats: list[int], data: str) -> list[float]:
    """Queue one tap per chat at once; return each tap's seconds until its answer reached the fake."""
    since = fake.calls[-1].seq if fake.calls else 0
    queued: dict[str, float] = {}
    updates = []
    for chat in chats:
        update_ = fake.updates.callback(chat, data, message_text="📣 Приглашаем!")
        updates.append(update_)
    for update_ in updates:
        queued[update_["callback_query"]["id"]] = time.time()
        fake.push_update(update_)
    answered: dict[str, float] = {}
    deadline = time.monotonic() + 120
    while len(answered) < len(queued) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        for call in fake.calls_of("answerCallbackQuery"):
            query_id = call.params.get("callback_query_id")
            if call.seq > since and query_id in queued and query_id not in answered:
                answered[query_id] = call.ts
    if len(answered) < len(queued):
        raise SystemExit(f"only {len(answered)} of {len(queued)} taps were answered")
    return [answered[q] - queued[q] for q in queued]


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


async def only_answer(query: CallbackQuery) -> None:
    await query.answer("ok")


async def poll(dp: Dispatcher, bot, work):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    await asyncio.sleep(0.3)
    try:
        return await work()
    finally:
        await dp.stop_polling()
        await task


async def settle(fake: FakeTelegram, quiet: float = 1.0, limit: float = 30.0) -> None:
    """Wait until the fake has heard nothing for `quiet` seconds (the edits of a round go out paced)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        last = fake.calls[-1].ts if fake.calls else 0.0
        if time.time() - last >= quiet:
            return
        await asyncio.sleep(0.2)


async def main() -> None:
    args = parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    event_id, chats = await prepare(url, args.n)
    going = messages.rsvp_callback(event_id, messages.GOING)
    decline = messages.rsvp_callback(event_id, messages.DECLINE)
    async with FakeTelegram(limits=not args.no_limits) as fake:
        bare_dp = Dispatcher()
        bare_dp.callback_query.register(only_answer)
        bare_bot = fake.make_bot()
        settings = load_settings(_env_file=None, bot_token=fake.token, bot_api_url=fake.base_url, database_url=url)
        app = build_app(settings)
        bot = build_bot(settings)
        setup_delivery(bot, app.sessionmaker, settings, app.clock)  # the limiter every call passes, as in `run`
        # The same application with a first router that only answers: what the update pipeline itself costs
        # (session, the person and their memberships, dialog state, flood control) before any feature runs.
        floor = build_app(settings, engine=app.engine)
        floor.dispatcher["early_answerers"].clear()  # the pipeline's own cost: no answers from memory
        floor_router = Router(name="bench-floor")
        floor_router.callback_query.register(only_answer)
        floor.dispatcher.sub_routers.insert(0, floor_router)
        floor_router._parent_router = floor.dispatcher  # noqa: SLF001 - a bench-only shortcut
        gates = app.dispatcher["early_answerers"][0].gates
        rounds: dict[str, list[list[float]]] = {"bare": [], "floor": [], "real": []}
        for round_ in range(args.rounds):
            rounds["bare"].append(await poll(bare_dp, bare_bot, lambda: burst(fake, chats, going)))
            rounds["floor"].append(await poll(floor.dispatcher, bot, lambda: burst(fake, chats, going)))
            await floor.in_flight.wait_idle(120)  # its updates finish before the next round starts
            # Alternate «Пойду» and «Не смогу», so every round changes every sign-up (writes, reminders).
            data = going if round_ % 2 == 0 else decline
            rounds["real"].append(await poll(app.dispatcher, bot, lambda: burst(fake, chats, data)))
            await app.in_flight.wait_idle(120)  # answered early, the sign-ups are still being written
            await settle(fake)  # the edits of the round go out under the limiter before the next one
        await bare_bot.session.close()
        await bot.session.close()
        await floor.storage.close()
        await app.close()
    tmp.cleanup()

    def median_round(name: str) -> tuple[float, float]:
        return quantiles(sorted(rounds[name], key=lambda r: quantiles(r)[1])[len(rounds[name]) // 2])

    bare, floor_, real = median_round("bare"), median_round("floor"), median_round("real")
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{args.n} taps at once, {args.rounds} rounds each (median round), {database}, fake's limits "
          f"{'off' if args.no_limits else 'on'}")
    for label, (p50, p95) in (("bare aiogram bot", bare), ("our pipeline, handler only answers", floor_),
                              ("«Пойду» (stored, reminders, answer)", real)):
        print(f"{label:38} p50 {p50 * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   "
              f"p95 ratio to bare {p95 / bare[1]:5.2f}×")
    print(f"early-answer looks loaded: {gates.loads} (one per event and {gates.ttl:.0f} s, or after a change)")
    print(f"ratio: p50 {real[0] / bare[0]:.2f}×, p95 {real[1] / bare[1]:.2f}× (target p95 ≤ 1.5×); answering from "
          f"memory before the pipeline's queries saves {(floor_[1] - real[1]) * 1000:.0f} ms at p95")


if __name__ == "__main__":
    asyncio.run(main())
