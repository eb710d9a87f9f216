"""Buttons of the coordinator's broadcasts. Callback data carries ids, indices and short codes only."""
from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.audiences import Choice
from bot.services.pagination import Page
from db.models.core import School, SchoolStatus
from db.models.outbox import Broadcast
from keyboards.callbacks import MenuCb
from keyboards.common import short


class BcCb(CallbackData, prefix="bc"):
    """a: home new hist show file stop stopok stopno resume · aud sch schp schok st stok ext extp back go x"""

    a: str
    id: int = 0
    p: int = 0
    k: str = ""  # an audience kind code (everyone, schools, event…)


BASIC_AUDIENCES = ("everyone", "mentors", "participants", "coordinators")
STATUS_CODES = tuple(status.value for status in SchoolStatus)
STATUS_MARKS = {"queued": "⏳", "sending": "📨", "done": "✅", "cancelled": "⏹", "draft": "📝"}


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=short(text), callback_data=data.pack())


def _nav(page: Page, t: Translator, action: str, k: str = "") -> list[InlineKeyboardButton]:
    row: list[InlineKeyboardButton] = []
    if page.has_prev:
        row.append(_button("◀️", BcCb(a=action, p=page.page - 1, k=k)))
    if page.pages > 1:
        row.append(_button(t("common.page", page=page.page + 1, pages=page.pages), BcCb(a=action, p=page.page, k=k)))
    if page.has_next:
        row.append(_button("▶️", BcCb(a=action, p=page.page + 1, k=k)))
    return row


# --- broadcasts ------------------------------------------------------------------------------------

def home_markup(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(_button(t("broadcast.home.new"), BcCb(a="new")))
    builder.row(_button(t("broadcast.home.history"), BcCb(a="hist")))
    builder.row(_button(t("menu.back"), MenuCb(action="home")))
    return builder.as_markup()


def cancel_markup(t: Translator, *, announcement: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(_button(t("broadcast.announce.abort" if announcement else "broadcast.compose.abort"), BcCb(a="x")))
    return builder.as_markup()


def audience_markup(t: Translator, extensions: Sequence[str], *, planned: str | None = None) -> InlineKeyboardMarkup:
    """Whom to send to. For an announcement (`planned`: the event's own audience) that one comes first."""
    builder = InlineKeyboardBuilder()
    if planned in BASIC_AUDIENCES:
        builder.row(_button(t("broadcast.announce.planned", audience=t(f"audience.{planned}")),
                            BcCb(a="aud", k=planned)))
    for kind in BASIC_AUDIENCES:
        if kind != planned:
            builder.button(text=t(f"broadcast.audience_button.{kind}"), callback_data=BcCb(a="aud", k=kind))
    builder.adjust(*([1] if planned in BASIC_AUDIENCES else []), 2)
    builder.row(_button(t("broadcast.audience_button.schools"), BcCb(a="aud", k="schools")))
    builder.row(_button(t("broadcast.audience_button.school_status"), BcCb(a="aud", k="school_status")))
    for kind in extensions:
        label = f"broadcast.audience_button.{kind}"
        builder.row(_button(t(label) if t.has(label) else kind, BcCb(a="aud", k=kind)))
    builder.row(_button(t("broadcast.announce.abort" if planned else "broadcast.compose.abort"), BcCb(a="x")))
    return builder.as_markup()


def schools_markup(page: Page[School], chosen: Sequence[int], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for school in page.items:
        mark = "✅ " if school.id in chosen else "▫️ "
        builder.row(_button(mark + school.display_name, BcCb(a="sch", id=school.id, p=page.page)))
    nav = _nav(page, t, "schp")
    if nav:
        builder.row(*nav)
    builder.row(_button(t("broadcast.schools.done", count=len(chosen)), BcCb(a="schok")))
    builder.row(_button(t("broadcast.compose.back"), BcCb(a="back")))
    return builder.as_markup()


def statuses_markup(counts: dict[str, int], chosen: Sequence[str], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, code in enumerate(STATUS_CODES):
        if not counts.get(code):
            continue
        mark = "✅ " if code in chosen else "▫️ "
        builder.row(_button(mark + t("broadcast.statuses.line", status=t(f"broadcast.statuses.{code}"),
                                     count=counts[code]), BcCb(a="st", id=index)))
    builder.row(_button(t("broadcast.schools.done", count=len(chosen)), BcCb(a="stok")))
    builder.row(_button(t("broadcast.compose.back"), BcCb(a="back")))
    return builder.as_markup()


def choices_markup(kind: str, page: Page[Choice], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in page.items:
        builder.row(_button(choice.label, BcCb(a="ext", k=kind, id=choice.id)))
    nav = _nav(page, t, "extp", kind)
    if nav:
        builder.row(*nav)
    builder.row(_button(t("broadcast.compose.back"), BcCb(a="back")))
    return builder.as_markup()


def preview_markup(t: Translator, *, quiet_until: str | None, empty: bool,
                   announcement: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if not empty:
        if quiet_until:
            builder.row(_button(t("broadcast.preview.send_morning", time=quiet_until), BcCb(a="go", id=0)))
            builder.row(_button(t("broadcast.preview.send_now"), BcCb(a="go", id=1)))
        else:
            builder.row(_button(t("broadcast.announce.send" if announcement else "broadcast.preview.send"),
                                BcCb(a="go", id=1)))
        if announcement:
            builder.row(_button(t("broadcast.announce.at"), BcCb(a="annat")))
    builder.row(_button(t("broadcast.preview.change_audience"), BcCb(a="back")))
    builder.row(_button(t("broadcast.announce.abort" if announcement else "broadcast.compose.abort"), BcCb(a="x")))
    return builder.as_markup()


def progress_markup(broadcast_id: int, t: Translator, *, running: bool,
                    resumable: int = 0) -> InlineKeyboardMarkup | None:
    if not running:
        return resume_markup(broadcast_id, resumable, t) if resumable else None
    builder = InlineKeyboardBuilder()
    builder.row(_button(t("broadcast.progress.stop"), BcCb(a="stop", id=broadcast_id)))
    return builder.as_markup()


def resume_markup(broadcast_id: int, left: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(_button(t("broadcast.resume.button", count=left), BcCb(a="resume", id=broadcast_id)))
    return builder.as_markup()


def stop_markup(broadcast_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(_button(t("broadcast.stop.go_stop"), BcCb(a="stopok", id=broadcast_id)))
    builder.row(_button(t("broadcast.stop.go_on"), BcCb(a="stopno", id=broadcast_id)))
    return builder.as_markup()


def history_markup(page: Page[Broadcast], t: Translator, labels: dict[int, str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in page.items:
        mark = STATUS_MARKS.get(item.status, "•")
        builder.row(_button(f"{mark} {labels[item.id]}", BcCb(a="show", id=item.id, p=page.page)))
    nav = _nav(page, t, "hist")
    if nav:
        builder.row(*nav)
    builder.row(_button(t("broadcast.home.new"), BcCb(a="new")))
    builder.row(_button(t("menu.back"), MenuCb(action="home")))
    return builder.as_markup()


def card_markup(broadcast: Broadcast, t: Translator, *, page: int, has_file: bool,
                resumable: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if broadcast.status in ("queued", "sending"):
        builder.row(_button(t("broadcast.progress.stop"), BcCb(a="stop", id=broadcast.id)))
    if resumable:
        builder.row(_button(t("broadcast.resume.button", count=resumable), BcCb(a="resume", id=broadcast.id)))
    if has_file:
        builder.row(_button(t("broadcast.card.file"), BcCb(a="file", id=broadcast.id)))
    builder.row(_button(t("broadcast.card.refresh"), BcCb(a="show", id=broadcast.id, p=page)))
    builder.row(_button(t("broadcast.card.back"), BcCb(a="hist", p=page)))
    return builder.as_markup()
