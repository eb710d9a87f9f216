"""The profile's choices, shared by registration and /profile: position and subject buttons, a way out."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services import registration as reg
from bot.services.pagination import Page
from db.models import School
from keyboards.callbacks import PositionCb, RegNavCb, SchoolPickCb, SubjectCb
from keyboards.common import paged_list


def way_out(t: Translator, *, back: bool = True) -> list[tuple[str, RegNavCb]]:
    """«Назад» to the previous step (not on the first) and «Отмена»."""
    items = [(t("registration.back"), RegNavCb(a="back"))] if back else []
    return items + [(t("registration.cancel"), RegNavCb(a="cancel"))]


def _row(items: Iterable[tuple[str, RegNavCb]]) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack()) for text, data in items]


def way_out_markup(t: Translator, *, back: bool = True) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_row(way_out(t, back=back))])


def positions_markup(codes: Sequence[str], t: Translator, *, back: bool = True) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in codes:
        builder.button(text=t(f"positions.{code}"), callback_data=PositionCb(code=code))
    builder.button(text=t("positions.other"), callback_data=PositionCb(code="other"))
    builder.adjust(1)
    builder.row(*_row(way_out(t, back=back)))
    return builder.as_markup()


def subjects_markup(chosen: Sequence[str], t: Translator, *, back: bool = True,
                    done_key: str | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in reg.SUBJECTS:
        mark = "✅ " if code in chosen else ""
        builder.button(text=mark + t(f"subjects.{code}"), callback_data=SubjectCb(code=code))
    builder.adjust(2)
    done = done_key or ("registration.subjects_done" if chosen else "registration.subjects_skip")
    builder.row(InlineKeyboardButton(text=t(done), callback_data=SubjectCb(code="done").pack()))
    builder.row(*_row(way_out(t, back=back)))
    return builder.as_markup()


def school_picker(schools: Page[School], query: str | None, t: Translator, *, list_name: str,
                  extra: Sequence[tuple[str, CallbackData]], ask: str, not_found: str,
                  empty: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the network's schools to pick one (typing searches), and what to say above it."""
    markup = paged_list(schools, list_name=list_name, t=t, extra=extra,
                        button=lambda school: (school.display_name, SchoolPickCb(id=school.id)))
    if schools.total == 0 and not query and empty:
        return t(empty), markup
    if query and schools.total == 0:
        return t(not_found, query=query), markup
    if query:
        return t("registration.school_found", query=query, count=schools.total), markup
    return t(ask), markup

