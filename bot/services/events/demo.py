"""Demo events for `demo-data`: items of the seed roadmaps (Kirovsk 2022, Podporozhye «Школа – школе»)
placed in the coming weeks, as drafts the coordinator can announce, and measures to tick."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.events.core import create_event
from bot.services.events.times import Slot, local_at, local_midnight, zone
from db.models.core import Network
from db.models.events import Event

SECTION = "2. Организационно-методическое сопровождение наставничества"
# (number, kind, title, days from today, hour or None for all-day, hours long, place, responsible, result)
DEMO_EVENTS = (
    ("2.1", "seminar", "Семинар «Анализ результатов ВПР: типичные ошибки и пути их устранения»", 7, 15, 2,
     "МБОУ «Кировская СОШ №2», актовый зал", "Методист ИМЦ", "Планы коррекции по итогам ВПР в каждой ОО"),
    ("2.2", "webinar", "Вебинар «Функциональная грамотность на уроках математики»", 10, 16, 1.5,
     None, "Руководитель РМО учителей математики", "Банк заданий по функциональной грамотности"),
    ("2.3", "open_lesson", "Открытые уроки педагогов-наставников «Школа – школе»", 14, None, 0,
     "МБОУ «Шлиссельбургская СОШ №1»", "Заместитель директора по УВР", "Не менее 75% наставляемых посетили уроки"),
    ("2.4", "round_table", "Круглый стол «Наставничество: первые результаты пар «учитель – учителю»»", 21, 14, 2,
     "МБОУ «Отрадненская СОШ №3»", "Координатор программы", "Обобщение опыта наставнических пар"),
    ("2.5", "master_class", "Мастер-класс «Подготовка к олимпиадам: эффективные практики»", 28, 15, 1.5,
     "МКОУ «Назиевская СОШ»", "Учителя-наставники", "Индивидуальные маршруты подготовки обучающихся"),
    ("2.6", "council", "Сетевой педсовет «Пути формирования учебной мотивации обучающихся»", 35, 15, 2,
     "МБОУ «Подпорожская СОШ №1 им. А.С. Пушкина»", "Директора школ-участниц", "Решение педсовета"),
    ("3.1", "monitoring", "Мониторинг реализации дорожной карты за полугодие", 30, None, 0,
     None, "Координатор программы", "Аналитическая справка"),
    ("3.2", "document", "Разработка индивидуальных планов профессионального развития (ИППР) наставляемых", 20, None,
     0, None, "Педагоги-наставники", "ИППР каждого наставляемого"),
    ("3.3", "survey", "Анкетирование наставляемых «Профессиональные дефициты»", 12, None, 0,
     None, "Методист ИМЦ", "Карта профессиональных дефицитов"),
)


async def create_demo_events(session: AsyncSession, network: Network, clock: Clock) -> int:
    """Creates the demo events once per network (nothing if it has events already). Returns how many."""
    if await session.scalar(select(Event.id).where(Event.network_id == network.id).limit(1)) is not None:
        return 0
    tz = zone(network)
    today = clock.now().astimezone(tz).date()
    for number, kind, title, days, hour, hours, place, responsible, result in DEMO_EVENTS:
        day = today + timedelta(days=days)
        if hour is None:
            start = None if kind in ("document", "monitoring", "survey") else local_midnight(day, tz)
            slot = Slot(start, local_midnight(day + timedelta(days=1), tz), True)
        else:
            start = local_at(day, hour, tz)
            slot = Slot(start, start + timedelta(hours=hours), False)
        event = await create_event(session, network, title=title, slot=slot, kind=kind, place=place,
                                   responsible=responsible, expected_result=result, clock=clock)
        event.number, event.section = number, SECTION
    await session.flush()
    return len(DEMO_EVENTS)
