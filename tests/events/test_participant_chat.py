"""Participants through the chat: announcements, /events, the card, «Пойду» / «Не смогу», calendar files."""
from __future__ import annotations

from datetime import timedelta

import icalendar

from bot.app import build_app
from bot.services.events import lifecycle
from db.models import User
from keyboards.callbacks import MenuCb
from keyboards.events import EvCb, EvListCb, RsvpCb
from tests.events.common import COORDINATOR, FIRST_TEACHER, add_event, make_world, signups_of
from tests.harness import BotHarness

TEACHER = FIRST_TEACHER  # Иванова, Назиевская СОШ
MENTOR = FIRST_TEACHER + 1


def ics_of(h: BotHarness, sent) -> icalendar.Calendar:  # type: ignore[no-untyped-def]
    file_id = sent.result["document"]["file_id"]
    return icalendar.Calendar.from_ical(h.fake._files[file_id].data)  # noqa: SLF001


async def _announced(h: BotHarness, world, **kwargs) -> int:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, h.app.clock, **kwargs)
        await lifecycle.announce(session, event, h.app.clock)
        return event.id

    return await h.in_db(work)


async def test_an_announcement_arrives_and_the_person_signs_up_then_changes_their_mind(harness: BotHarness) -> None:
    world = await make_world(harness)
    event_id = await _announced(harness, world)
    teacher = harness.person(TEACHER)
    teacher._mark = harness.fake.last_seq
    assert await harness.deliver() == 5
    assert "Приглашаем" in teacher.joined() and "Семинар «Анализ ВПР»" in teacher.joined()
    assert "Кировская гимназия, актовый зал" in teacher.joined()
    assert teacher.buttons() == ["Пойду", "Не смогу", "📅 В календарь"]

    await teacher.press("Пойду")
    assert any("Вы записаны" in a for a in teacher.alerts())
    assert teacher.buttons() == ["✅ Пойду", "Не смогу", "📅 В календарь"], "the choice shows on the message"
    await teacher.press("Не смогу")
    assert any("не сможете" in a for a in teacher.alerts())
    assert teacher.buttons() == ["Пойду", "✅ Не смогу", "📅 В календарь"]
    await teacher.press("Пойду")

    async def answers(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(__import__("sqlalchemy").select(User).where(User.messenger_id == TEACHER))
        return (await signups_of(session, event_id))[user.id]

    assert await harness.in_db(answers) == "going"


async def test_events_list_card_filters_and_calendar_file(harness: BotHarness, test_settings, engine, clock) -> None:
    world = await make_world(harness)
    for days in range(1, 11):  # ten events: two pages
        await _announced(harness, world, title=f"Вебинар №{days}", kind="webinar",
                         start=clock.now() + timedelta(days=days))
    await _announced(harness, world, title="Открытый урок математики", kind="open_lesson",
                     start=clock.now() + timedelta(days=12))
    await _announced(harness, world, title="Совещание наставников", kind="meeting", audience="mentors",
                     start=clock.now() + timedelta(days=3))
    teacher = harness.person(TEACHER)
    await teacher.command("events")
    text = teacher.joined()
    assert "Мероприятия" in text and "ближайшие: 11" in text, "the mentors' meeting isn't hers to see"
    assert "▶️" in teacher.buttons(), "lists paginate"
    assert not any("Совещание" in b for b in teacher.buttons())
    await teacher.press("▶️")
    assert any("Открытый урок" in b for b in teacher.buttons())

    await teacher.press("По виду")
    assert any("Открытый урок (1)" in b for b in teacher.buttons())
    await teacher.press("Открытый урок (1)")
    assert "Открытый урок: 1" in teacher.joined()
    await teacher.press("Открытый урок математики")
    card = teacher.joined()
    assert "Открытый урок" in card and "Записались: 0" in card
    assert ", 15:00" in card or ":00–" in card, "times in the network's own time, no zone name"
    assert "MSK" not in card and "Europe" not in card
    await teacher.press("Пойду")
    assert "Вы записаны" in teacher.joined() and "Записались: 1" in teacher.joined()

    await teacher.press("В календарь")
    sent = teacher.new()[-1]
    assert sent.method == "sendDocument" and sent.result["document"]["file_name"].endswith(".ics")
    cal = ics_of(harness, sent)
    names = [c.name for c in cal.walk()]
    assert "VTIMEZONE" in names and "VALARM" in names
    vevent = next(c for c in cal.walk() if c.name == "VEVENT")
    assert vevent["DTSTART"].params.get("TZID") == "Europe/Moscow"
    assert str(vevent["SUMMARY"]) == "Открытый урок математики"

    await teacher.press_data(EvListCb(f="mine").pack())
    assert "мои записи: 1" in teacher.joined()

    # The whole network's calendar, for those who prefer their calendar app.
    await teacher.press_data(EvCb(a="feed").pack())
    feed = ics_of(harness, teacher.new()[-1])
    assert len([c for c in feed.walk() if c.name == "VEVENT"]) == 11

    # After a deploy, the same buttons still work.
    harness.app = build_app(test_settings, clock=clock, engine=engine)
    await teacher.press_data(EvListCb(f="all", p=1).pack())
    assert "ближайшие: 11" in teacher.joined()


async def test_forged_or_stale_buttons_get_a_polite_no(harness: BotHarness) -> None:
    world = await make_world(harness)
    mentors_only = await _announced(harness, world, audience="mentors")

    async def draft(session):  # type: ignore[no-untyped-def]
        return (await add_event(session, world, harness.app.clock, title="Черновик")).id

    draft_id = await harness.in_db(draft)
    teacher = harness.person(TEACHER)
    for data in (RsvpCb(id=mentors_only, a="go").pack(), RsvpCb(id=draft_id, a="go").pack(),
                 RsvpCb(id=999_999, a="go").pack(), EvCb(a="open", id=draft_id).pack(),
                 EvCb(a="cancel_ok", id=mentors_only).pack(), EvCb(a="new").pack(), RsvpCb(id=mentors_only, a="zz").pack()):
        await teacher.press_data(data)
    alerts = teacher.alerts()
    assert len(alerts) == 7 and all(alerts), alerts
    assert any("недоступно" in a for a in alerts) and any("не найдено" in a for a in alerts)

    async def nobody(session):  # type: ignore[no-untyped-def]
        return await signups_of(session, mentors_only) | await signups_of(session, draft_id)

    assert await harness.in_db(nobody) == {}
    mentor = harness.person(MENTOR)
    await mentor.press_data(RsvpCb(id=mentors_only, a="go").pack())
    assert any("Вы записаны" in a for a in mentor.alerts())

    stranger = harness.person(5)
    await stranger.command("events")
    assert "участникам сети" in stranger.joined()


async def test_the_menu_has_events_for_members_and_the_roadmap_for_coordinators(harness: BotHarness) -> None:
    await make_world(harness)
    teacher = harness.person(TEACHER)
    await teacher.command("menu")
    assert any("Мероприятия" in b for b in teacher.buttons())
    assert not any("Дорожная карта" in b for b in teacher.buttons())
    await teacher.press_data(MenuCb(action="roadmap").pack())
    assert any("недоступны" in a for a in teacher.alerts())
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("help")
    assert "Дорожная карта" in coordinator.joined() and "/events" in coordinator.joined()
    await coordinator.command("menu")
    await coordinator.press("Дорожная карта")
    assert "Дорожная карта ещё не загружена" in coordinator.joined()  # nothing imported in this world


async def test_a_tap_answered_at_once_is_followed_up_if_it_could_not_be_stored(harness: BotHarness,
                                                                               monkeypatch) -> None:
    world = await make_world(harness)
    event_id = await _announced(harness, world)
    await harness.deliver()
    teacher = harness.person(TEACHER)

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database is gone")

    from bot.services.events import signups

    monkeypatch.setattr(signups, "rsvp", broken)
    await teacher.press("Пойду")
    assert any("Вы записаны" in a for a in teacher.alerts()), "the spinner stopped at once"
    assert "Не получилось сохранить" in teacher.joined()
    assert "database" not in teacher.joined()
    monkeypatch.undo()
    await teacher.press("Пойду")
    assert await harness.in_db(lambda session: signups_of(session, event_id))
