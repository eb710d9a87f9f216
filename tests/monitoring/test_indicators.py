"""Indicators against the real database, with a clock that travels through the school year."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import Translator
from bot.services import monitoring
from bot.services.clock import FrozenClock
from bot.services.errors import DomainError
from bot.services.monitoring.periods import Period, school_year_of
from bot.services.monitoring.texts import card_text, personal_text
from db.models import Event, LinkMember, MentoringLink, MentoringSession, Network
from db.session import make_sessionmaker
from tests.monitoring.world import NOW, World, build, local

T = Translator("ru")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def world(engine: AsyncEngine, clock: FrozenClock) -> World:
    async with make_sessionmaker(engine).begin() as session:
        return await build(session, clock)


async def card_of(engine: AsyncEngine, world: World, clock: FrozenClock) -> monitoring.Card:
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        return await monitoring.network_card(session, network, clock)


def numbers(card: monitoring.Card) -> dict[str, tuple[int, int | None, str]]:
    return {i.key: (i.value, i.total, i.status) for i in card.indicators}


async def test_the_network_card_counts_what_the_world_says(engine: AsyncEngine, world: World,
                                                           clock: FrozenClock) -> None:
    card = await card_of(engine, world, clock)
    assert numbers(card) == {
        "participation": (5, 6, "ok"),  # 83% against 75%
        "shnor_covered": (1, 2, "behind"),
        "active_links": (1, None, "none"),
        "sessions_month": (2, None, "ok"),  # one meeting per active link
        "events_held": (2, 3, "behind"),
        "attendance": (2, 3, "behind"),
        "forms_answered": (2, 3, "behind"),
        "measures_mid": (1, 4, "pending"),  # 25% of 40%, the checkpoint (31.12) is ahead
        "measures_end": (1, 4, "pending"),
    }
    assert card.get("participation").percent == 83
    assert card.get("sessions_month").target == 1 and card.get("sessions_month").derived
    assert card.extras == {"measures_due": 1, "measures_due_done": 1, "measures_undated": 1, "forms_late": 0,
                           "measures_all": 5, "measures_year": 4, "measures_year_done": 1, "measures_other_years": 0,
                           "links_active": 1, "links_proposed": 1, "links_paused": 0, "links_completed": 0,
                           "links_closed": 0, "links_total": 2}
    text = card_text(card, T)
    assert "✅ Участие педагогов: <b>83%</b> (5 из 6) · цель ≥75%" in text
    assert "⚠️ ШНОР в парах и группах: <b>50%</b> (1 из 2) · цель ≥100%" in text
    assert "⏳ Меры дорожной карты к середине года: <b>25%</b> (1 из 4) · цель ≥40%" in text
    assert ("🗺 Меры дорожной карты на 2026/27 учебный год: выполнено <b>1</b> из 4; всего мер в дорожной карте — 5"
            " (без срока: 1)") in text
    assert "🤝 Пары и группы: активных <b>1</b> из 2 (предложено: 1)" in text


async def test_checkpoints_as_the_year_goes_by(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    clock.set(datetime(2027, 1, 15, 9, tzinfo=timezone.utc))
    async with make_sessionmaker(engine).begin() as session:  # ticked after the mid-year checkpoint
        await session.execute(update(Event).where(Event.id == world.events["m_december"])
                              .values(done_at=datetime(2027, 1, 10, 9, tzinfo=timezone.utc)))
    card = await card_of(engine, world, clock)
    assert numbers(card)["measures_mid"] == (1, 4, "behind")  # 31.12 passed at 25%
    assert numbers(card)["measures_end"] == (2, 4, "pending")
    assert card.extras["measures_due"] == 2 and card.extras["measures_due_done"] == 2

    clock.set(datetime(2027, 6, 5, 9, tzinfo=timezone.utc))
    card = await card_of(engine, world, clock)
    assert numbers(card)["measures_end"] == (2, 4, "behind")
    async with make_sessionmaker(engine).begin() as session:
        await session.execute(update(Event).where(Event.is_task.is_(True), Event.status != "cancelled")
                              .values(done_at=datetime(2027, 5, 30, 9, tzinfo=timezone.utc)))
    assert numbers(await card_of(engine, world, clock))["measures_end"] == (4, 4, "ok")

    clock.set(datetime(2027, 9, 2, 9, tzinfo=timezone.utc))  # a new school year: nothing of the last one
    card = await card_of(engine, world, clock)
    assert card.period.label == "2027/28"
    assert numbers(card)["measures_mid"] == (0, 0, "none")
    assert numbers(card)["events_held"] == (0, 0, "none")
    assert numbers(card)["participation"][:2] == (2, 6)  # only the link (not closed) still counts


async def test_this_month_is_the_networks_month(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 10, 31, 20, 30, tzinfo=timezone.utc))  # 23:30 in Moscow: still October
    assert (await card_of(engine, world, clock)).get("sessions_month").value == 1
    clock.set(datetime(2026, 10, 31, 21, 30, tzinfo=timezone.utc))  # 00:30 on 1 November in Moscow
    assert (await card_of(engine, world, clock)).get("sessions_month").value == 1  # the 1st; the 20th is ahead
    async with make_sessionmaker(engine).begin() as session:
        network = await session.get(Network, world.network_id)
        network.timezone = "Asia/Vladivostok"
    clock.set(datetime(2026, 10, 31, 14, 30, tzinfo=timezone.utc))  # 00:30 on 1 November in Vladivostok
    assert (await card_of(engine, world, clock)).get("sessions_month").value == 1


async def test_school_year_boundaries() -> None:
    assert school_year_of(date(2026, 9, 1)) == 2026
    assert school_year_of(date(2026, 8, 31)) == 2025
    p = Period.of(None, datetime(2026, 8, 31, 21, 0, tzinfo=timezone.utc))  # 1 September 00:00 in Moscow
    assert (p.year_start, p.mid, p.year_end, p.label) == (date(2026, 9, 1), date(2026, 12, 31), date(2027, 5, 31),
                                                          "2026/27")


async def test_coverage_through_people_and_activity(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    async with make_sessionmaker(engine).begin() as session:
        # A group link with no schools named: Синявинская is covered through its teacher in it.
        group = MentoringLink(network_id=world.network_id, kind="group", form="group", status="active",
                              deficits=[], directions=[])
        group.members = [LinkMember(user_id=world.users["mentor"], side="mentor"),
                         LinkMember(user_id=world.users["kuznetsova"], side="mentee")]
        session.add(group)
    card = await card_of(engine, world, clock)
    assert numbers(card)["shnor_covered"] == (2, 2, "ok")
    assert numbers(card)["active_links"][0] == 2
    async with make_sessionmaker(engine).begin() as session:
        await session.execute(update(MentoringLink).where(MentoringLink.network_id == world.network_id)
                              .values(status="paused"))
    card = await card_of(engine, world, clock)
    assert numbers(card)["shnor_covered"] == (0, 2, "behind")
    assert card.get("participation").value == 5  # a paused link is still taking part


async def test_targets_are_the_networks_own(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    async with make_sessionmaker(engine).begin() as session:
        network = await session.get(Network, world.network_id)
        assert monitoring.set_target(network, "participation", "90 %") == 90
        assert monitoring.set_target(network, "active_links", "3") == 3
        assert monitoring.set_target(network, "sessions_month", "5") == 5
        for key, text, error in (("participation", "150", "monitoring.targets.bad_share"),
                                 ("participation", "много", "monitoring.targets.bad_share"),
                                 ("active_links", "0", "monitoring.targets.bad_count"),
                                 ("active_links", "-2", "monitoring.targets.bad_count"),
                                 ("nonsense", "5", "monitoring.targets.unknown")):
            with pytest.raises(DomainError) as caught:
                monitoring.set_target(network, key, text)
            assert caught.value.key == error
    card = await card_of(engine, world, clock)
    assert numbers(card)["participation"] == (5, 6, "behind")
    assert numbers(card)["active_links"] == (1, None, "behind")
    assert card.get("sessions_month").target == 5 and not card.get("sessions_month").derived
    async with make_sessionmaker(engine).begin() as session:
        network = await session.get(Network, world.network_id)
        assert monitoring.set_target(network, "participation", "-") == 75
        assert monitoring.is_custom(network, "active_links") and not monitoring.is_custom(network, "participation")
        network.settings = {**network.settings, "targets": {"attendance": "много", "forms_answered": True}}
    card = await card_of(engine, world, clock)  # garbage in the settings falls back to the defaults
    assert card.get("attendance").target == 75 and card.get("forms_answered").target == 80


async def test_school_cards(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        cards = await monitoring.school_cards(session, network, clock)
        nazia, sinyavino, gymn = (cards[world.schools[k]] for k in ("nazia", "sinyavino", "gymn"))
        assert numbers(nazia) == {"participation": (2, 2, "ok"), "shnor_covered": (1, 1, "ok"),
                                  "active_links": (1, None, "none"), "sessions_month": (2, None, "ok"),
                                  "attendance": (1, 1, "ok"), "forms_answered": (2, 2, "ok")}
        assert numbers(sinyavino) == {"participation": (2, 2, "ok"), "shnor_covered": (0, 1, "behind"),
                                      "active_links": (0, None, "none"), "sessions_month": (0, None, "none"),
                                      "attendance": (1, 1, "ok"), "forms_answered": (0, 1, "behind")}
        assert numbers(gymn) == {"participation": (1, 2, "behind"), "active_links": (1, None, "none"),
                                 "sessions_month": (2, None, "ok"), "attendance": (0, 1, "behind"),
                                 "forms_answered": (0, 0, "none")}
        one = await monitoring.school_card(session, network, world.schools["gymn"], clock)
        assert numbers(one) == numbers(gymn)
        with pytest.raises(DomainError):
            await monitoring.school_card(session, network, world.other_school_id or 0, clock)
        page = await monitoring.school_page(session, network, clock, 0, size=2)
        assert [c.school_name for c in page.items] == ["Назиевская СОШ", "Синявинская СОШ"]  # ШНОР first
        assert page.pages == 2
        last = await monitoring.school_page(session, network, clock, 5, size=2)  # clamped
        assert [c.school_name for c in last.items] == ["Кировская гимназия"]


async def test_personal_summaries(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        mentor = await monitoring.personal_summary(session, world.users["mentor"], network, clock)
        assert (mentor.links_as_mentor, mentor.links_as_mentee, mentor.sessions_year, mentor.sessions_month,
                mentor.logged_by_me) == (1, 0, 3, 2, 3)
        assert (mentor.goals_done, mentor.goals_total, mentor.goals_overdue) == (1, 2, 1)
        mentee = await monitoring.personal_summary(session, world.users["ivanova"], network, clock)
        assert (mentee.links_as_mentee, mentee.to_confirm, mentee.forms_submitted, mentee.forms_pending) == (1, 2, 1, 0)
        teacher = await monitoring.personal_summary(session, world.users["petrova"], network, clock)
        assert (teacher.events_attended, teacher.events_going, teacher.goals_total) == (1, 1, 0)
        text = personal_text(teacher, "Петрова Ольга Николаевна", T)
        assert "посещено за год — 1, записей на предстоящие — 1" in text
        assert "пока не поставлены" in text


async def test_chart_is_a_png_without_a_display(engine: AsyncEngine, world: World, clock: FrozenClock,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    card = await card_of(engine, world, clock)
    png = monitoring.render_chart(card, T)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 10_000 < len(png) < 500_000
    async with make_sessionmaker(engine)() as session:
        network = await session.get(Network, world.network_id)
        school = await monitoring.school_card(session, network, world.schools["nazia"], clock)
    assert monitoring.render_chart(school, Translator("en"))[:4] == b"\x89PNG"


async def test_an_empty_network_has_no_data_rather_than_errors(engine: AsyncEngine, clock: FrozenClock) -> None:
    async with make_sessionmaker(engine).begin() as session:
        network = Network(slug="empty", name="Пустая сеть", timezone="Europe/Moscow", settings={})
        session.add(network)
        await session.flush()
        card = await monitoring.network_card(session, network, clock)
        assert all(i.status == "none" for i in card.indicators)
        assert "нет данных" in card_text(card, T)
        assert await monitoring.school_cards(session, network, clock) == {}
        assert monitoring.render_chart(card, T)[:4] == b"\x89PNG"
        assert (await monitoring.school_page(session, network, clock, 0)).items == []


async def test_sessions_of_other_networks_do_not_count(engine: AsyncEngine, world: World, clock: FrozenClock) -> None:
    async with make_sessionmaker(engine).begin() as session:
        link = MentoringLink(network_id=world.other_network_id, kind="teacher_teacher", form="traditional",
                             status="active", deficits=[], directions=[])
        session.add(link)
        await session.flush()
        session.add(MentoringSession(network_id=world.other_network_id, link_id=link.id, held_on=date(2026, 11, 2),
                                     duration_min=30, topic="Чужая встреча"))
    card = await card_of(engine, world, clock)
    assert card.get("sessions_month").value == 2 and card.get("active_links").value == 1


def test_local_helper() -> None:
    assert local(date(2026, 11, 1)) == datetime(2026, 10, 31, 21, tzinfo=timezone.utc)
