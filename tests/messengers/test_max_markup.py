"""Keyboards Telegram takes and MAX would refuse are reshaped by the transport, checked by the loopback MAX API."""
from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messengers.max.markup import keyboard_attachment
from tests.fakes.max_api import FakeMax


def test_long_rows_wrap_and_long_labels_are_cut_so_max_takes_the_keyboard() -> None:
    eight = [InlineKeyboardButton(text=str(n), callback_data=f"v:{n}") for n in range(8)]  # Telegram's row of 8
    links = [InlineKeyboardButton(text=f"Ссылка {n}", url=f"https://example.org/{n}") for n in range(4)]
    long_label = InlineKeyboardButton(text="Ш" * 200, callback_data="school:1")
    attachment = keyboard_attachment(InlineKeyboardMarkup(inline_keyboard=[eight, links, [long_label]]))
    assert attachment is not None
    rows = attachment["payload"]["buttons"]
    assert [[b["text"] for b in row] for row in rows[:2]] == [[str(n) for n in range(7)], ["7"]]
    assert [len(row) for row in rows[2:4]] == [3, 1], "three link buttons a row at most"
    assert len(rows[4][0]["text"]) == 128 and rows[4][0]["text"].endswith("…")
    assert [b["payload"] for row in rows[:2] for b in row] == [f"v:{n}" for n in range(8)], "order and data kept"
    FakeMax._check_keyboard(rows)  # noqa: SLF001 - what the loopback MAX API checks before it takes a keyboard


async def test_an_edit_longer_than_max_takes_keeps_every_line_and_its_buttons_under_the_last(
        max_front, fake_max: FakeMax) -> None:
    """Telegram edits up to 4096 characters, MAX 4000: nothing is cut, no tag is broken, the buttons stay last."""
    anna = fake_max.person(5_000_001, "Анна")
    bot = max_front.bot
    first = await bot.send_message(anna.user_id, "Импорт идёт…")
    lines = [f"<b>Строка {n:03d}</b>: замечание к строке таблицы" for n in range(104)]
    text = "\n".join(lines)
    visible = "\n".join(f"Строка {n:03d}: замечание к строке таблицы" for n in range(104))
    assert 4000 < len(visible) <= 4096, "Telegram takes it, MAX would not"
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="В меню", callback_data="m:home")]])
    await bot.edit_message_text(text, chat_id=anna.user_id, message_id=first.message_id, reply_markup=markup)
    edit, rest = [s for s in fake_max.sent_to(anna.user_id) if s.seq > 1]
    assert edit.kind == "edit" and rest.kind == "send"
    assert edit.text + "\n" + rest.text == visible, "every line, once, in order"
    assert edit.button_texts == [] and rest.button_texts == ["В меню"]
