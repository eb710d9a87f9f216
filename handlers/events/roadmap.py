"""The coordinator sends the roadmap file: a preview (rows, dated, need attention, sections) → fix dates by
typing them → import → choose which events to announce, now or at a set time.

The parsed rows live in the dialog state (the database by default), so the dialog survives a restart.
"""
from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events import core, importing, lifecycle
from bot.services.events.times import short_date, zone
from bot.services.pagination import Page
from bot.viewer import Viewer
from db.models import Event
from handlers.common import show
from handlers.events.common import announceable, coordinating, explain, refuse
from handlers.events.manage import announce_moment
from keyboards import events as kb
from keyboards.events import EvCb, RoadmapCb

router = Router(name="events.roadmap")
router.message.filter(F.chat.type == ChatType.PRIVATE)

PROBLEMS_PAGE = 5
PICK_PAGE = 8
CELL = 120


class RoadmapImport(StatesGroup):
    file = State()
    preview = State()  # data: rm_rows, rm_title, rm_file, rm_warnings
    fix = State()  # data: rm_fix (row index)
    announce = State()  # data: rm_events (ids to offer), rm_chosen
    announce_at = State()


def _cut(text: str | None, limit: int = CELL) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_roadmap_file(message: Message, viewer: Viewer) -> bool:
    document = message.document
    return (document is not None and coordinating(viewer) is not None
            and (document.file_name or "").lower().endswith(importing.EXTENSIONS))


@router.callback_query(EvCb.filter(F.a == "import"))
async def ask_file(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if coordinating(viewer) is None:
        await refuse(query, t)
        return
    await state.clear()
    await state.set_state(RoadmapImport.file)
    await show(query, t("events.import.ask_file"), kb.markup([[kb.button(t("events.new.cancel"), RoadmapCb(a="cancel"))]]))


@router.message(StateFilter(None), F.document, _is_roadmap_file)
async def file_without_asking(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    """A coordinator may just send the roadmap; a file without a table of events (a list of schools or
    people) goes on to the other features."""
    await _read_file(message, state, viewer, t, quiet=True)


@router.message(RoadmapImport.file, F.document)
async def file_received(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    await _read_file(message, state, viewer, t, quiet=False)


async def _read_file(message: Message, state: FSMContext, viewer: Viewer, t: Translator, *, quiet: bool) -> None:
    document = message.document
    assert document is not None
    if coordinating(viewer) is None:
        await state.clear()
        await refuse(message, t)
        return
    name = document.file_name or "roadmap"
    if not name.lower().endswith(importing.EXTENSIONS):
        await message.answer(t("events.import.wrong_type", name=name))
        return
    if document.file_size and document.file_size > importing.MAX_FILE_BYTES:
        await message.answer(t("events.import.too_big", mb=importing.MAX_FILE_BYTES // (1024 * 1024)))
        return
    if not quiet:
        await message.answer(t("events.import.reading", name=name))
    buffer = await message.bot.download(document)  # type: ignore[union-attr]
    data = buffer.read() if buffer is not None else b""
    try:
        roadmap = importing.parse_file(data, name)
    except DomainError as error:
        if quiet:
            raise SkipHandler from None
        await explain(message, t, error)
        return
    rows = importing.rows_of(roadmap)
    if not rows:
        if quiet:
            raise SkipHandler
        await message.answer(t("events.import.no_rows", warnings="\n".join(roadmap.warnings[:5])))
        return
    await state.set_state(RoadmapImport.preview)
    await state.update_data(rm_rows=rows, rm_title=roadmap.title, rm_file=name, rm_warnings=roadmap.warnings)
    await _preview(message, state, t)


@router.message(RoadmapImport.file)
async def file_expected(message: Message, t: Translator) -> None:
    await message.answer(t("events.import.send_file"))


async def _preview(event: Message | CallbackQuery, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    rows = data.get("rm_rows") or []
    summary = importing.preview(data.get("rm_title") or "", rows, data.get("rm_warnings") or [])
    lines = [t("events.import.preview", name=data.get("rm_file") or "", title=_cut(summary.title, 300) or "—",
               rows=summary.rows, dated=summary.dated, attention=summary.attention, sections=summary.sections,
               events=summary.events, tasks=summary.tasks)]
    if summary.warnings:
        lines.append(t("events.import.doc_warnings", warnings="\n".join(f"• {w}" for w in summary.warnings[:5])))
    items = [(t("events.import.do_import"), RoadmapCb(a="import"))]
    if summary.attention:
        items.append((t("events.import.show_problems", count=summary.attention), RoadmapCb(a="problems")))
    items.append((t("events.import.cancel"), RoadmapCb(a="cancel")))
    await show(event, "\n".join(lines), kb.choices(items, t, columns=1))


async def _dialog(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> list[dict[str, Any]] | None:
    """The rows of the dialog in progress, if this coordinator is still in it."""
    data = await state.get_data()
    if coordinating(viewer) is None or not data.get("rm_rows"):
        await refuse(query, t, "errors.stale_button")
        return None
    return list(data["rm_rows"])


@router.callback_query(RoadmapCb.filter(F.a == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(query, t("events.import.cancelled"), kb.markup([kb.back_to_menu_row(t)]))


@router.callback_query(RoadmapCb.filter(F.a == "problems"))
async def problems(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, viewer: Viewer,
                   t: Translator) -> None:
    rows = await _dialog(query, state, viewer, t)
    if rows is None:
        return
    await state.set_state(RoadmapImport.preview)
    await _problems(query, rows, t, callback_data.p)


async def _problems(event: Message | CallbackQuery, rows: list[dict[str, Any]], t: Translator, page: int) -> None:
    flagged = [i for i, row in enumerate(rows) if importing.needs_attention(row)]
    if not flagged:
        await show(event, t("events.import.no_problems"),
                   kb.choices([(t("events.import.do_import"), RoadmapCb(a="import")),
                               (t("events.import.back"), RoadmapCb(a="back"))], t, columns=1))
        return
    pages = max(1, -(-len(flagged) // PROBLEMS_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = flagged[page * PROBLEMS_PAGE:(page + 1) * PROBLEMS_PAGE]
    lines = [t("events.import.problems_title", count=len(flagged))]
    buttons = []
    for index in shown:
        row = rows[index]
        label = row.get("number") or str(index + 1)
        lines.append(t("events.import.problem", number=label, title=_cut(row.get("title")),
                       when=_cut(row.get("when"), 60) or "—",
                       warning=_cut("; ".join(row.get("warnings") or []) or t("events.date.undated"), 200)))
        buttons.append((t("events.import.fix_button", number=_cut(label, 12)), RoadmapCb(a="fix", i=index, p=page)))
    markup = kb.choices(buttons, t, columns=3)
    nav = kb.nav(Page(items=shown, page=page, pages=pages, total=len(flagged)),
                 lambda p: RoadmapCb(a="problems", p=p), t)
    rows_markup = [*markup.inline_keyboard, nav, [kb.button(t("events.import.do_import"), RoadmapCb(a="import"))],
                   [kb.button(t("events.import.back"), RoadmapCb(a="back"))]]
    await show(event, "\n\n".join(lines), kb.markup(rows_markup))


@router.callback_query(RoadmapCb.filter(F.a == "back"))
async def back(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await _dialog(query, state, viewer, t) is None:
        return
    await state.set_state(RoadmapImport.preview)
    await _preview(query, state, t)


@router.callback_query(RoadmapCb.filter(F.a == "fix"))
async def fix_ask(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, viewer: Viewer,
                  t: Translator) -> None:
    rows = await _dialog(query, state, viewer, t)
    if rows is None:
        return
    if not 0 <= callback_data.i < len(rows):
        await refuse(query, t, "errors.stale_button")
        return
    row = rows[callback_data.i]
    await state.set_state(RoadmapImport.fix)
    await state.update_data(rm_fix=callback_data.i, rm_page=callback_data.p)
    await show(query, t("events.import.fix_ask", title=_cut(row.get("title"), 300), when=row.get("when") or "—"),
               kb.markup([[kb.button(t("events.import.back"), RoadmapCb(a="back"))]]))


@router.message(RoadmapImport.fix, F.text)
async def fix_given(message: Message, state: FSMContext, viewer: Viewer, t: Translator, clock: Clock) -> None:
    data = await state.get_data()
    rows = list(data.get("rm_rows") or [])
    index = int(data.get("rm_fix", -1))
    membership = coordinating(viewer)
    if membership is None or not 0 <= index < len(rows):
        await state.clear()
        await refuse(message, t)
        return
    year = clock.now().astimezone(zone(membership.network)).year
    try:
        rows[index] = importing.fix_row(rows[index], message.text or "", data.get("rm_title") or "", year)
    except DomainError as error:
        await explain(message, t, error)
        return  # stays on the step
    await state.update_data(rm_rows=rows)
    await state.set_state(RoadmapImport.preview)
    periods = rows[index]["periods"]
    await message.answer(t("events.import.fixed", title=_cut(rows[index].get("title"), 200),
                           start=periods[0]["start"] or "…", end=periods[-1]["end"], count=len(periods)))
    await _problems(message, rows, t, int(data.get("rm_page") or 0))


@router.message(RoadmapImport.fix)
async def fix_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


@router.callback_query(RoadmapCb.filter(F.a == "import"))
async def do_import(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock) -> None:
    rows = await _dialog(query, state, viewer, t)
    membership = coordinating(viewer)
    if rows is None or membership is None:
        return
    data = await state.get_data()
    result = await importing.import_rows(session, membership.network, rows, file_name=data.get("rm_file") or "",
                                         title=data.get("rm_title") or "", warnings=data.get("rm_warnings") or [],
                                         clock=clock, by=viewer.user)
    await session.flush()
    now = clock.now()
    events = [e for e in [await session.get(Event, i) for i in dict.fromkeys(result.event_ids)]
              if e is not None and announceable(e, now) and e.announced_at is None
              and e.kind in core.ANNOUNCEABLE_KINDS]
    text = t("events.import.done", rows=result.rows, created=result.created, updated=result.updated,
             unchanged=result.unchanged, attention=len(result.attention), moved=result.moved)
    if not events:
        await state.clear()
        await show(query, text + "\n\n" + t("events.import.nothing_to_announce"),
                   kb.markup([[kb.button(t("events.panel.events"), EvCb(a="panel"))], kb.back_to_menu_row(t)]))
        return
    await state.set_state(RoadmapImport.announce)
    await state.update_data(rm_rows=None, rm_events=[e.id for e in events], rm_chosen=[], rm_done=text)
    await _pick(query, state, session, viewer, t, clock, 0)


async def _pick(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                t: Translator, clock: Clock, page: int) -> None:
    data = await state.get_data()
    ids: list[int] = list(data.get("rm_events") or [])
    chosen = set(data.get("rm_chosen") or [])
    membership = coordinating(viewer)
    if membership is None:
        return
    pages = max(1, -(-len(ids) // PICK_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = [e for e in [await session.get(Event, i) for i in ids[page * PICK_PAGE:(page + 1) * PICK_PAGE]] if e]
    tz = zone(membership.network)
    now = clock.now()
    rows = [[kb.button(f"{'☑️' if e.id in chosen else '⬜'} {short_date(core.first_slot(e, now), tz, t)} · {e.title}",
                       RoadmapCb(a="pick", i=e.id, p=page))] for e in shown]
    rows.append(kb.nav(Page(items=shown, page=page, pages=pages, total=len(ids)),
                       lambda p: RoadmapCb(a="page", p=p), t))
    rows.append([kb.button(t("events.import.pick_all"), RoadmapCb(a="all", p=page))])
    if chosen:
        rows.append([kb.button(t("events.import.announce_now", count=len(chosen)), RoadmapCb(a="ann_now")),
                     kb.button(t("events.import.announce_at"), RoadmapCb(a="ann_at"))])
    rows.append([kb.button(t("events.import.announce_skip"), RoadmapCb(a="skip"))])
    text = (data.get("rm_done") or "") + "\n\n" + t("events.import.pick", count=len(ids), chosen=len(chosen))
    await show(event, text, kb.markup(rows))


def _announcing(data: dict[str, Any]) -> bool:
    return bool(data.get("rm_events"))


@router.callback_query(RoadmapCb.filter(F.a.in_({"pick", "all", "page"})))
async def pick(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, session: AsyncSession,
               viewer: Viewer, t: Translator, clock: Clock) -> None:
    data = await state.get_data()
    if coordinating(viewer) is None or not _announcing(data):
        await refuse(query, t, "errors.stale_button")
        return
    ids = list(data["rm_events"])
    chosen = list(data.get("rm_chosen") or [])
    if callback_data.a == "all":
        chosen = [] if len(chosen) == len(ids) else ids
    elif callback_data.a == "pick":
        if callback_data.i not in ids:
            await refuse(query, t, "errors.stale_button")
            return
        chosen = [i for i in chosen if i != callback_data.i] if callback_data.i in chosen else [*chosen, callback_data.i]
    await state.update_data(rm_chosen=chosen)
    await _pick(query, state, session, viewer, t, clock, callback_data.p)


@router.callback_query(RoadmapCb.filter(F.a == "skip"))
async def skip(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(query, t("events.import.announce_skipped"),
               kb.markup([[kb.button(t("events.panel.events"), EvCb(a="panel"))], kb.back_to_menu_row(t)]))


@router.callback_query(RoadmapCb.filter(F.a == "ann_now"))
async def announce_now(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                       t: Translator, clock: Clock) -> None:
    await _announce(query, state, session, viewer, t, clock, None)


@router.callback_query(RoadmapCb.filter(F.a == "ann_at"))
async def announce_at_ask(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    data = await state.get_data()
    if coordinating(viewer) is None or not data.get("rm_chosen"):
        await refuse(query, t, "errors.stale_button")
        return
    await state.set_state(RoadmapImport.announce_at)
    await show(query, t("events.announce.ask_at"), kb.markup([[kb.button(t("events.new.cancel"), RoadmapCb(a="skip"))]]))


@router.message(RoadmapImport.announce_at, F.text)
async def announce_at(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      clock: Clock) -> None:
    membership = coordinating(viewer)
    if membership is None:
        await state.clear()
        await refuse(message, t)
        return
    try:
        moment = announce_moment(message.text or "", zone(membership.network), clock)
    except DomainError as error:
        await explain(message, t, error)
        return
    await _announce(message, state, session, viewer, t, clock, moment)


async def _announce(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                    t: Translator, clock: Clock, at: Any) -> None:
    data = await state.get_data()
    membership = coordinating(viewer)
    chosen = list(data.get("rm_chosen") or [])
    if membership is None or not chosen:
        await refuse(event, t, "errors.stale_button")
        return
    announced = skipped = recipients = 0
    for event_id in chosen:
        found = await session.get(Event, event_id)
        if found is None or found.network_id != membership.network_id:
            skipped += 1
            continue
        try:
            result = await lifecycle.announce(session, found, clock, at=at, by=viewer.user)
        except DomainError:  # too late for this one (it started meanwhile), or it was cancelled
            skipped += 1
            continue
        announced += 1
        recipients += result.recipients
    await state.clear()
    tz = zone(membership.network)
    key = "events.import.announced" if at is None else "events.import.announced_at"
    text = t(key, count=announced, recipients=recipients, skipped=skipped,
             at=at.astimezone(tz).strftime("%d.%m.%Y %H:%M") if at else "")
    await show(event, text, kb.markup([[kb.button(t("events.panel.events"), EvCb(a="panel"))], kb.back_to_menu_row(t)]))
