"""The network's XLSX export and the monitoring chart at scale.

    python bench/export.py [--participants 10000 --sessions 100000 --answers 50000] [--keep DIR]

Builds one network in a temporary SQLite database (WAL, migrated as in production) with bulk inserts: N
participants (15% mentors) in 150 schools, 3,000 links with members, S sessions over the school year, plan
goals, 120 roadmap events and measures with sign-ups and attendance, and form requests with A submitted
answers. Then, in a fresh child process (so the figures are the export's own, not the data builder's):

* the whole workbook (eight sheets) written to a temporary file: wall time, peak RSS (getrusage maxrss) and
  the peak of Python allocations (tracemalloc, a second run: tracing slows Python down, so its time is not
  the figure);
* the indicators (`network_card`, every school's card) — the numbers /stats shows;
* the chart: the first render (fonts loaded) and the mean of 10 more.

Targets (issue 12): the export < 30 s and < 300 MB (XlsxWriter, constant-memory mode); a chart < 1 s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

TARGET_SECONDS, TARGET_MB, TARGET_CHART = 30.0, 300.0, 1.0
SLUG = "bench"
SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
            "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов")
FIRST = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Галина")
FATHERS = ("Петровна", "Сергеевна", "Ивановна", "Андреевна", "Николаевна", "Викторовна")
SUBJECTS = ("Математика", "Русский язык", "Литература", "Физика", "Химия", "Биология", "История", "Информатика")
TOPICS = tuple(f"Тема встречи {n}: разбор заданий ВПР и план работы на месяц" for n in range(40))
KINDS = ("seminar", "webinar", "workshop", "round_table", "master_class", "open_lesson", "conference")
BATCH = 5000


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


async def _bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(model), rows[start:start + BATCH])


async def build(url: str, participants: int, sessions: int, answers: int, seed: int = 6) -> dict[str, int]:
    from bot.services.forms import ensure_template
    from bot.services.mentoring import vocabulary as vocab
    from bot.services.monitoring.periods import Period
    from bot.services.registration import CONSENT_VERSION
    from db.migrate import upgrade
    from db.models import (Attendance, Event, EventPeriod, FormRequest, FormResponse, LinkMember, Membership,
                           MentoringLink, MentoringSession, Network, PlanGoal, School, SchoolStatus, Signup, User)
    from db.models.core import search_key
    from db.session import create_engine, make_sessionmaker

    rng = random.Random(seed)
    await upgrade(url)
    engine = create_engine(url)
    now = now_utc()
    counts: dict[str, int] = {}
    async with make_sessionmaker(engine).begin() as session:
        network = Network(slug=SLUG, name="Сеть для замеров", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        p = Period.of(network, now)
        statuses = [SchoolStatus.SHNOR.value] * 3 + [SchoolStatus.SHNSU.value] + [SchoolStatus.REGULAR.value] * 4 \
            + [SchoolStatus.LEADER.value, SchoolStatus.CURATOR.value]
        await _bulk(session, School, [
            {"network_id": network.id, "name": f"МБОУ «Школа №{i + 1}»", "short_name": f"Школа №{i + 1}",
             "name_key": search_key(f"МБОУ «Школа №{i + 1}» Школа №{i + 1}"), "status": statuses[i % len(statuses)],
             "level": 3 if i % 10 < 4 else 2, "municipality": "Ленинградская область", "created_at": now}
            for i in range(150)])
        school_ids = list((await session.scalars(select(School.id).where(School.network_id == network.id))).all())
        users = []
        for i in range(participants):
            name = f"{rng.choice(SURNAMES)}а {rng.choice(FIRST)} {rng.choice(FATHERS)}"
            users.append({"messenger_id": 2_000_000_000 + i, "username": f"u{i}", "full_name": name,
                          "name_key": search_key(name), "position": "учитель-предметник",
                          "subjects": [rng.choice(SUBJECTS)], "language": "ru", "consent_at": now,
                          "consent_version": CONSENT_VERSION, "is_reachable": True, "notification_prefs": {},
                          "created_at": now})
        await _bulk(session, User, users)
        user_ids = list((await session.scalars(select(User.id).order_by(User.id))).all())
        members = []
        for index, uid in enumerate(user_ids):
            coordinator = index < 2
            mentor = not coordinator and index % 7 == 0
            members.append({"user_id": uid, "network_id": network.id, "school_id": school_ids[index % len(school_ids)],
                            "is_participant": not coordinator, "is_mentor": mentor, "is_coordinator": coordinator,
                            "mentor_type": "методист" if mentor else None, "directions": ["vpr"] if mentor else [],
                            "capacity": 3 if mentor else None, "is_active": True, "joined_at": now})
        await _bulk(session, Membership, members)
        counts["participants"] = participants
        school_of = {m["user_id"]: m["school_id"] for m in members}
        mentors = [m["user_id"] for m in members if m["is_mentor"]]
        mentees = [m["user_id"] for m in members if not m["is_mentor"] and not m["is_coordinator"]]
        rng.shuffle(mentees)
        n_links = min(3000, len(mentees))
        links = []
        for i in range(n_links):
            status = "active" if i % 10 < 8 else ("paused" if i % 10 == 8 else "completed")
            links.append({"network_id": network.id, "kind": "teacher_teacher", "form": "traditional",
                          "status": status, "mentor_school_id": school_of[mentors[i % len(mentors)]],
                          "mentee_school_id": school_of[mentees[i]], "goals": "Повысить результаты ВПР",
                          "deficits": ["vpr"], "directions": ["vpr"], "starts_on": p.year_start,
                          "ends_on": vocab.school_year_end(p.today), "created_at": now,
                          "closed_at": now if status == "completed" else None})
        await _bulk(session, MentoringLink, links)
        link_ids = list((await session.scalars(select(MentoringLink.id).where(
            MentoringLink.network_id == network.id).order_by(MentoringLink.id))).all())
        await _bulk(session, LinkMember, [
            row for i, lid in enumerate(link_ids) for row in (
                {"link_id": lid, "user_id": mentors[i % len(mentors)], "side": "mentor", "added_at": now},
                {"link_id": lid, "user_id": mentees[i], "side": "mentee", "added_at": now})])
        counts["links"] = len(link_ids)
        days = max(1, (p.today - p.year_start).days)
        rows = []
        for i in range(sessions):
            lid = link_ids[i % len(link_ids)]
            author = mentors[(lid - link_ids[0]) % len(mentors)]
            rows.append({"network_id": network.id, "link_id": lid, "author_id": author,
                         "held_on": p.today - timedelta(days=rng.randrange(days)),
                         "format": "online" if i % 3 else "offline", "duration_min": 45, "topic": rng.choice(TOPICS),
                         "note": "Разобрали типичные ошибки, наметили задания на неделю" if i % 4 == 0 else None,
                         "created_at": now, "confirmed_at": now if i % 2 else None, "rating": 5 if i % 2 else None})
            if len(rows) >= BATCH:
                await session.execute(insert(MentoringSession), rows)
                rows = []
        if rows:
            await session.execute(insert(MentoringSession), rows)
        counts["sessions"] = sessions
        await _bulk(session, PlanGoal, [
            {"link_id": lid, "text": "Провести открытый урок с разбором",
             "due_on": p.today + timedelta(days=30 - k * 40), "done": k == 0, "created_at": now}
            for lid in link_ids[:2000] for k in range(2)])
        # Roadmap: 100 events this school year (60 already held) and 20 measures.
        events, periods = [], []
        for i in range(120):
            task = i >= 100
            held = not task and i < 60
            day = p.today - timedelta(days=60 - i) if not task else p.year_start + timedelta(days=15 * (i - 100))
            start = datetime.combine(day, datetime.min.time(), tzinfo=p.tz).astimezone(timezone.utc)
            start += timedelta(hours=12)
            end = start + timedelta(hours=2)
            events.append({"network_id": network.id, "number": f"{i // 10 + 1}.{i % 10 + 1}",
                           "section": "Организационно-методическое сопровождение",
                           "title": f"{'Мера' if task else 'Семинар'} №{i + 1} дорожной карты",
                           "title_key": f"bench {i}", "kind": "document" if task else KINDS[i % len(KINDS)],
                           "is_task": task, "starts_at": None if task else start, "ends_at": end,
                           "status": "held" if held else ("planned" if task else "announced"),
                           "held_at": end if held else None, "done_at": now if task and i % 2 else None,
                           "audience": {}, "warnings": [], "created_at": now, "updated_at": now})
        await _bulk(session, Event, events)
        event_ids = list((await session.scalars(select(Event.id).where(Event.network_id == network.id)
                                                .order_by(Event.id))).all())
        for eid, row in zip(event_ids, events, strict=True):
            periods.append({"event_id": eid, "position": 0, "starts_at": row["starts_at"], "ends_at": row["ends_at"],
                            "all_day": False})
        await _bulk(session, EventPeriod, periods)
        signups, attendance = [], []
        for i, eid in enumerate(event_ids[:60]):
            people = rng.sample(user_ids[2:], 300)
            signups += [{"event_id": eid, "user_id": u, "status": "going", "created_at": now, "updated_at": now}
                        for u in people]
            attendance += [{"event_id": eid, "user_id": u, "how": "coordinator", "at": now} for u in people[:240]]
        await _bulk(session, Signup, signups)
        await _bulk(session, Attendance, attendance)
        counts["signups"], counts["attendance"] = len(signups), len(attendance)
        # Forms: requests of the built-in entry questionnaire, every response sent.
        form = await ensure_template(session, "entry")
        per_request = min(5000, participants)
        n_requests = -(-answers // per_request)
        responses = []
        for r in range(n_requests):
            request = FormRequest(network_id=network.id, form_id=form.id, title=f"Входная анкета, волна {r + 1}",
                                  audience={"kind": "everyone"}, deadline=now - timedelta(days=r),
                                  status="open", total=per_request, created_at=now)
            session.add(request)
            await session.flush()
            for uid in user_ids[2:2 + per_request]:
                if len(responses) + r * 0 >= answers:
                    break
                responses.append({"request_id": request.id, "user_id": uid, "step": 6, "reviewing": True,
                                  "submitted_at": now - timedelta(days=r, hours=1), "created_at": now,
                                  "updated_at": now,
                                  "answers": {"experience": rng.randrange(1, 40),
                                              "deficits": ["Подготовка к ВПР", "Мотивация обучающихся"],
                                              "directions": ["ВПР"], "readiness": rng.randrange(1, 6),
                                              "format": "Очно", "expectations": "Хочу освоить новые приёмы"}})
            if len(responses) >= BATCH or r == n_requests - 1:
                await _bulk(session, FormResponse, responses)
                counts["answers"] = counts.get("answers", 0) + len(responses)
                responses = []
    await engine.dispose()
    return counts


def _rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


async def measure(url: str, out_dir: str, compare: bool = False) -> dict[str, Any]:
    """Runs in the child process: the export twice (plain, then traced), the indicators and the chart."""
    from bot.i18n import Translator
    from bot.services.clock import SystemClock
    from bot.services.export import write_workbook
    from bot.services.monitoring import network_card, school_cards
    from bot.services.networks import get_network
    from db.session import create_engine, make_sessionmaker

    engine = create_engine(url)
    clock = SystemClock()
    result: dict[str, Any] = {"rss_before_mb": round(_rss_mb(), 1)}
    sessionmaker = make_sessionmaker(engine)
    out = Path(out_dir) / "bench.xlsx"
    async with sessionmaker() as session:
        network = await get_network(session, SLUG)
        started, cpu = time.perf_counter(), time.process_time()
        written = await write_workbook(session, network, out, clock)
        result["export_s"] = round(time.perf_counter() - started, 2)
        result["export_cpu_s"] = round(time.process_time() - cpu, 2)  # steady on a shared, busy machine
        result["rss_peak_mb"] = round(_rss_mb(), 1)
        result["sheets"] = written.sheets
        result["file_mb"] = round(out.stat().st_size / 1e6, 1)
    async with sessionmaker() as session:
        network = await get_network(session, SLUG)
        tracemalloc.start()
        await write_workbook(session, network, Path(out_dir) / "traced.xlsx", clock)
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
        tracemalloc.stop()
    if compare:
        from bot.services.report import write_report

        async with sessionmaker() as session:
            network = await get_network(session, SLUG)
            started, cpu = time.perf_counter(), time.process_time()
            await write_report(session, network, Path(out_dir) / "spravka.docx", clock)
            result["report_s"] = round(time.perf_counter() - started, 2)
            result["report_cpu_s"] = round(time.process_time() - cpu, 2)
    async with sessionmaker() as session:
        network = await get_network(session, SLUG)
        started = time.perf_counter()
        card = await network_card(session, network, clock)
        result["indicators_ms"] = round(1000 * (time.perf_counter() - started), 1)
        started = time.perf_counter()
        schools = await school_cards(session, network, clock)
        result["school_cards_ms"] = round(1000 * (time.perf_counter() - started), 1)
        result["schools"] = len(schools)
    await engine.dispose()
    t = Translator("ru")
    started = time.perf_counter()
    from bot.services.monitoring.chart import render_chart

    result["chart_import_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    render_chart(card, t)
    result["chart_first_s"] = round(time.perf_counter() - started, 3)
    times = []
    for _ in range(10):
        started = time.perf_counter()
        png = render_chart(card, t)
        times.append(time.perf_counter() - started)
    result["chart_s"] = round(sum(times) / len(times), 3)
    result["chart_kb"] = round(len(png) / 1024)
    result["card"] = {i.key: [i.value, i.total, i.percent, i.target, i.status] for i in card.indicators}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=50_000)
    parser.add_argument("--keep", help="build the database in this directory and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: measure the database already there")
    parser.add_argument("--report", dest="compare_openpyxl", action="store_true",
                        help="also time the «Аналитическая справка» (DOCX) of the same network")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: a database URL
    parser.add_argument("--out-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure, args.out_dir, args.compare_openpyxl)), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "bench.sqlite3"
        url = f"sqlite+aiosqlite:///{db}"
        if not (args.reuse and args.keep and db.exists()):
            if db.exists():
                db.unlink()
            started = time.perf_counter()
            counts = asyncio.run(build(url, args.participants, args.sessions, args.answers))
            print(f"dataset: {counts} — built in {time.perf_counter() - started:.1f} s "
                  f"({db.stat().st_size / 1e6:.0f} MB)")
        command = [sys.executable, __file__, "--measure", url, "--out-dir", str(folder)]
        if args.compare_openpyxl:
            command.append("--report")
        child = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            sys.exit(child.returncode)
        r = json.loads(child.stdout.strip().splitlines()[-1])
    sheets = ", ".join(f"{title} {rows}" for title, rows in r["sheets"])
    ok = lambda good: "OK" if good else "OVER"  # noqa: E731
    print(f"workbook: {sheets}; file {r['file_mb']} MB")
    print(f"export: {r['export_s']:.2f} s wall, {r['export_cpu_s']:.2f} s CPU (target < {TARGET_SECONDS:.0f} s) "
          f"{ok(r['export_s'] < TARGET_SECONDS)}")
    print(f"memory: peak RSS {r['rss_peak_mb']:.0f} MB of the whole process (after imports {r['rss_before_mb']:.0f} MB;"
          f" target < {TARGET_MB:.0f} MB) {ok(r['rss_peak_mb'] < TARGET_MB)}; Python allocations peak "
          f"{r['tracemalloc_peak_mb']:.0f} MB (tracemalloc)")
    if "report_s" in r:
        print(f"the «Аналитическая справка» of the same network (150 schools in the appendix): {r['report_s']:.2f} s "
              f"wall, {r['report_cpu_s']:.2f} s CPU")
    print(f"indicators: network {r['indicators_ms']:.0f} ms, {r['schools']} schools {r['school_cards_ms']:.0f} ms")
    print(f"chart: {r['chart_s'] * 1000:.0f} ms per render (target < {TARGET_CHART * 1000:.0f} ms) "
          f"{ok(r['chart_s'] < TARGET_CHART)}; first render {r['chart_first_s'] * 1000:.0f} ms "
          f"+ importing matplotlib {r['chart_import_s'] * 1000:.0f} ms; PNG {r['chart_kb']} KB")
    print("card: " + "; ".join(f"{k} {v[0]}/{v[1]}" if v[1] is not None else f"{k} {v[0]}"
                               for k, v in r["card"].items()))


if __name__ == "__main__":
    main()
