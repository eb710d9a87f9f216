"""Buttons of events and the roadmap. Callback data: ids, indices and short codes only (≤ 64 bytes).

`RsvpCb` is also built as text by bot/services/events/messages.py for announcements and reminders (a test
keeps the two in step).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.events.messages import KIND_ICONS
from bot.services.pagination import Page
from keyboards.callbacks import MenuCb
from keyboards.common import short


class RsvpCb(CallbackData, prefix="rsvp"):
    id: int  # event
    a: str  # go · no · ics
    w: int = 0  # 0: on an announcement or reminder, 1: on the /events card


class EvListCb(CallbackData, prefix="evl"):
    f: str = "all"  # all · mine · a kind
    p: int = 0


class EvCb(CallbackData, prefix="ev"):
    """open edit move cancel cancel_ok announce ann_now ann_at signups code kinds feed new import measures
    offsets panel"""

    a: str
    id: int = 0
    p: int = 0


class EvSetCb(CallbackData, prefix="evs"):
    """A choice in a dialog: the new event's kind or audience, a field to edit, skip, confirm."""

    a: str
    v: str = ""
    id: int = 0


class EvAttCb(CallbackData, prefix="eva"):
    e: int  # event
    u: int  # user
    p: int = 0


class EvMeasureCb(CallbackData, prefix="evm"):
    id: int
    p: int = 0


class EvOffsetCb(CallbackData, prefix="evo"):
    c: str


class RoadmapCb(CallbackData, prefix="rm"):
    """import problems fix cancel pick all ann_now ann_at done cols reset move unmove back"""

    a: str
    i: int = 0
    p: int = 0


class RoadmapColCb(CallbackData, prefix="rmc"):
    """A column of the roadmap being imported: open it (a=col) or give it a role (a=set, r=role)."""

    a: str
    t: int  # table, from 0
    c: int  # column, from 0
    r: str = ""


def nav(page: Page[Any], make: Callable[[int], CallbackData], t: Translator) -> list[InlineKeyboardButton]:
    """◀️ 2/5 ▶️ for lists whose context travels in the callback."""
    row: list[InlineKeyboardButton] = []
    if page.has_prev:
        row.append(InlineKeyboardButton(text="◀️", callback_data=make(page.page - 1).pack()))
    if page.pages > 1:
        row.append(InlineKeyboardButton(text=t("common.page", page=page.page + 1, pages=page.pages),
                                        callback_data=make(page.page).pack()))
    if page.has_next:
        row.append(InlineKeyboardButton(text="▶️", callback_data=make(page.page + 1).pack()))
    return row


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=short(text), callback_data=data.pack())


def markup(rows: Iterable[Iterable[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in rows if row])


def from_dicts(rows: list[list[dict[str, str]]]) -> list[list[InlineKeyboardButton]]:
    """The service's RSVP rows (Bot API dicts) as aiogram buttons."""
    return [[InlineKeyboardButton(**b) for b in row] for row in rows]


def back_to_menu_row(t: Translator) -> list[InlineKeyboardButton]:
    return [button(t("menu.back"), MenuCb(action="home"))]


def event_list(page: Page[Any], label: Callable[[Any], str], flt: str, t: Translator, *, coordinator: bool,
               filters_row: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = [[button(label(e), EvCb(a="open", id=e.id))] for e in page.items]
    rows.append(nav(page, lambda p: EvListCb(f=flt, p=p), t))
    rows.append(filters_row)
    rows.append([button(t("events.list.feed"), EvCb(a="feed"))])
    if coordinator:
        rows.append([button(t("events.panel.new"), EvCb(a="new")), button(t("events.panel.import"), EvCb(a="import"))])
        rows.append([button(t("events.panel.measures"), EvCb(a="measures")),
                     button(t("events.panel.offsets"), EvCb(a="offsets"))])
    rows.append(back_to_menu_row(t))
    return markup(rows)


def filters(active: str, t: Translator) -> list[InlineKeyboardButton]:
    def mark(code: str, text: str) -> str:
        return t("events.list.active", label=text) if code == active else text

    kind_active = active not in ("all", "mine")
    return [button(mark("all", t("events.list.all")), EvListCb(f="all")),
            button(mark("mine", t("events.list.mine")), EvListCb(f="mine")),
            button(t("events.list.active", label=t(f"events.kinds.{active}")) if kind_active
                   else t("events.list.by_kind"), EvCb(a="kinds"))]


def kinds(choices: list[tuple[str, int]], t: Translator) -> InlineKeyboardMarkup:
    rows = [[button(t("events.list.kind_count", icon=KIND_ICONS.get(kind, ""), kind=t(f"events.kinds.{kind}"),
                      count=count), EvListCb(f=kind))] for kind, count in choices]
    rows.append([button(t("events.list.back"), EvListCb(f="all"))])
    return markup(rows)


def card(rsvp_rows: list[list[dict[str, str]]], event_id: int, t: Translator, *, coordinator: bool,
         announceable: bool, open_: bool) -> InlineKeyboardMarkup:
    rows = from_dicts(rsvp_rows)
    if coordinator:
        if open_:
            rows.append([button(t("events.manage.edit"), EvCb(a="edit", id=event_id)),
                         button(t("events.manage.move"), EvCb(a="move", id=event_id))])
        if announceable:
            rows.append([button(t("events.manage.announce"), EvCb(a="announce", id=event_id))])
        rows.append([button(t("events.manage.signups"), EvCb(a="signups", id=event_id)),
                     button(t("events.manage.code"), EvCb(a="code", id=event_id))])
        if open_:
            rows.append([button(t("events.manage.cancel"), EvCb(a="cancel", id=event_id))])
    rows.append([button(t("events.list.back"), EvListCb(f="all"))])
    return markup(rows)


def choices(items: Iterable[tuple[str, CallbackData]], t: Translator, *, columns: int = 2,
            extra: Iterable[tuple[str, CallbackData]] = ()) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, data in items:
        builder.button(text=short(text), callback_data=data)
    builder.adjust(columns)
    for text, data in extra:
        builder.row(button(text, data))
    return builder.as_markup()
