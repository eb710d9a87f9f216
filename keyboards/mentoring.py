"""Mentoring buttons. Two callback factories, ids and short Latin codes only (well under 64 bytes):

* `MentorCb` ("mt:<a>:<id>:<v>") — what mentors and mentees press, also inside outbox messages
  (`bot.services.mentoring.notices.cb` builds the same strings);
* `CoordCb` ("mc:<a>:<id>:<v>") — the coordinator's screens.

Handlers never trust these values: each re-checks who is pressing and what they may touch.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.pagination import Page
from keyboards.callbacks import MenuCb
from keyboards.common import nav_row, short


class MentorCb(CallbackData, prefix="mt"):
    a: str
    id: int = 0
    v: int = 0


class CoordCb(CallbackData, prefix="mc"):
    a: str
    id: int = 0
    v: int = 0


Row = Sequence[tuple[str, CallbackData]]


def nav_by(page: Page, t: Translator, make: Callable[[int], CallbackData]) -> list[InlineKeyboardButton]:
    """◀️ n/m ▶️ for a list whose buttons carry their own ids (a link's history, a person's plan…)."""
    nav: list[InlineKeyboardButton] = []
    if page.has_prev:
        nav.append(InlineKeyboardButton(text="◀️", callback_data=make(page.page - 1).pack()))
    if page.pages > 1:
        nav.append(InlineKeyboardButton(text=t("common.page", page=page.page + 1, pages=page.pages),
                                        callback_data=make(page.page).pack()))
    if page.has_next:
        nav.append(InlineKeyboardButton(text="▶️", callback_data=make(page.page + 1).pack()))
    return nav


def markup(rows: Iterable[Row], *, page: Page | None = None, list_name: str = "", t: Translator | None = None,
           back: tuple[str, CallbackData] | None = None,
           page_cb: Callable[[int], CallbackData] | None = None) -> InlineKeyboardMarkup:
    """Rows of (text, callback) buttons, then ◀️ n/m ▶️ for a page, then a back button.

    Paging uses `PageCb(list_name)` (the list's query lives in the dialog state) or, given `page_cb`,
    callbacks that carry the list's own id."""
    keyboard: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons = [InlineKeyboardButton(text=short(text), callback_data=data.pack()) for text, data in row]
        if buttons:
            keyboard.append(buttons)
    if page is not None and t is not None:
        nav = nav_by(page, t, page_cb) if page_cb is not None else nav_row(page, list_name, t)
        if nav:
            keyboard.append(nav)
    if back is not None:
        keyboard.append([InlineKeyboardButton(text=back[0], callback_data=back[1].pack())])
    return InlineKeyboardMarkup(inline_keyboard=keyboard)


def chunks(items: Sequence[tuple[str, CallbackData]], size: int) -> list[list[tuple[str, CallbackData]]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def home(t: Translator) -> tuple[str, CallbackData]:
    return t("menu.back"), MenuCb(action="home")


def coord_home(t: Translator) -> tuple[str, CallbackData]:
    return t("mentoring.coord.back"), CoordCb(a="home")
