"""Demo data: a living network from the seed districts, so a newcomer has something to look at."""
from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import people
from bot.services.clock import Clock
from bot.services.mentoring.demo import MentoringDemo, create_mentoring_demo
from bot.services.networks import create_network
from bot.services.registration import CONSENT_VERSION
from db.models import Membership, Network, School, SchoolStatus, User
from db.models.core import search_key

# Schools named in the Kirovsk and Podporozhye roadmaps (seeds 000, 001, 003), with their roles there.
DEMO_SCHOOLS: tuple[tuple[str, str, SchoolStatus, int | None], ...] = (
    ("МБОУ «Шлиссельбургская СОШ №1»", "Шлиссельбургская СОШ №1", SchoolStatus.LEADER, 1),
    ("МБОУ «Кировская СОШ №2»", "Кировская СОШ №2", SchoolStatus.CURATOR, 2),
    ("МБОУ «Отрадненская СОШ №3»", "Отрадненская СОШ №3", SchoolStatus.CURATOR, 2),
    ("МКОУ «Назиевская СОШ»", "Назиевская СОШ", SchoolStatus.SHNOR, 3),
    ("МКОУ «Синявинская СОШ»", "Синявинская СОШ", SchoolStatus.SHNOR, 3),
    ("МКОУ «Шумская СОШ»", "Шумская СОШ", SchoolStatus.SHNOR, 3),
    ("МКОУ «Путиловская ООШ»", "Путиловская ООШ", SchoolStatus.SHNSU, 3),
    ("МКОУ «Приладожская СОШ»", "Приладожская СОШ", SchoolStatus.SHNOR, 3),
    ("МБОУ «Подпорожская СОШ №1 им. А.С. Пушкина»", "Подпорожская СОШ №1", SchoolStatus.LEADER, 1),
    ("МБОУ «Подпорожская СОШ №3»", "Подпорожская СОШ №3", SchoolStatus.CURATOR, 2),
    ("МБОУ «Подпорожская СОШ №4 им. М. Горького»", "Подпорожская СОШ №4", SchoolStatus.CURATOR, 2),
    ("МБОУ «Важинский образовательный центр»", "Важинский ОЦ", SchoolStatus.SHNOR, 3),
    ("МБОУ «Вознесенский образовательный центр»", "Вознесенский ОЦ", SchoolStatus.SHNSU, 3),
    ("МБОУ «Никольская ООШ №9»", "Никольская ООШ №9", SchoolStatus.SHNOR, 3),
)

_SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
             "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
             "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
             "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов")
_FEMALE = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Екатерина",
           "Юлия", "Галина", "Людмила", "Марина", "Надежда", "Валентина", "Оксана")
_MALE = ("Александр", "Сергей", "Андрей", "Дмитрий", "Алексей", "Михаил", "Николай", "Владимир", "Игорь")
_FATHERS = ("Александров", "Сергеев", "Андреев", "Дмитриев", "Алексеев", "Михайлов", "Николаев",
            "Владимиров", "Петров", "Иванов", "Викторов", "Юрьев")
_POSITIONS = ("учитель-предметник",) * 12 + ("заместитель директора по УВР", "директор", "руководитель РМО",
                                             "методист", "тьютор")
_SUBJECTS = ("Русский язык", "Литература", "Математика", "Физика", "Химия", "Биология", "География",
             "История", "Обществознание", "Информатика", "Английский язык", "Начальные классы")
DIRECTIONS = ("ОГЭ/ЕГЭ", "ВПР", "олимпиады", "функциональная грамотность", "ОВЗ")
MENTOR_TYPES = ("методист", "лидер", "тьютор", "разработчик")
MENTOR_SHARE = 0.15
COORDINATORS = 2


def _full_name(rng: random.Random) -> str:
    surname = rng.choice(_SURNAMES)
    father = rng.choice(_FATHERS)
    if rng.random() < 0.8:  # teaching staff in the seed districts are mostly women
        return f"{surname}а {rng.choice(_FEMALE)} {father}на"
    return f"{surname} {rng.choice(_MALE)} {father}ич"


@dataclass(frozen=True)
class DemoSummary:
    network: Network
    schools: int
    created: int
    mentors: int
    coordinators: int
    mentoring: MentoringDemo | None = None  # links, sessions and plans


async def ensure_schools(session: AsyncSession, network: Network) -> list[School]:
    existing = {s.name: s for s in (await session.scalars(select(School).where(School.network_id == network.id)))}
    for name, short, status, level in DEMO_SCHOOLS:
        if name not in existing:
            school = School(network_id=network.id, name=name, short_name=short, status=status.value, level=level,
                            municipality="Ленинградская область")
            session.add(school)
            existing[name] = school
    await session.flush()
    return list(existing.values())


async def create_demo(session: AsyncSession, *, slug: str, participants: int, messenger_id_start: int,
                      clock: Clock, timezone: str = "Europe/Moscow", seed: int = 2022,
                      platform: str = people.TELEGRAM) -> DemoSummary:
    """Idempotent by account (messenger + id): running it twice does not duplicate people."""
    network = await session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        # People see the name, never the code: the slug stays out of it.
        network = await create_network(session, slug=slug, name="Демонстрационная сеть наставничества",
                                       timezone=timezone)
    schools = await ensure_schools(session, network)
    rng = random.Random(seed)
    ids = range(messenger_id_start, messenger_id_start + participants)
    in_range = (and_(User.platform == people.check_platform(platform), User.messenger_id.between(ids.start, ids.stop - 1))
                if participants else User.id.is_(None))
    known = set((await session.scalars(select(User.messenger_id).where(in_range))).all())
    now = clock.now()
    users, fresh_ids = [], []
    for offset, messenger_id in enumerate(ids):
        name = _full_name(rng)
        position = rng.choice(_POSITIONS)
        subjects = rng.sample(_SUBJECTS, k=1 if rng.random() < 0.8 else 2)
        if messenger_id in known:
            continue
        fresh_ids.append(messenger_id)
        users.append({"platform": platform, "messenger_id": messenger_id, "username": None, "full_name": name,
                      "name_key": search_key(name), "position": position, "subjects": subjects,
                      "language": "ru", "consent_at": now, "consent_version": CONSENT_VERSION,
                      "is_reachable": True, "notification_prefs": {}, "created_at": now})
    if users:
        await session.execute(insert(User), users)
    user_ids = dict((await session.execute(select(User.messenger_id, User.id).where(in_range))).all())
    mentors = coordinators = 0
    rows = []
    for index, messenger_id in enumerate(fresh_ids):
        is_coordinator = index < COORDINATORS
        is_mentor = not is_coordinator and rng.random() < MENTOR_SHARE
        school = rng.choice(schools)
        mentors += is_mentor
        coordinators += is_coordinator
        rows.append({"user_id": user_ids[messenger_id], "network_id": network.id, "school_id": school.id,
                     "is_participant": not is_coordinator, "is_mentor": is_mentor, "is_coordinator": is_coordinator,
                     "mentor_type": rng.choice(MENTOR_TYPES) if is_mentor else None,
                     "directions": rng.sample(DIRECTIONS, k=2) if is_mentor else [],
                     "capacity": 3 if is_mentor else None, "is_active": True, "joined_at": now})
    if rows:
        await session.execute(insert(Membership), rows)
    await session.flush()
    mentoring = await create_mentoring_demo(session, network, clock=clock, seed=seed)
    from bot.services.events.demo import create_demo_events

    await create_demo_events(session, network, clock)
    return DemoSummary(network=network, schools=len(schools), created=len(fresh_ids), mentors=mentors,
                       coordinators=coordinators, mentoring=mentoring)
