"""A small network whose indicators are known by hand (the clock stands at 24.11.2026 12:00 in Moscow).

Schools: Назиевская (ШНОР), Синявинская (ШНОР), Кировская гимназия (лидер).
People (participants): Мельникова (mentor, гимназия), Иванова and Петрова (Назиевская), Сидорова and
Кузнецова (Синявинская), Смирнова (гимназия); Орлова coordinates; Фёдорова erased herself (/forgetme).

    participation   5 of 6 took part (83%): Мельникова and Иванова are in an active link, Петрова and
                    Сидорова came to the seminar, Кузнецова signed up for the webinar where attendance
                    wasn't kept; Смирнова signed up for the seminar but didn't come
    shnor_covered   1 of 2 (50%): Назиевская is the mentee school of the active link; Синявинская's link
                    is only proposed
    active_links    1; sessions_month 2 (1 and 20 November; 31 October is last month)
    events_held     2 of 3 (67%): the seminar (held) and the webinar (announced, ended) of the three that
                    should have ended by now; the round table was never announced
    attendance      2 of 3 (67%): at the seminar Петрова and Сидорова came, Смирнова didn't
    forms_answered  2 of 3 (67%)
    measures        of 4 measures this school year 1 is done (25%), due by now: 1 of 1; 1 has no date
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from db.models import (Attendance, Event, EventPeriod, Form, FormRequest, FormResponse, LinkMember, Membership,
                       MentoringLink, MentoringSession, Network, PlanGoal, School, Signup, User)

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
COORDINATOR = 700_001
MENTOR = 710_000
TEACHERS = {"ivanova": 710_001, "petrova": 710_002, "sidorova": 710_003, "smirnova": 710_004,
            "kuznetsova": 710_005}
OTHER_COORDINATOR = 790_001


@dataclass
class World:
    network_id: int
    schools: dict[str, int]
    users: dict[str, int] = field(default_factory=dict)  # key → user id
    links: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    other_network_id: int | None = None
    other_school_id: int | None = None


def local(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=MSK).astimezone(timezone.utc)


async def person(session: AsyncSession, network_id: int, messenger_id: int | None, name: str, school_id: int | None,
                 *, mentor: bool = False, coordinator: bool = False, now: datetime = NOW) -> User:
    user = User(messenger_id=messenger_id, full_name=name, subjects=["Математика"], language="ru", consent_at=now,
                notification_prefs={})
    session.add(user)
    await session.flush()
    session.add(Membership(user_id=user.id, network_id=network_id, school_id=school_id,
                           is_participant=not coordinator, is_mentor=mentor, is_coordinator=coordinator,
                           directions=[]))
    await session.flush()
    return user


def _event(network_id: int, number: str, title: str, kind: str, start: datetime | None, end: datetime, status: str,
           *, task: bool = False, done_at: datetime | None = None) -> Event:
    event = Event(network_id=network_id, number=number, title=title, title_key=title.lower()[:255], kind=kind,
                  is_task=task, starts_at=start, ends_at=end, status=status, done_at=done_at, audience={},
                  warnings=[], section="2. Методическое сопровождение", created_at=NOW, updated_at=NOW)
    event.periods = [EventPeriod(position=0, starts_at=start, ends_at=end, all_day=start is None or task)]
    return event


async def build(session: AsyncSession, clock: Clock, *, with_other_network: bool = True) -> World:
    now = clock.now()
    network = Network(slug="kirovsk", name="Кировский район", timezone="Europe/Moscow", settings={})
    session.add(network)
    await session.flush()
    schools = {}
    for key, name, short, status in (("nazia", "МКОУ «Назиевская СОШ»", "Назиевская СОШ", "shnor"),
                                     ("sinyavino", "МКОУ «Синявинская СОШ»", "Синявинская СОШ", "shnor"),
                                     ("gymn", "МБОУ «Кировская гимназия»", "Кировская гимназия", "leader")):
        school = School(network_id=network.id, name=name, short_name=short, status=status)
        session.add(school)
        await session.flush()
        schools[key] = school.id
    world = World(network.id, schools)
    u = world.users
    u["coordinator"] = (await person(session, network.id, COORDINATOR, "Орлова Галина Ивановна", None,
                                     coordinator=True)).id
    u["mentor"] = (await person(session, network.id, MENTOR, "Мельникова Анна Сергеевна", schools["gymn"],
                                mentor=True)).id
    for key, name, school in (("ivanova", "Иванова Мария Петровна", "nazia"),
                              ("petrova", "Петрова Ольга Николаевна", "nazia"),
                              ("sidorova", "Сидорова Елена Викторовна", "sinyavino"),
                              ("smirnova", "Смирнова Татьяна Ильинична", "gymn"),
                              ("kuznetsova", "Кузнецова Ирина Андреевна", "sinyavino")):
        u[key] = (await person(session, network.id, TEACHERS[key], name, schools[school])).id
    gone = await person(session, network.id, None, "Фёдорова Юлия Павловна", schools["nazia"])
    gone.full_name, gone.forgotten_at = None, now
    u["gone"] = gone.id

    # Links: one active (гимназия → Назиевская), one only proposed (to Синявинская).
    active = MentoringLink(network_id=network.id, kind="teacher_teacher", form="traditional", status="active",
                           mentor_school_id=schools["gymn"], mentee_school_id=schools["nazia"],
                           goals="Подготовка к ВПР", deficits=[], directions=[], starts_on=date(2026, 9, 15))
    active.members = [LinkMember(user_id=u["mentor"], side="mentor"), LinkMember(user_id=u["ivanova"], side="mentee")]
    proposed = MentoringLink(network_id=network.id, kind="teacher_teacher", form="traditional", status="proposed",
                             mentor_school_id=schools["gymn"], mentee_school_id=schools["sinyavino"],
                             deficits=[], directions=[])
    proposed.members = [LinkMember(user_id=u["mentor"], side="mentor"),
                        LinkMember(user_id=u["sidorova"], side="mentee")]
    session.add_all([active, proposed])
    await session.flush()
    world.links = {"active": active.id, "proposed": proposed.id}
    for day, confirmed, note in ((date(2026, 10, 31), True, None),
                                 (date(2026, 11, 1), False, "Разобрали задания\x0b ВПР & <ОГЭ>"),
                                 (date(2026, 11, 20), False, None)):
        session.add(MentoringSession(network_id=network.id, link_id=active.id, author_id=u["mentor"], held_on=day,
                                     format="offline", duration_min=45, topic="Формирующее оценивание",
                                     note=note, confirmed_at=now if confirmed else None,
                                     rating=5 if confirmed else None, attachment_type="photo" if note else None))
    session.add_all([PlanGoal(link_id=active.id, text="Посетить 3 урока наставника", due_on=date(2026, 11, 1)),
                     PlanGoal(link_id=active.id, text="Провести открытый урок", due_on=date(2026, 12, 20),
                              done=True, done_at=now)])

    # Roadmap: events and measures of this school year (and one of the last).
    e = world.events
    rows = {
        "seminar": _event(network.id, "2.1", "Семинар «Анализ ВПР»", "seminar", local(date(2026, 11, 10), 15),
                          local(date(2026, 11, 10), 17), "held"),
        "webinar": _event(network.id, "2.2", "Вебинар «Функциональная грамотность»", "webinar",
                          local(date(2026, 11, 15), 16), local(date(2026, 11, 15), 17), "announced"),
        "round_table": _event(network.id, "2.3", "Круглый стол «Первые итоги»", "round_table",
                              local(date(2026, 11, 5), 14), local(date(2026, 11, 5), 16), "planned"),
        "upcoming": _event(network.id, "2.4", "Мастер-класс «Олимпиадные задачи»", "master_class",
                           local(date(2026, 12, 10), 15), local(date(2026, 12, 10), 17), "announced"),
        "cancelled": _event(network.id, "2.5", "Педсовет", "council", local(date(2026, 11, 3), 15),
                            local(date(2026, 11, 3), 17), "cancelled"),
        "last_year": _event(network.id, "1.9", "Конференция 2025/26", "conference", local(date(2026, 5, 10), 10),
                            local(date(2026, 5, 10), 17), "held"),
        "m_done": _event(network.id, "3.1", "Положение о наставничестве", "document", None,
                         local(date(2026, 10, 16)), "planned", task=True, done_at=local(date(2026, 10, 10), 12)),
        "m_december": _event(network.id, "3.2", "Мониторинг за полугодие", "monitoring", None,
                             local(date(2026, 12, 21)), "planned", task=True),
        "m_march": _event(network.id, "3.3", "Анкетирование наставляемых", "survey", None, local(date(2027, 3, 2)),
                          "planned", task=True),
        "m_may": _event(network.id, "3.4", "Итоговый отчёт", "document", None, local(date(2027, 5, 21)), "planned",
                        task=True),
        "m_cancelled": _event(network.id, "3.5", "Отменённая мера", "document", None, local(date(2026, 10, 1)),
                              "cancelled", task=True),
    }
    undated = Event(network_id=network.id, number="3.6", title="Мера без срока", title_key="мера без срока",
                    kind="document", is_task=True, status="planned", audience={}, warnings=[], when_text="постоянно")
    session.add_all([*rows.values(), undated])
    await session.flush()
    e.update({key: event.id for key, event in rows.items()})
    going = [("seminar", "petrova"), ("seminar", "smirnova"), ("webinar", "kuznetsova"), ("upcoming", "petrova")]
    for event_key, who in going:
        session.add(Signup(event_id=e[event_key], user_id=u[who], status="going", created_at=now, updated_at=now))
    session.add(Signup(event_id=e["upcoming"], user_id=u["smirnova"], status="declined", created_at=now,
                       updated_at=now))
    for who, how in (("petrova", "coordinator"), ("sidorova", "checkin")):
        session.add(Attendance(event_id=e["seminar"], user_id=u[who], how=how, at=local(date(2026, 11, 10), 15),
                               marked_by_id=u["coordinator"] if how == "coordinator" else None))
    session.add(Attendance(event_id=e["last_year"], user_id=u["smirnova"], how="coordinator",
                           at=local(date(2026, 5, 10), 10)))

    # Forms: a reflection with three people asked, two answered; a cancelled request; last year's request.
    form = Form(network_id=network.id, code="custom-test", title="Рефлексия", kind="reflection", definition={
        "questions": [{"id": "useful", "type": "scale", "text": "Польза", "required": True, "min": 1, "max": 5},
                      {"id": "apply", "type": "text", "text": "Что примените?", "required": True}]})
    session.add(form)
    await session.flush()
    request = FormRequest(network_id=network.id, form_id=form.id, title="Рефлексия: Семинар «Анализ ВПР»",
                          audience={}, deadline=local(date(2026, 11, 30)), total=3)
    cancelled = FormRequest(network_id=network.id, form_id=form.id, title="Отменённая", audience={},
                            deadline=local(date(2026, 11, 30)), status="cancelled", total=1)
    old = FormRequest(network_id=network.id, form_id=form.id, title="Прошлогодняя", audience={},
                      deadline=local(date(2026, 5, 1)), total=1)
    session.add_all([request, cancelled, old])
    await session.flush()
    for who, answers in (("ivanova", {"useful": 5, "apply": "Приёмы разбора ошибок"}),
                         ("petrova", {"useful": 4, "apply": "Банк заданий"}), ("sidorova", None)):
        session.add(FormResponse(request_id=request.id, user_id=u[who], answers=answers or {},
                                 submitted_at=now - timedelta(days=1) if answers else None,
                                 updated_at=now - timedelta(days=1) if answers else None))
    session.add(FormResponse(request_id=cancelled.id, user_id=u["sidorova"], answers={"useful": 1},
                             submitted_at=now - timedelta(days=2)))
    session.add(FormResponse(request_id=old.id, user_id=u["sidorova"], answers={}))

    if with_other_network:
        other = Network(slug="luga", name="Лужский район", timezone="Europe/Moscow", settings={})
        session.add(other)
        await session.flush()
        school = School(network_id=other.id, name="МОУ «Лужская СОШ №2»", short_name="Лужская СОШ №2",
                        status="shnor")
        session.add(school)
        await session.flush()
        await person(session, other.id, OTHER_COORDINATOR, "Лебедева Нина Павловна", None, coordinator=True)
        world.other_network_id, world.other_school_id = other.id, school.id
    await session.flush()
    return world
