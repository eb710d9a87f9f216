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
