"""The flows written once for Telegram, used by people on MAX (a person is an account on one messenger —
docs/messengers.md)."""
from __future__ import annotations

from sqlalchemy import select

from db.models import OutboxMessage, User
from tests.fakes.max_api import FakeMax
from tests.max_harness import MaxPerson, max_person
from tests.test_onboarding import make_invite, make_network

ANNA = 5_000_001


async def finish_registration(anna: MaxPerson) -> None:
    """The taps and answers after an invite's consent screen, as in tests/test_onboarding.register_by_invite."""
    await anna.press("Даю согласие")
    await anna.send("Иванова Мария Петровна")
    await anna.send("назиев")
    await anna.press("Назиевская")
    await anna.press("Учитель-предметник")
    await anna.press("Математика")
    await anna.press("Готово")


async def test_a_stranger_who_starts_the_bot_is_greeted_with_a_join_button(max_front, fake_max: FakeMax) -> None:
    stranger = max_person(max_front, fake_max, ANNA)
    await stranger.start()
    assert "Сетевой наставник" in stranger.joined()
    assert any("Подать заявку" in b for b in stranger.buttons())
    assert "<b>" not in stranger.joined()  # HTML went as format=html, not as text
    assert fake_max.calls_to("POST", "/messages")[-1].body["format"] == "html"


async def test_an_invite_link_registers_a_teacher_by_taps_and_reaches_the_menu(harness, max_front,
                                                                              fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    anna = max_person(max_front, fake_max, ANNA, "Анна")
    await anna.start(code)  # https://max.ru/<bot>?start=<code> brings the code in bot_started
    assert "Кировский район" in anna.joined()
    await finish_registration(anna)
    assert "Иванова Мария Петровна" in anna.joined()
    assert fake_max.unanswered() == []  # every tap was answered (MAX needs a message or a notification)

    await anna.command("menu")
    assert "Главное меню" in anna.joined() or "Иванова Мария Петровна" in anna.joined()
    assert anna.buttons(), "the main menu has buttons"

    async def user(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(User).where(User.platform == "max", User.messenger_id == ANNA))

    person = await harness.in_db(user)
    assert person is not None and person.full_name == "Иванова Мария Петровна"


async def test_a_tap_that_edits_its_message_is_answered_by_the_edit(harness, max_front, fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    anna = max_person(max_front, fake_max, ANNA)
    await anna.start(code)
    await anna.press("Даю согласие")
    answers = [s for s in anna.new() if s.kind == "answer"]
    assert len(answers) == 1  # the edit went out as the answer; no second, empty answer
    assert fake_max.calls_to("POST", "/answers")[-1].body.get("message") is not None
    assert fake_max.unanswered() == []


async def test_a_person_who_stops_the_bot_is_marked_unreachable_and_back_on_start(harness, max_front,
                                                                                   fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    code = await make_invite(harness, network_id)
    anna = max_person(max_front, fake_max, ANNA)
    await anna.start(code)
    await finish_registration(anna)

    async def reachable(session):  # type: ignore[no-untyped-def]
        return (await session.scalar(select(User).where(User.platform == "max", User.messenger_id == ANNA))).is_reachable

    await anna.stop()
    assert await harness.in_db(reachable) is False
    await anna.start()
    assert await harness.in_db(reachable) is True
    assert "Иванова Мария Петровна" in anna.joined()  # a registered person's /start shows the menu


async def test_an_unknown_command_mid_dialog_and_a_sticker_get_kind_answers(max_front, fake_max: FakeMax) -> None:
    stranger = max_person(max_front, fake_max, ANNA)
    await stranger.send("что это?")
    assert stranger.joined()  # the fallback answered something
    assert "Traceback" not in stranger.joined()
    assert not [c for c in fake_max.calls if c.status >= 400]


async def test_proactive_messages_reach_a_max_only_deployment_through_the_outbox(harness, max_settings, fake_max):
    """A deployment with only MAX_BOT_TOKEN sends its outbox through MAX (run() picks the MAX bot)."""
    from bot.delivery import AiogramTransport
    from bot.messengers.max.bot import build_max_bot
    from bot.services import outbox
    from bot.services.ratelimit import RateLimiter
    from bot.services.sender import Sender

    fake_max.person(ANNA)
    bot = build_max_bot(max_settings, harness.app.sessionmaker)

    async def enqueue(session):  # type: ignore[no-untyped-def]
        await outbox.enqueue(session, chat_id=ANNA, payload={"type": "text", "text": "<b>Напоминание</b>: семинар"},
                             kind="notification", dedupe_key="t-1", clock=harness.app.clock)

    await harness.in_db(enqueue)
    sender = Sender(harness.app.sessionmaker, AiogramTransport(bot), RateLimiter.from_settings(max_settings),
                    harness.app.clock)
    assert await sender.drain() == 1
    await bot.session.close()
    assert [s.text for s in fake_max.sent_to(ANNA)] == ["Напоминание: семинар"]

    async def row(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(OutboxMessage))

    sent = await harness.in_db(row)
    assert sent.status == "sent" and sent.telegram_message_id


async def test_admin_ids_belong_to_one_messenger(harness, max_front, fake_max: FakeMax) -> None:
    """ADMIN_IDS are Telegram ids, MAX_ADMIN_IDS are MAX ids: the same number on the other messenger is somebody
    else, and not an administrator."""
    from tests.conftest import ADMIN_ID, MAX_ADMIN_ID

    admin_on_telegram = harness.person(ADMIN_ID)
    await admin_on_telegram.command("menu")
    assert any("Сети и координаторы" in b for b in admin_on_telegram.buttons())
    namesake_on_max = max_person(max_front, fake_max, ADMIN_ID)
    await namesake_on_max.command("menu")
    assert namesake_on_max.joined()
    assert not any("Сети и координаторы" in b for b in namesake_on_max.buttons())

    admin_on_max = max_person(max_front, fake_max, MAX_ADMIN_ID)
    await admin_on_max.command("menu")
    assert any("Сети и координаторы" in b for b in admin_on_max.buttons())
    namesake_on_telegram = harness.person(MAX_ADMIN_ID)
    await namesake_on_telegram.command("menu")
    assert namesake_on_telegram.joined()
    assert not any("Сети и координаторы" in b for b in namesake_on_telegram.buttons())


def test_admin_ids_are_read_per_messenger() -> None:
    from bot.config import load_settings

    settings = load_settings(_env_file=None, max_bot_token="t", admin_ids="11, 12", max_admin_ids="21,22")
    assert settings.admins() == {"telegram": [11, 12], "max": [21, 22]}
