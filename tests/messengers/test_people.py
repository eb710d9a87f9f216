"""A person is an account on one messenger: a Telegram person and a MAX person with the same number are two
people — each registers, sees their own menu, is marked unreachable alone, and erases only their own data."""
from __future__ import annotations

from sqlalchemy import select

from db.models import Membership, User
from tests.fakes.max_api import FakeMax
from tests.max_harness import max_person
from tests.messengers.test_max_flows import finish_registration
from tests.test_onboarding import make_invite, make_network

SAME = 5_000_077  # a Telegram id and a MAX id that happen to coincide


async def _register_on_telegram(harness, code: str) -> None:  # type: ignore[no-untyped-def]
    olga = harness.person(SAME)
    await olga.command("start", code)
    await olga.press("Даю согласие")
    await olga.send("Петрова Ольга Сергеевна")
    await olga.send("назиев")
    await olga.press("Назиевская")
    await olga.press("Учитель-предметник")
    await olga.press("Физика")
    await olga.press("Готово")
    assert "Петрова Ольга Сергеевна" in olga.joined()


async def _people(harness) -> list[User]:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(User).where(User.forgotten_at.is_(None))
                                           .order_by(User.platform))).all())

    return await harness.in_db(work)


async def test_the_same_number_on_telegram_and_max_is_two_people(harness, max_front, fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    await _register_on_telegram(harness, await make_invite(harness, network_id))
    anna = max_person(max_front, fake_max, SAME, "Анна")
    await anna.start(await make_invite(harness, network_id))
    assert "Кировский район" in anna.joined(), "a stranger on MAX, not Ольга from Telegram"
    await finish_registration(anna)
    assert "Иванова Мария Петровна" in anna.joined()

    people = await _people(harness)
    assert [(p.platform, p.messenger_id, p.full_name) for p in people] == [
        ("max", SAME, "Иванова Мария Петровна"), ("telegram", SAME, "Петрова Ольга Сергеевна")]

    # Each sees their own menu and profile.
    olga = harness.person(SAME)
    await olga.command("profile")
    assert "Петрова Ольга Сергеевна" in olga.joined() and "Иванова" not in olga.joined()
    await anna.command("profile")
    assert "Иванова Мария Петровна" in anna.joined() and "Петрова" not in anna.joined()
    await anna.command("menu")
    assert anna.buttons(), "the main menu"

    # Stopping the bot on MAX marks the MAX person only.
    await anna.stop()
    people = await _people(harness)
    assert {p.platform: p.is_reachable for p in people} == {"max": False, "telegram": True}
    await anna.start()
    assert all(p.is_reachable for p in await _people(harness))

    # /forgetme on MAX erases Анна; Ольга keeps her record, membership and menu.
    await anna.command("forgetme")
    await anna.press("Да, удалить")
    assert "удалены" in anna.joined()
    people = await _people(harness)
    assert [(p.platform, p.full_name) for p in people] == [("telegram", "Петрова Ольга Сергеевна")]

    async def memberships(session):  # type: ignore[no-untyped-def]
        rows = await session.execute(select(User.platform, Membership.is_active)
                                     .join(Membership, Membership.user_id == User.id))
        return sorted(rows.all())

    assert await harness.in_db(memberships) == [("max", False), ("telegram", True)]
    await olga.command("menu")
    assert "Петрова Ольга Сергеевна" in olga.joined() or olga.buttons()
    await olga.command("profile")
    assert "Петрова Ольга Сергеевна" in olga.joined()


async def test_a_half_filled_dialog_on_telegram_survives_forgetme_of_the_max_namesake(
        harness, max_front, fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    anna = max_person(max_front, fake_max, SAME, "Анна")
    await anna.start(await make_invite(harness, network_id))
    await finish_registration(anna)

    olga = harness.person(SAME)
    await olga.command("start", await make_invite(harness, network_id))
    await olga.press("Даю согласие")  # Ольга is in the middle of registering on Telegram…
    await anna.command("forgetme")  # …when her namesake on MAX erases herself
    await anna.press("Да, удалить")
    assert "удалены" in anna.joined()
    await olga.send("Петрова Ольга Сергеевна")  # the dialog goes on where it was
    await olga.send("назиев")
    await olga.press("Назиевская")
    await olga.press("Учитель-предметник")
    await olga.press("Физика")
    await olga.press("Готово")
    assert "Петрова Ольга Сергеевна" in olga.joined()
    assert [(p.platform, p.full_name) for p in await _people(harness)] == [("telegram", "Петрова Ольга Сергеевна")]
