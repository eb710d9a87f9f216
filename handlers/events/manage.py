"""The coordinator's side of events: create, edit, move, cancel, announce (now or at a set time), the
roadmap's measures («% мер реализовано») and the reminder offsets. Every step re-checks the coordinator."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Raw, Translator
from bot.services.clock import Clock
from bot.services.counting import measure_counts
from bot.services.errors import DomainError
from bot.services.events import core, lifecycle, messages, reminders
from bot.services.events.times import Slot, format_slot, parse_typed, zone
from bot.services.monitoring.periods import Period
from bot.services.monitoring.texts import measures_line
from bot.viewer import Viewer
from db.models import Event, Network
from handlers.common import show
from handlers.events.common import card, coordinating, event_for, explain, refuse
from keyboards import events as kb
from keyboards.callbacks import MenuCb
from keyboards.events import EvCb, EvListCb, EvMeasureCb, EvOffsetCb, EvSetCb
from keyboards.monitoring import StatsCb

router = Router(name="events.manage")
router.message.filter(F.chat.type == ChatType.PRIVATE)

NEW_KINDS = ("seminar", "webinar", "workshop", "master_class", "open_lesson", "round_table", "conference",
             "meeting", "consultation", "council", "competition", "other")
TEXT_FIELDS = ("title", "place", "link", "responsible")


class EventNew(StatesGroup):
    title = State()
    kind = State()
    when = State()
    place = State()
    audience = State()
    confirm = State()


class EventEdit(StatesGroup):
    value = State()  # data: ev_id, ev_field
    move = State()  # data: ev_id


# --- the coordinator's panel -----------------------------------------------------------------------

@router.callback_query(MenuCb.filter(F.action == "roadmap"))
@router.callback_query(EvCb.filter(F.a == "panel"))
async def panel(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                clock: Clock) -> None:
    membership = coordinating(viewer)
    if membership is None:
        await refuse(query, t)
        return
    await state.clear()
    progress = await core.measures_progress(session, membership.network_id)
    offsets = ", ".join(t(f"events.offsets.label.{c}") for c in reminders.offsets_of(membership.network))
    if progress.total:
        text = t("events.panel.title", network=membership.network.name, done=progress.done, total=progress.total,
                 percent=progress.percent, offsets=offsets)
        period = Period.of(membership.network, clock.now())
        measures = await measure_counts(session, membership.network_id, period)
        text += "\n\n" + measures_line(measures.extras(), period, t)  # the same line as /stats shows
    else:  # not «0% (0 из 0)» twice before anything was loaded
        text = t("events.panel.title_empty", network=membership.network.name, offsets=offsets)
    rows = [[kb.button(t("events.panel.import"), EvCb(a="import")), kb.button(t("events.panel.new"), EvCb(a="new"))],
            [kb.button(t("events.panel.measures"), EvCb(a="measures")),
             kb.button(t("events.panel.offsets"), EvCb(a="offsets"))],
            [kb.button(t("events.panel.events"), EvListCb(f="all"))],
            [kb.button(t("monitoring.buttons.definitions"), StatsCb(a="defs"))], kb.back_to_menu_row(t)]
    await show(query, text, kb.markup(rows))


# --- a new event -----------------------------------------------------------------------------------

@router.callback_query(EvCb.filter(F.a == "new"))
async def new_event(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if coordinating(viewer) is None:
        await refuse(query, t)
        return
    await state.clear()
    await state.set_state(EventNew.title)
    await show(query, t("events.new.ask_title"), kb.choices([], t, extra=_drop(t)))


@router.message(EventNew.title, F.text)
async def new_title(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if coordinating(viewer) is None:
        await state.clear()
        await refuse(message, t)
        return
    try:
        title = core.clean_text(message.text, core.TITLE_LIMIT)
    except DomainError as error:
        await explain(message, t, error)
        return
    if not title or len(title) < 3:
        await message.answer(t("events.new.title_short"))
        return
    await state.update_data(ev_title=title)
    await state.set_state(EventNew.kind)
    items = [(f"{messages.KIND_ICONS[k]} {t(f'events.kinds.{k}')}", EvSetCb(a="kind", v=k)) for k in NEW_KINDS]
    await message.answer(t("events.new.ask_kind"), reply_markup=kb.choices(items, t, extra=_drop(t)))


@router.callback_query(EventNew.kind, EvSetCb.filter(F.a == "kind"))
async def new_kind(query: CallbackQuery, callback_data: EvSetCb, state: FSMContext, viewer: Viewer,
                   t: Translator) -> None:
    if coordinating(viewer) is None or callback_data.v not in NEW_KINDS:
        await refuse(query, t)
        return
    await state.update_data(ev_kind=callback_data.v)
    await state.set_state(EventNew.when)
    await show(query, t("events.new.ask_when"), kb.choices([], t, extra=_drop(t)))


@router.message(EventNew.when, F.text)
async def new_when(message: Message, state: FSMContext, viewer: Viewer, t: Translator, clock: Clock) -> None:
    membership = coordinating(viewer)
    if membership is None:
        await state.clear()
        await refuse(message, t)
        return
    try:
        slot = parse_typed(message.text or "", zone(membership.network), clock.now())
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.update_data(ev_slot=_slot_data(slot))
    await state.set_state(EventNew.place)
    await message.answer(t("events.new.ask_place", when=format_slot(slot, zone(membership.network), t)),
                         reply_markup=kb.choices([(t("events.new.skip"), EvSetCb(a="skip"))], t, extra=_drop(t)))


@router.message(EventNew.place, F.text)
async def new_place(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    text = (message.text or "").strip()
    try:
        if text.lower().startswith(("http://", "https://")):
            await state.update_data(ev_link=core.clean_link(text), ev_place=None)
        else:
            await state.update_data(ev_place=core.clean_text(text, core.PLACE_LIMIT), ev_link=None)
    except DomainError as error:
        await explain(message, t, error)
        return
    await _ask_audience(message, state, t)


@router.callback_query(EventNew.place, EvSetCb.filter(F.a == "skip"))
async def new_place_skipped(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.update_data(ev_place=None, ev_link=None)
    await _ask_audience(query, state, t)


def _audience_items(t: Translator, action: str, event_id: int = 0) -> list[tuple[str, EvSetCb]]:
    return [(t(f"audience.{code}"), EvSetCb(a=action, v=code, id=event_id)) for code in core.BASIC_AUDIENCES]


async def _ask_audience(event: Message | CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(EventNew.audience)
    await show(event, t("events.new.ask_audience"), kb.choices(_audience_items(t, "aud"), t, extra=_drop(t)))


@router.callback_query(EventNew.audience, EvSetCb.filter(F.a == "aud"))
async def new_audience(query: CallbackQuery, callback_data: EvSetCb, state: FSMContext, viewer: Viewer,
                       t: Translator) -> None:
    membership = coordinating(viewer)
    if membership is None or callback_data.v not in core.BASIC_AUDIENCES:
        await refuse(query, t)
        return
    await state.update_data(ev_audience=callback_data.v)
    await state.set_state(EventNew.confirm)
    data = await state.get_data()
    slot = _slot_of(data["ev_slot"])
    tz = zone(membership.network)
    lines = [t("events.new.summary"), t("events.card.title", title=data["ev_title"]),
             t("events.new.summary_kind", kind=Raw(messages.kind_label(data["ev_kind"], t))),
             t("events.card.when", when=format_slot(slot, tz, t))]
    if data.get("ev_place"):
        lines.append(t("events.card.place", place=data["ev_place"]))
    if data.get("ev_link"):
        lines.append(t("events.card.link", link=data["ev_link"]))
    lines.append(t("events.new.summary_audience", audience=t(f"audience.{callback_data.v}")))
    items = [(t("events.new.create"), EvSetCb(a="create")), (t("events.new.create_announce"), EvSetCb(a="create_ann")),
             (t("events.new.cancel"), EvSetCb(a="drop"))]
    await show(query, "\n".join(lines), kb.choices(items, t, columns=1))


def _drop(t: Translator) -> list[tuple[str, EvSetCb]]:
    return [(t("events.new.cancel"), EvSetCb(a="drop"))]


@router.callback_query(StateFilter(EventNew), EvSetCb.filter(F.a == "drop"))
async def new_dropped(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(query, t("events.new.dropped"), kb.markup([kb.back_to_menu_row(t)]))


@router.callback_query(EventNew.confirm, EvSetCb.filter(F.a.in_({"create", "create_ann", "drop"})))
async def new_confirm(query: CallbackQuery, callback_data: EvSetCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator, clock: Clock) -> None:
    membership = coordinating(viewer)
    if membership is None:
        await refuse(query, t)
        return
    data = await state.get_data()
    await state.clear()
    if callback_data.a == "drop":
        await show(query, t("events.new.dropped"), kb.markup([kb.back_to_menu_row(t)]))
        return
    try:
        event = await core.create_event(session, membership.network, title=data["ev_title"],
                                        slot=_slot_of(data["ev_slot"]), kind=data["ev_kind"],
                                        place=data.get("ev_place"), link=data.get("ev_link"),
                                        audience=data.get("ev_audience"), created_by=viewer.user, clock=clock)
        note = t("events.new.created")
        if callback_data.a == "create_ann":  # created: now whom to announce it to, as any announcement
            from handlers.broadcasts import start_announcement

            await start_announcement(query, state, session, event.network_id, event, t, clock)
            return
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(note)
    text, markup = await card(session, event, membership, viewer.user.id, t, clock.now())  # type: ignore[union-attr]
    await show(query, f"{note}\n\n{text}", markup)


def _slot_data(slot: Slot) -> dict[str, Any]:
    return {"start": slot.start.isoformat() if slot.start else None, "end": slot.end.isoformat(),
            "all_day": slot.all_day}


def _slot_of(data: dict[str, Any]) -> Slot:
    start = datetime.fromisoformat(data["start"]) if data.get("start") else None
    return Slot(start, datetime.fromisoformat(data["end"]), bool(data.get("all_day")))


# --- edit, move, cancel, announce ------------------------------------------------------------------

async def _managed(query: CallbackQuery | Message, session: AsyncSession, viewer: Viewer, t: Translator,
                   event_id: int, clock: Clock) -> Event | None:
    found = await event_for(query, session, viewer, t, event_id, clock.now(), manage=True)
    return found[0] if found else None


async def _show_card(event: CallbackQuery | Message, session: AsyncSession, viewer: Viewer, t: Translator,
                     found: Event, clock: Clock, note: str | None = None) -> None:
    membership = next(m for m in viewer.memberships if m.network_id == found.network_id)
    text, markup = await card(session, found, membership, viewer.user.id, t, clock.now())  # type: ignore[union-attr]
    await show(event, f"{note}\n\n{text}" if note else text, markup)


@router.callback_query(EvCb.filter(F.a == "edit"))
async def edit_menu(query: CallbackQuery, callback_data: EvCb, session: AsyncSession, viewer: Viewer,
                    t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    items = [(t(f"events.edit.fields.{f}"), EvSetCb(a="field", v=f, id=found.id)) for f in core.EDITABLE]
    await show(query, t("events.edit.choose", title=found.title[:200]),
               kb.choices(items, t, extra=[(t("events.list.back_card"), EvCb(a="open", id=found.id))]))


@router.callback_query(EvSetCb.filter(F.a == "field"))
async def edit_field(query: CallbackQuery, callback_data: EvSetCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None or callback_data.v not in core.EDITABLE:
        if found is not None:
            await refuse(query, t, "errors.stale_button")
        return
    if callback_data.v == "kind":
        items = [(f"{messages.KIND_ICONS[k]} {t(f'events.kinds.{k}')}", EvSetCb(a="setkind", v=k, id=found.id))
                 for k in (*NEW_KINDS, "document", "monitoring", "survey")]
        await show(query, t("events.new.ask_kind"), kb.choices(items, t))
        return
    if callback_data.v == "audience":
        await show(query, t("events.new.ask_audience"), kb.choices(_audience_items(t, "setaud", found.id), t))
        return
    await state.set_state(EventEdit.value)
    await state.update_data(ev_id=found.id, ev_field=callback_data.v)
    back = [(t("events.list.back_card"), EvCb(a="open", id=found.id))]
    await show(query, t(f"events.edit.ask.{callback_data.v}"),
               kb.choices([(t("events.new.skip"), EvSetCb(a="clear", id=found.id))] if callback_data.v != "title"
                          else [], t, extra=back))


@router.callback_query(EvSetCb.filter(F.a.in_({"setkind", "setaud"})))
async def edit_choice(query: CallbackQuery, callback_data: EvSetCb, session: AsyncSession, viewer: Viewer,
                      t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    try:
        core.edit(found, "kind" if callback_data.a == "setkind" else "audience", callback_data.v, clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await _show_card(query, session, viewer, t, found, clock, t("events.edit.saved"))


@router.message(EventEdit.value, F.text)
async def edit_value(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock) -> None:
    await _save_field(message, state, session, viewer, t, clock, message.text or "")


@router.callback_query(EventEdit.value, EvSetCb.filter(F.a == "clear"))
async def edit_clear(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock) -> None:
    await _save_field(query, state, session, viewer, t, clock, "")


async def _save_field(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator, clock: Clock, value: str) -> None:
    data = await state.get_data()
    found = await _managed(event, session, viewer, t, int(data.get("ev_id") or 0), clock)
    if found is None:
        await state.clear()
        return
    try:
        core.edit(found, str(data.get("ev_field")), value, clock)
    except DomainError as error:
        await explain(event, t, error)
        return  # stays on the step
    await state.clear()
    await _show_card(event, session, viewer, t, found, clock, t("events.edit.saved"))


@router.callback_query(EvCb.filter(F.a == "move"))
async def move_ask(query: CallbackQuery, callback_data: EvCb, state: FSMContext, session: AsyncSession,
                   viewer: Viewer, t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    await state.set_state(EventEdit.move)
    await state.update_data(ev_id=found.id)
    await show(query, t("events.move.ask", title=found.title[:200]),
               kb.choices([], t, extra=[(t("events.list.back_card"), EvCb(a="open", id=found.id))]))


@router.message(EventEdit.move, F.text)
async def move_to(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                  clock: Clock) -> None:
    data = await state.get_data()
    found = await _managed(message, session, viewer, t, int(data.get("ev_id") or 0), clock)
    if found is None:
        await state.clear()
        return
    network = await session.get(Network, found.network_id)
    try:
        slot = parse_typed(message.text or "", zone(network), clock.now())
        told = await lifecycle.move_event(session, found, slot, clock)
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.clear()
    await _show_card(message, session, viewer, t, found, clock, t("events.move.done", count=told))


@router.callback_query(EvCb.filter(F.a == "cancel"))
async def cancel_ask(query: CallbackQuery, callback_data: EvCb, session: AsyncSession, viewer: Viewer,
                     t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    items = [(t("events.cancel.yes"), EvCb(a="cancel_ok", id=found.id)),
             (t("events.cancel.no"), EvCb(a="open", id=found.id))]
    await show(query, t("events.cancel.confirm", title=found.title[:200]), kb.choices(items, t, columns=1))


@router.callback_query(EvCb.filter(F.a == "cancel_ok"))
async def cancel_do(query: CallbackQuery, callback_data: EvCb, session: AsyncSession, viewer: Viewer,
                    t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    try:
        told = await lifecycle.cancel_event(session, found, clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await _show_card(query, session, viewer, t, found, clock, t("events.cancel.done", count=told))


@router.callback_query(EvCb.filter(F.a == "announce"))
async def announce_ask(query: CallbackQuery, callback_data: EvCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator, clock: Clock) -> None:
    """The broadcast's steps for an announcement: whom to (the event's audience first), how many, then now or
    at a set time, and the live progress."""
    from handlers.broadcasts import start_announcement

    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    try:
        await start_announcement(query, state, session, found.network_id, found, t, clock)
    except DomainError as error:
        await explain(query, t, error)


def announce_moment(text: str, tz: Any, clock: Clock) -> datetime:
    """A moment for a scheduled announcement: a date with a time, in the network's zone."""
    slot = parse_typed(text, tz, clock.now())
    if slot.all_day or slot.start is None:
        raise DomainError("events.announce.need_time")
    return slot.start


# --- measures --------------------------------------------------------------------------------------

@router.callback_query(EvCb.filter(F.a == "measures"))
async def measures(query: CallbackQuery, callback_data: EvCb, session: AsyncSession, viewer: Viewer,
                   t: Translator, clock: Clock) -> None:
    await _measures(query, session, viewer, t, clock, callback_data.p)


@router.callback_query(EvMeasureCb.filter())
async def measure_toggle(query: CallbackQuery, callback_data: EvMeasureCb, session: AsyncSession, viewer: Viewer,
                         t: Translator, clock: Clock) -> None:
    found = await _managed(query, session, viewer, t, callback_data.id, clock)
    if found is None:
        return
    try:
        core.set_done(found, not found.is_done, viewer.user, clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await session.flush()
    await query.answer(t("events.measures.done" if found.is_done else "events.measures.reopened"))
    await _measures(query, session, viewer, t, clock, callback_data.p)


async def _measures(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                    page: int) -> None:
    membership = coordinating(viewer)
    if membership is None:
        await refuse(query, t)
        return
    progress = await core.measures_progress(session, membership.network_id)
    found = await core.measures_page(session, membership.network_id, page)
    tz = zone(membership.network)
    lines = [t("events.measures.title", done=progress.done, total=progress.total, percent=progress.percent)]
    if not found.total:
        lines.append(t("events.measures.none"))
    rows = []
    for item in found.items:
        mark = "✅" if item.is_done else "⬜"
        slot = core.first_slot(item)
        when = format_slot(slot, tz, t) if slot else (item.when_text or t("events.date.undated"))
        number = f"{item.number} " if item.number else ""
        lines.append(t("events.measures.line", mark=mark, number=number, title=item.title[:150], when=when))
        rows.append([kb.button(f"{mark} {number}{item.title}", EvMeasureCb(id=item.id, p=found.page))])
    rows.append(kb.nav(found, lambda p: EvCb(a="measures", p=p), t))
    rows.append([kb.button(t("events.panel.back"), EvCb(a="panel"))])
    await show(query, "\n".join(lines), kb.markup(rows))


# --- reminder offsets ------------------------------------------------------------------------------

@router.callback_query(EvCb.filter(F.a == "offsets"))
async def offsets(query: CallbackQuery, viewer: Viewer, t: Translator) -> None:
    membership = coordinating(viewer)
    if membership is None:
        await refuse(query, t)
        return
    await _offsets(query, membership.network, t)


@router.callback_query(EvOffsetCb.filter())
async def offset_toggle(query: CallbackQuery, callback_data: EvOffsetCb, session: AsyncSession, viewer: Viewer,
                        t: Translator, clock: Clock) -> None:
    membership = coordinating(viewer)
    if membership is None or callback_data.c not in reminders.OFFSETS:
        await refuse(query, t)
        return
    network = await session.get(Network, membership.network_id)
    assert network is not None
    current = reminders.offsets_of(network)
    chosen = [c for c in current if c != callback_data.c] if callback_data.c in current else [*current, callback_data.c]
    try:
        await reminders.set_offsets(session, network, chosen, clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(t("events.offsets.saved"))
    await _offsets(query, network, t)


async def _offsets(query: CallbackQuery, network: Network, t: Translator) -> None:
    current = reminders.offsets_of(network)
    items = [(("✅ " if code in current else "") + t(f"events.offsets.label.{code}"), EvOffsetCb(c=code))
             for code in reminders.OFFSETS]
    text = t("events.offsets.title", current=", ".join(t(f"events.offsets.label.{c}") for c in current))
    await show(query, text, kb.choices(items, t, extra=[(t("events.panel.back"), EvCb(a="panel"))]))
