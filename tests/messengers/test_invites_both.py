"""Invites in a deployment serving Telegram and MAX: a link for each messenger, the QR of the one the coordinator
picks, personal links from imports for both — and a teacher who opens the MAX link registers on MAX.

No QR reader is in the test extras, so a QR image is checked against the payload: the PNG the person received is
byte for byte the one `qr_png` makes of the expected link (and not the one of the other messenger's link)."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from bot.services import invites
from bot.services.qr import qr_png
from db.models import Invite, Membership, Role, User
from tests.fakes.max_api import FakeMax
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.max_harness import max_person
from tests.messengers.test_max_flows import ANNA, finish_registration
from tests.test_onboarding import COORDINATOR, make_coordinator, make_network

MAX_BOT = "nastavnik_bot"  # FakeMax's username in GET /me
MAX_COORDINATOR = 5_000_101
START = re.compile(r"https://(t\.me|max\.ru)/(\w+)\?start=([A-Za-z0-9_-]+)")


async def telegram_bot_name(harness: BotHarness) -> str:
    return (await harness.bot.me()).username or ""


def telegram_photo(harness: BotHarness, sent) -> bytes:  # type: ignore[no-untyped-def]
    return harness.fake._files[sent.result["photo"][-1]["file_id"]].data  # noqa: SLF001


def max_photo(fake: FakeMax, sent) -> bytes:  # type: ignore[no-untyped-def]
    image = next(a for a in sent.attachments if a["type"] == "image")
    return fake.uploads[image["payload"]["token"]]["data"]


async def make_max_coordinator(in_db, network_id: int, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.services.registration import join_network

    async def work(session):  # type: ignore[no-untyped-def]
        user = User(platform="max", messenger_id=MAX_COORDINATOR, full_name="Орлова Галина Ивановна", subjects=[],
                    language="ru", consent_at=clock.now(), notification_prefs={})
        session.add(user)
        await session.flush()
        await join_network(session, user, network_id=network_id, role=Role.COORDINATOR, school_id=None)

    await in_db(work)


async def test_a_coordinator_on_telegram_gets_both_links_and_the_qr_for_max_and_a_teacher_joins_on_max(
        harness: BotHarness, max_front, fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    await make_coordinator(harness, network_id)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Пригласить")
    await coordinator.press("участник: одна ссылка")

    sent = coordinator.new()[-1]
    assert sent.method == "sendMessage", "with two messengers the coordinator picks the QR first"
    text = sent.plain_text or ""
    tg_name = await telegram_bot_name(harness)
    found = START.findall(text)
    assert [(host, name) for host, name, _ in found] == [("t.me", tg_name), ("max.ru", MAX_BOT)]
    code = found[0][2]
    assert found[1][2] == code, "one invite, the same code in both links"
    assert "Telegram: https://t.me/" in text and "MAX: https://max.ru/" in text
    buttons = coordinator.buttons()
    assert buttons[:2] == ["📷 QR для Telegram", "📷 QR для MAX"]
    assert "✉️ Ещё приглашение" in buttons and "⬅️ В меню" in buttons

    await coordinator.press("QR для MAX")
    photo = coordinator.new()[-1]
    max_link = f"https://max.ru/{MAX_BOT}?start={code}"
    assert photo.method == "sendPhoto"
    assert telegram_photo(harness, photo) == qr_png(max_link) != qr_png(f"https://t.me/{tg_name}?start={code}")
    assert max_link in (photo.plain_text or "") and "QR-код приглашения для MAX" in (photo.plain_text or "")
    assert "QR-код для MAX отправлен." in coordinator.alerts()
    assert "📷 QR для Telegram" in coordinator.buttons() and "📷 QR для MAX" not in coordinator.buttons()

    # The teacher scans it: MAX opens the bot with the code in bot_started.
    anna = max_person(max_front, fake_max, ANNA, "Анна")
    await anna.start(code)
    assert "Кировский район" in anna.joined()
    await finish_registration(anna)
    assert fake_max.unanswered() == []

    async def joined(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == ANNA))
        membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
        invite = await session.scalar(select(Invite).where(Invite.code == code))
        return user.full_name, membership.network_id, invite.uses_left

    assert await harness.in_db(joined) == ("Иванова Мария Петровна", network_id, 0)


async def test_a_coordinator_on_max_gets_both_links_and_the_qr_for_telegram(harness: BotHarness, max_front,
                                                                           fake_max: FakeMax) -> None:
    network_id = await make_network(harness)
    await make_max_coordinator(harness.in_db, network_id, harness.app.clock)
    coordinator = max_person(max_front, fake_max, MAX_COORDINATOR, "Галина")
    await coordinator.command("menu")
    await coordinator.press("Пригласить")
    await coordinator.press("наставник: общая ссылка")
    text = coordinator.joined()
    tg_name = await telegram_bot_name(harness)
    found = START.findall(text)
    assert [(host, name) for host, name, _ in found] == [("t.me", tg_name), ("max.ru", MAX_BOT)]
    code = found[0][2]
    assert coordinator.buttons()[:2] == ["📷 QR для Telegram", "📷 QR для MAX"]

    await coordinator.press("QR для Telegram")
    photo = next(s for s in reversed(coordinator.new()) if s.kind == "send")
    tg_link = f"https://t.me/{tg_name}?start={code}"
    assert max_photo(fake_max, photo) == qr_png(tg_link)
    assert tg_link in photo.text and "QR-код приглашения для Telegram" in photo.text
    assert "QR-код для Telegram отправлен." in coordinator.notifications()
    assert "📷 QR для MAX" in photo.button_texts and "📷 QR для Telegram" not in photo.button_texts
    assert fake_max.unanswered() == []

    async def invite(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(Invite).where(Invite.code == code))

    made = await harness.in_db(invite)
    assert (made.role, made.uses_left) == ("mentor", None)


async def test_a_max_only_deployment_sends_the_max_link_and_its_qr_at_once(max_only) -> None:  # type: ignore[no-untyped-def]
    network_id = await make_network(max_only)
    await make_max_coordinator(max_only.in_db, network_id, max_only.app.clock)
    coordinator = max_person(max_only.front, max_only.fake, MAX_COORDINATOR, "Галина")
    await coordinator.command("menu")
    await coordinator.press("Пригласить")
    await coordinator.press("участник: одна ссылка")
    photo = next(s for s in reversed(coordinator.new()) if s.kind == "send")
    found = START.findall(photo.text)
    assert [(host, name) for host, name, _ in found] == [("max.ru", MAX_BOT)], "no Telegram link, no choice"
    assert max_photo(max_only.fake, photo) == qr_png(f"https://max.ru/{MAX_BOT}?start={found[0][2]}")
    assert not any("QR" in b for b in photo.button_texts)
    assert "⬅️ В меню" in photo.button_texts
    assert max_only.fake.unanswered() == []


async def test_a_qr_button_of_another_network_or_of_a_coordinator_invite_is_refused(
        harness: BotHarness, max_front, fake_max: FakeMax) -> None:
    from bot.services.networks import create_network
    from keyboards.callbacks import InviteQrCb

    network_id = await make_network(harness)
    await make_coordinator(harness, network_id)

    async def made(session):  # type: ignore[no-untyped-def]
        from db.models import Network

        other = await create_network(session, slug="luga", name="Лужский район", timezone="Europe/Moscow")
        foreign = await invites.create_invite(session, network=other, role=Role.PARTICIPANT, clock=harness.app.clock)
        own = await session.get(Network, network_id)
        colleague = await invites.create_invite(session, network=own, role=Role.COORDINATOR, clock=harness.app.clock)
        return foreign.id, colleague.id

    foreign_id, colleague_id = await harness.in_db(made)
    coordinator = harness.person(COORDINATOR)
    for invite_id in (foreign_id, colleague_id):  # forged buttons: another network's, the administrator's
        await coordinator.press_data(InviteQrCb(id=invite_id, p="max").pack())
        assert not [s for s in coordinator.new() if s.method == "sendPhoto"]
        assert coordinator.alerts()[-1] == "Эта кнопка или действие вам недоступны."

    admin = harness.person(ADMIN_ID)  # the administrator may: the invite is theirs to hand out
    await admin.press_data(InviteQrCb(id=colleague_id, p="max").pack())
    assert [s.method for s in admin.new()] == ["sendPhoto"]


def test_invite_codes_fit_a_max_start_payload() -> None:
    """MAX takes up to 128 characters of [A-Za-z0-9_-] in `start`; Telegram 64: every code fits both."""
    import secrets

    codes = {secrets.token_urlsafe(invites.CODE_BYTES) for _ in range(2000)}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code) for code in codes)
    assert invites.links({"telegram": "a_bot", "max": "b_bot"}, "Ab-_9") == [
        invites.Link("telegram", "https://t.me/a_bot?start=Ab-_9"), invites.Link("max", "https://max.ru/b_bot?start=Ab-_9")]


async def test_personal_links_carry_both_messengers(harness: BotHarness, max_front, fake_max: FakeMax) -> None:
    """The person card's personal link and the import's file of links: a link (a column) per messenger."""
    from tests.mentoring.chat import document_bytes, send_document, setup
    from tests.mentoring.conftest import COORDINATOR as MENTORING_COORDINATOR
    from tests.xlsx_check import check_xlsx

    world = await setup(harness)

    async def unregistered(session):  # type: ignore[no-untyped-def]
        user = User(full_name="Тестова Ольга Авна", position="Учитель", subjects=[], language="ru",
                    notification_prefs={})
        session.add(user)
        await session.flush()
        session.add(Membership(user_id=user.id, network_id=world.network_id, school_id=world.schools["vazhiny"],
                               directions=[]))

    await harness.in_db(unregistered)
    tg_name = await telegram_bot_name(harness)
    coordinator = harness.person(MENTORING_COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Участники")
    await coordinator.send("Тестова")
    await coordinator.press("Тестова Ольга Авна")
    await coordinator.press("Личная ссылка")
    text = coordinator.joined()
    found = START.findall(text)
    assert [(host, name) for host, name, _ in found] == [("t.me", tg_name), ("max.ru", MAX_BOT)]
    assert "Личные ссылки для Тестова Ольга Авна" in text and "мессенджера" in text

    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Импорт таблиц")
    smolensk = Path(__file__).parent.parent / "mentoring" / "fixtures" / "smolensk_pairs.csv"
    await send_document(harness, coordinator, smolensk.read_bytes(), "smolensk.csv", "text/csv")
    await coordinator.press("Импортировать")
    links_file = next(s for s in coordinator.new() if s.method == "sendDocument")
    rows = [list(row) for row in check_xlsx(document_bytes(harness, links_file)).active.iter_rows(values_only=True)]
    assert rows[0] == ["ФИО", "Ссылка для Telegram", "Ссылка для MAX"] and len(rows) == 7
    for name, telegram, max_link in rows[1:]:
        code = telegram.split("?start=")[1]
        assert telegram == f"https://t.me/{tg_name}?start={code}" and max_link == f"https://max.ru/{MAX_BOT}?start={code}"

    # A director opens her MAX link and lands in her imported record.
    name, _, max_link = next(r for r in rows if r[0].startswith("Слободич"))
    director = max_person(max_front, fake_max, 5_000_201, "Анжела")
    await director.start(max_link.split("?start=")[1])
    await director.press("Даю согласие")
    await director.send("Слободич Анжела Николаевна")
    await director.press("Директор")
    await director.press("пропустить")
    assert "Добро пожаловать" in director.joined()
    assert fake_max.unanswered() == []

    async def attached(session):  # type: ignore[no-untyped-def]
        return [u.messenger_id for u in (await session.scalars(select(User).where(User.full_name == name))).all()]

    assert await harness.in_db(attached) == [5_000_201]


async def test_invite_create_prints_a_link_per_messenger_configured(tmp_path: Path, fake_telegram,  # type: ignore[no-untyped-def]
                                                                  fake_max: FakeMax) -> None:
    """`main.py invite create`: both links (names asked of each API) with both tokens; the MAX one alone without
    BOT_TOKEN; MAX_BOT_USERNAME names the MAX bot in links."""
    from tests.e2e.process import clean_env, cli_async

    both = clean_env(BOT_TOKEN=fake_telegram.token, BOT_API_URL=fake_telegram.base_url, MAX_BOT_TOKEN=fake_max.token,
                     MAX_API_URL=fake_max.base_url, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await cli_async(both, "migrate")
    await cli_async(both, "network", "create", "--slug", "luga", "--name", "Лужский район")
    lines = (await cli_async(both, "invite", "create", "--network", "luga")).split()
    found = [START.fullmatch(line) for line in lines]
    assert all(found) and [(m[1], m[2]) for m in found] == [("t.me", fake_telegram.bot_username),  # type: ignore[index]
                                                            ("max.ru", MAX_BOT)]
    assert found[0][3] == found[1][3]  # type: ignore[index]

    max_only = {k: v for k, v in both.items() if not k.startswith("BOT_")}
    lines = (await cli_async(max_only, "invite", "create", "--network", "luga")).split()
    assert len(lines) == 1 and lines[0].startswith(f"https://max.ru/{MAX_BOT}?start=")
    lines = (await cli_async({**max_only, "MAX_BOT_USERNAME": "luga_nastavnik_bot"}, "invite", "create",
                             "--network", "luga")).split()
    assert len(lines) == 1 and lines[0].startswith("https://max.ru/luga_nastavnik_bot?start=")


async def test_the_check_in_poster_carries_both_links_and_a_qr_for_each(harness: BotHarness, max_front,
                                                                         fake_max: FakeMax, clock) -> None:
    """At a seminar people on both messengers check in: the poster lists both links, its QR is Telegram's, and
    «📷 QR для MAX» gives the MAX one; a teacher on MAX scans it and is marked present."""
    from datetime import timedelta

    from bot.services.events import lifecycle
    from keyboards.events import EvCb
    from tests.events.common import COORDINATOR as EVENTS_COORDINATOR
    from tests.events.common import FIRST_TEACHER, add_event, build_world

    world = await harness.in_db(lambda session: build_world(session, clock))

    async def announced(session):  # type: ignore[no-untyped-def]
        event = await add_event(session, world, clock, start=clock.now() + timedelta(minutes=30))
        await lifecycle.announce(session, event, clock)
        return event.id

    event_id = await harness.in_db(announced)
    coordinator = harness.person(EVENTS_COORDINATOR)
    await coordinator.press_data(EvCb(a="code", id=event_id).pack())
    poster = coordinator.new()[-1]
    text = poster.plain_text or ""
    code = text.split("Код: ")[1].split()[0]
    tg_link = f"https://t.me/{await telegram_bot_name(harness)}?start=ci_{code}"
    max_link = f"https://max.ru/{MAX_BOT}?start=ci_{code}"
    assert f"Telegram: {tg_link}" in text and f"MAX: {max_link}" in text and "он для Telegram" in text
    assert telegram_photo(harness, poster) == qr_png(tg_link)
    assert coordinator.buttons() == ["📷 QR для MAX"]
    await coordinator.press("QR для MAX")
    poster = coordinator.new()[-1]
    assert telegram_photo(harness, poster) == qr_png(max_link) and "он для MAX" in (poster.plain_text or "")
    assert coordinator.buttons() == ["📷 QR для Telegram"]

    async def on_max(session):  # type: ignore[no-untyped-def]
        user = await session.scalar(select(User).where(User.messenger_id == FIRST_TEACHER))
        user.platform = "max"  # this teacher uses MAX

    await harness.in_db(on_max)
    teacher = max_person(max_front, fake_max, FIRST_TEACHER, "Мария")
    await teacher.start(f"ci_{code}")  # the QR opens max.ru/<bot>?start=ci_<code>
    assert "Вы отмечены на мероприятии «Семинар «Анализ ВПР»»" in teacher.joined()
