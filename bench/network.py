"""The mentoring screens at network scale, through the real dispatcher, middlewares and handlers.

    python bench/network.py [--participants 10000 --links 3000 --sessions 100000 --runs 200]
                            [--database-url postgresql+asyncpg://…]

Fills a temporary SQLite database (WAL, as in production) with one network of N participants (15% mentors),
L links of every kind and S sessions over the past year, then feeds updates to the real dispatcher with a
Bot API session that answers in-process (no network), and prints p50/p95 of each main screen's handler —
main menu, «Мои пары», each step of «Записать встречу», a page of the coordinator's participant list,
matching suggestions — plus streaming «Встречи» for the export, a 300-row import, and the process's
peak memory. Target: every screen < 200 ms p95.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot  # noqa: E402
from aiogram.client.default import DefaultBotProperties  # noqa: E402
from aiogram.client.session.base import BaseSession  # noqa: E402
from aiogram.enums import ParseMode  # noqa: E402
from aiogram.methods import GetMe, TelegramMethod  # noqa: E402
from aiogram.types import Chat, Message, User as TgUser  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.middlewares.callback_answer import NoteCallbackAnswers  # noqa: E402
from bot.services.clock import SystemClock  # noqa: E402
from bot.services.mentoring import vocabulary as vocab  # noqa: E402
from bot.services.mentoring.exports import export_rows  # noqa: E402
from bot.services.registration import CONSENT_VERSION  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import (LinkMember, Membership, MentoringLink, MentoringSession, Network, School,  # noqa: E402
                       SchoolStatus, User)
from db.models.core import search_key  # noqa: E402
from db.session import create_engine, make_sessionmaker  # noqa: E402
from keyboards.callbacks import MenuCb, PageCb  # noqa: E402
from keyboards.mentoring import CoordCb, MentorCb  # noqa: E402

TARGET_MS = 200.0
TG_BASE = 1_000_000_000
SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
            "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов")
FIRST = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Галина")
FATHERS = ("Петровна", "Сергеевна", "Ивановна", "Андреевна", "Николаевна", "Викторовна")
SUBJECTS = ("Математика", "Русский язык", "Литература", "Физика", "Химия", "Биология", "История", "Информатика",
            "Английский язык", "Начальные классы")
TOPICS = tuple(f"Тема встречи {n}: разбор заданий и план работы" for n in range(40))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=3_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="measured updates per screen")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def rss_mb() -> float:
    """Resident memory now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return 0.0


# --- a Bot API that answers in-process ---------------------------------------------------------------------------

class InProcessSession(BaseSession):
    """Answers every Bot API call at once, so the figures are the handler's own (database, rendering)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self._id = 0

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self.calls += 1
        if isinstance(method, GetMe):
            return TgUser(id=1, is_bot=True, first_name="Bench", username="bench_bot")
        returning = getattr(method, "__returning__", None)
        if returning is bool or returning is None:
            return True
        chat_id = getattr(method, "chat_id", None) or 1
        self._id += 1
        return Message(message_id=self._id, date=datetime.now(timezone.utc),
                       chat=Chat(id=int(chat_id) if str(chat_id).lstrip("-").isdigit() else 1, type="private"),
                       text=getattr(method, "text", None) or "ok")

    async def stream_content(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        raise NotImplementedError
        yield b""  # pragma: no cover

    async def close(self) -> None:
        return None


class Updates:
    def __init__(self) -> None:
        self.next_id = 0

    def _user(self, messenger_id: int) -> dict:
        return {"id": messenger_id, "is_bot": False, "first_name": "Bench", "language_code": "ru"}

    def command(self, messenger_id: int, command: str) -> dict:
        self.next_id += 1
        return {"update_id": self.next_id, "message": {
            "message_id": self.next_id, "date": int(time.time()), "chat": {"id": messenger_id, "type": "private"},
            "from": self._user(messenger_id), "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command.split()[0])}]}}

    def text(self, messenger_id: int, value: str) -> dict:
        self.next_id += 1
        return {"update_id": self.next_id, "message": {
            "message_id": self.next_id, "date": int(time.time()), "chat": {"id": messenger_id, "type": "private"},
            "from": self._user(messenger_id), "text": value}}

    def callback(self, messenger_id: int, data: str) -> dict:
        self.next_id += 1
        return {"update_id": self.next_id, "callback_query": {
            "id": f"cb-{self.next_id}", "from": self._user(messenger_id), "chat_instance": "bench", "data": data,
            "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": messenger_id, "type": "private"},
                        "from": {"id": 1, "is_bot": True, "first_name": "Bench"}, "text": "screen"}}}


# --- data ----------------------------------------------------------------------------------------------------------

async def fill(sessionmaker, args: argparse.Namespace) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    rng = random.Random(args.seed)
    now = datetime.now(timezone.utc)
    today = now.date()
    async with sessionmaker.begin() as session:
        network = Network(slug="bench", name="Сеть для замеров", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        schools = []
        for n in range(60):
            status, level = ((SchoolStatus.LEADER, 1) if n < 5 else (SchoolStatus.CURATOR, 2) if n < 20
                             else (SchoolStatus.SHNOR, 3))
            schools.append({"network_id": network.id, "name": f"МБОУ «СОШ № {n + 1}»", "short_name": f"СОШ № {n + 1}",
                            "name_key": search_key(f"МБОУ «СОШ № {n + 1}» СОШ № {n + 1}"), "status": status.value,
                            "level": level, "created_at": now})
        await session.execute(insert(School), schools)
        school_ids = list((await session.scalars(select(School.id).order_by(School.id))).all())
        users = []
        for n in range(args.participants):
            name = f"{rng.choice(SURNAMES)}а {rng.choice(FIRST)} {rng.choice(FATHERS)}"
            users.append({"messenger_id": TG_BASE + n, "username": None, "full_name": name, "name_key": search_key(name),
                          "position": "Учитель-предметник", "subjects": rng.sample(SUBJECTS, k=rng.choice((1, 1, 2))),
                          "language": "ru", "consent_at": now, "consent_version": CONSENT_VERSION,
                          "is_reachable": True, "notification_prefs": {}, "created_at": now})
        for start in range(0, len(users), 2000):
            await session.execute(insert(User), users[start:start + 2000])
        user_ids = list((await session.scalars(select(User.id).order_by(User.id))).all())
        mentor_count = int(args.participants * 0.15)
        memberships = []
        for index, uid in enumerate(user_ids):
            mentor = 2 <= index < 2 + mentor_count
            memberships.append({"user_id": uid, "network_id": network.id,
                                "school_id": school_ids[index % 20] if mentor else school_ids[20 + index % 40],
                                "is_participant": index >= 2, "is_mentor": mentor, "is_coordinator": index < 2,
                                "mentor_type": "methodist" if mentor else None,
                                "directions": rng.sample(vocab.DIRECTIONS, k=2) if mentor else [],
                                "capacity": 3 if mentor else None, "is_active": True, "joined_at": now})
        for start in range(0, len(memberships), 2000):
            await session.execute(insert(Membership), memberships[start:start + 2000])
        mentors = user_ids[2:2 + mentor_count]
        mentees = user_ids[2 + mentor_count:]
        school_links = min(200, args.links // 10)
        groups = min(200, args.links // 10)
        links, members, link_meta = [], [], []
        for n in range(args.links):
            kind = "school_school" if n < school_links else "group" if n < school_links + groups else "teacher_teacher"
            mentor = mentors[n % len(mentors)] if n >= school_links else mentors[n % 20]
            links.append({"network_id": network.id, "kind": kind, "form": "partner" if kind == "school_school"
                          else "group" if kind == "group" else "traditional", "status": "active",
                          "mentor_school_id": school_ids[n % 20], "mentee_school_id": school_ids[20 + n % 40],
                          "goals": "Повышение результатов ВПР", "deficits": ["vpr", "motiv"], "directions": ["vpr"],
                          "starts_on": today - timedelta(days=365), "created_at": now})
            link_meta.append((kind, mentor))
        for start in range(0, len(links), 2000):
            await session.execute(insert(MentoringLink), links[start:start + 2000])
        link_ids = list((await session.scalars(select(MentoringLink.id).order_by(MentoringLink.id))).all())
        for link_id, (kind, mentor) in zip(link_ids, link_meta):
            members.append({"link_id": link_id, "user_id": mentor, "side": "mentor", "added_at": now})
            for mentee in rng.sample(mentees, k=4 if kind == "group" else 0 if kind == "school_school" else 1):
                members.append({"link_id": link_id, "user_id": mentee, "side": "mentee", "added_at": now})
        for start in range(0, len(members), 5000):
            await session.execute(insert(LinkMember), members[start:start + 5000])
        people_links = [(lid, mentor) for lid, (kind, mentor) in zip(link_ids, link_meta) if kind != "school_school"]
        last: dict[int, date] = {}
        batch = []
        for n in range(args.sessions):
            link_id, author = people_links[n % len(people_links)]
            held = today - timedelta(days=rng.randint(0, 364))
            last[link_id] = max(last.get(link_id, held), held)
            batch.append({"network_id": network.id, "link_id": link_id, "author_id": author, "held_on": held,
                          "format": rng.choice(("offline", "online")), "duration_min": rng.choice(vocab.DURATIONS),
                          "topic": rng.choice(TOPICS), "created_at": now - timedelta(days=(today - held).days),
                          "confirmed_at": now if rng.random() < 0.7 else None,
                          "rating": rng.choice((None, 4, 5))})
            if len(batch) == 5000:
                await session.execute(insert(MentoringSession), batch)
                batch = []
        if batch:
            await session.execute(insert(MentoringSession), batch)
        for link_id, day in last.items():
            await session.execute(MentoringLink.__table__.update().where(MentoringLink.id == link_id)
                                  .values(last_session_on=day))
        # the busiest mentor: the one the "my pairs" and "log a session" screens are measured for
        busiest = (await session.execute(select(LinkMember.user_id, func.count()).where(
            LinkMember.side == "mentor").group_by(LinkMember.user_id).order_by(func.count().desc()).limit(1))).one()
    links_of: dict[int, list[int]] = {}  # every link a mentor can log for (school links too)
    for link_id, (_, author) in zip(link_ids, link_meta):
        links_of.setdefault(author, []).append(link_id)
    return {"network_id": network.id, "links_of": links_of, "coordinator": TG_BASE,
            "mentors": [TG_BASE + i for i in range(2, 2 + mentor_count)],
            "mentees": [u - user_ids[0] + TG_BASE for u in mentees], "mentee_ids": mentees,
            "busiest": (busiest[0] - user_ids[0] + TG_BASE, busiest[1]), "people_links": people_links,
            "user_base": user_ids[0]}


# --- measuring --------------------------------------------------------------------------------------------------

class Screens:
    def __init__(self, app, bot: Bot) -> None:  # type: ignore[no-untyped-def]
        self.app, self.bot, self.updates = app, bot, Updates()
        self.timings: dict[str, list[float]] = {}

    async def feed(self, name: str | None, update: dict) -> None:
        started = time.perf_counter()
        await self.app.dispatcher.feed_raw_update(self.bot, update)
        if name is not None:
            self.timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def measure(app, data: dict[str, Any], runs: int, rng: random.Random) -> Screens:  # type: ignore[no-untyped-def]
    bot_session = InProcessSession()
    bot_session.middleware(NoteCallbackAnswers())
    bot = Bot("1:bench", session=bot_session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    screens = Screens(app, bot)
    u = screens.updates
    coordinator = data["coordinator"]
    busiest = data["busiest"][0]
    warm = max(5, runs // 20)
    for run in range(warm + runs):
        label = (lambda name: name) if run >= warm else (lambda name: None)
        mentor = rng.choice(data["mentors"])
        await screens.feed(label("menu (/menu)"), u.command(mentor, "/menu"))
        await screens.feed(label("my pairs"), u.callback(busiest if run % 2 else mentor,
                                                         MenuCb(action="ml_pairs").pack()))
        # «Записать встречу»: entry (pair preselected or the pair list), date+format, duration, typed topic.
        who = busiest if run % 3 == 0 else mentor
        own = data["links_of"].get(data["user_base"] + who - TG_BASE, [])
        await screens.feed(label("log: open"), u.callback(who, MenuCb(action="ml_log").pack()))
        if len(own) > 1:  # the pair is preselected only when there is one
            await screens.feed(label("log: pick pair"), u.callback(who, MentorCb(a="lp", id=own[0]).pack()))
        await screens.feed(label("log: date+format"), u.callback(who, MentorCb(a="ld", id=0, v=1).pack()))
        await screens.feed(label("log: duration"), u.callback(who, MentorCb(a="lu", v=45).pack()))
        await screens.feed(label("log: topic → saved"), u.text(who, f"Замер {run}"))
        await screens.feed(None, u.callback(who, MentorCb(a="ldone").pack()))
        # The coordinator's participant list: open, then a random page of ~1,250.
        if run % 10 == 0:
            await screens.feed(None, u.callback(coordinator, CoordCb(a="ppl").pack()))
        await screens.feed(label("participants: page"), u.callback(
            coordinator, PageCb(list="m_people", page=rng.randrange(0, len(data["mentees"]) // 8)).pack()))
        # Matching for a random mentee with one deficit ticked.
        mentee_uid = rng.choice(data["mentee_ids"])
        if run % 10 == 0:
            await screens.feed(None, u.callback(coordinator, CoordCb(a="mt").pack()))
        await screens.feed(None, u.callback(coordinator, CoordCb(a="mtp", id=mentee_uid).pack()))
        await screens.feed(None, u.callback(coordinator, CoordCb(a="mtd", v=1).pack()))
        await screens.feed(label("matching: suggestions"), u.callback(coordinator, CoordCb(a="mtgo").pack()))
    return screens


async def side_figures(sessionmaker, network_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from openpyxl import Workbook

    from bot.services.mentoring.importer import run_import
    from bot.services.mentoring.sheets import read_sheets

    figures: dict[str, str] = {}
    async with sessionmaker() as session:
        started = time.perf_counter()
        rows = 0
        async for chunk in export_rows(session, network_id, "sessions"):
            rows += len(chunk)
        figures["export «Встречи» (streamed)"] = f"{rows - 1} rows in {time.perf_counter() - started:.2f} s"
    book = Workbook()
    sheet = book.active
    sheet.append(["ФИО", "ОО", "Должность", "Роль", "Предметы", "Telegram"])
    for n in range(300):
        sheet.append([f"Импортова Анна {FATHERS[n % len(FATHERS)][:-4]}{'абвгдежзиклмнопрстуфхцчшщэюя'[n % 28]}овна",
                      f"СОШ № {21 + n % 40}", "учитель", "наставляемый", "математика", f"@imported_{n:04d}"])
    buffer = BytesIO()
    book.save(buffer)
    sheets = read_sheets(buffer.getvalue(), "people.xlsx")
    async with sessionmaker.begin() as session:
        started = time.perf_counter()
        preview = await run_import(session, network_id=network_id, sheets=sheets, clock=SystemClock(), dry_run=True,
                                   check_actor=False)
        middle = time.perf_counter()
        result = await run_import(session, network_id=network_id, sheets=sheets, clock=SystemClock(), check_actor=False)
        finished = time.perf_counter()
        figures["import 300-row sheet"] = (f"preview {middle - started:.2f} s, import {finished - middle:.2f} s"
                                           f" ({result.people.created} new, {len(preview.problems)} problems)")
    return figures


async def fill_only(args: argparse.Namespace) -> None:
    engine = create_engine(args.database_url)
    data = await fill(make_sessionmaker(engine), args)
    await engine.dispose()
    print(json.dumps(data))


async def main() -> None:
    baseline = rss_mb()  # after importing aiogram, SQLAlchemy and the bot
    args = parse_args()
    if args.fill_only:
        await fill_only(args)
        return
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(url, engine=engine)
    sessionmaker = make_sessionmaker(engine)
    started = time.perf_counter()
    # The database is filled by a child process, so this process's memory is the bot's own at this scale.
    child = subprocess.run([sys.executable, __file__, "--fill-only", "--database-url", url,
                            "--participants", str(args.participants), "--links", str(args.links),
                            "--sessions", str(args.sessions), "--seed", str(args.seed)],
                           capture_output=True, text=True, check=False)
    if child.returncode != 0:
        sys.exit(child.stderr)
    data = json.loads(child.stdout)
    data["links_of"] = {int(k): v for k, v in data["links_of"].items()}
    print(f"filled: {args.participants} participants, {args.links} links, {args.sessions} sessions "
          f"in {time.perf_counter() - started:.1f} s ({url.split('://')[0]}); busiest mentor has "
          f"{data['busiest'][1]} links")
    settings = load_settings(_env_file=None, bot_token="1:bench", database_url=url, admin_ids=[],
                             throttle_per_sec=1e6, throttle_burst=1_000_000)
    app = build_app(settings, clock=SystemClock(), engine=engine)
    before = rss_mb()
    screens = await measure(app, data, args.runs, rng)
    after = rss_mb()
    print(f"\n{'screen':32} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8}  target < {TARGET_MS:.0f} ms p95")
    worst = 0.0
    for name, values in screens.timings.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        worst = max(worst, p95)
        print(f"{name:32} {len(values):5d} {p50:8.1f} {p95:8.1f}  {'ok' if p95 < TARGET_MS else 'SLOW'}")
    async with sessionmaker() as session:
        logged = await session.scalar(select(func.count()).select_from(MentoringSession)) - args.sessions
    print(f"{'sessions logged by the runs':32} {logged}")
    for name, value in (await side_figures(sessionmaker, data["network_id"])).items():
        print(f"{name:32} {value}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\npeak memory of the process (max RSS): {peak_kb / 1024:.0f} MB — resident after imports "
          f"{baseline:.0f} MB (aiogram's models alone ≈ 140 MB), before the screens {before:.0f} MB, "
          f"after them {after:.0f} MB; the peak comes from the export and import lines")
    print(f"worst screen p95: {worst:.1f} ms ({'within' if worst < TARGET_MS else 'OVER'} the "
          f"{TARGET_MS:.0f} ms target)")
    await app.storage.close()
    await engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
