"""Matching in chat: the coordinator picks a mentee or a school, the deficits to address, sees mentors ranked, and
confirms one; both sides are told with each other's contact and the goals."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services import short_names
from bot.services.mentoring import matching as matching_service
from bot.services.mentoring import notices
from bot.services.mentoring import participants as people_service
from bot.services.mentoring import schools as school_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import load_link
from bot.services.mentoring.links import clean_goals
from bot.services.pagination import Page
from bot.viewer import Viewer
from db.models import School, User
from handlers.common import show
from handlers.mentoring.common import Event, explain, need_coordinator, tell
from handlers.mentoring.links import show_manage
from keyboards.callbacks import PageCb
from keyboards.mentoring import CoordCb, coord_home, markup

router = Router(name="mentoring.matching")
PEOPLE, SCHOOLS = "m_mtppl", "m_mtsch"
PAGE = 6


class MatchStates(StatesGroup):
    person = State()  # typed text searches people
    school = State()  # typed text searches schools
    goals = State()


@router.callback_query(CoordCb.filter(F.a == "mt"))
async def start(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await state.clear()
    rows = [[(t("mentoring.match.for_person"), CoordCb(a="mtp")), (t("mentoring.match.for_school"), CoordCb(a="mts"))]]
    await show(query, t("mentoring.match.start"), markup(rows, back=coord_home(t)))


# --- the target ------------------------------------------------------------------------------------------------

async def person_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    query = (await state.get_data()).get("mt_query")
    people = await people_service.list_people(session, me[1], page, people_service.PeopleFilter(query=query))
    rows = [[(short_names.person_at(m.user.full_name, m.school.name if m.school else None,
                                    m.school.short_name if m.school else None), CoordCb(a="mtp", id=m.user_id))]
            for m in people.items]
    await show(event, t("mentoring.match.ask_person"), markup(rows, page=people, list_name=PEOPLE, t=t,
                                                              back=(t("mentoring.match.back"), CoordCb(a="mt"))))


async def school_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    query = (await state.get_data()).get("mt_query")
    schools = await school_service.list_schools(session, me[1], page, query=query)
    rows = [[(short_names.school(s.name, s.short_name), CoordCb(a="mts", id=s.id))] for s in schools.items]
    await show(event, t("mentoring.match.ask_school"), markup(rows, page=schools, list_name=SCHOOLS, t=t,
                                                              back=(t("mentoring.match.back"), CoordCb(a="mt"))))


@router.callback_query(CoordCb.filter(F.a == "mtp"))
async def for_person(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if callback_data.id == 0:
        await state.set_state(MatchStates.person)
        await state.update_data(mt_query=None)
        await person_page(query, state, session, viewer, t, 0)
        return
    try:
        await people_service.person(session, me[1], callback_data.id)
    except DomainError as error:
        await explain(query, t, error)
        return
    await state.clear()
    await state.update_data(mt_user=callback_data.id, mt_school=None, mt_deficits=[], mt_goals=None)
    await ask_deficits(query, state, t)


@router.callback_query(CoordCb.filter(F.a == "mts"))
async def for_school(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if callback_data.id == 0:
        await state.set_state(MatchStates.school)
        await state.update_data(mt_query=None)
        await school_page(query, state, session, viewer, t, 0)
        return
    try:
        await school_service.school_in(session, callback_data.id, me[1])
    except DomainError as error:
        await explain(query, t, error)
        return
    await state.clear()
    await state.update_data(mt_user=None, mt_school=callback_data.id, mt_deficits=[], mt_goals=None)
    await ask_deficits(query, state, t)


@router.callback_query(MatchStates.person, PageCb.filter(F.list == PEOPLE))
async def person_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await person_page(query, state, session, viewer, t, callback_data.page)


@router.callback_query(MatchStates.school, PageCb.filter(F.list == SCHOOLS))
async def school_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await school_page(query, state, session, viewer, t, callback_data.page)


@router.message(MatchStates.person, F.text)
async def person_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await state.update_data(mt_query=(message.text or "").strip()[:100])
    await person_page(message, state, session, viewer, t, 0)


@router.message(MatchStates.school, F.text)
async def school_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await state.update_data(mt_query=(message.text or "").strip()[:100])
    await school_page(message, state, session, viewer, t, 0)


# --- deficits and the ranked list ---------------------------------------------------------------------------------

async def ask_deficits(event: Event, state: FSMContext, t: Translator) -> None:
    chosen = (await state.get_data()).get("mt_deficits") or []
    rows = [[(("✅ " if code in chosen else "▫️ ") + t(f"mentoring.deficit.{code}"), CoordCb(a="mtd", v=i))]
            for i, code in enumerate(vocab.DEFICITS)]
    rows.append([(t("mentoring.match.show"), CoordCb(a="mtgo"))])
    await show(event, t("mentoring.match.ask_deficits"), markup(rows, back=(t("mentoring.match.back"),
                                                                             CoordCb(a="mt"))))


@router.callback_query(CoordCb.filter(F.a == "mtd"))
async def deficit_toggled(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, viewer: Viewer,
                          t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    data = await state.get_data()
    if not (data.get("mt_user") or data.get("mt_school")) or not 0 <= callback_data.v < len(vocab.DEFICITS):
        await tell(query, t, "errors.stale_button")
        return
    code = vocab.DEFICITS[callback_data.v]
    chosen = list(data.get("mt_deficits") or [])
    chosen = [c for c in chosen if c != code] if code in chosen else chosen + [code]
    await state.update_data(mt_deficits=chosen)
    await ask_deficits(query, state, t)


async def _target_name(session: AsyncSession, data: dict) -> str:
    if data.get("mt_user"):
        user = await session.get(User, data["mt_user"])
        return user.full_name or "—" if user else "—"
    school = await session.get(School, data.get("mt_school") or 0)
    return school.name if school else "—"


@router.callback_query(CoordCb.filter(F.a == "mtgo"))
async def suggestions(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    await show_suggestions(query, state, session, viewer, t, callback_data.v)


async def show_suggestions(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                           page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    if not (data.get("mt_user") or data.get("mt_school")):
        await tell(event, t, "errors.stale_button")
        return
    try:
        candidates = await matching_service.suggest(session, network_id=me[1], user_id=data.get("mt_user"),
                                                    school_id=data.get("mt_school"),
                                                    deficits=data.get("mt_deficits") or [])
    except DomainError as error:
        await explain(event, t, error)
        return
    target = await _target_name(session, data)
    if not candidates:
        await show(event, t("mentoring.match.none", target=target), markup([], back=(t("mentoring.match.back"),
                                                                                    CoordCb(a="mt"))))
        return
    pages = max(1, -(-len(candidates) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = candidates[page * PAGE:(page + 1) * PAGE]
    lines = [t("mentoring.match.title", target=target, count=len(candidates))]
    rows = []
    for number, c in enumerate(shown, start=page * PAGE + 1):
        badges = []
        if c.subjects:
            badges.append(t("mentoring.match.badge_subject", subjects=", ".join(
                vocab.subject_label(s, t.language) for s in sorted(c.subjects))))
        if c.directions:
            badges.append(t("mentoring.match.badge_directions", directions=notices.names(t, c.directions, "deficit")))
        if c.partner:
            badges.append(t("mentoring.match.badge_partner"))
        badges.append(t("mentoring.match.badge_free", free=c.free, capacity=c.capacity) if c.free else
                      t("mentoring.match.badge_full"))
        if c.already:
            badges.append(t("mentoring.match.badge_already"))
        lines.append(t("mentoring.match.line", number=number, name=c.full_name, school=c.school_name or "—",
                       badges="; ".join(badges)))
        rows.append([(f"{number}. {c.full_name}", CoordCb(a="mtc", id=c.user_id))])
    fake_page = Page(items=shown, page=page, pages=pages, total=len(candidates))
    await show(event, "\n".join(lines), markup(rows, page=fake_page, t=t, page_cb=lambda p: CoordCb(a="mtgo", v=p),
                                               back=(t("mentoring.match.change_deficits"), CoordCb(a="mtdm"))))


@router.callback_query(CoordCb.filter(F.a == "mtdm"))
async def deficits_again(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await ask_deficits(query, state, t)


# --- confirming -------------------------------------------------------------------------------------------------------

def _default_goals(data: dict, t: Translator) -> str | None:
    deficits = notices.names(t, data.get("mt_deficits") or [], "deficit")
    return t("mentoring.match.default_goals", deficits=deficits) if deficits else None


async def confirm_screen(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                         mentor_id: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    try:
        mentor = await people_service.person(session, me[1], mentor_id)
    except DomainError as error:
        await explain(event, t, error)
        return
    goals = data.get("mt_goals") or _default_goals(data, t) or t("mentoring.common.no_goals")
    text = t("mentoring.match.confirm", mentor=mentor.user.full_name or "—",
             school=mentor.school.name if mentor.school else "—", target=await _target_name(session, data),
             goals=goals)
    rows = [[(t("mentoring.match.ok"), CoordCb(a="mtok", id=mentor_id))],
            [(t("mentoring.match.edit_goals"), CoordCb(a="mtg", id=mentor_id))]]
    await show(event, text, markup(rows, back=(t("mentoring.match.back_list"), CoordCb(a="mtgo"))))


@router.callback_query(CoordCb.filter(F.a == "mtc"))
async def candidate(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator) -> None:
    data = await state.get_data()
    if not (data.get("mt_user") or data.get("mt_school")):
        await tell(query, t, "errors.stale_button")
        return
    await confirm_screen(query, state, session, viewer, t, callback_data.id)


@router.callback_query(CoordCb.filter(F.a == "mtg"))
async def goals_start(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, viewer: Viewer,
                      t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await state.set_state(MatchStates.goals)
    await state.update_data(mt_mentor=callback_data.id)
    await show(query, t("mentoring.match.ask_goals"), markup([], back=(t("mentoring.log.cancel"),
                                                                       CoordCb(a="mtc", id=callback_data.id))))


@router.message(MatchStates.goals, F.text)
async def goals_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    try:
        goals = clean_goals(message.text)
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.set_state(None)
    await state.update_data(mt_goals=goals)
    await confirm_screen(message, state, session, viewer, t, int((await state.get_data()).get("mt_mentor") or 0))


@router.callback_query(CoordCb.filter(F.a == "mtok"))
async def confirm(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                  viewer: Viewer, t: Translator, clock: Clock) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    if not (data.get("mt_user") or data.get("mt_school")):
        await tell(query, t, "errors.stale_button")
        return
    try:
        link = await matching_service.confirm(
            session, network_id=me[1], actor_id=me[0].id, mentor_id=callback_data.id, mentee_id=data.get("mt_user"),
            school_id=data.get("mt_school") if not data.get("mt_user") else None,
            goals=data.get("mt_goals") or _default_goals(data, t), deficits=data.get("mt_deficits") or [],
            clock=clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    link = await load_link(session, link.id) or link
    told = await notices.link_created(session, link, clock=clock)
    await state.clear()
    await query.answer(t("mentoring.new.created", told=told), show_alert=True)
    await show_manage(query, session, viewer, t, link.id)
