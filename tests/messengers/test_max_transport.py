"""The MAX session from the handlers' side: every Bot API call they make, against the loopback MAX API."""
from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BotCommand, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import ClientSession, web
from pydantic import SecretStr

from bot.delivery import classify
from bot.messengers import platform_of
from bot.messengers.max.bot import MaxBot, MaxFrontEnd, build_max_bot
from bot.services.delivery_errors import Blocked, RetryAfter, Transient
from tests.fakes.max_api import FakeMax

ANNA = 5_000_001
KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="Пойду", callback_data="rsvp:12:y"), InlineKeyboardButton(text="Не смогу",
                                                                                       callback_data="rsvp:12:n")],
    [InlineKeyboardButton(text="Сайт", url="https://example.org/seminar")]])


@pytest.fixture
async def max_bot(harness, max_settings, fake_max: FakeMax):  # type: ignore[no-untyped-def]
    fake_max.person(ANNA, "Анна")
    bot = build_max_bot(max_settings, harness.app.sessionmaker)
    yield bot
    await bot.session.close()


async def test_the_bot_says_it_is_a_max_bot_and_who_it_is(max_bot: MaxBot, fake_max: FakeMax) -> None:
    me = await max_bot.me()
    assert me.username == "nastavnik_bot" and me.is_bot
    assert platform_of(max_bot) == "max"
    assert max_bot.id != me.id  # aiogram's id keys dialog state; MAX's own id is the bot's user id


async def test_send_html_with_callback_and_link_buttons(max_bot: MaxBot, fake_max: FakeMax) -> None:
    message = await max_bot.send_message(ANNA, "<b>Семинар</b> 24.11 &lt;онлайн&gt;", reply_markup=KEYBOARD)
    sent = fake_max.sent_to(ANNA)[-1]
    assert sent.text == "Семинар 24.11 <онлайн>"
    assert sent.buttons == [{"type": "callback", "text": "Пойду", "payload": "rsvp:12:y"},
                            {"type": "callback", "text": "Не смогу", "payload": "rsvp:12:n"},
                            {"type": "link", "text": "Сайт", "url": "https://example.org/seminar"}]
    assert message.chat.id == ANNA and message.chat.type == "private"
    assert message.message_id == fake_max.messages[sent.mid]["body"]["seq"]
    assert message.reply_markup is not None and message.reply_markup.inline_keyboard[0][0].callback_data == "rsvp:12:y"


async def test_a_long_text_is_split_under_the_4000_limit(max_bot: MaxBot, fake_max: FakeMax) -> None:
    text = "\n".join(f"{n}. Строка дорожной карты с мероприятием и сроками" for n in range(200))
    assert len(text) > 8000
    await max_bot.send_message(ANNA, text, reply_markup=KEYBOARD)
    parts = fake_max.sent_to(ANNA)
    assert len(parts) == 3 and all(len(p.text) <= 4000 for p in parts)
    assert "\n".join(p.text for p in parts) == text
    assert not parts[0].buttons and parts[-1].buttons  # the buttons go under the last part


async def test_edit_text_and_markup_then_delete(max_bot: MaxBot, fake_max: FakeMax) -> None:
    message = await max_bot.send_message(ANNA, "Вы записаны", reply_markup=KEYBOARD)
    await max_bot.edit_message_text("Запись <i>отменена</i>", chat_id=ANNA, message_id=message.message_id)
    mid = fake_max.sent_to(ANNA)[0].mid
    assert fake_max.messages[mid]["body"]["text"] == "Запись отменена"
    assert fake_max.messages[mid]["body"]["attachments"] == []  # an edit without buttons drops them, as in Telegram
    await max_bot.edit_message_reply_markup(chat_id=ANNA, message_id=message.message_id, reply_markup=KEYBOARD)
    assert [b["text"] for b in fake_max.sent_to(ANNA)[-1].buttons] == ["Пойду", "Не смогу", "Сайт"]
    assert await max_bot.delete_message(ANNA, message.message_id) is True
    assert mid not in fake_max.messages


async def test_an_unknown_message_cannot_be_edited(max_bot: MaxBot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await max_bot.edit_message_text("x", chat_id=ANNA, message_id=123)


async def test_the_message_id_mapping_survives_a_restart(harness, max_settings, fake_max: FakeMax) -> None:
    fake_max.person(ANNA)
    first = build_max_bot(max_settings, harness.app.sessionmaker)
    message = await first.send_message(ANNA, "Анонс", reply_markup=KEYBOARD)
    await first.session.close()  # a restart: the ids written behind are flushed on close
    second = build_max_bot(max_settings, harness.app.sessionmaker)
    try:
        await second.edit_message_text("Анонс (перенесён)", chat_id=ANNA, message_id=message.message_id)
    finally:
        await second.session.close()
    assert fake_max.sent_to(ANNA)[-1].kind == "edit"
    assert fake_max.sent_to(ANNA)[-1].text == "Анонс (перенесён)"


async def test_documents_and_photos_go_up_in_two_steps_and_come_back_by_file_id(max_bot: MaxBot,
                                                                                fake_max: FakeMax) -> None:
    fake_max.not_ready_times = 2  # MAX is still processing the upload the first two times
    message = await max_bot.send_document(ANNA, BufferedInputFile(b"PK\x03\x04 report", "otchet.xlsx"),
                                          caption="Отчёт за <b>ноябрь</b>")
    assert fake_max.stats.not_ready == 2
    assert message.document is not None and message.document.file_name == "otchet.xlsx"
    assert fake_max.sent_to(ANNA)[-1].text == "Отчёт за ноябрь"
    assert [c.params for c in fake_max.calls_to("POST", "/uploads")] == [{"type": "file"}]
    data = await max_bot.download(message.document.file_id)
    assert data is not None and data.read() == b"PK\x03\x04 report"
    fake_max.not_ready_times = 0
    again = await max_bot.send_document(ANNA, message.document.file_id)  # by file_id: no new upload
    assert len(fake_max.calls_to("POST", "/uploads")) == 1
    assert again.document is not None
    photo = await max_bot.send_photo(ANNA, BufferedInputFile(b"\x89PNG chart", "chart.png"))
    assert photo.photo and fake_max.calls_to("POST", "/uploads")[-1].params == {"type": "image"}


async def test_a_file_a_person_sends_is_downloaded_by_the_handlers_way(max_front: MaxFrontEnd,
                                                                      fake_max: FakeMax) -> None:
    anna = fake_max.person(ANNA)
    update = fake_max.send_file(anna, "roadmap.docx", b"docx bytes", caption="дорожная карта")
    converted = max_front.session.converter.convert(update)[0]["message"]
    assert converted["caption"] == "дорожная карта" and converted["document"]["file_name"] == "roadmap.docx"
    data = await max_front.bot.download(converted["document"]["file_id"])
    assert data is not None and data.read() == b"docx bytes"


async def test_copy_message_resends_text_with_formatting_and_files(max_front: MaxFrontEnd, fake_max: FakeMax) -> None:
    coordinator = fake_max.person(5_000_002, "Галина")
    fake_max.person(ANNA)
    sent = await max_front.bot.send_message(coordinator.user_id, "Всем: <b>педсовет</b> <a href=\"https://x.ru\">тут</a>")
    copy = await max_front.bot.copy_message(ANNA, coordinator.user_id, sent.message_id)
    resent = fake_max.sent_to(ANNA)[-1]
    assert resent.text == "Всем: педсовет тут" and resent.raw == 'Всем: <b>педсовет</b> <a href="https://x.ru">тут</a>'
    assert copy.message_id == fake_max.messages[resent.mid]["body"]["seq"]
    update = fake_max.send_file(coordinator, "plan.pdf", b"%PDF", caption="План")
    message = max_front.session.converter.convert(update)[0]["message"]
    await max_front.bot.copy_message(ANNA, coordinator.user_id, message["message_id"])
    resent = fake_max.sent_to(ANNA)[-1]
    assert resent.text == "План" and resent.attachments[0]["filename"] == "plan.pdf"


async def test_answers_need_a_notification_or_the_message(max_front: MaxFrontEnd, fake_max: FakeMax) -> None:
    anna = fake_max.person(ANNA)
    await max_front.bot.send_message(ANNA, "Анонс", reply_markup=KEYBOARD)
    query = max_front.session.converter.convert(fake_max.tap(anna, "Пойду"))[0]["callback_query"]
    assert query["data"] == "rsvp:12:y" and query["message"]["chat"]["id"] == ANNA
    assert await max_front.bot.answer_callback_query(query["id"], "Вы записаны") is True
    assert fake_max.calls_to("POST", "/answers")[-1].body == {"notification": "Вы записаны"}
    second = max_front.session.converter.convert(fake_max.tap(anna, "Не смогу"))[0]["callback_query"]
    await max_front.bot.answer_callback_query(second["id"])  # an empty answer re-sends the message as it is
    assert fake_max.calls_to("POST", "/answers")[-1].body["message"]["text"] == "Анонс"
    assert fake_max.unanswered() == []


async def test_max_errors_become_the_exceptions_the_sender_understands(max_bot: MaxBot, fake_max: FakeMax) -> None:
    fake_max.stopped.add(ANNA)
    with pytest.raises(TelegramForbiddenError) as blocked:
        await max_bot.send_message(ANNA, "x")
    assert isinstance(classify(blocked.value), Blocked)
    fake_max.stopped.clear()
    fake_max.flood(3)
    with pytest.raises(TelegramRetryAfter) as flood:
        await max_bot.send_message(ANNA, "x")
    assert flood.value.retry_after >= 1 and isinstance(classify(flood.value), RetryAfter)
    fake_max.flood_until = 0
    fake_max.fail_rate = 1.0
    with pytest.raises(TelegramServerError) as failed:
        await max_bot.send_message(ANNA, "x")
    assert isinstance(classify(failed.value), Transient)
    fake_max.fail_rate = 0
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await max_bot.send_message(5_999_999, "x")  # nobody the fake knows


async def test_limits_answer_429_and_a_dropped_answer_is_a_network_error(harness, max_settings) -> None:
    from aiogram.exceptions import TelegramNetworkError

    async with FakeMax(limits=True) as fake:
        settings = max_settings.model_copy(update={"max_api_url": fake.base_url,
                                                   "max_bot_token": SecretStr(fake.token)})
        anna = fake.person(ANNA)
        bot = build_max_bot(settings, harness.app.sessionmaker)
        try:
            await bot.send_message(ANNA, "1")
            await bot.send_message(ANNA, "2")
            with pytest.raises(TelegramRetryAfter):  # MAX: two messages a second per dialog
                await bot.send_message(ANNA, "3")
            assert fake.stats.over_limit == 1
            fake.drop_answer_rate = 1.0
            tap = bot.max_session.converter.convert(fake.tap(anna, payload="x"))[0]["callback_query"]
            with pytest.raises(TelegramNetworkError):
                await bot.answer_callback_query(tap["id"], "Готово")
            assert fake.stats.dropped_answers == 1
        finally:
            await bot.session.close()


async def test_commands_are_set_once_in_the_default_language(max_bot: MaxBot, fake_max: FakeMax) -> None:
    assert await max_bot.set_my_commands([BotCommand(command="menu", description="Главное меню")])
    assert await max_bot.set_my_commands([BotCommand(command="menu", description="Main menu")], language_code="en")
    assert fake_max.commands == [{"name": "menu", "description": "Главное меню"}]


async def test_long_polling_feeds_the_dispatcher_and_stops_on_request(max_front: MaxFrontEnd,
                                                                      fake_max: FakeMax) -> None:
    anna = fake_max.person(ANNA)
    stop = asyncio.Event()
    polling = asyncio.create_task(max_front.poll(stop))
    fake_max.start(anna)
    reply = await fake_max.wait_for(lambda s: "Сетевой наставник" in s.text, user_id=ANNA)
    assert reply.buttons
    stop.set()
    await asyncio.wait_for(polling, 5)
    assert fake_max.calls_to("GET", "/updates")[0].params["types"].startswith("message_created")


async def test_the_webhook_refuses_requests_without_the_secret(harness, max_settings, fake_max: FakeMax,
                                                              unused_tcp_port: int) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/max"
    settings = max_settings.model_copy(update={"max_webhook_url": url,
                                               "max_webhook_secret": SecretStr("s3cret-hook")})
    front = MaxFrontEnd(settings, harness.app.dispatcher, harness.app.sessionmaker)
    web_app = web.Application()
    front.add_webhook(web_app, "/max")
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        async with ClientSession() as http:
            async with http.post(url, json={"update_type": "bot_started"}) as response:
                assert response.status == 403
            async with http.post(url, json={}, headers={"X-Max-Bot-Api-Secret": "wrong"}) as response:
                assert response.status == 403
        await front.subscribe()
        assert fake_max.subscriptions[0]["secret"] == "s3cret-hook"
        fake_max.start(fake_max.person(ANNA))  # the fake POSTs it with the secret
        await fake_max.wait_for(lambda s: "Сетевой наставник" in s.text, user_id=ANNA)
    finally:
        await front.wait_idle(5)
        await front.close()
        await runner.cleanup()


async def test_a_group_chat_is_answered_in_the_group_and_the_bots_own_messages_are_skipped(
        max_front: MaxFrontEnd, fake_max: FakeMax) -> None:
    update = {"update_type": "message_created", "timestamp": 1, "message": {
        "sender": {"user_id": ANNA, "first_name": "Анна", "is_bot": False},
        "recipient": {"chat_id": 71_000_123, "chat_type": "chat"}, "timestamp": 1,
        "body": {"mid": "mid.g1", "seq": 77, "text": "/menu"}}}
    message = max_front.session.converter.convert(update)[0]["message"]
    assert message["chat"] == {"id": -71_000_123, "type": "group", "title": "MAX"}
    with pytest.raises(TelegramBadRequest):  # the fake keeps dialogs only: it names what it was asked
        await max_front.bot.send_message(message["chat"]["id"], "Напишите мне в личные сообщения")
    assert fake_max.calls_to("POST", "/messages")[-1].params == {"chat_id": "71000123"}
    own = {**update, "message": {**update["message"], "sender": {"user_id": 1, "first_name": "Бот", "is_bot": True}}}
    assert max_front.session.converter.convert(own) == []
