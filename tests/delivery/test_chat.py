"""Broadcasts in the chat, as a coordinator types and taps: compose, audience, preview, confirm, deliver,
live progress, the report with its file, stop mid-way, history — and people who may not do any of it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.services import audiences, broadcasts
from bot.services.audiences import Choice
from bot.services.pagination import Page
from bot.services.sender import Sender
from db.models import Broadcast, OutboxMessage, User
from keyboards.broadcasts import BcCb
from keyboards.settings import SetCb
from keyboards.callbacks import MenuCb
from tests.delivery.chat import (
    COORDINATOR,
    OTHER_COORDINATOR,
    World,
    copied_message,
    document_bytes,
    make_world,
    runtime_tick,
    xlsx_rows,
)
from tests.harness import BotHarness, Person

TECHNICAL = ("Traceback", "Forbidden", "Bad Request", "None", "Error", "KeyError")


async def _compose(h: BotHarness, coordinator: Person, text: str = "Семинар в пятницу",
                   entities: list[dict] | None = None) -> None:
    await coordinator.command("menu")
    await coordinator.press("Рассылка")
    await coordinator.press("Новая рассылка")
    await coordinator._feed(h.fake.updates.message(COORDINATOR, text, entities=entities))  # noqa: SLF001


async def _count(h: BotHarness, model, *where) -> int:  # type: ignore[no-untyped-def]
    return await h.in_db(lambda s: s.scalar(select(func.count()).select_from(model).where(*where)))


def _no_technical_text(person: Person) -> None:
    for text in person.texts():
        assert not any(marker in text for marker in TECHNICAL), text


async def test_formatted_text_to_the_whole_network_with_progress_report_and_file(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=6)
    h = harness
    h.fake.blocked.add(World.telegram_of(1))  # blocks the bot: unreachable on sending
    audiences.unregister_audience("event")  # whether the events feature is there or not (restored after)

    async def skip_one(session):  # type: ignore[no-untyped-def]
        (await session.get(User, world.teachers[3])).is_reachable = False  # blocked earlier: skipped

    await h.in_db(skip_one)
    coordinator = h.person(COORDINATOR)
    bold = [{"type": "bold", "offset": 0, "length": 7}, {"type": "text_link", "offset": 10, "length": 7,
                                                         "url": "https://example.org/seminar"}]
    await _compose(h, coordinator, "Семинар в пятницу", bold)
    assert "Кому разослать?" in coordinator.joined()
    assert not any("мероприятие" in b for b in coordinator.buttons()), "no event option without a registered kind"
    await coordinator.press("Вся сеть")
    preview = coordinator.new()
    assert [s.method for s in preview] == ["editMessageText", "copyMessage", "sendMessage"]
    assert copied_message(h, COORDINATOR)["entities"][0]["type"] == "bold", "the preview is the message itself"
    summary = preview[-1].plain_text or ""
    assert "Аудитория: вся сеть" in summary and "Получат: 6" in summary and "Недоступны: 1" in summary
    await coordinator.press("Отправить")
    progress = coordinator.new()[-1]
    assert progress.method == "editMessageText" and "Рассылка №1" in (progress.plain_text or "")
    assert "Отправлено: 0 из 6" in (progress.plain_text or "") and "Остановить" in " ".join(coordinator.buttons())

    assert await h.deliver() == 6
    for index in (0, 2, 4, 5):
        message = copied_message(h, World.telegram_of(index))
        assert message["text"] == "Семинар в пятницу"
        assert [e["type"] for e in message["entities"]] == ["bold", "text_link"], "formatting survives"
    assert not h.fake.sent_to(World.telegram_of(3)), "skipped: known to be unreachable"

    await runtime_tick(h)
    await h.deliver()  # the report and its file
    sent = coordinator.new()
    edits = [s for s in sent if s.method == "editMessageText" and s.message_id == progress.message_id]
    assert edits and "завершена" in (edits[-1].plain_text or "") and "Отправлено: 5 из 6" in edits[-1].plain_text
    assert "▓▓▓▓▓▓▓▓▓▓ 100%" in edits[-1].plain_text
    report = next(s for s in sent if s.method == "sendMessage" and "Итоги рассылки №1" in (s.plain_text or ""))
    assert "Доставлено: 5 из 6" in report.plain_text
    assert "Заблокировали бота или удалили аккаунт: 1" in report.plain_text
    assert "Недоступны заранее, не отправлялось: 1" in report.plain_text
    rows = xlsx_rows(document_bytes(h, COORDINATOR))
    assert rows[1][:6] == ("ФИО", "Мессенджер", "Имя в мессенджере", "Школа", "Итог", "Причина")
    people = {row[0]: row for row in rows[2:]}
    assert set(people) == {"Учитель 01 Иванович", "Учитель 03 Иванович"}
    assert people["Учитель 01 Иванович"][1] == "Telegram"
    assert people["Учитель 01 Иванович"][5:7] == ("бот заблокирован пользователем",
                                                  "Попросите открыть бота и нажать «Перезапустить» или «Старт»")
    assert people["Учитель 03 Иванович"][4] == "недоступен заранее"
    _no_technical_text(coordinator)

    await runtime_tick(h)  # the report is queued once, whatever the number of ticks
    assert await _count(h, OutboxMessage, OutboxMessage.dedupe_key.like("broadcast:1:report%")) == 2


async def test_photo_and_document_are_copied_with_their_captions(harness: BotHarness) -> None:
    await make_world(harness, teachers=2)
    h = harness
    coordinator = h.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Рассылка")
    await coordinator.press("Новая рассылка")
    await coordinator._feed(h.fake.updates.sticker(COORDINATOR))  # noqa: SLF001
    assert "нельзя" in coordinator.joined()
    await coordinator.photo(caption="Афиша семинара")
    assert "Сообщение принято (фото)" in coordinator.joined()
    await coordinator._feed(h.fake.updates.document(COORDINATOR, file_name="программа.pdf",  # noqa: SLF001
                                                   caption="Программа"))
    assert "Сообщение принято (документ)" in coordinator.joined(), "a new message replaces the first"
    await coordinator.press("Участники")
    assert "Получат: 2" in coordinator.joined()
    await coordinator.press("Отправить")
    await h.deliver()
    copy = copied_message(h, World.telegram_of(0))
    assert copy["caption"] == "Программа" and copy["document"]["file_name"] == "программа.pdf"
    assert await h.in_db(lambda s: s.scalar(select(Broadcast.summary))) == "Программа"


async def test_chosen_schools_paginate_and_schools_by_status(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=6, extra_schools=9)  # 11 schools: two pages
    h = harness
    coordinator = h.person(COORDINATOR)
    await _compose(h, coordinator)
    await coordinator.press("Выбрать школы")
    assert "всего 11" in coordinator.joined() and "1/2" in " ".join(coordinator.buttons())
    await coordinator.press("Готово")
    assert any("хотя бы одну школу" in a for a in coordinator.alerts())
    await coordinator.press("▶️")
    assert "2/2" in " ".join(coordinator.buttons())
    page_two = [b for b in coordinator.buttons() if b.startswith("▫️")]
    await coordinator.press(page_two[0][3:])
    assert any(b.startswith("✅") for b in coordinator.buttons()), "the tick stays on page 2"
    await coordinator.press("◀️")
    await coordinator.press("Назиевская СОШ")
    await coordinator.press("Готово (выбрано 2)")
    assert "Получат: 3" in coordinator.joined(), "teachers 0, 2, 4 are at Назиевская"
    assert "Назиевская СОШ" in coordinator.joined()
    await coordinator.press("Изменить аудиторию")
    await coordinator.press("Школы по статусу")
    assert "ШНОР — школ: 1" in " ".join(coordinator.buttons())
    await coordinator.press("ШНОР")
    await coordinator.press("Готово (выбрано 1)")
    assert "школы со статусом: ШНОР" in coordinator.joined() and "Получат: 3" in coordinator.joined()
    await coordinator.press("Отправить")
    spec = await h.in_db(lambda s: s.scalar(select(Broadcast.audience)))
    assert spec == {"kind": "school_status", "statuses": ["shnor"]}
    assert await h.deliver() == 3
    assert {c for c in (World.telegram_of(i) for i in range(6)) if h.fake.sent_to(c)} == {
        World.telegram_of(0), World.telegram_of(2), World.telegram_of(4)}
    assert world.network_id


async def test_event_sign_ups_are_offered_once_the_kind_is_registered(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=4)
    h = harness
    going = {42: [world.teachers[0], world.teachers[3]]}

    async def resolver(session, network_id, spec):  # type: ignore[no-untyped-def]
        return select(User.id).where(User.id.in_(going.get(int(spec.get("event_id") or 0), [])))

    async def choices(session, network_id, page, now):  # type: ignore[no-untyped-def]
        items = [Choice(42, "8.1.1 · 27.11 · Семинар-практикум")] if network_id == world.network_id else []
        return Page(items=items, page=0, pages=1, total=len(items))

    audiences.register_audience("event", resolver, choices=choices)
    coordinator = h.person(COORDINATOR)
    await _compose(h, coordinator)
    await coordinator.press("Записавшиеся на мероприятие")
    assert "Выберите мероприятие" in coordinator.joined()
    await coordinator.press_data(BcCb(a="ext", k="event", id=99).pack())  # not the network's: refused
    assert any("устарела" in a for a in coordinator.alerts())
    await coordinator.press("Семинар-практикум")
    assert "Получат: 2" in coordinator.joined() and "«8.1.1 · 27.11 · Семинар-практикум»" in coordinator.joined()
    await coordinator.press("Отправить")
    assert await h.deliver() == 2
    assert h.fake.sent_to(World.telegram_of(3)) and not h.fake.sent_to(World.telegram_of(1))


async def test_stop_midway_then_the_report_lists_who_was_not_reached(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=6)
    h = harness
    coordinator = h.person(COORDINATOR)
    await _compose(h, coordinator, "Важное объявление")
    await coordinator.press("Участники")
    await coordinator.press("Отправить")
    from bot.delivery import AiogramTransport
    from bot.services.ratelimit import RateLimiter

    sender = Sender(h.app.sessionmaker, AiogramTransport(h.bot), RateLimiter.from_settings(h.app.settings), h.app.clock)
    assert await sender.drain_once(limit=2) == 2
    await runtime_tick(h)
    assert "Отправлено: 2 из 6" in coordinator.joined()
    await coordinator.press("Остановить")
    assert "Остановить рассылку №1? Уже отправлено 2 из 6; не уйдут ещё 4." in coordinator.joined()
    await coordinator.press("Нет, продолжить")
    assert "продолжается" in coordinator.joined()
    await coordinator.press("Остановить")
    await coordinator.press("Да, остановить")
    assert "Рассылка №1 остановлена: успело уйти 2 из 6, не отправлено 4." in coordinator.joined()
    assert await h.deliver() == 0, "nothing of the broadcast is left to send"
    await coordinator.press_data(BcCb(a="stopok", id=1).pack())
    assert "уже закончилась" in coordinator.joined()
    await runtime_tick(h)
    await h.deliver()
    text = coordinator.joined()
    assert "Рассылка №1 — отправка остановлена" in text and "Рассылка №1 остановлена" in text
    assert "Доставлено: 2 из 6" in text and "Не отправлено после остановки: 4" in text
    rows = xlsx_rows(document_bytes(h, COORDINATOR))
    assert len(rows) == 2 + 4 and {row[5] for row in rows[2:]} == {"рассылка остановлена"}
    assert len([c for c in range(6) if h.fake.sent_to(World.telegram_of(c))]) == 2
    assert world.teachers


async def test_the_stop_counts_afresh_the_bar_shows_what_went_out_and_the_rest_can_follow(
        harness: BotHarness) -> None:
    world = await make_world(harness, teachers=10)
    h = harness
    coordinator = h.person(COORDINATOR)
    await _compose(h, coordinator, "Важное объявление")
    await coordinator.press("Участники")
    await coordinator.press("Отправить")
    assert "— отправляется" in coordinator.joined(), "nothing else is queued: it is being sent, not waiting"
    assert "в очереди" not in coordinator.joined()
    from bot.delivery import AiogramTransport
    from bot.services.ratelimit import RateLimiter

    sender = Sender(h.app.sessionmaker, AiogramTransport(h.bot), RateLimiter.from_settings(h.app.settings), h.app.clock)
    assert await sender.drain_once(limit=2) == 2
    await coordinator.press("Остановить")
    assert "Уже отправлено 2 из 10; не уйдут ещё 8." in coordinator.joined()
    assert await sender.drain_once(limit=3) == 3  # the prompt waits; the sender does not
    await coordinator.press("Да, остановить")
    assert "успело уйти 5 из 10, не отправлено 5" in coordinator.joined(), "counted when stopped, not when asked"
    await runtime_tick(h)
    await h.deliver()
    text = coordinator.joined()
    assert "▓▓▓▓▓░░░░░ 50%" in text, "a stopped broadcast's bar shows what went out"
    assert "Отправлено: 5 из 10" in text
    await coordinator.press("Продолжить — отправить остальным (5)")
    assert "Отправлено: 5 из 10" in coordinator.joined() and "Остановить" in " ".join(coordinator.buttons())
    assert await h.deliver() == 5
    await runtime_tick(h)
    await h.deliver()
    text = coordinator.joined()
    assert "▓▓▓▓▓▓▓▓▓▓ 100%" in text and "Доставлено: 10 из 10" in text
    assert len([c for c in range(10) if h.fake.sent_to(World.telegram_of(c))]) == 10
    assert world.teachers


async def test_history_paginates_and_opens_a_card_with_its_file(harness: BotHarness, clock) -> None:
    world = await make_world(harness, teachers=3)
    h = harness

    async def make(session):  # type: ignore[no-untyped-def]
        from db.models import Network

        network = await session.get(Network, world.network_id)
        author = await session.get(User, world.coordinator)
        for n in range(10):
            await broadcasts.create_broadcast(session, network, {"type": "text", "text": f"Новость {n:02d}"},
                                              "participants", author, clock)

    await h.in_db(make)
    h.fake.blocked.add(World.telegram_of(2))
    await h.deliver()
    await h.in_db(lambda s: broadcasts.refresh_statuses(s, clock))
    coordinator = h.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Рассылка")
    await coordinator.press("История рассылок")
    assert "всего 10" in coordinator.joined()
    buttons = coordinator.buttons()
    assert "1/2" in " ".join(buttons) and any("Новость 09" in b for b in buttons), "newest first"
    await coordinator.press("▶️")
    assert any("Новость 00" in b for b in coordinator.buttons())
    await coordinator.press("Новость 00")
    card = coordinator.joined()
    assert "Рассылка №1" in card and "Аудитория: участники" in card and "Статус: завершена" in card
    assert "Отправлено: 2 из 3" in card and "Орлова Галина Ивановна" in card
    await coordinator.press("Кому не дошло")
    rows = xlsx_rows(document_bytes(h, COORDINATOR))
    assert [row[0] for row in rows[2:]] == ["Учитель 02 Иванович"]
    await coordinator.press("К истории")
    assert "2/2" in " ".join(coordinator.buttons()), "back to the page it came from"


async def test_quiet_hours_hold_the_broadcast_unless_sent_now(harness: BotHarness) -> None:
    h = harness
    h.app.clock.set(datetime(2026, 11, 24, 19, 30, tzinfo=timezone.utc))  # type: ignore[attr-defined]  # 22:30 MSK
    await make_world(harness, teachers=2)
    coordinator = h.person(COORDINATOR)
    await _compose(h, coordinator)
    await coordinator.press("Вся сеть")
    assert "тихие часы (21:00–08:00)" in coordinator.joined()
    assert {"🌅 Отправить в 08:00", "⚡️ Отправить сейчас"} <= set(coordinator.buttons())
    await coordinator.press("Отправить в 08:00")
    assert "ждёт конца тихих часов" in coordinator.joined() and "Начнётся 25.11.2026 08:00" in coordinator.joined()
    assert await h.deliver() == 0

    async def due(session):  # type: ignore[no-untyped-def]
        return set((await session.scalars(select(OutboxMessage.not_before).where(
            OutboxMessage.broadcast_id == 1))).all())

    assert await h.in_db(due) == {datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)}
    await _compose(h, coordinator, "Срочно: семинар отменён")
    await coordinator.press("Вся сеть")
    await coordinator.press("Отправить сейчас")
    assert await h.deliver() == 3, "«сейчас» goes at once"
    h.app.clock.move(timedelta(hours=9, minutes=31))  # type: ignore[attr-defined]  # 08:01 MSK
    assert await h.deliver() == 3, "the held one goes in the morning"


async def test_forged_buttons_and_foreign_broadcasts_are_refused(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=3)
    h = harness
    coordinator = h.person(COORDINATOR)
    await _compose(h, coordinator)
    await coordinator.press("Вся сеть")
    await coordinator.press("Отправить")
    teacher = h.person(World.telegram_of(0))
    for data in (MenuCb(action="broadcasts"), BcCb(a="new"), BcCb(a="aud", k="everyone"), BcCb(a="go", id=1),
                 BcCb(a="stopok", id=1), BcCb(a="file", id=1), BcCb(a="show", id=1), BcCb(a="hist")):
        await teacher.press_data(data.pack())
    assert teacher.alerts().count("Эта кнопка или действие вам недоступны.") == 8
    assert not [s for s in teacher.new() if s.method != "answerCallbackQuery"]
    await teacher._feed(h.fake.updates.message(World.telegram_of(0), "всем привет"))  # noqa: SLF001
    assert await _count(h, Broadcast) == 1
    # The other network's coordinator can't see, stop or download this network's broadcast.
    other = h.person(OTHER_COORDINATOR)
    for data in (BcCb(a="show", id=1), BcCb(a="stopok", id=1), BcCb(a="file", id=1)):
        await other.press_data(data.pack())
    assert other.alerts().count("Рассылка №1 не найдена.") == 3
    # A replayed «Отправить» after the broadcast was made creates nothing.
    await coordinator.press_data(BcCb(a="go", id=1).pack())
    assert any("устарела" in a for a in coordinator.alerts())
    assert await _count(h, Broadcast) == 1
    assert await h.deliver() == 4
    assert await _count(h, OutboxMessage, OutboxMessage.status == "cancelled") == 0
    assert world.network_id


async def test_a_restart_halfway_through_composing_loses_nothing(harness: BotHarness, test_settings, engine,
                                                                 clock) -> None:
    from bot.app import build_app, build_bot

    await make_world(harness, teachers=3)
    coordinator = harness.person(COORDINATOR)
    await _compose(harness, coordinator, "Собрание в понедельник")
    assert "Кому разослать?" in coordinator.joined()
    # The process is replaced: a new dispatcher, new middlewares, the same database (the FSM lives there).
    app = build_app(test_settings, clock=clock, engine=engine)
    bot = build_bot(test_settings)
    try:
        restarted = BotHarness(app=app, bot=bot, fake=harness.fake)
        again = restarted.person(COORDINATOR)
        await again.press("Наставники")
        assert "Аудитория: наставники" in again.joined() and "Получат: 1" in again.joined()
        await again.press("Отправить")
        assert await restarted.deliver() == 1
        assert copied_message(restarted, World.telegram_of(1))["text"] == "Собрание в понедельник"
    finally:
        await bot.session.close()
        await app.storage.close()


async def test_people_without_a_network_are_refused_politely(harness: BotHarness) -> None:
    await make_world(harness, teachers=1)

    async def stranger(session):  # type: ignore[no-untyped-def]
        user = User(messenger_id=123, full_name="Гость Гостевич", language="ru", consent_at=harness.app.clock.now(),
                    subjects=[], notification_prefs={})
        session.add(user)

    await harness.in_db(stranger)
    guest = harness.person(123)
    await guest.press_data(BcCb(a="new").pack())
    await guest.press_data(SetCb(a="qp", i=0).pack())
    assert guest.alerts().count("Эта кнопка или действие вам недоступны.") == 2
