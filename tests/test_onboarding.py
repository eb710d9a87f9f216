"""Joining the network as people do it: invite links, join requests, consent, mistakes and restarts."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import build_app
from bot.services import invites
from bot.services.networks import add_school, create_network
from bot.services.registration import join_network
from db.models import JoinRequest, Membership, Role, SchoolStatus, User
from keyboards.callbacks import ForgetCb, JoinDecisionCb, MenuCb, NetworkPickCb
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.mentoring.chat import delivered

TEACHER = 700_001
COORDINATOR = 700_002


async def make_network(h: BotHarness) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        network = await create_network(session, slug="kirovsk", name="Кировский район", timezone="Europe/Moscow")
        await add_school(session, network.id, "МКОУ «Назиевская СОШ»", short_name="Назиевская СОШ",
                         status=SchoolStatus.SHNOR, level=3)
        for number in range(1, 13):  # enough schools for two pages
            await add_school(session, network.id, f"МБОУ «СОШ №{number}»")
        return network.id

    return await h.in_db(work)


async def make_invite(h: BotHarness, network_id: int, role: Role = Role.PARTICIPANT, uses: int | None = 1,
                      expires_days: int | None = 30) -> str:
    async def work(session):  # type: ignore[no-untyped-def]
        from db.models import Network

        network = await session.get(Network, network_id)
        invite = await invites.create_invite(session, network=network, role=role, clock=h.app.clock, uses=uses,
                                             expires_days=expires_days)
        return invite.code

    return await h.in_db(work)


async def make_coordinator(h: BotHarness, network_id: int, messenger_id: int = COORDINATOR) -> None:
    async def work(session):  # type: ignore[no-untyped-def]
        user = User(messenger_id=messenger_id, full_name="Орлова Галина Ивановна", subjects=[], language="ru",
                    consent_at=h.app.clock.now(), notification_prefs={})
        session.add(user)
        await session.flush()
        await join_network(session, user, network_id=network_id, role=Role.COORDINATOR, school_id=None)

    await h.in_db(work)


async def register_by_invite(h: BotHarness, code: str, user_id: int = TEACHER) -> None:
    teacher = h.person(user_id)
    await teacher.command("start", code)
    await teacher.press("Даю согласие")
    await teacher.send("Иванова Мария Петровна")
    await teacher.send("назиев")
    await teacher.press("Назиевская")
    await teacher.press("Учитель-предметник")
    await teacher.press("Математика")
    await teacher.press("Готово")


async def test_a_stranger_gets_an_explanation_and_a_join_button(harness: BotHarness) -> None:
    stranger = harness.person(1)
    await stranger.command("start")
    assert "Сетевой наставник" in stranger.joined()
    assert any("Подать заявку" in b for b in stranger.buttons())


async def test_teacher_registers_by_invite_with_a_wrong_answer_on_the_way(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    teacher = harness.person(TEACHER)

    await teacher.command("start", code)
    assert "согласие" in teacher.joined()
    await teacher.send("привет")  # not a button press
    assert "кнопкой" in teacher.joined()
    async def nobody(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(User).where(User.messenger_id == TEACHER))
    assert await harness.in_db(nobody) is None, "nothing personal is stored before consent"

    await teacher.press("Даю согласие")
    assert "ФИО" in teacher.joined() or "фамилию" in teacher.joined()
    await teacher.send("12345")
    assert "Не получилось разобрать ФИО" in teacher.joined()
    await teacher.sticker()
    assert "текстом" in teacher.joined()
    await teacher.send("иванова мария петровна")

    assert "Выберите вашу школу" in teacher.joined()
    assert any("▶️" == b for b in teacher.buttons()), "13 schools paginate"
    await teacher.send("несуществующая")
    assert "не нашлось" in teacher.joined()
    await teacher.send("назиев")
    await teacher.press("Назиевская")
    await teacher.press("Учитель-предметник")
    await teacher.press("Математика")
    await teacher.press("Физика")
    await teacher.press("Физика")  # changed her mind
    await teacher.press("Готово")
    assert "Добро пожаловать, Иванова Мария Петровна" in teacher.joined()
    assert any("Профиль" in b for b in teacher.buttons())

    async def check(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == TEACHER))
        membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
        return user, membership

    user, membership = await harness.in_db(check)
    assert user.full_name == "Иванова Мария Петровна"
    assert user.position == "Учитель-предметник"
    assert user.subjects == ["Математика"]
    assert user.consent_at is not None
    assert membership.is_participant and not membership.is_coordinator
    assert membership.school_id is not None

    await teacher.command("start", code)  # her own single-use code, opened again: she is already in
    assert "Вы уже в сети «Кировский район»" in teacher.joined()
    assert "использовано" not in teacher.joined() and "новую ссылку" not in teacher.joined()
    assert any("Профиль" in b for b in teacher.buttons()), "the menu, not a request for a new link"
    await teacher.command("start")
    assert any("Профиль" in b for b in teacher.buttons()), "a registered /start shows the menu"


async def test_half_finished_registration_survives_a_restart(harness: BotHarness, test_settings,
                                                             engine, clock) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    teacher = harness.person(TEACHER)
    await teacher.command("start", code)
    await teacher.press("Даю согласие")
    await teacher.send("Петров Андрей Сергеевич")

    # A deploy: a brand-new application (dispatcher, storage) on the same database.
    harness.app = build_app(test_settings, clock=clock, engine=engine)
    await teacher.send("назиев")
    await teacher.press("Назиевская")
    await teacher.press("Директор")
    await teacher.press("пропустить")
    assert "Добро пожаловать, Петров Андрей Сергеевич" in teacher.joined()


async def test_expired_and_unknown_invites_are_explained(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id, expires_days=1)
    harness.app.clock.move(timedelta(days=2))  # type: ignore[attr-defined]
    teacher = harness.person(TEACHER)
    await teacher.command("start", code)
    assert "истёк" in teacher.joined()
    await teacher.command("start", "no-such-code")
    assert "не найдена" in teacher.joined()


async def test_multi_use_invite_serves_a_group(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id, role=Role.MENTOR, uses=None)
    for user_id in (TEACHER, TEACHER + 1):
        await register_by_invite(harness, code, user_id)

    async def mentors(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(Membership).where(Membership.is_mentor.is_(True)))).all())

    assert len(await harness.in_db(mentors)) == 2


async def test_join_request_goes_to_the_coordinator_and_back(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    await make_coordinator(harness, network_id)
    newcomer = harness.person(TEACHER)
    await newcomer.command("start")
    await newcomer.press("Подать заявку")
    await newcomer.press("Кировский район")
    await newcomer.press("Даю согласие")
    await newcomer.send("Смирнова Ольга Николаевна")
    await newcomer.press("Моей школы нет в списке")
    await newcomer.send("МОУ «Новая школа»")
    await newcomer.press("Методист")
    await newcomer.press("пропустить")
    assert "отправлена координатору" in newcomer.joined()

    coordinator = harness.person(COORDINATOR)
    coordinator._mark = harness.fake.last_seq
    assert await harness.deliver() >= 1
    assert "Смирнова Ольга Николаевна" in coordinator.joined()
    assert "Новая школа" in coordinator.joined()

    # The newcomer cannot decide on their own request with a forged button.
    async def request_id(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(JoinRequest.id))

    rid = await harness.in_db(request_id)
    await newcomer.press_data(JoinDecisionCb(id=rid, approve=True).pack())
    assert any("недоступны" in a for a in newcomer.alerts())

    await coordinator.press("Одобрить")
    newcomer._mark = harness.fake.last_seq
    await harness.deliver()
    assert "одобрена" in newcomer.joined()

    async def membership(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == TEACHER))
        return await session.scalar(select(Membership).where(Membership.user_id == user.id))

    assert (await harness.in_db(membership)).is_participant
    await coordinator.press_data(JoinDecisionCb(id=rid, approve=False).pack())
    assert any("уже принято решение" in a for a in coordinator.alerts())


async def test_admin_menu_and_forged_admin_buttons(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    admin = harness.person(ADMIN_ID)
    await admin.command("menu")
    assert any("Сети и координаторы" in b for b in admin.buttons())
    await admin.press("Сети и координаторы")
    await admin.press("Кировский район")
    sent = admin.new()
    assert sent and sent[-1].method == "sendPhoto", "a QR image of the link"
    assert "?start=" in (sent[-1].caption or "")

    code = await make_invite(harness, network_id)
    await register_by_invite(harness, code)
    teacher = harness.person(TEACHER)
    await teacher.press_data(NetworkPickCb(id=network_id, purpose="coord").pack())
    assert any("недоступны" in a for a in teacher.alerts())
    await teacher.press_data(MenuCb(action="invite").pack())
    assert any("недоступны" in a for a in teacher.alerts())
    await teacher.press_data("garbage:data")
    assert any("устарела" in a for a in teacher.alerts())


async def test_admin_creates_a_network_and_a_coordinator_joins(harness: BotHarness) -> None:
    admin = harness.person(ADMIN_ID)
    await admin.command("menu")
    await admin.press("Сети и координаторы")
    await admin.press("Создать сеть")
    await admin.send("Сетевое наставничество Лужского района")
    assert "создана" in admin.joined()
    await admin.press("Пригласить координатора")
    link = admin.new()[-1].caption or ""
    code = link.split("?start=")[1].split()[0]

    assert any("В меню" in b for b in admin.buttons()), "the QR message leads on"

    coordinator = harness.person(COORDINATOR)
    await coordinator.command("start", code)
    assert "Вас приглашают в сеть «Сетевое наставничество Лужского района»" in coordinator.joined()
    await coordinator.press("Даю согласие")
    await coordinator.send("Орлова Галина Ивановна")
    # A coordinator works for the method service: no school, no subjects — name, position, and the menu.
    assert "Ваша должность" in coordinator.joined()
    await coordinator.press("Методист")
    text = coordinator.joined()
    assert "Добро пожаловать" in text and "Роль: координатор" in text and "участник" not in text
    buttons = coordinator.buttons()
    assert any("Пригласить" in b for b in buttons)
    assert not any("Мой наставник" in b for b in buttons), "a coordinator has no mentor to look for"

    await delivered(harness, admin)
    assert "новый координатор: Орлова Галина Ивановна (Методист)" in admin.joined(), "the administrator is told"

    await coordinator.press("Пригласить")
    await coordinator.press("участник: одна ссылка")
    assert coordinator.new()[-1].method == "sendPhoto"

    await admin.command("start")
    assert "Сети и координаторы" in " ".join(admin.buttons()), "an administrator's /start is the menu"
    await admin.press("Сети и координаторы")
    assert "Сетевое наставничество Лужского района — Орлова Галина Ивановна" in admin.joined()


async def test_help_profile_and_language(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    await register_by_invite(harness, await make_invite(harness, network_id))
    teacher = harness.person(TEACHER)
    await teacher.command("help")
    text = teacher.joined()
    assert "Профиль" in text and "Пригласить" not in text, "help lists what this person can do"
    await teacher.command("profile")
    assert "Назиевская" in teacher.joined()
    await teacher.press("Должность")
    await teacher.send("Учитель математики и физики")
    assert "Учитель математики и физики" in teacher.joined()
    await teacher.command("settings")
    await teacher.press("English")
    await teacher.command("help")
    assert "What you can do" in teacher.joined()


async def test_mydata_and_forgetme(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    await register_by_invite(harness, await make_invite(harness, network_id))
    teacher = harness.person(TEACHER)
    await teacher.press_data(ForgetCb(confirm=True).pack())  # a replayed button erases nothing
    assert any("устарела" in a for a in teacher.alerts())
    sent = await teacher.command("mydata")
    assert sent[-1].method == "sendDocument"
    await teacher.command("forgetme")
    await teacher.press("Нет, оставить")
    assert "ничего не удалено" in teacher.joined()
    await teacher.command("forgetme")
    await teacher.press("Да, удалить")
    assert "удалены" in teacher.joined()

    async def check(session):  # type: ignore[no-untyped-def]
        people = (await session.scalars(select(User))).all()
        memberships = (await session.scalars(select(Membership))).all()
        return people, memberships

    people, memberships = await harness.in_db(check)
    assert all(p.full_name is None and p.messenger_id is None for p in people)
    assert len(memberships) == 1 and not memberships[0].is_active, "counted, anonymously"
    await teacher.command("mydata")
    assert "ничего не сохранено" in teacher.joined()


async def test_never_silent_in_private_and_quiet_in_groups(harness: BotHarness) -> None:
    someone = harness.person(5)
    await someone.sticker()
    assert someone.texts(), "a sticker gets a hint"
    await someone.command("nonsense")
    assert "не знаю" in someone.joined()
    await someone.send("<b>not html</b> & <script>")
    assert someone.texts()
    group_update = harness.fake.updates.group_message(-100500, 5, "всем привет")
    mark = harness.fake.last_seq
    await harness.feed(group_update)
    assert [s for s in harness.fake.sent if s.seq > mark] == []
    await harness.feed(harness.fake.updates.group_message(-100500, 5, f"@{harness.fake.bot_username} привет"))
    assert [s for s in harness.fake.sent if s.seq > mark and s.chat_id == -100500]


async def test_cancel_leaves_any_dialog(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    teacher = harness.person(TEACHER)
    await teacher.command("start", code)
    await teacher.press("Даю согласие")
    await teacher.command("cancel")
    assert "прервано" in teacher.joined()
    await teacher.send("Иванова Мария Петровна")
    assert "Добро пожаловать" not in teacher.joined()
