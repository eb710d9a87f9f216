"""Networks are sealed from each other, and a switched-off member can do nothing until a coordinator restores them.

Two networks share the bot: Podporozhye (tests/mentoring: coordinator 710_001) and Kirovsk (tests/forms:
coordinator 800_001, teachers from 810_000). Each probe is one from the security review.
"""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from bot.services.mentoring.importer import run_import
from bot.services.mentoring.sheets import read_sheets
from db.models import Invite, LinkMember, Membership, User
from db.session import make_sessionmaker
from tests.forms.common import FIRST_TEACHER as KIROVSK_TEACHER, build_world as build_kirovsk
from tests.harness import BotHarness
from tests.mentoring.chat import document_bytes, make_link, open_import, setup
from tests.mentoring.conftest import COORDINATOR, MENTEE, MENTOR, World, build_world
from tests.mentoring.test_mentoring_import import xlsx
from tests.xlsx_check import check_xlsx

@pytest.fixture
def db(engine):  # type: ignore[no-untyped-def]
    return make_sessionmaker(engine)


OTHER = KIROVSK_TEACHER + 1  # Петров Андрей Сергеевич, a teacher in Kirovsk only
NEVER_SEEN = 555_000_001  # an id the bot has never heard of


def people(telegram: object) -> bytes:
    return xlsx([["ФИО", "ОО", "Должность", "Телефон", "Telegram", "Роль"],
                  ["Сергеев Пётр Андреевич", "Важинский ОЦ", "учитель физики", "8 900 111 22 33", telegram,
                   "наставник"]])


async def two_networks(h: BotHarness) -> World:
    world = await setup(h)

    async def kirovsk(session):  # type: ignore[no-untyped-def]
        await build_kirovsk(session, h.app.clock, teachers=3)
        other = await session.scalar(select(User).where(User.messenger_id == OTHER))
        other.username, other.phone, other.position = "petrov_kirovsk", "+79115550011", "Заместитель директора"

    await h.in_db(kirovsk)
    return world


async def test_an_import_naming_another_networks_member_enrols_nobody_and_shows_nothing(harness: BotHarness) -> None:
    await two_networks(harness)
    coordinator = await open_import(harness)
    await coordinator.document("uchastniki.xlsx", people(NEVER_SEEN))
    unknown_preview = coordinator.joined()
    await coordinator.document("uchastniki.xlsx", people(OTHER))
    known_preview = coordinator.joined()
    # Whether the id uses the bot, and who it is, is not to be learnt from the preview.
    assert known_preview == unknown_preview
    assert "Участники: новых 1" in known_preview and "Замечаний нет" in known_preview
    for secret in ("Петров", "petrov_kirovsk", "5550011", "Заместитель", "Киров"):
        assert secret not in known_preview

    sent = await coordinator.press("Импортировать")
    summary = "\n".join(s.plain_text or "" for s in sent)
    assert "Петров" not in summary and "petrov_kirovsk" not in summary
    links = next(s for s in sent if s.method == "sendDocument")
    rows = [list(row) for row in check_xlsx(document_bytes(harness, links)).active.iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == ["Сергеев Пётр Андреевич"], "a personal link, in the sheet's words"

    async def state(session):  # type: ignore[no-untyped-def]
        other = await session.scalar(select(User).where(User.messenger_id == OTHER))
        networks = (await session.scalars(select(Membership.network_id).where(Membership.user_id == other.id))).all()
        record = await session.scalar(select(User).where(User.full_name == "Сергеев Пётр Андреевич"))
        return other, len(networks), record

    other, networks, record = await harness.in_db(state)
    assert (other.full_name, other.username, other.phone, other.position) == (
        "Петров Андрей Сергеевич", "petrov_kirovsk", "+79115550011", "Заместитель директора"), "untouched"
    assert networks == 1, "not enrolled without consent"
    assert record.messenger_id is None and record.phone == "+79001112233"

    # The person accepts the personal invite: now they are in, as themselves, and the record is theirs.
    teacher = harness.person(OTHER)
    code = rows[1][1].split("?start=")[1]
    await teacher.command("start", code)
    assert "Подпорожский район" in teacher.joined()

    async def after(session):  # type: ignore[no-untyped-def]
        other = await session.scalar(select(User).where(User.messenger_id == OTHER))
        memberships = (await session.scalars(select(Membership).where(Membership.user_id == other.id))).all()
        leftover = await session.scalar(select(func.count()).select_from(User).where(
            User.full_name == "Сергеев Пётр Андреевич"))
        return other, memberships, leftover

    other, memberships, leftover = await harness.in_db(after)
    assert len(memberships) == 2 and all(m.is_active for m in memberships)
    assert (other.full_name, other.phone) == ("Петров Андрей Сергеевич", "+79115550011")
    podporozhye = next(m for m in memberships if m.network_id != memberships[0].network_id or m.is_mentor)
    assert podporozhye.is_mentor, "the role the sheet gave, through the invite"
    assert leftover == 0, "the imported record went into the person's own"


async def test_a_record_another_network_imported_is_never_overwritten(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with db.begin() as session:
        world = await build_world(session, clock, with_people=False)
        kirovsk = await build_kirovsk(session, clock, teachers=1, slug="kirovsk2", coordinator_telegram=800_101,
                                      first_telegram=820_000)
    # Kirovsk imports a teacher with her Telegram id; she hasn't opened the bot yet.
    theirs = xlsx([["ФИО", "Должность", "Телефон", "Telegram"],
                    ["Козлова Вера Павловна", "учитель", "8 911 000 00 01", 777_000_001]])
    async with db.begin() as session:
        await run_import(session, network_id=kirovsk.network_id, sheets=read_sheets(theirs, "k.xlsx"), clock=clock,
                         check_actor=False)
    # Podporozhye's sheet names the same id, with another phone and position.
    ours = xlsx([["ФИО", "Должность", "Телефон", "Telegram"],
                  ["Козлова Вера Павловна", "директор", "8 999 999 99 99", 777_000_001]])
    async with db.begin() as session:
        result = await run_import(session, network_id=world.network_id, sheets=read_sheets(ours, "p.xlsx"),
                                  clock=clock, check_actor=False)
    assert result.people.created == 1 and result.problems == []
    async with db() as session:
        records = (await session.scalars(select(User).where(User.full_name == "Козлова Вера Павловна")
                                         .order_by(User.id))).all()
        assert [(r.messenger_id, r.phone, r.position) for r in records] == [
            (777_000_001, "+79110000001", "учитель"), (None, "+79999999999", "директор")]
        kirovsk_record = records[0]
        assert await session.scalar(select(func.count()).select_from(Membership).where(
            Membership.user_id == kirovsk_record.id)) == 1


async def test_a_switched_off_coordinator_stays_off_whatever_invite_they_open(harness: BotHarness) -> None:
    world = await setup(harness)

    async def switch_off_and_invite(session):  # type: ignore[no-untyped-def]
        from bot.services import invites, membership
        from db.models import Network, Role

        coordinator = await session.scalar(select(Membership).where(Membership.user_id == world.uid(MENTOR)))
        coordinator.is_coordinator = True
        membership.deactivate(coordinator)
        network = await session.get(Network, world.network_id)
        invite = await invites.create_invite(session, network=network, role=Role.PARTICIPANT, clock=harness.app.clock,
                                             uses=None)
        return invite.code

    code = await harness.in_db(switch_off_and_invite)
    person = harness.person(MENTOR)
    await person.command("start", code)
    assert "Вы отключены от этой сети" in person.joined()

    async def check(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(Membership).where(Membership.user_id == world.uid(MENTOR)))

    membership = await harness.in_db(check)
    assert not membership.is_active and not membership.is_coordinator and not membership.is_mentor
    invite = await harness.in_db(lambda s: s.scalar(select(Invite).where(Invite.code == code)))
    assert invite.uses_left is None and not invite.revoked, "nothing used up either"


async def test_a_switched_off_mentor_can_open_log_or_answer_nothing(harness: BotHarness) -> None:
    world = await two_networks(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])

    async def also_in_kirovsk(session):  # type: ignore[no-untyped-def]
        # The mentor is active in another network too: the pair must be refused by the pair's own network.
        kirovsk = await session.scalar(select(Membership.network_id).where(Membership.network_id != world.network_id))
        session.add(Membership(user_id=world.uid(MENTOR), network_id=kirovsk, is_participant=True, directions=[]))

    await harness.in_db(also_in_kirovsk)
    mentor = harness.person(MENTOR)
    await mentor.press_data(f"mt:link:{link_id}:0")
    assert any("Записать встречу" in b for b in mentor.buttons()), "before: the mentor's pair"
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Участники")
    await coordinator.send("Иванова")
    await coordinator.press("Иванова М. П.")  # the button fits a phone: surname and initials
    await coordinator.press("Отключить")

    for data in (f"mt:link:{link_id}:0", f"mt:log:{link_id}:0", f"mt:hist:{link_id}:0", f"mt:plan:{link_id}:0"):
        answered = len(mentor.alerts())
        sent = await mentor.press_data(data)
        said = [s.plain_text or "" for s in sent] + mentor.alerts()[answered:]
        assert said == ["Эта кнопка или действие вам недоступны."], (data, said)

    async def count(session, model):  # type: ignore[no-untyped-def]
        return await session.scalar(select(func.count()).select_from(model))

    from db.models import MentoringSession

    assert await harness.in_db(lambda s: count(s, MentoringSession)) == 0
    assert await harness.in_db(lambda s: count(s, LinkMember)) == 2, "the pair stays, for when the mentor is back"


async def test_a_switched_off_person_hears_why_rather_than_that_they_never_registered(harness: BotHarness) -> None:
    world = await setup(harness)
    link_id = await make_link(harness, world, MENTOR, [MENTEE])

    async def switch_off(session):  # type: ignore[no-untyped-def]
        from bot.services import membership

        membership.deactivate(await session.scalar(select(Membership).where(
            Membership.user_id == world.uid(MENTEE))))

    await harness.in_db(switch_off)
    mentee = harness.person(MENTEE)
    await mentee.press_data(f"mt:link:{link_id}:0")
    assert any("Вы отключены от этой сети" in a for a in mentee.alerts())


async def test_a_switched_off_participant_cannot_answer_a_form(harness: BotHarness) -> None:
    from bot.services.forms.requests import send_reflection_for_event
    from tests.forms.common import make_world

    world = await make_world(harness, teachers=2)

    async def ask(session):  # type: ignore[no-untyped-def]
        request = await send_reflection_for_event(session, 42, world.teachers, harness.app.clock,
                                                  network_id=world.network_id, title="Семинар 8.1.1")
        return request.id

    await harness.in_db(ask)
    await harness.deliver()
    teacher = harness.person(KIROVSK_TEACHER)

    async def switch_off(session):  # type: ignore[no-untyped-def]
        from bot.services import membership

        membership.deactivate(await session.scalar(select(Membership).where(
            Membership.user_id == world.teachers[0])))

    await harness.in_db(switch_off)
    answered = len(teacher.alerts())
    sent = await teacher.press("Заполнить")
    said = " ".join([s.plain_text or "" for s in sent] + teacher.alerts()[answered:])
    assert "не адресована" in said and "Вопрос 1" not in said
    colleague = harness.person(KIROVSK_TEACHER + 1)
    await colleague.press("Заполнить")
    assert "Вопрос 1 из 3" in colleague.joined(), "the active colleague answers as before"
