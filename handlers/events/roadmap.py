"""The coordinator sends the roadmap file: a preview (rows, dated, need attention, sections, how the columns were
read) → change a column's role, move a past plan to this school year, fix dates by typing them → import → choose
which events to announce, now or at a set time.

The file and its reading live in ``roadmap_uploads`` (the dialog state holds only its id), so the dialog survives a
restart and the buttons re-read the same file; the parser runs in the upload sandbox, never on the event loop.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events import core, importing, lifecycle
from bot.services.events import roadmap_upload as uploads
from bot.services.events.times import short_date, zone
from bot.services.pagination import Page
from bot.services.uploads import FileRejected
from bot.services.roadmap import YearContext
from bot.viewer import Viewer
from db.models import Event, Membership, RoadmapUpload
from handlers.common import show
from handlers.events.common import announceable, coordinating, explain, refuse
from handlers.events.manage import announce_moment
from keyboards import events as kb
from handlers.uploads import fetch
from keyboards.events import EvCb, RoadmapCb, RoadmapColCb
from keyboards.common import back_to_menu

router = Router(name="events.roadmap")
router.message.filter(F.chat.type == ChatType.PRIVATE)

PROBLEMS_PAGE = 5
PICK_PAGE = 8
COLUMNS_PAGE = 8
CELL = 120
SHEETS = (".xlsx", ".csv")  # what the people import reads too (handlers/mentoring/importing.py)
# The order roles are told in the preview: what matters most first.
TOLD = ("title", "dates", "dates_end", "month", "stage", "number", "responsible", "form", "result", "document", "indicator",
        "audience", "details", "note")


class RoadmapImport(StatesGroup):
    file = State()
    preview = State()  # data: rm_upload (roadmap_uploads.id)
    fix = State()  # data: rm_fix (row index), rm_page
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
async def ask_file(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator, settings: Settings) -> None:
    if coordinating(viewer) is None:
        await refuse(query, t)
        return
    await state.clear()
    await state.set_state(RoadmapImport.file)
    await show(query, t("events.import.ask_file", mb=_megabytes(settings)),
               kb.choices([(t("events.import.cancel"), RoadmapCb(a="cancel"))], t))


@router.message(StateFilter(None), F.document, _is_roadmap_file)
async def file_without_asking(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                              t: Translator, clock: Clock, settings: Settings) -> None:
    """A coordinator may just send the roadmap; a file without a table of events (a list of schools or
    people) goes on to the other features. It is held to the same limits and sandbox as one asked for."""
    await _read_file(message, state, session, viewer, t, clock, settings, quiet=True)


@router.message(StateFilter(RoadmapImport.file, RoadmapImport.preview), F.document)
async def file_received(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                        clock: Clock, settings: Settings) -> None:
    await _read_file(message, state, session, viewer, t, clock, settings, quiet=False)


def _megabytes(settings: Settings) -> str:
    return f"{settings.upload_max_mb:g}"


async def _read_file(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock, settings: Settings, *, quiet: bool) -> None:
    document = message.document
    assert document is not None
    membership = coordinating(viewer)
    if membership is None or viewer.user is None:
        await state.clear()
        await refuse(message, t)
        return
    name = document.file_name or "roadmap"
    if not name.lower().endswith(importing.EXTENSIONS):
        await message.answer(t("events.import.wrong_type", name=name))
        return
    if not quiet:
        await message.answer(t("events.import.reading", name=name))
    limits = settings.file_limits()
    data = None
    try:
        # The real size is counted as the bytes arrive (the update's claim is not trusted); the parse runs in
        # the capped worker.
        data = await fetch(message.bot, document.file_id, limits,  # type: ignore[arg-type]
                           declared_size=document.file_size)
        result = await uploads.parse(data, name, limits=limits)
    except FileRejected as error:
        if quiet and data is not None and name.lower().endswith(SHEETS):
            # A sheet sent without asking may be a list of people: the import reads it under the same limits
            # and sandbox, and names the limit in its own words.
            raise SkipHandler from None
        # Too big, too complex or lost on the way: said plainly, also for a file sent without asking.
        way_out = (back_to_menu(t) if quiet
                   else kb.choices([(t("events.import.cancel"), RoadmapCb(a="cancel"))], t))  # the next file is read
        await message.answer(t(error.key, **error.values), reply_markup=way_out)
        return
    except DomainError as error:
        if quiet:
            raise SkipHandler from None
        await explain(message, t, error)
        return
    if not result["rows"]:
        if quiet:
            raise SkipHandler
        await message.answer(t("events.import.no_rows", warnings="\n".join(result["warnings"][:5])))
        return
    upload = await uploads.store(session, membership.network_id, viewer.user.id, name, data, result, clock)
    await state.set_state(RoadmapImport.preview)
    await state.set_data({"rm_upload": upload.id})
    await _preview(message, upload, membership, t, clock)


@router.message(RoadmapImport.file)
async def file_expected(message: Message, t: Translator) -> None:
    await message.answer(t("events.import.send_file"))


def _period(kind: str, first: int, last: int) -> str:
    return YearContext(kind, first, last).describe()  # type: ignore[arg-type]


def _reading(columns: list[dict[str, Any]], t: Translator) -> str:
    """«Название — столбец «Мероприятия», срок — «Сроки», этапы — «Наименование этапа»» for each table read."""
    read = [entry for entry in columns if entry.get("read")]
    lines = []
    for entry in read[:3]:
        placed = sorted(((c["role"], c["header"]) for c in entry["columns"] if c["role"] in TOLD and c["header"]),
                        key=lambda item: TOLD.index(item[0]))
        if not placed:
            continue
        parts = [t("roadmap.chat.first_part", role=t(f"roadmap.chat.told.{placed[0][0]}"), header=_cut(placed[0][1], 60))]
        parts[0] = parts[0][:1].upper() + parts[0][1:]
        parts += [t("roadmap.chat.part", role=t(f"roadmap.chat.told.{role}"), header=_cut(header, 60))
                  for role, header in placed[1:]]
        key = "roadmap.chat.read_as_table" if len(read) > 1 else "roadmap.chat.read_as"
        lines.append(t(key, table=entry.get("name") or "", parts=", ".join(parts)))
    return "\n".join(lines)


async def _preview(event: Message | CallbackQuery, upload: RoadmapUpload, membership: Membership, t: Translator,
                   clock: Clock, note: str = "") -> None:
    result = upload.result or {}
    rows = uploads.rows(upload)
    summary = importing.preview(result.get("title") or "", rows, result.get("warnings") or [])
    lines = [note] if note else []
    lines.append(t("events.import.preview", name=upload.file_name, title=_cut(summary.title, 300) or "—",
                   rows=summary.rows, dated=summary.dated, attention=summary.attention, sections=summary.sections,
                   events=summary.events, tasks=summary.tasks))
    reading = _reading(result.get("columns") or [], t)
    if reading:
        lines.append("\n" + reading)
    period = result.get("period") or {}
    move = uploads.past_plan(upload, clock.now().astimezone(zone(membership.network)).date())
    if upload.shift_years and period.get("first"):
        lines.append("\n" + t("roadmap.chat.moved", period=_period(period["kind"], period["first"] + upload.shift_years,
                                                               period["last"] + upload.shift_years)))
    elif move is not None:
        lines.append("\n" + t("roadmap.chat.past", target=_period(move.kind, move.first, move.last)))
    if summary.warnings:
        lines.append(t("events.import.doc_warnings", warnings="\n".join(f"• {w}" for w in summary.warnings[:5])))
    items = [(t("events.import.do_import"), RoadmapCb(a="import"))]
    if summary.attention:
        items.append((t("events.import.show_problems", count=summary.attention), RoadmapCb(a="problems")))
    items.append((t("roadmap.chat.columns_button"), RoadmapCb(a="cols")))
    if move is not None:
        items.append((t("roadmap.chat.move_button", target=_period(move.kind, move.first, move.last)),
                      RoadmapCb(a="move")))
    elif upload.shift_years:
        items.append((t("roadmap.chat.unmove_button"), RoadmapCb(a="unmove")))
    items.append((t("events.import.cancel"), RoadmapCb(a="cancel")))
    await show(event, "\n".join(lines), kb.choices(items, t, columns=1))


async def _upload(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                  t: Translator) -> tuple[RoadmapUpload, Membership] | None:
    """The file of the dialog in progress, if this coordinator is still in it (rights re-checked)."""
    data = await state.get_data()
    membership = coordinating(viewer)
    upload = None
    if membership is not None and viewer.user is not None:
        upload = await uploads.get(session, data.get("rm_upload"), membership.network_id, viewer.user.id)
    if membership is None or upload is None:
        await refuse(event, t, "errors.stale_button")
        return None
    return upload, membership


async def _dialog(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                  t: Translator) -> list[dict[str, Any]] | None:
    found = await _upload(query, state, session, viewer, t)
    return uploads.rows(found[0]) if found else None


@router.callback_query(RoadmapCb.filter(F.a == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                 t: Translator) -> None:
    data = await state.get_data()
    membership = coordinating(viewer)
    if membership is not None and viewer.user is not None:
        await uploads.drop(session, await uploads.get(session, data.get("rm_upload"), membership.network_id,
                                                      viewer.user.id))
    await state.clear()
    await show(query, t("events.import.cancelled"), kb.markup([kb.back_to_menu_row(t)]))


@router.callback_query(RoadmapCb.filter(F.a == "problems"))
async def problems(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, session: AsyncSession,
                   viewer: Viewer, t: Translator) -> None:
    rows = await _dialog(query, state, session, viewer, t)
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
async def back(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
               clock: Clock) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is None:
        return
    await state.set_state(RoadmapImport.preview)
    await _preview(query, *found, t, clock)


# -- column roles ------------------------------------------------------------------------------------------


def _column_items(upload: RoadmapUpload) -> list[tuple[int, int, str, str | None, str]]:
    """(table, column, header, role, table name) of every column of every table with a header."""
    entries = (upload.result or {}).get("columns") or []
    return [(entry["table"] - 1, column["column"] - 1, column["header"], column["role"], entry.get("name") or "")
            for entry in entries for column in entry.get("columns") or []]


def _column_label(t: Translator, header: str, column: int) -> str:
    return _cut(header, 40) if header else t("roadmap.chat.column_n", number=column + 1)


@router.callback_query(RoadmapCb.filter(F.a == "cols"))
async def columns(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, session: AsyncSession,
                  viewer: Viewer, t: Translator) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is None:
        return
    upload = found[0]
    await state.set_state(RoadmapImport.preview)
    items = _column_items(upload)
    tables = len({table for table, *_ in items})
    pages = max(1, -(-len(items) // COLUMNS_PAGE))
    page = min(max(callback_data.p, 0), pages - 1)
    shown = items[page * COLUMNS_PAGE:(page + 1) * COLUMNS_PAGE]
    rows = []
    for table, column, header, role, name in shown:
        label = t("roadmap.chat.column_button", column=_column_label(t, header, column),
                  role=t(f"roadmap.roles.{role or 'skip'}"))
        if tables > 1:
            label = f"{_cut(name, 20)} · {label}"
        rows.append([kb.button(label, RoadmapColCb(a="col", t=table, c=column))])
    rows.append(kb.nav(Page(items=shown, page=page, pages=pages, total=len(items)),
                       lambda p: RoadmapCb(a="cols", p=p), t))
    if upload.roles:
        rows.append([kb.button(t("roadmap.chat.reset_button"), RoadmapCb(a="reset"))])
    rows.append([kb.button(t("events.import.back"), RoadmapCb(a="back"))])
    await show(query, t("roadmap.chat.columns_title" if items else "roadmap.chat.no_columns"), kb.markup(rows))


@router.callback_query(RoadmapColCb.filter(F.a == "col"))
async def column(query: CallbackQuery, callback_data: RoadmapColCb, state: FSMContext, session: AsyncSession,
                 viewer: Viewer, t: Translator) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is None:
        return
    item = next((i for i in _column_items(found[0]) if i[:2] == (callback_data.t, callback_data.c)), None)
    if item is None:
        await refuse(query, t, "errors.stale_button")
        return
    table, number, header, role, name = item
    several = len({i[0] for i in _column_items(found[0])}) > 1
    choices = [(t(f"roadmap.chat.choice.{choice}"), RoadmapColCb(a="set", t=table, c=number, r=choice))
               for choice in uploads.CHOOSABLE_ROLES if choice != (role or "skip")]
    key = "roadmap.chat.column_ask_table" if several else "roadmap.chat.column_ask"
    await show(query, t(key, column=_column_label(t, header, number), table=name,
                        role=t(f"roadmap.roles.{role or 'skip'}")),
               kb.choices(choices, t, columns=2, extra=[(t("roadmap.chat.back_to_columns"), RoadmapCb(a="cols"))]))


async def _reread(query: CallbackQuery, session: AsyncSession, found: tuple[RoadmapUpload, Membership],
                  t: Translator, clock: Clock, change: Callable[[RoadmapUpload], Awaitable[None]], note: str = "") -> None:
    """Apply the coordinator's change (the file is read again in the sandbox) and show the new preview."""
    upload, membership = found
    try:
        await change(upload)
    except DomainError as error:
        await explain(query, t, error)
        return
    await _preview(query, upload, membership, t, clock, note)


@router.callback_query(RoadmapColCb.filter(F.a == "set"))
async def column_set(query: CallbackQuery, callback_data: RoadmapColCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator, clock: Clock) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is None:
        return
    item = next((i for i in _column_items(found[0]) if i[:2] == (callback_data.t, callback_data.c)), None)
    header = _column_label(t, item[2] if item else "", callback_data.c)
    note = (t("roadmap.chat.role_skipped", column=header) if callback_data.r == "skip"
            else t("roadmap.chat.role_set", column=header, role=t(f"roadmap.roles.{callback_data.r}")))
    await _reread(query, session, found, t, clock,
                  lambda upload: uploads.set_role(session, upload, callback_data.t, callback_data.c, callback_data.r),
                  note)


@router.callback_query(RoadmapCb.filter(F.a == "reset"))
async def columns_reset(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator, clock: Clock) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is not None:
        await _reread(query, session, found, t, clock, lambda upload: uploads.reset_roles(session, upload),
                      t("roadmap.chat.roles_reset"))


# -- a past plan ------------------------------------------------------------------------------------------


@router.callback_query(RoadmapCb.filter(F.a.in_({"move", "unmove"})))
async def move(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, session: AsyncSession,
               viewer: Viewer, t: Translator, clock: Clock) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is None:
        return
    offer = uploads.past_plan(found[0], clock.now().astimezone(zone(found[1].network)).date())
    if callback_data.a == "move" and offer is None:
        await refuse(query, t, "errors.stale_button")
        return
    years = offer.years if offer is not None else 0
    await _reread(query, session, found, t, clock, lambda upload: uploads.set_shift(session, upload, years))


# -- dates typed by the coordinator ----------------------------------------------------------------------


@router.callback_query(RoadmapCb.filter(F.a == "fix"))
async def fix_ask(query: CallbackQuery, callback_data: RoadmapCb, state: FSMContext, session: AsyncSession,
                  viewer: Viewer, t: Translator) -> None:
    rows = await _dialog(query, state, session, viewer, t)
    if rows is None:
        return
    if not 0 <= callback_data.i < len(rows):
        await refuse(query, t, "errors.stale_button")
        return
    row = rows[callback_data.i]
    await state.set_state(RoadmapImport.fix)
    await state.update_data(rm_fix=callback_data.i, rm_page=callback_data.p)
    await show(query, t("events.import.fix_ask", title=_cut(row.get("title"), 300), when=row.get("when") or "—"),
               kb.choices([(t("events.import.back"), RoadmapCb(a="problems", p=callback_data.p))], t))


@router.message(RoadmapImport.fix, F.text)
async def fix_given(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock) -> None:
    found = await _upload(message, state, session, viewer, t)
    if found is None:
        await state.clear()
        return
    upload, membership = found
    data = await state.get_data()
    year = clock.now().astimezone(zone(membership.network)).year
    try:
        row = uploads.fix(upload, int(data.get("rm_fix", -1)), message.text or "", year)
    except DomainError as error:
        await explain(message, t, error)
        return  # stays on the step
    await session.flush()
    await state.set_state(RoadmapImport.preview)
    await message.answer(t("roadmap.chat.fixed", title=_cut(row.get("title"), 200),
                           dates=uploads.russian_dates(row["periods"])))
    await _problems(message, uploads.rows(upload), t, int(data.get("rm_page") or 0))


@router.message(RoadmapImport.fix)
async def fix_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


@router.callback_query(RoadmapCb.filter(F.a == "import"))
async def do_import(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock) -> None:
    found = await _upload(query, state, session, viewer, t)
    if found is None:
        return
    upload, membership = found
    parsed = upload.result or {}
    result = await importing.import_rows(session, membership.network, uploads.rows(upload), file_name=upload.file_name,
                                         title=parsed.get("title") or "", warnings=parsed.get("warnings") or [],
                                         clock=clock, by=viewer.user)
    await uploads.drop(session, upload)
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
    await state.set_data({"rm_events": [e.id for e in events], "rm_chosen": [], "rm_done": text})
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
