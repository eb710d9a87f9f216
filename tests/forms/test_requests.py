"""Form requests against the real database: audiences, response rows, outbox planning, reflections."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.services.errors import DomainError
from bot.services.forms import close_request, create_request, ensure_template, hooks, send_reflection_for_event
from bot.services.forms.hooks import EventInfo
from bot.services.forms.requests import (
    available_audiences,
    deadline_from_date,
    parse_deadline,
    preview,
    reminder_times,
)
from db.models import FormRequest, FormResponse, OutboxMessage, User
from tests.forms.common import build_world, network_of, outbox_rows

MSK = ZoneInfo("Europe/Moscow")


async def test_a_request_asks_everyone_and_plans_reminders(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=4)
        blocked = await session.get(User, world.teachers[3])
        blocked.is_reachable = False
        network = await network_of(session, world)
        form = await ensure_template(session, "mentee_satisfaction")
        deadline = deadline_from_date(datetime(2026, 12, 4).date(), MSK)
        size = await preview(session, network.id, "participants")
        assert (size.reachable, size.unreachable) == (3, 1)
        request = await create_request(session, network=network, form=form, audience="participants",
                                       deadline=deadline, clock=clock)
        assert (request.total, request.skipped) == (4, 1)
        assert request.audience == {"kind": "participants"}
        rows = await outbox_rows(session)
    assert len(rows) == 9, "3 reachable people × (request, reminder, nudge)"
    first = world.teachers[0]
    mine = {r.dedupe_key: r for r in rows if r.user_id == first}
    request_row = mine[f"form:{request.id}:user:{first}"]
    assert request_row.kind == "form_request" and request_row.not_before == clock.now()
    assert request_row.payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"fo:{request.id}"
    assert "до <b>04.12.2026</b>" in request_row.payload["text"]
    remind = mine[f"form:{request.id}:user:{first}:remind"]
    assert remind.not_before == datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc)  # 10:00 Moscow, the day before
    assert remind.expires_at == deadline
    nudge = mine[f"form:{request.id}:user:{first}:nudge"]
    assert nudge.not_before == datetime(2026, 12, 5, 7, 0, tzinfo=timezone.utc)
    assert not any(r.user_id == world.teachers[3] for r in rows)

    async with sessionmaker.begin() as session:
        cancelled = await close_request(session, await session.get(FormRequest, request.id), clock)
        assert cancelled == 9
        assert (await session.get(FormRequest, request.id)).status == "closed"


async def test_reminders_follow_the_network_time_and_skip_when_too_close(clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()  # 24.11 12:00 Moscow
    deadline = deadline_from_date(datetime(2026, 11, 25).date(), MSK)
    remind, nudge = reminder_times(deadline, MSK, now)
    assert remind is None, "24.11 10:00 is already past"
    assert nudge == datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)
    vladivostok = ZoneInfo("Asia/Vladivostok")
    remind, _ = reminder_times(deadline_from_date(datetime(2026, 12, 1).date(), vladivostok), vladivostok, now)
    assert remind == datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)


def test_typed_deadlines(clock) -> None:  # type: ignore[no-untyped-def]
    assert parse_deadline("05.12", clock, MSK) == datetime(2026, 12, 5, 20, 59, 59, tzinfo=timezone.utc)
    assert parse_deadline("15.01", clock, MSK).date().year == 2027, "a January date typed in November is next year's"
    assert parse_deadline("сегодня", clock, MSK) == datetime(2026, 11, 24, 20, 59, 59, tzinfo=timezone.utc)
    for text, key in (("01.11.2026", "forms.deadline.past"), ("завтра-послезавтра", "forms.deadline.bad"),
                      ("01.01.2030", "forms.deadline.too_far")):
        with pytest.raises(DomainError) as caught:
            parse_deadline(text, clock, MSK)
        assert caught.value.key == key


async def test_requests_refuse_past_deadlines_empty_audiences_and_foreign_forms(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    hooks.provide_link_members(None)  # as if the mentoring feature weren't there (restored after the test)
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=1)
        other = await build_world(session, clock, teachers=1, slug="luga", coordinator_telegram=800_002,
                                  first_telegram=820_000)
        network = await network_of(session, world)
        form = await ensure_template(session, "final")
        for audience, deadline, key in (("everyone", clock.now() - timedelta(hours=1), "forms.deadline.past"),
                                        ({"kind": "schools", "school_ids": [other.schools["nazia"]]},
                                         clock.now() + timedelta(days=3), "forms.audience.empty"),
                                        ({"kind": "links"}, clock.now() + timedelta(days=3),
                                         "forms.audience.unavailable")):
            with pytest.raises(DomainError) as caught:
                await create_request(session, network=network, form=form, audience=audience, deadline=deadline,
                                     clock=clock)
            assert caught.value.key == key
        from bot.services.forms.definitions import check_definition
        from bot.services.forms.library import save_custom_form

        foreign = await save_custom_form(session, network_id=other.network_id, title="Чужая",
                                         definition=check_definition({"questions": [{"text": "?", "type": "text"}]}),
                                         created_by=None)
        with pytest.raises(DomainError) as caught:
            await create_request(session, network=network, form=foreign, audience="everyone",
                                 deadline=clock.now() + timedelta(days=3), clock=clock)
        assert caught.value.key == "forms.not_found"


async def test_links_and_event_audiences_come_from_the_other_features(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=4)
        network = await network_of(session, world)
    hooks.provide_link_members(None)
    assert "links" not in available_audiences()

    async def link_members(session, network_id, link_ids):  # type: ignore[no-untyped-def]
        assert network_id == world.network_id
        return world.teachers[:2] if link_ids == [7] else world.teachers

    async def attendees(session, network_id, event_id):  # type: ignore[no-untyped-def]
        return [world.teachers[2], 999_999]  # an unknown id is ignored

    hooks.provide_link_members(link_members)
    hooks.provide_event_attendees(attendees)
    assert "links" in available_audiences()
    async with sessionmaker.begin() as session:
        form = await ensure_template(session, "joint_report")
        request = await create_request(session, network=network, form=form, audience={"kind": "links", "link_ids": [7]},
                                       deadline=clock.now() + timedelta(days=10), clock=clock, link_id=7)
        assert request.total == 2 and request.link_id == 7
        reflection = await ensure_template(session, "reflection")
        by_event = await create_request(session, network=network, form=reflection,
                                        audience={"kind": "event", "event_id": 5},
                                        deadline=clock.now() + timedelta(days=10), clock=clock, event_id=5)
        users = (await session.scalars(select(FormResponse.user_id)
                                       .where(FormResponse.request_id == by_event.id))).all()
        assert list(users) == [world.teachers[2]]


async def test_reflection_after_an_event_is_idempotent(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=4)

    async def info(session, event_id):  # type: ignore[no-untyped-def]
        if event_id != 31:
            return None
        return EventInfo(network_id=world.network_id, title="Круглый стол по рефлексии 8.1.3",
                         ends_at=datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc))

    hooks.provide_event_info(info)
    async with sessionmaker.begin() as session:
        first = await send_reflection_for_event(session, 31, world.teachers[:2], clock)
        assert first is not None and first.total == 2 and first.event_id == 31
        assert first.title == "Рефлексия после мероприятия: Круглый стол по рефлексии 8.1.3"
        assert first.deadline.astimezone(MSK).date().isoformat() == "2026-11-30", "a week after the event"
    async with sessionmaker.begin() as session:
        again = await send_reflection_for_event(session, 31, world.teachers[:3], clock)
        assert again is not None and again.id == first.id and again.total == 3
        assert await send_reflection_for_event(session, 31, [123_456], clock) is None
        with pytest.raises(DomainError):
            await send_reflection_for_event(session, 32, world.teachers, clock)
        requests = await session.scalar(select(func.count()).select_from(FormRequest))
        firsts = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.kind == "form_request"))
        assert (requests, firsts) == (1, 3)
        text = (await outbox_rows(session))[0].payload["text"]
        assert "Спасибо за участие в мероприятии «Круглый стол по рефлексии 8.1.3»" in text


async def test_english_speakers_get_english_notifications(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker.begin() as session:
        world = await build_world(session, clock, teachers=1)
        (await session.get(User, world.teachers[0])).language = "en"
        network = await network_of(session, world)
        form = await ensure_template(session, "reflection")
        await create_request(session, network=network, form=form, audience="participants",
                             deadline=clock.now() + timedelta(days=5), clock=clock)
        rows = await outbox_rows(session)
    assert "The coordinator asks you" in rows[0].payload["text"]
    assert rows[0].payload["reply_markup"]["inline_keyboard"][0][0]["text"] == "✍️ Fill in"
