"""The coordinator's schools: a searchable list, the card, adding, renaming, status and level."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.errors import DomainError
from bot.services import short_names
from bot.services.mentoring import schools as school_service
from bot.services.mentoring import vocabulary as vocab
from bot.viewer import Viewer
from db.models import School
from handlers.common import show
from handlers.mentoring.common import Event, explain, need_coordinator, tell
from keyboards.callbacks import PageCb
from keyboards.mentoring import CoordCb, coord_home, markup

router = Router(name="mentoring.schools")
LIST = "m_schools"


class SchoolStates(StatesGroup):
    browse = State()  # typed text searches the list
    add = State()
    rename = State()
    short = State()


def _level(level: int | None, t: Translator) -> str:
    return t("mentoring.school.level", level=level) if level else t("mentoring.school.no_level")


@router.callback_query(CoordCb.filter(F.a == "sch"))
async def schools_open(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                       t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await state.set_state(SchoolStates.browse)
    await state.update_data(sch_query=None)
    await schools_page(query, state, session, viewer, t, 0)


@router.callback_query(PageCb.filter(F.list == LIST))
async def schools_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator) -> None:
    await schools_page(query, state, session, viewer, t, callback_data.page)


@router.message(SchoolStates.browse, F.text)
async def schools_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                         t: Translator) -> None:
    await state.update_data(sch_query=(message.text or "").strip()[:100])
    await schools_page(message, state, session, viewer, t, 0)


async def schools_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                       page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    query = (await state.get_data()).get("sch_query")
    schools = await school_service.list_schools(session, me[1], page, query=query)
    if query:
        text = t("mentoring.school.found", query=query, count=schools.total)
    else:
        text = t("mentoring.school.list", count=schools.total)
    rows = [[(_school_label(s, t), CoordCb(a="sc", id=s.id))] for s in schools.items]
    rows.append([(t("mentoring.school.add"), CoordCb(a="sadd"))])
    await show(event, text, markup(rows, page=schools, list_name=LIST, t=t, back=coord_home(t)))


def _school_label(school: School, t: Translator) -> str:
    """«Важинский ОЦ · ШНОР · 3-й уровень»: the status and the level in words, nothing shown when unset."""
    parts = [short_names.school(school.name, school.short_name, 28)]
    if school.status != "regular":
        parts.append(t(f"mentoring.school_status_short.{school.status}"))
    if school.level:
        parts.append(t("mentoring.school.level", level=school.level))
    return " · ".join(parts)


async def show_school(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, school_id: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    try:
        school = await school_service.school_in(session, school_id, me[1])
    except DomainError as error:
        await explain(event, t, error)
        return
    facts = await school_service.school_facts(session, school)
    text = t("mentoring.school.card", name=school.name, short=school.short_name or "—",
             status=t(f"mentoring.school_status.{school.status}"), level=_level(school.level, t),
             municipality=school.municipality or "—", members=facts.members, mentors=facts.mentors, links=facts.links)
    rows = [
        [(t("mentoring.school.status_button"), CoordCb(a="sstm", id=school.id)),
         (t("mentoring.school.level_button"), CoordCb(a="slvm", id=school.id))],
        [(t("mentoring.school.rename"), CoordCb(a="sren", id=school.id)),
         (t("mentoring.school.short_button"), CoordCb(a="sshort", id=school.id))],
        [(t("mentoring.school.people"), CoordCb(a="pfs", id=school.id)),
         (t("mentoring.school.match"), CoordCb(a="mts", id=school.id))],
    ]
    await show(event, text, markup(rows, back=(t("mentoring.school.back"), CoordCb(a="sch"))))


@router.callback_query(CoordCb.filter(F.a == "sc"))
async def school_open(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    await show_school(query, session, viewer, t, callback_data.id)


@router.callback_query(CoordCb.filter(F.a == "sstm"))
async def status_menu(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    rows = [[(t(f"mentoring.school_status.{code}"), CoordCb(a="sst", id=callback_data.id, v=i))]
            for i, code in enumerate(vocab.SCHOOL_STATUSES)]
    await show(query, t("mentoring.school.ask_status"),
               markup(rows, back=(t("mentoring.school.back_card"), CoordCb(a="sc", id=callback_data.id))))


@router.callback_query(CoordCb.filter(F.a == "slvm"))
async def level_menu(query: CallbackQuery, callback_data: CoordCb, viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    rows = [[(t("mentoring.school.level", level=n), CoordCb(a="slv", id=callback_data.id, v=n))
             for n in vocab.SCHOOL_LEVELS], [(t("mentoring.school.no_level"), CoordCb(a="slv", id=callback_data.id))]]
    await show(query, t("mentoring.school.ask_level"),
               markup(rows, back=(t("mentoring.school.back_card"), CoordCb(a="sc", id=callback_data.id))))


async def _update(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, school_id: int,
                  **values: object) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    try:
        await school_service.update_school(session, school_id, network_id=me[1], actor_id=me[0].id, **values)
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(t("mentoring.coord.saved"))
    await show_school(query, session, viewer, t, school_id)


@router.callback_query(CoordCb.filter(F.a == "sst"))
async def status_set(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    if not 0 <= callback_data.v < len(vocab.SCHOOL_STATUSES):
        await tell(query, t, "errors.stale_button")
        return
    await _update(query, session, viewer, t, callback_data.id, status=vocab.SCHOOL_STATUSES[callback_data.v])


@router.callback_query(CoordCb.filter(F.a == "slv"))
async def level_set(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                    t: Translator) -> None:
    if callback_data.v not in (0, *vocab.SCHOOL_LEVELS):
        await tell(query, t, "errors.stale_button")
        return
    await _update(query, session, viewer, t, callback_data.id, level=callback_data.v or None)


# --- typed: add, rename, short name -------------------------------------------------------------------------------

@router.callback_query(CoordCb.filter(F.a == "sadd"))
async def add_start(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, viewer: Viewer,
                    t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await state.set_state(SchoolStates.add)
    # From «a school is missing» notice: the person who named it goes into the school once it is added.
    await state.update_data(sch_for_user=callback_data.id or None)
    await show(query, t("mentoring.school.ask_name"), markup([], back=(t("mentoring.school.back"), CoordCb(a="sch"))))


@router.callback_query(CoordCb.filter(F.a.in_({"sren", "sshort"})))
async def rename_start(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    try:
        school = await school_service.school_in(session, callback_data.id, me[1])
    except DomainError as error:
        await explain(query, t, error)
        return
    await state.set_state(SchoolStates.rename if callback_data.a == "sren" else SchoolStates.short)
    await state.update_data(sch_edit=school.id)
    key = "mentoring.school.ask_rename" if callback_data.a == "sren" else "mentoring.school.ask_short"
    await show(query, t(key, name=school.name),
               markup([], back=(t("mentoring.school.back_card"), CoordCb(a="sc", id=school.id))))


@router.message(SchoolStates.add, F.text)
async def add_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                    t: Translator) -> None:
    me = await need_coordinator(message, viewer, t)
    if me is None:
        return
    try:
        school = await school_service.add_school(session, network_id=me[1], actor_id=me[0].id, name=message.text or "")
    except DomainError as error:
        await explain(message, t, error)
        return
    person = (await state.get_data()).get("sch_for_user")
    if person:
        await school_service.place_without_school(session, int(person), school)
    await state.set_state(SchoolStates.browse)
    await message.answer(t("mentoring.school.added", name=school.name))
    await show_school(message, session, viewer, t, school.id)


@router.message(SchoolStates.rename, F.text)
@router.message(SchoolStates.short, F.text)
async def rename_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                       t: Translator) -> None:
    me = await need_coordinator(message, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    field = "name" if await state.get_state() == SchoolStates.rename.state else "short_name"
    try:
        school = await school_service.update_school(session, int(data.get("sch_edit") or 0), network_id=me[1],
                                                    actor_id=me[0].id, **{field: message.text or ""})
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.set_state(SchoolStates.browse)
    await message.answer(t("mentoring.coord.saved"))
    await show_school(message, session, viewer, t, school.id)


@router.message(SchoolStates.add)
@router.message(SchoolStates.rename)
@router.message(SchoolStates.short)
async def text_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))
