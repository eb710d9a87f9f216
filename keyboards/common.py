"""Keyboard building blocks shared by every feature."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.pagination import Page
from keyboards.callbacks import MenuCb, PageCb

T = TypeVar("T")
BUTTON_TEXT_LIMIT = 60  # long school names are cut so a button stays readable on a phone


def short(text: str, limit: int = BUTTON_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def paged_list(page: Page[T], *, list_name: str, t: Translator,
               button: Callable[[T], tuple[str, CallbackData]],
               extra: Iterable[tuple[str, CallbackData]] = (), columns: int = 1) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in page.items:
        text, data = button(item)
        builder.button(text=short(text), callback_data=data)
    builder.adjust(columns)
    nav = nav_row(page, list_name, t)
    if nav:
        builder.row(*nav)
    for text, data in extra:
        builder.row(InlineKeyboardButton(text=text, callback_data=data.pack()))
    return builder.as_markup()


def nav_row(page: Page[T], list_name: str, t: Translator) -> list[InlineKeyboardButton]:
    """◀️ 2/5 ▶️ — the middle button re-shows the page, so a stale list can be refreshed."""
    nav: list[InlineKeyboardButton] = []
    if page.has_prev:
        nav.append(InlineKeyboardButton(text="◀️", callback_data=PageCb(list=list_name, page=page.page - 1).pack()))
    if page.pages > 1:
        nav.append(InlineKeyboardButton(text=t("common.page", page=page.page + 1, pages=page.pages),
                                        callback_data=PageCb(list=list_name, page=page.page).pack()))
    if page.has_next:
        nav.append(InlineKeyboardButton(text="▶️", callback_data=PageCb(list=list_name, page=page.page + 1).pack()))
    return nav


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    return builder.as_markup()
