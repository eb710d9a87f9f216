"""The loopback MAX API checked against `maxapi`, the MAX client most bots use: if its own client can talk to
the fake, the fake speaks MAX's protocol (paths, query parameters, bodies, answers, error shapes)."""
from __future__ import annotations

import pytest
from maxapi import Bot
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import MaxApiError
from maxapi.types import CallbackButton, LinkButton
from maxapi.types.input_media import InputMediaBuffer
from maxapi.utils.inline_keyboard import InlineKeyboardBuilder

from tests.fakes.max_api import FakeMax

ANNA = 5_000_001


@pytest.fixture
async def client(fake_max: FakeMax):  # type: ignore[no-untyped-def]
    bot = Bot(fake_max.token, auto_requests=False, after_input_media_delay=0, after_upload_retry_delay=0.05)
    bot.set_api_url(fake_max.base_url)
    yield bot
    await bot.close_session()


async def test_maxapi_sends_edits_answers_and_deletes_against_the_fake(client: Bot, fake_max: FakeMax) -> None:
    anna = fake_max.person(ANNA, "Анна")
    me = await client.get_me()
    assert me.username == "nastavnik_bot" and me.is_bot

    builder = InlineKeyboardBuilder()
    builder.row(CallbackButton(text="Пойду", payload="rsvp:1:y"), LinkButton(text="Сайт", url="https://x.ru"))
    sent = await client.send_message(user_id=ANNA, text="<b>Семинар</b>", format="html",
                                     attachments=[builder.as_markup()])
    assert sent is not None and sent.message.body.text == "Семинар"
    assert sent.message.body.markup[0].type == "strong"
    assert fake_max.sent_to(ANNA)[-1].button_texts == ["Пойду", "Сайт"]

    fake_max.type(anna, "привет")
    updates = await client.get_updates(timeout=1)
    assert [u["update_type"] for u in updates["updates"]] == ["message_created"]
    assert updates["updates"][0]["message"]["body"]["text"] == "привет"
    assert (await client.get_updates(marker=updates["marker"], timeout=0))["updates"] == []  # confirmed

    fake_max.tap(anna, "Пойду")
    tap = (await client.get_updates(timeout=1))["updates"][0]
    assert tap["callback"]["payload"] == "rsvp:1:y"
    answered = await client.send_callback(callback_id=tap["callback"]["callback_id"], notification="Вы записаны")
    assert answered.success and fake_max.unanswered() == []

    mid = sent.message.body.mid
    edited = await client.edit_message(message_id=mid, text="Семинар перенесён")
    assert edited is not None and edited.success
    assert (await client.get_message(mid)).body.text == "Семинар перенесён"
    assert (await client.delete_message(mid)).success


async def test_maxapi_uploads_a_file_through_the_two_steps_and_retries_while_not_ready(client: Bot,
                                                                                       fake_max: FakeMax) -> None:
    fake_max.person(ANNA)
    fake_max.not_ready_times = 1
    sent = await client.send_message(user_id=ANNA, text="Отчёт",
                                     attachments=[InputMediaBuffer(b"%PDF-1.4 report", "otchet.pdf",
                                                                   type=UploadType.FILE)])
    assert sent is not None
    assert fake_max.stats.not_ready == 1
    attachment = fake_max.sent_to(ANNA)[-1].attachments[0]
    assert attachment["type"] == "file" and attachment["filename"].startswith("otchet")


async def test_maxapi_sees_the_fakes_errors_in_maxs_shape(client: Bot, fake_max: FakeMax) -> None:
    fake_max.person(ANNA)
    fake_max.stopped.add(ANNA)
    with pytest.raises(MaxApiError) as denied:
        await client.send_message(user_id=ANNA, text="x")
    assert denied.value.code == 403 and denied.value.raw["code"] == "chat.denied"
    fake_max.stopped.clear()
    with pytest.raises(MaxApiError) as empty:
        await client.send_message(user_id=ANNA)  # neither text nor attachments
    assert empty.value.code == 400 and empty.value.raw["code"] == "proto.payload"
