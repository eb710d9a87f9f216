"""The fake Bot API behaves like Telegram as far as aiogram can tell."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)

from tests.fakes.fixtures import fake_bot, fake_telegram  # noqa: F401  (fixtures)
from tests.fakes.formatting import parse_text
from tests.fakes.limits import LimitConfig, RateLimiter, SlidingWindow, TokenBucket
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram, Sent
from tests.fakes.updates import UpdateFactory

REPO = Path(__file__).resolve().parents[1]


def kb(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=d[:10] or "x", callback_data=d)] for d in datas])


# ---------------------------------------------------------------- basics


async def test_send_message_is_recorded_and_returns_message(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    msg = await fake_bot.send_message(42, "<b>Привет</b>, наставник!", parse_mode="HTML", reply_markup=kb("go"))

    assert isinstance(msg, Message)
    assert msg.chat.id == 42 and msg.chat.type == "private"
    assert msg.from_user and msg.from_user.is_bot and msg.from_user.username == "test_nastavnik_bot"
    assert msg.text == "Привет, наставник!"  # entities parsed out, like Telegram
    assert msg.entities and msg.entities[0].type == "bold" and msg.entities[0].length == 6
    assert msg.reply_markup and msg.reply_markup.inline_keyboard[0][0].callback_data == "go"

    sent = fake_telegram.last_to(42)
    assert sent is not None and sent.method == "sendMessage"
    assert sent.text == "<b>Привет</b>, наставник!" and sent.plain_text == "Привет, наставник!"
    assert sent.message_id == msg.message_id
    assert sent.buttons == [{"text": "go", "callback_data": "go"}]
    assert fake_telegram.stats.sent == 1

    second = await fake_bot.send_message(42, "ещё")
    assert second.message_id == msg.message_id + 1
    group = await fake_bot.send_message(-100500, "группа")
    assert group.chat.type == "supergroup" and group.message_id == 1
    assert [s.text for s in fake_telegram.sent_to(42)] == ["<b>Привет</b>, наставник!", "ещё"]


async def test_get_me_uses_token_prefix(fake_telegram: FakeTelegram) -> None:
    bot = fake_telegram.make_bot("987654:OTHER-token")
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()
    assert me.id == 987654 and me.username == "test_nastavnik_bot" and me.can_join_groups


async def test_raw_envelope_methods_case_insensitive_and_body_formats(fake_telegram: FakeTelegram) -> None:
    base = f"{fake_telegram.base_url}/bot{fake_telegram.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/SENDMESSAGE", json={"chat_id": 7, "text": "json"}) as r:
            body = await r.json()
            assert r.status == 200 and body["ok"] is True and body["result"]["text"] == "json"
        markup = '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}'
        async with http.post(f"{base}/sendmessage", data={"chat_id": "7", "text": "42", "reply_markup": markup}) as r:
            body = await r.json()
            assert body["result"]["text"] == "42"  # text stays a string
            assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
        async with http.post(f"{base}/sendMessage", json={"chat_id": 7, "text": ""}) as r:
            assert r.status == 400
            assert await r.json() == {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        async with http.get(f"{base}/noSuchMethod") as r:
            assert r.status == 404 and (await r.json())["ok"] is False
        async with http.get(f"{fake_telegram.base_url}/botnot-a-token/getMe") as r:
            assert r.status == 401
    assert fake_telegram.sent_to(7)[0].params == {"chat_id": 7, "text": "json"}
    assert fake_telegram.sent_to(7)[1].reply_markup == {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}


async def test_multipart_upload_get_file_and_download(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    doc = await fake_bot.send_document(5, BufferedInputFile(b"%PDF-1.4 fake", filename="plan.pdf"), caption="План")
    assert doc.document and doc.document.file_name == "plan.pdf" and doc.caption == "План"
    photo = await fake_bot.send_photo(5, BufferedInputFile(b"\x89PNG", filename="p.png"), reply_markup=kb("like"))
    assert photo.photo and photo.photo[-1].file_id
    voice = await fake_bot.send_voice(5, BufferedInputFile(b"OggS", filename="v.ogg"), duration=2)
    assert voice.voice and voice.voice.duration == 2
    again = await fake_bot.send_document(6, doc.document.file_id)  # resend by file_id
    assert again.document and again.document.file_id == doc.document.file_id

    file = await fake_bot.get_file(doc.document.file_id)
    assert file.file_path and file.file_size == len(b"%PDF-1.4 fake")
    data = await fake_bot.download_file(file.file_path)
    assert data is not None and data.read() == b"%PDF-1.4 fake"

    unknown = await fake_bot.get_file("some-id-from-a-built-update")
    assert unknown.file_path
    assert [s.method for s in fake_telegram.sent_to(5)] == ["sendDocument", "sendPhoto", "sendVoice"]

    album = await fake_bot.send_media_group(
        12,
        [
            InputMediaPhoto(media=BufferedInputFile(b"one", filename="1.jpg"), caption="<b>Отчёт</b>", parse_mode="HTML"),
            InputMediaPhoto(media=photo.photo[-1].file_id),
        ],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption == "Отчёт" and album[1].message_id == album[0].message_id + 1
    assert [s.message_id for s in fake_telegram.sent_to(12)] == [m.message_id for m in album]


async def test_edit_copy_forward_delete_and_not_modified(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.limits.enabled = False  # edits count towards the per-chat limit
    msg = await fake_bot.send_message(9, "Шаг 1", reply_markup=kb("next"))
    edited = await fake_bot.edit_message_text("Шаг 2", chat_id=9, message_id=msg.message_id, reply_markup=kb("next"))
    assert isinstance(edited, Message) and edited.text == "Шаг 2" and edited.edit_date

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await fake_bot.edit_message_text("Шаг 2", chat_id=9, message_id=msg.message_id, reply_markup=kb("next"))
    # Omitting reply_markup removes the keyboard, so this is a modification.
    no_kb = await fake_bot.edit_message_text("Шаг 2", chat_id=9, message_id=msg.message_id)
    assert isinstance(no_kb, Message) and no_kb.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await fake_bot.edit_message_reply_markup(chat_id=9, message_id=msg.message_id)

    copied = await fake_bot.copy_message(10, from_chat_id=9, message_id=msg.message_id)
    assert fake_telegram.last_to(10).text == "Шаг 2" and copied.message_id == 1
    fwd = await fake_bot.forward_message(11, from_chat_id=9, message_id=msg.message_id)
    assert fwd.text == "Шаг 2" and fwd.forward_origin is not None

    assert await fake_bot.delete_message(9, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await fake_bot.edit_message_text("Шаг 3", chat_id=9, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await fake_bot.delete_message(9, msg.message_id)

    # Unknown (never seen) messages are editable unless strict_messages is on.
    ok = await fake_bot.edit_message_text("from before the restart", chat_id=9, message_id=777)
    assert isinstance(ok, Message) and ok.message_id == 777
    fake_telegram.strict_messages = True
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await fake_bot.edit_message_text("x", chat_id=9, message_id=778)


async def test_commands_webhook_info_menu_and_chat(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, MenuButtonCommands

    await fake_bot.set_my_commands([BotCommand(command="start", description="Начать")])
    await fake_bot.set_my_commands(
        [BotCommand(command="help", description="Помощь")], scope=BotCommandScopeAllPrivateChats(), language_code="ru"
    )
    assert [c.command for c in await fake_bot.get_my_commands()] == ["start"]
    assert fake_telegram.commands({"type": "all_private_chats"}, "ru") == [{"command": "help", "description": "Помощь"}]
    await fake_bot.delete_my_commands()
    assert await fake_bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await fake_bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])

    assert await fake_bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert fake_telegram.menu_buttons[None] == {"type": "commands"}

    info = await fake_bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    chat = await fake_bot.get_chat(-1001)
    assert chat.type == "supergroup"
    assert await fake_bot.send_chat_action(3, "typing")
    assert fake_telegram.sent == []  # chat actions are not messages
    assert await fake_bot.close() and await fake_bot.log_out()


async def test_strict_chats(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.strict_chats = True
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await fake_bot.send_message(31337, "hi")
    fake_telegram.push_update(fake_telegram.updates.message(31337, "привет"))
    assert (await fake_bot.send_message(31337, "hi")).chat.first_name == "Тест"


# ---------------------------------------------------------------- validation


async def test_callback_data_longer_than_64_bytes_is_rejected(fake_bot: Bot) -> None:
    await fake_bot.send_message(1, "ok", reply_markup=kb("я" * 32))  # 64 bytes in UTF-8
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await fake_bot.send_message(1, "too long", reply_markup=kb("ok", "я" * 33))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await fake_bot.send_message(1, "x", reply_markup=kb("a" * 65))


async def test_html_length_and_entity_rules(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    body = "ж" * 4096
    ok = await fake_bot.send_message(1, f"<b>{body[:10]}</b>{body[10:]}", parse_mode="HTML")
    assert len(ok.text or "") == 4096  # tags do not count
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await fake_bot.send_message(1, body + "ж")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await fake_bot.send_message(1, f"<i>{body}ж</i>", parse_mode="HTML")
    escaped = await fake_bot.send_message(1, "&lt;" * 4096, parse_mode="HTML")  # 4096 chars after parsing
    assert escaped.text == "<" * 4096

    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await fake_bot.send_message(1, "<b>незакрыт", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br"'):
        await fake_bot.send_message(1, "строка<br>строка", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await fake_bot.send_message(1, "5 < 6 школ", parse_mode="HTML")  # unescaped user input
    with pytest.raises(TelegramBadRequest, match="Unmatched end tag"):
        await fake_bot.send_message(1, "<b><i>x</b></i>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await fake_bot.send_message(1, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await fake_bot.send_photo(1, "photo-id", caption="к" * 1025)
    assert fake_telegram.stats.bad_request_400 == 8


def test_parse_text_details() -> None:
    text, ents = parse_text('<a href="https://x.ru/?a=1&amp;b=2">ссылка</a> и <pre><code class="language-python">x</code></pre>', "HTML")
    assert text == "ссылка и x"
    assert ents[0] == {"type": "text_link", "offset": 0, "length": 6, "url": "https://x.ru/?a=1&b=2"}
    assert ents[1] == {"type": "pre", "offset": 9, "length": 1, "language": "python"}
    assert parse_text("😀 <b>ok</b>", "HTML")[1] == [{"type": "bold", "offset": 3, "length": 2}]  # UTF-16 offsets
    assert parse_text("*жирный* и \\.", "MarkdownV2")[0] == "жирный и ."
    with pytest.raises(ValueError, match="reserved"):
        parse_text("Версия 1.0", "MarkdownV2")


# ---------------------------------------------------------------- faults


async def test_flood_wait_raises_retry_after(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.flood_wait(7)
    with pytest.raises(TelegramRetryAfter) as exc:
        await fake_bot.send_message(1, "hi")
    assert exc.value.retry_after == 7
    assert (await fake_bot.get_me()).id  # only send-like calls are refused
    assert fake_telegram.stats.flood_429 == 1 and fake_telegram.stats.over_limit == 0
    fake_telegram.flood_wait(0)
    await fake_bot.send_message(1, "hi")


async def test_blocked_and_deactivated_raise_forbidden(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.blocked.add(100)
    fake_telegram.deactivated.add(200)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await fake_bot.send_message(100, "hi")
    with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
        await fake_bot.send_message(200, "hi")
    assert fake_telegram.stats.blocked_403 == 2 and fake_telegram.sent == []

    # A my_chat_member kicked→member update means the user unblocked the bot.
    fake_telegram.push_update(fake_telegram.updates.bot_unblocked(100))
    await fake_bot.send_message(100, "welcome back")
    fake_telegram.push_update(fake_telegram.updates.bot_blocked(100))
    assert 100 in fake_telegram.blocked


async def test_fail_rate_raises_server_error(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.fail_rate = 1.0
    with pytest.raises(TelegramServerError):
        await fake_bot.send_message(1, "hi")
    assert fake_telegram.sent == [] and fake_telegram.stats.failed_500 == 1
    assert (await fake_bot.get_me()).id  # not send-like


async def test_fail_rate_is_deterministic() -> None:
    async def outcomes(seed: int) -> list[int]:
        async with FakeTelegram(fail_rate=0.5, seed=seed, limits=False) as fake:
            bot = fake.make_bot()
            result = []
            for i in range(20):
                try:
                    await bot.send_message(i + 1, "x")
                    result.append(1)
                except TelegramServerError:
                    result.append(0)
            await bot.session.close()
            return result

    first, second = await outcomes(3), await outcomes(3)
    assert first == second and 0 < sum(first) < 20


async def test_drop_gives_network_error_but_message_is_recorded(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.drop_rate = 1.0
    with pytest.raises(TelegramNetworkError):
        await fake_bot.send_message(5, "доставлено, но ответ потерян")
    assert fake_telegram.last_to(5).text == "доставлено, но ответ потерян"
    assert fake_telegram.stats.dropped == 1
    fake_telegram.drop_rate = 0.0
    assert (await fake_bot.send_message(5, "дальше")).message_id == 2  # connection recovers


async def test_latency(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.latency = 0.2
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await fake_bot.get_me()
    assert loop.time() - t0 >= 0.19


# ---------------------------------------------------------------- limits


async def test_private_chat_limit_after_burst(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.limits.private_per_second = 0.5  # slow refill keeps the test stable on a busy machine
    for i in range(3):  # burst allowance
        await fake_bot.send_message(77, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as exc:
        await fake_bot.send_message(77, "too fast")
    assert exc.value.retry_after >= 1
    assert fake_telegram.stats.over_limit == 1
    await fake_bot.send_message(78, "another chat is fine")
    await fake_bot.answer_callback_query("cbq-1")  # does not count
    await asyncio.sleep(exc.value.retry_after + 0.05)
    await fake_bot.send_message(77, "after the advertised wait")
    assert len(fake_telegram.sent_to(77)) == 4


async def test_global_limit_30_per_second(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    async def send(chat_id: int) -> bool:
        try:
            await fake_bot.send_message(chat_id, "рассылка")
            return True
        except TelegramRetryAfter:
            return False

    loop = asyncio.get_running_loop()
    t0 = loop.time()
    results = await asyncio.gather(*(send(1000 + i) for i in range(40)))
    if loop.time() - t0 < 1.0:  # a very slow machine would see the window move on
        assert sum(results) == 30
    assert fake_telegram.stats.over_limit == 40 - sum(results) > 0
    assert fake_telegram.stats.sent == sum(results)


async def test_group_limit_20_per_minute(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.limits.global_per_second = 1000
    for i in range(20):
        await fake_bot.send_message(-100123, f"g{i}")
    with pytest.raises(TelegramRetryAfter) as exc:
        await fake_bot.send_message(-100123, "21st")
    assert 1 <= exc.value.retry_after <= 60


async def test_limits_can_be_disabled(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.limits.enabled = False
    await asyncio.gather(*(fake_bot.send_message(5, str(i)) for i in range(40)))
    assert fake_telegram.stats.over_limit == 0 and fake_telegram.stats.sent == 40


def test_limit_primitives_with_manual_clock() -> None:
    bucket = TokenBucket(3, 1.0, now=0.0)
    for _ in range(3):
        assert bucket.wait_time(0.0) == 0
        bucket.take(0.0)
    assert bucket.wait_time(0.0) == pytest.approx(1.0)
    assert bucket.wait_time(0.5) == pytest.approx(0.5)
    assert bucket.wait_time(1.0) == 0

    window = SlidingWindow(2, 1.0)
    window.add(0.0)
    window.add(0.3)
    assert window.wait_time(0.5) == pytest.approx(0.5)
    assert window.wait_time(1.01) == 0

    limiter = RateLimiter(LimitConfig(global_per_second=100, private_burst=1, private_per_second=1.0))
    assert limiter.acquire(1, now=0.0) == 0
    assert limiter.acquire(1, now=0.1) == pytest.approx(0.9)
    assert limiter.acquire(1, now=1.0) == 0  # a refused attempt consumed nothing


# ---------------------------------------------------------------- updates


async def test_long_polling_returns_pushed_updates_and_honours_offset(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    poll = asyncio.create_task(fake_bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()  # long polling waits
    t0 = loop.time()
    first_id = fake_telegram.push_update(fake_telegram.updates.command(42, "/start", "invite-1"))
    updates = await poll
    assert loop.time() - t0 < 1
    assert [u.update_id for u in updates] == [first_id]
    assert updates[0].message and updates[0].message.text == "/start invite-1"

    # Not confirmed yet: delivered again (this is what survives a bot crash).
    assert [u.update_id for u in await fake_bot.get_updates(timeout=0)] == [first_id]
    second_id = fake_telegram.push_update(fake_telegram.updates.message(42, "привет"))
    third_id = fake_telegram.push_update(fake_telegram.updates.callback(42, "menu:1"))
    assert [u.update_id for u in await fake_bot.get_updates(offset=first_id + 1, limit=1)] == [second_id]
    assert [u.update_id for u in await fake_bot.get_updates(offset=second_id + 1)] == [third_id]
    assert await fake_bot.get_updates(offset=third_id + 1, timeout=0) == []
    assert fake_telegram.pending_updates == []

    # allowed_updates filters what is delivered.
    fake_telegram.push_update(fake_telegram.updates.message(42, "skip me"))
    cb_id = fake_telegram.push_update(fake_telegram.updates.callback(42, "x"))
    got = await fake_bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    assert [u.update_id for u in got] == [cb_id]

    t0 = loop.time()
    assert await fake_bot.get_updates(offset=cb_id + 1, timeout=1) == []
    assert loop.time() - t0 >= 0.9  # honours timeout
    assert len(fake_telegram.calls_of("getUpdates")) == 7


async def test_updates_pushed_out_of_order_are_renumbered(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    built = [fake_telegram.updates.message(100 + i, f"m{i}") for i in range(6)]
    ids = fake_telegram.push_updates(list(reversed(built)))  # e.g. a shuffled burst
    assert ids == sorted(ids) and len(set(ids)) == 6  # Telegram numbers updates on arrival
    seen: list[str] = []
    offset = 0
    while len(seen) < 6:
        batch = await fake_bot.get_updates(offset=offset, limit=4, timeout=0)
        assert batch
        seen += [u.message.text for u in batch]  # type: ignore[union-attr]
        offset = batch[-1].update_id + 1
    assert seen == [f"m{i}" for i in reversed(range(6))]
    assert fake_telegram.stats.updates_delivered == 6


async def test_second_poller_conflicts_the_first(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    first = asyncio.create_task(fake_bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(fake_bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


def test_update_factory_builds_valid_updates() -> None:
    f = UpdateFactory()
    built = [
        f.message(1, "hi", username="ivan"),
        f.command(1, "/start", "ref-7"),
        f.callback(1, "role:mentor"),
        f.edited_message(1, "hi!"),
        f.sticker(1),
        f.photo(1, caption="фото"),
        f.document(1, file_name="plan.docx"),
        f.contact(1, "+79001234567"),
        f.voice(1),
        f.group_message(-100777, 1, "всем привет"),
        f.my_chat_member(1, old="member", new="kicked"),
        f.my_chat_member(1, old="kicked", new="member"),
        f.my_chat_member(1, chat_id=-100777, old="left", new="administrator"),
    ]
    ids = [u["update_id"] for u in built]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    parsed = [Update.model_validate(u) for u in built]
    assert parsed[1].message.entities[0].type == "bot_command"  # type: ignore[union-attr]
    assert parsed[2].callback_query.message.message_id  # type: ignore[union-attr]
    assert parsed[3].edited_message.message_id == parsed[1].message.message_id  # type: ignore[union-attr]
    assert parsed[9].message.chat.type == "supergroup"  # type: ignore[union-attr]
    assert parsed[10].my_chat_member.new_chat_member.status == "kicked"  # type: ignore[union-attr]
    assert parsed[7].message.contact.user_id == 1  # type: ignore[union-attr]


async def test_bound_factory_shares_message_ids_with_bot_messages(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    fake_telegram.push_update(fake_telegram.updates.message(42, "привет"))  # id 1
    menu = await fake_bot.send_message(42, "Меню", reply_markup=kb("a"))
    assert menu.message_id == 2
    cb = fake_telegram.updates.callback(42, "a")  # pressed on the bot's last message
    assert cb["callback_query"]["message"]["message_id"] == 2
    assert cb["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


async def test_dispatcher_end_to_end_over_polling(fake_telegram: FakeTelegram) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Здравствуйте! Выберите роль:", reply_markup=kb("role:mentor"))

    @dp.callback_query(F.data.startswith("role:"))
    async def role(query: CallbackQuery) -> None:
        await query.answer("Готово")
        assert query.message is not None
        await query.message.edit_text("Роль: наставник")

    bot = fake_telegram.make_bot()
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        fake_telegram.push_update(fake_telegram.updates.command(501, "/start"))
        menu = await fake_telegram.wait_for(lambda s: s.method == "sendMessage", chat_id=501)
        assert menu.buttons[0]["callback_data"] == "role:mentor"
        fake_telegram.push_update(fake_telegram.updates.callback(501, "role:mentor"))
        edited = await fake_telegram.wait_for(lambda s: s.method == "editMessageText", since=menu.seq)
        assert edited.message_id == menu.message_id and edited.text == "Роль: наставник"
        assert fake_telegram.calls_of("answerCallbackQuery")[0].params["text"] == "Готово"
    finally:
        await dp.stop_polling()
        await polling


async def test_wait_for_times_out(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(TimeoutError):
        await fake_telegram.wait_for(lambda s: True, timeout=0.2)


async def test_answer_callback_only_once(fake_bot: Bot) -> None:
    assert await fake_bot.answer_callback_query("q1", text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await fake_bot.answer_callback_query("q1")


# ---------------------------------------------------------------- webhook


async def _webhook_receiver(reply: dict | None = None) -> tuple[web.AppRunner, str, list]:
    received: list = []

    async def handler(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if reply is not None:
            return web.json_response(reply)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/hook", received


async def test_post_to_webhook_sends_secret_header_and_runs_reply(fake_telegram: FakeTelegram) -> None:
    reply = {"method": "sendMessage", "chat_id": 42, "text": "ответ из вебхука"}
    runner, url, received = await _webhook_receiver(reply)
    try:
        update = fake_telegram.updates.message(42, "hi")
        status = await fake_telegram.post_to_webhook(url, update, secret_token="s3cret")
        assert status == 200
        assert received == [("s3cret", update)]
        assert fake_telegram.last_to(42).text == "ответ из вебхука"
        assert fake_telegram.calls[-1].via == "webhook-reply"
    finally:
        await runner.cleanup()
    assert await fake_telegram.post_to_webhook(url, update) == 0  # receiver gone: network error


async def test_set_webhook_delivers_pushed_updates(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    runner, url, received = await _webhook_receiver()
    try:
        assert await fake_bot.set_webhook(url, secret_token="tok_1", allowed_updates=["message"])
        with pytest.raises(TelegramConflictError):
            await fake_bot.get_updates(timeout=0)
        uid = fake_telegram.push_update(fake_telegram.updates.message(8, "через вебхук"))
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        assert received and received[0][0] == "tok_1" and received[0][1]["update_id"] == uid
        info = await fake_bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert await fake_bot.delete_webhook()
        assert (await fake_bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


async def test_aiogram_webhook_handler_reply_is_executed(fake_telegram: FakeTelegram) -> None:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> object:
        return message.answer(f"эхо: {message.text}")  # returned, not awaited: a webhook reply

    bot = fake_telegram.make_bot()
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="hook_secret", handle_in_background=False).register(app, path="/tg")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="hook_secret")
        fake_telegram.push_update(fake_telegram.updates.message(64, "привет"))
        reply = await fake_telegram.wait_for(chat_id=64)
        assert reply.text == "эхо: привет" and fake_telegram.calls_of("sendMessage")[0].via == "webhook-reply"
        assert fake_telegram.stats.webhook_errors == 0
    finally:
        await runner.cleanup()
        await bot.session.close()


# ---------------------------------------------------------------- control API / separate process


async def test_control_api_over_http(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    base = fake_telegram.base_url
    async with aiohttp.ClientSession() as http:
        update = fake_telegram.updates.message(55, "raw")
        async with http.post(f"{base}/_control/updates", json=[update, {"_build": "command", "user_id": 55, "command": "/help"}]) as r:
            ids = (await r.json())["update_ids"]
        got = await fake_bot.get_updates(timeout=0)
        assert [u.update_id for u in got] == ids and got[1].message.text == "/help"  # type: ignore[union-attr]

        await fake_bot.send_message(55, "первое")
        async with http.get(f"{base}/_control/sent", params={"chat_id": "55"}) as r:
            body = await r.json()
            assert [s["text"] for s in body["sent"]] == ["первое"]
            since = body["last_seq"]

        async def later() -> None:
            await asyncio.sleep(0.2)
            await fake_bot.send_message(55, "второе")

        task = asyncio.create_task(later())
        async with http.get(f"{base}/_control/wait_sent", params={"chat_id": "55", "since": str(since), "timeout": "3"}) as r:
            assert (await r.json())["sent"]["text"] == "второе"
        await task
        async with http.get(f"{base}/_control/sent", params={"chat_id": "55", "since": str(since)}) as r:
            assert [s["text"] for s in (await r.json())["sent"]] == ["второе"]

        faults = {"blocked": [55], "fail_rate": 0.0, "limits": False, "flood_wait": 0}
        async with http.post(f"{base}/_control/faults", json=faults) as r:
            assert (await r.json())["faults"]["blocked"] == [55]
        assert fake_telegram.limits.enabled is False
        with pytest.raises(TelegramForbiddenError):
            await fake_bot.send_message(55, "x")
        async with http.post(f"{base}/_control/faults", json={"flood_wait": 3}) as r:
            assert (await r.json())["faults"]["flood_wait"] > 2
        with pytest.raises(TelegramRetryAfter):
            await fake_bot.send_message(1, "x")

        async with http.get(f"{base}/_control/stats") as r:
            stats = (await r.json())["stats"]
            assert stats["sent"] == 2 and stats["blocked_403"] == 1 and stats["flood_429"] == 1
        async with http.get(f"{base}/_control/calls", params={"method": "getupdates"}) as r:
            assert len((await r.json())["calls"]) == 1

        async with http.post(f"{base}/_control/reset") as r:
            assert (await r.json())["ok"]
        assert fake_telegram.sent == [] and fake_telegram.blocked == set() and fake_telegram.limits.enabled
        assert fake_telegram.stats.requests == 0 and fake_telegram.flood_remaining == 0
        await fake_bot.send_message(55, "после сброса")


async def test_standalone_process_serves_until_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--no-limits", "--fail-rate", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20)
        base_url = line.strip()
        assert base_url.startswith("http://127.0.0.1:")
        # What the bot does with BOT_API_URL when the fake is another process.
        bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
        try:
            for i in range(10):
                await bot.send_message(9, f"m{i}")  # --no-limits: no 429
        finally:
            await bot.session.close()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base_url}/_control/stats") as r:
                assert (await r.json())["stats"]["sent"] == 10
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.to_thread(proc.communicate, timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    assert proc.returncode == 0, err


async def test_sent_record_shape(fake_telegram: FakeTelegram, fake_bot: Bot) -> None:
    await fake_bot.send_message(3, "x")
    s = fake_telegram.sent[0]
    assert isinstance(s, Sent)
    assert set(s.to_dict()) >= {"method", "chat_id", "text", "caption", "reply_markup", "params", "message_id", "ts"}
