"""Buttons of monitoring: the card, the drill-down by school, targets, the export. Ids and codes only."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.monitoring import ORDER, Card
from bot.services.monitoring.texts import mark, target_text, value_text
from bot.services.pagination import Page
from keyboards.callbacks import MenuCb
from keyboards.common import short


class StatsCb(CallbackData, prefix="st"):
    a: str  # home · chart · schools · school · targets · tg (a target) · export · mine · defs · report · sreport
    id: int = 0  # a school id, or an indicator's place in ORDER
    p: int = 0  # the page of the school list to come back to


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=short(text), callback_data=data.pack())


def _menu(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=t("menu.back"), callback_data=MenuCb(action="home").pack())]


def card_markup(t: Translator, *, personal: bool = False) -> InlineKeyboardMarkup:
    rows = [[_button(t("monitoring.buttons.schools"), StatsCb(a="schools")),
             _button(t("monitoring.buttons.targets"), StatsCb(a="targets"))],
            [_button(t("monitoring.buttons.chart"), StatsCb(a="chart")),
             _button(t("monitoring.buttons.export"), StatsCb(a="export"))],
            [_button(t("report.chat.button"), StatsCb(a="report")),
             _button(t("monitoring.buttons.definitions"), StatsCb(a="defs"))],
            [_button(t("monitoring.buttons.refresh"), StatsCb(a="home"))]]
    if personal:
        rows.append([_button(t("monitoring.buttons.mine"), StatsCb(a="mine"))])
    rows.append(_menu(t))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _nav(page: Page[Card], t: Translator) -> list[InlineKeyboardButton]:
    row: list[InlineKeyboardButton] = []
    if page.has_prev:
        row.append(_button("◀️", StatsCb(a="schools", p=page.page - 1)))
    if page.pages > 1:
        row.append(_button(t("common.page", page=page.page + 1, pages=page.pages), StatsCb(a="schools", p=page.page)))
    if page.has_next:
        row.append(_button("▶️", StatsCb(a="schools", p=page.page + 1)))
    return row


def schools_markup(page: Page[Card], t: Translator) -> InlineKeyboardMarkup:
    rows = []
    for card in page.items:
        taking_part = card.get("participation")
        covered = card.get("shnor_covered")
        worst = covered if covered is not None and covered.status == "behind" else taking_part
        text = t("monitoring.schools.button", mark=mark(worst, t) if worst else "",
                 school=card.school_name or "",
                 participation=value_text(taking_part, t) if taking_part else t("monitoring.schools.no_data"))
        rows.append([_button(text, StatsCb(a="school", id=card.school_id or 0, p=page.page))])
    nav = _nav(page, t)
    if nav:
        rows.append(nav)
    rows.append([_button(t("monitoring.buttons.back_card"), StatsCb(a="home"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def school_markup(t: Translator, page: int, school_id: int = 0) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [_button(t("report.chat.school_button"), StatsCb(a="sreport", id=school_id, p=page)),
         _button(t("monitoring.buttons.definitions"), StatsCb(a="defs"))],
        [_button(t("monitoring.buttons.back_schools"), StatsCb(a="schools", p=page))],
        [_button(t("monitoring.buttons.back_card"), StatsCb(a="home"))]])


def targets_markup(card: Card, custom: set[str], t: Translator) -> InlineKeyboardMarkup:
    rows = []
    for index, key in enumerate(ORDER):
        indicator = card.get(key)
        if indicator is None:
            continue
        text = t("monitoring.targets.line", name=t(f"monitoring.indicators.{key}"), target=target_text(indicator, t),
                 custom=t("monitoring.targets.custom_mark") if key in custom else "")
        rows.append([_button(text, StatsCb(a="tg", id=index))])
    rows.append([_button(t("monitoring.buttons.back_card"), StatsCb(a="home"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_to_card(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(t("monitoring.buttons.back_card"), StatsCb(a="home"))]])


def definitions_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(t("monitoring.buttons.back_card"), StatsCb(a="home"))],
                                                 _menu(t)])


def personal_markup(t: Translator, *, coordinator: bool) -> InlineKeyboardMarkup:
    rows = []
    if coordinator:
        rows.append([_button(t("monitoring.buttons.back_card"), StatsCb(a="home"))])
    rows.append(_menu(t))
    return InlineKeyboardMarkup(inline_keyboard=rows)
