"""Buttons of the forms feature. Callback data carries ids, indices and short action codes only."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.forms.answering import Filling
from bot.services.forms.board import MyForm, RequestRow, SchoolRow
from bot.services.pagination import Page
from db.models.core import School
from db.models.forms import Form
from keyboards.callbacks import MenuCb
from keyboards.common import short


class FormOpenCb(CallbackData, prefix="fo"):
    """«Заполнить» on a request (also built as text in bot/services/forms/messages.py)."""

    r: int  # request id


class FormStepCb(CallbackData, prefix="fs"):
    s: int  # response id
    q: int  # the step the button was shown on
    a: str  # v value · t toggle · ok multi done · sk skip · bk back · sub submit · ed edit · lt later
    v: int = 0


class FormMineCb(CallbackData, prefix="fm"):
    p: int = 0


class FormCoordCb(CallbackData, prefix="fc"):
    a: str  # home forms form send aud sch schp schok dl go reqs up close closeok
    id: int = 0
    p: int = 0


class FormBoardCb(CallbackData, prefix="fb"):
    r: int  # request id
    s: int = -1  # -1 the overview, 0 people without a school, else a school id; RESULTS, REMIND, ANSWERS_FILE
    # below: the views and actions of the board itself
    p: int = 0


RESULTS, REMIND, ANSWERS_FILE = -2, -3, -4  # FormBoardCb.s of the board's own views and actions

AUDIENCE_CODES = ("everyone", "participants", "mentors", "coordinators", "shnor", "schools", "links", "mentees",
                  "pair_mentors", "came", "signups")
DEADLINE_DAYS = (3, 7, 14, 30)
STATE_MARKS = {"todo": "📝", "started": "✏️", "overdue": "⏰", "submitted": "✅", "closed": "🔒"}


def _nav(page: Page, make: type[CallbackData], t: Translator, **fixed: int) -> list[InlineKeyboardButton]:
    """◀️ 2/5 ▶️ for lists whose context (a request, a school) travels in the callback as ids."""
    key = "p"
    row: list[InlineKeyboardButton] = []
    if page.has_prev:
        row.append(InlineKeyboardButton(text="◀️", callback_data=make(**fixed, **{key: page.page - 1}).pack()))
    if page.pages > 1:
        row.append(InlineKeyboardButton(text=t("common.page", page=page.page + 1, pages=page.pages),
                                        callback_data=make(**fixed, **{key: page.page}).pack()))
    if page.has_next:
        row.append(InlineKeyboardButton(text="▶️", callback_data=make(**fixed, **{key: page.page + 1}).pack()))
    return row


# --- answering ------------------------------------------------------------------------------------

def question_markup(f: Filling, t: Translator) -> InlineKeyboardMarkup:
    q = f.question
    assert q is not None
    sid, step = f.response.id, f.step
    builder = InlineKeyboardBuilder()

    def button(text: str, action: str, value: int = 0) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=short(text), callback_data=FormStepCb(s=sid, q=step, a=action, v=value).pack())

    if q.type == "scale":
        values = list(q.scale_range)
        per_row = len(values) if len(values) <= 6 else (len(values) + 1) // 2
        for start in range(0, len(values), per_row):
            builder.row(*(button(str(v), "v", v) for v in values[start:start + per_row]))
    elif q.type == "single":
        for index, option in enumerate(q.options):
            builder.row(button(f"{index + 1}. {option}", "v", index))
    elif q.type == "multi":
        chosen = set(f.answer(q) or [])
        for index, option in enumerate(q.options):
            builder.row(button(("✅ " if option in chosen else "▫️ ") + option, "t", index))
        builder.row(button(t("forms.fill.done"), "ok"))
    elif q.type == "yesno":
        builder.row(button(t("forms.fill.yes"), "v", 1), button(t("forms.fill.no"), "v", 0))
    elif q.type == "date":
        builder.row(button(t("forms.fill.today"), "v", 0), button(t("forms.fill.yesterday"), "v", 1))
    nav: list[InlineKeyboardButton] = []
    if step > 0 or f.response.reviewing:
        nav.append(button(t("forms.fill.back"), "bk"))
    if not q.required:
        nav.append(button(t("forms.fill.skip"), "sk"))
    if nav:
        builder.row(*nav)
    builder.row(button(t("forms.fill.later"), "lt"))
    return builder.as_markup()


def review_markup(f: Filling, t: Translator) -> InlineKeyboardMarkup:
    sid, step = f.response.id, f.step
    builder = InlineKeyboardBuilder()
    if f.editable and not f.submitted:
        builder.row(InlineKeyboardButton(text=t("forms.fill.submit"),
                                         callback_data=FormStepCb(s=sid, q=step, a="sub").pack()))
    if f.editable:
        edits = [InlineKeyboardButton(text=t("forms.fill.edit", n=i + 1),
                                      callback_data=FormStepCb(s=sid, q=step, a="ed", v=i).pack())
                 for i in range(f.total)]
        for start in range(0, len(edits), 5):
            builder.row(*edits[start:start + 5])
    builder.row(InlineKeyboardButton(text=t("forms.mine.to_list"), callback_data=FormMineCb(p=0).pack()),
                InlineKeyboardButton(text=t("menu.back"), callback_data=MenuCb(action="home").pack()))
    return builder.as_markup()


def mine_markup(page: Page[MyForm], t: Translator, now: datetime, tz_date: dict[int, str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in page.items:
        state = item.state(now)
        label = t("forms.mine.item", mark=STATE_MARKS[state], title=item.request.title,
                  deadline=tz_date.get(item.request.id, ""))
        builder.row(InlineKeyboardButton(text=short(label), callback_data=FormOpenCb(r=item.request.id).pack()))
    nav = _nav(page, FormMineCb, t)
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("menu.back"), callback_data=MenuCb(action="home").pack()))
    return builder.as_markup()


# --- coordinator ----------------------------------------------------------------------------------

def coord_home_markup(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.coord.send"), callback_data=FormCoordCb(a="forms"))
    builder.button(text=t("forms.coord.requests"), callback_data=FormCoordCb(a="reqs"))
    builder.button(text=t("forms.coord.upload"), callback_data=FormCoordCb(a="up"))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    return builder.as_markup()


def forms_markup(page: Page[Form], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for form in page.items:
        mark = "📋" if form.network_id is None else "🗂"
        builder.row(InlineKeyboardButton(text=short(f"{mark} {form.title}"),
                                         callback_data=FormCoordCb(a="form", id=form.id).pack()))
    nav = _nav(page, FormCoordCb, t, a="forms")  # type: ignore[arg-type]
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.coord.back"), callback_data=FormCoordCb(a="home").pack()))
    return builder.as_markup()


def preview_markup(form_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.coord.send_this"), callback_data=FormCoordCb(a="send", id=form_id))
    builder.button(text=t("forms.coord.back_to_forms"), callback_data=FormCoordCb(a="forms"))
    builder.adjust(1)
    return builder.as_markup()


def audience_markup(kinds: Sequence[str], t: Translator, meant: Sequence[str] = ()) -> InlineKeyboardMarkup:
    """The audiences, those the form is made for first and starred."""
    builder = InlineKeyboardBuilder()
    for kind in kinds:
        mark = "⭐ " if kind in meant else ""
        builder.row(InlineKeyboardButton(text=mark + t(f"forms.audiences.{kind}"),
                                         callback_data=FormCoordCb(a="aud", id=AUDIENCE_CODES.index(kind)).pack()))
    builder.row(InlineKeyboardButton(text=t("forms.coord.cancel"), callback_data=FormCoordCb(a="home").pack()))
    return builder.as_markup()


def events_markup(page: Page[Any], t: Translator) -> InlineKeyboardMarkup:
    """Events to send a form about (`audiences.Choice`: id, label)."""
    builder = InlineKeyboardBuilder()
    for choice in page.items:
        builder.row(InlineKeyboardButton(text=short(choice.label),
                                         callback_data=FormCoordCb(a="ev", id=choice.id, p=page.page).pack()))
    nav = _nav(page, FormCoordCb, t, a="evp")  # type: ignore[arg-type]
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.coord.back_audience"), callback_data=FormCoordCb(a="audb").pack()))
    return builder.as_markup()


def schools_markup(page: Page[School], chosen: Sequence[int], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for school in page.items:
        mark = "✅ " if school.id in chosen else "▫️ "
        builder.row(InlineKeyboardButton(text=short(mark + school.display_name),
                                         callback_data=FormCoordCb(a="sch", id=school.id, p=page.page).pack()))
    nav = _nav(page, FormCoordCb, t, a="schp")  # type: ignore[arg-type]
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.coord.schools_done", count=len(chosen)),
                                     callback_data=FormCoordCb(a="schok").pack()))
    builder.row(InlineKeyboardButton(text=t("forms.coord.cancel"), callback_data=FormCoordCb(a="home").pack()))
    return builder.as_markup()


def deadline_markup(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in DEADLINE_DAYS:
        builder.button(text=t(f"forms.coord.days_{days}"), callback_data=FormCoordCb(a="dl", id=days))
    builder.button(text=t("forms.coord.cancel"), callback_data=FormCoordCb(a="home"))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def confirm_markup(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.coord.confirm"), callback_data=FormCoordCb(a="go"))
    builder.button(text=t("forms.coord.cancel"), callback_data=FormCoordCb(a="home"))
    builder.adjust(1)
    return builder.as_markup()


def uploaded_markup(form_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.coord.send_this"), callback_data=FormCoordCb(a="send", id=form_id))
    builder.button(text=t("forms.coord.back"), callback_data=FormCoordCb(a="home"))
    builder.adjust(1)
    return builder.as_markup()


def requests_markup(page: Page[RequestRow], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for row in page.items:
        mark = "🟢" if row.request.status == "open" else "🔒"
        label = t("forms.requests.item", mark=mark, title=row.request.title, done=row.counts.submitted,
                  total=row.counts.total)
        builder.row(InlineKeyboardButton(text=short(label), callback_data=FormBoardCb(r=row.request.id).pack()))
    nav = _nav(page, FormCoordCb, t, a="reqs")  # type: ignore[arg-type]
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.coord.back"), callback_data=FormCoordCb(a="home").pack()))
    return builder.as_markup()


def board_markup(request_id: int, page: Page[SchoolRow], t: Translator, *, is_open: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for row in page.items:
        name = row.name or t("forms.board.no_school")
        label = t("forms.board.school_item", name=name, done=row.counts.submitted, total=row.counts.total)
        builder.row(InlineKeyboardButton(text=short(label),
                                         callback_data=FormBoardCb(r=request_id, s=row.school_id).pack()))
    nav = []
    if page.has_prev:
        nav.append(InlineKeyboardButton(text="◀️", callback_data=FormBoardCb(r=request_id, p=page.page - 1).pack()))
    if page.pages > 1:
        nav.append(InlineKeyboardButton(text=t("common.page", page=page.page + 1, pages=page.pages),
                                        callback_data=FormBoardCb(r=request_id, p=page.page).pack()))
    if page.has_next:
        nav.append(InlineKeyboardButton(text="▶️", callback_data=FormBoardCb(r=request_id, p=page.page + 1).pack()))
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.results.button"),
                                     callback_data=FormBoardCb(r=request_id, s=RESULTS).pack()),
                InlineKeyboardButton(text=t("forms.results.file"),
                                     callback_data=FormBoardCb(r=request_id, s=ANSWERS_FILE).pack()))
    if is_open:
        builder.row(InlineKeyboardButton(text=t("forms.results.remind"),
                                         callback_data=FormBoardCb(r=request_id, s=REMIND).pack()))
    builder.row(InlineKeyboardButton(text=t("forms.board.refresh"),
                                     callback_data=FormBoardCb(r=request_id, p=page.page).pack()))
    if is_open:
        builder.row(InlineKeyboardButton(text=t("forms.board.close"),
                                         callback_data=FormCoordCb(a="close", id=request_id).pack()))
    builder.row(InlineKeyboardButton(text=t("forms.board.to_requests"), callback_data=FormCoordCb(a="reqs").pack()))
    return builder.as_markup()


def people_markup(request_id: int, school_id: int, page: Page, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    nav = _nav(page, FormBoardCb, t, r=request_id, s=school_id)  # type: ignore[arg-type]
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.board.back"), callback_data=FormBoardCb(r=request_id).pack()))
    return builder.as_markup()


def results_markup(request_id: int, page: Page, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    nav = _nav(page, FormBoardCb, t, r=request_id, s=RESULTS)  # type: ignore[arg-type]
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("forms.results.file"),
                                     callback_data=FormBoardCb(r=request_id, s=ANSWERS_FILE).pack()))
    builder.row(InlineKeyboardButton(text=t("forms.board.back"), callback_data=FormBoardCb(r=request_id).pack()))
    return builder.as_markup()


def close_markup(request_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.board.close_yes"), callback_data=FormCoordCb(a="closeok", id=request_id))
    builder.button(text=t("forms.board.close_no"), callback_data=FormBoardCb(r=request_id))
    builder.adjust(1)
    return builder.as_markup()


def cancel_markup(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.coord.cancel"), callback_data=FormCoordCb(a="home"))
    return builder.as_markup()


def later_markup(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("forms.mine.to_list"), callback_data=FormMineCb(p=0))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    return builder.as_markup()
