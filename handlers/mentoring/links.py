"""The coordinator's pairs and groups: the filtered list, a new link step by step, status changes and closing
with a summary."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services import short_names
from bot.services.mentoring import links as link_service
from bot.services.mentoring import notices
from bot.services.mentoring import participants as people_service
from bot.services.mentoring import schools as school_service
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import load_link
from bot.services.mentoring.plans import parse_due
from bot.viewer import Viewer
from db.models import LinkKind, LinkStatus, School, User
from handlers.common import show
from handlers.mentoring.common import Event, explain, fmt_date, link_card, link_title, need_coordinator, tell
from keyboards.callbacks import PageCb
from keyboards.mentoring import CoordCb, MentorCb, coord_home, markup

router = Router(name="mentoring.links")
LIST, SCHOOLS, PEOPLE = "m_links", "m_lnsch", "m_lnppl"
STATUS_FILTERS = ("open", "all", *vocab.STATUSES)


class LinkStates(StatesGroup):
    browse = State()
    schools = State()  # picking a school (typed text searches)
    people = State()  # picking people (typed text searches)
    goals = State()
    end = State()
    summary = State()
    edit_goals = State()


# --- the list -----------------------------------------------------------------------------------------------------

@router.callback_query(CoordCb.filter(F.a == "lnk"))
async def links_open(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator) -> None:
    if callback_data.v == 0:
        await state.update_data(lnk_status=None, lnk_kind=None, lnk_query=None)
    await state.set_state(LinkStates.browse)
    await links_page(query, state, session, viewer, t, 0)


@router.callback_query(PageCb.filter(F.list == LIST))
async def links_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    await links_page(query, state, session, viewer, t, callback_data.page)


@router.message(LinkStates.browse, F.text)
async def links_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                       t: Translator) -> None:
    await state.update_data(lnk_query=(message.text or "").strip()[:100])
    await links_page(message, state, session, viewer, t, 0)


@router.callback_query(CoordCb.filter(F.a == "lfs"))
async def filter_status(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    if callback_data.v == 99:
        rows = [[(t(f"mentoring.links.filter_{code}") if code in ("open", "all") else
                  t(f"mentoring.status.{code}"), CoordCb(a="lfs", v=i))] for i, code in enumerate(STATUS_FILTERS)]
        await show(query, t("mentoring.links.pick_status"), markup(rows, back=(t("mentoring.links.back"),
                                                                               CoordCb(a="lnk", v=1))))
        return
    if not 0 <= callback_data.v < len(STATUS_FILTERS):
        await tell(query, t, "errors.stale_button")
        return
    code = STATUS_FILTERS[callback_data.v]
    await state.set_state(LinkStates.browse)
    await state.update_data(lnk_status=None if code == "open" else code)
    await links_page(query, state, session, viewer, t, 0)


@router.callback_query(CoordCb.filter(F.a == "lfk"))
async def filter_kind(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    if callback_data.v == 99:
        rows = [[(t(f"mentoring.kind.{code}"), CoordCb(a="lfk", v=i))] for i, code in enumerate(vocab.KINDS)]
        rows.append([(t("mentoring.links.any_kind"), CoordCb(a="lfk", v=98))])
        await show(query, t("mentoring.links.pick_kind"), markup(rows, back=(t("mentoring.links.back"),
                                                                             CoordCb(a="lnk", v=1))))
        return
    if callback_data.v != 98 and not 0 <= callback_data.v < len(vocab.KINDS):
        await tell(query, t, "errors.stale_button")
        return
    await state.set_state(LinkStates.browse)
    await state.update_data(lnk_kind=None if callback_data.v == 98 else vocab.KINDS[callback_data.v])
    await links_page(query, state, session, viewer, t, 0)


async def links_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    flt = link_service.LinkFilter(status=data.get("lnk_status"), kind=data.get("lnk_kind"),
                                  query=data.get("lnk_query"))
    links = await link_service.network_links(session, me[1], page, flt)
    status = t(f"mentoring.status.{flt.status}") if flt.status and flt.status != "all" else t(
        f"mentoring.links.filter_{flt.status or 'open'}")
    text = t("mentoring.links.list", count=links.total, status=status,
             kind=t(f"mentoring.kind.{flt.kind}") if flt.kind else t("mentoring.links.any_kind"),
             query=t("mentoring.links.query", query=flt.query) if flt.query else "")
    rows = [[(notices.link_button(link, t, prefix=f"{t(f'mentoring.status_icon.{link.status}')} "),
              MentorCb(a="link", id=link.id))]
            for link in links.items]
    rows.append([(t("mentoring.links.filter_status_button"), CoordCb(a="lfs", v=99)),
                 (t("mentoring.links.filter_kind_button"), CoordCb(a="lfk", v=99))])
    rows.append([(t("mentoring.coord.new_link"), CoordCb(a="lnew"))])
    await show(event, text, markup(rows, page=links, list_name=LIST, t=t, back=coord_home(t)))


# --- managing one link ------------------------------------------------------------------------------------------

async def show_manage(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, link_id: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    try:
        link = await link_service.coordinator_link(session, link_id, me[0].id, me[1])
    except DomainError as error:
        await explain(event, t, error)
        return
    counts = await link_service.session_counts(session, [link.id])
    rows = []
    if link.status != LinkStatus.CLOSED.value:
        rows.append([(t(f"mentoring.links.to_{code}"), CoordCb(a="lst", id=link.id, v=i))
                     for i, code in enumerate(vocab.STATUSES)
                     if code != link.status and code != LinkStatus.PROPOSED.value][:2])
        rows.append([(t(f"mentoring.links.to_{code}"), CoordCb(a="lst", id=link.id, v=i))
                     for i, code in enumerate(vocab.STATUSES)
                     if code != link.status and code != LinkStatus.PROPOSED.value][2:])
        rows.append([(t("mentoring.links.edit_goals"), CoordCb(a="lgoal", id=link.id))])
    rows.append([(t("mentoring.links.open_card"), MentorCb(a="link", id=link.id))])
    await show(event, link_card(link, t, sessions=counts.get(link.id, 0)),
               markup(rows, back=(t("mentoring.links.back"), CoordCb(a="lnk", v=1))))


@router.callback_query(CoordCb.filter(F.a == "lc"))
async def manage(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                 t: Translator) -> None:
    await show_manage(query, session, viewer, t, callback_data.id)


@router.callback_query(CoordCb.filter(F.a == "lst"))
async def status_change(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator, clock: Clock) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if not 0 <= callback_data.v < len(vocab.STATUSES):
        await tell(query, t, "errors.stale_button")
        return
    status = vocab.STATUSES[callback_data.v]
    if status in (LinkStatus.CLOSED.value, LinkStatus.COMPLETED.value):
        try:
            link = await link_service.coordinator_link(session, callback_data.id, me[0].id, me[1])
        except DomainError as error:
            await explain(query, t, error)
            return
        await state.set_state(LinkStates.summary)
        await state.update_data(lnk_edit=link.id, lnk_to=status)
        rows = [[(t("mentoring.links.skip_summary"), CoordCb(a="lsk", id=link.id))]] if (
            status == LinkStatus.COMPLETED.value) else []
        await show(query, t(f"mentoring.links.ask_summary_{status}", title=link_title(link, t)),
                   markup(rows, back=(t("mentoring.log.cancel"), CoordCb(a="lc", id=link.id))))
        return
    await _set_status(query, session, viewer, t, clock, callback_data.id, status, None)


async def _set_status(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                      link_id: int, status: str, summary: str | None) -> bool:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return False
    try:
        link = await link_service.set_status(session, link_id, status, actor_id=me[0].id, network_id=me[1],
                                             clock=clock, summary=summary)
    except DomainError as error:
        await explain(event, t, error)
        return False
    await notices.link_status_changed(session, link, clock=clock)
    await event.answer(t("mentoring.coord.saved"))
    await show_manage(event, session, viewer, t, link.id)
    return True


@router.callback_query(CoordCb.filter(F.a == "lsk"))
async def skip_summary(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator, clock: Clock) -> None:
    data = await state.get_data()
    if data.get("lnk_edit") != callback_data.id or data.get("lnk_to") != LinkStatus.COMPLETED.value:
        await tell(query, t, "errors.stale_button")
        return
    await state.clear()
    await _set_status(query, session, viewer, t, clock, callback_data.id, LinkStatus.COMPLETED.value, None)


@router.message(LinkStates.summary, F.text)
async def summary_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                        clock: Clock) -> None:
    data = await state.get_data()
    try:
        link_service.clean_summary(message.text)
    except DomainError as error:
        await explain(message, t, error)
        return
    if await _set_status(message, session, viewer, t, clock, int(data.get("lnk_edit") or 0),
                         str(data.get("lnk_to")), message.text):
        await state.clear()


@router.callback_query(CoordCb.filter(F.a == "lgoal"))
async def goals_edit(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    try:
        link = await link_service.coordinator_link(session, callback_data.id, me[0].id, me[1])
    except DomainError as error:
        await explain(query, t, error)
        return
    await state.set_state(LinkStates.edit_goals)
    await state.update_data(lnk_edit=link.id)
    goals = notices.clip(link.goals, 1500) or t("mentoring.common.no_goals")
    await show(query, t("mentoring.links.ask_goals_edit", goals=goals),
               markup([], back=(t("mentoring.log.cancel"), CoordCb(a="lc", id=link.id))))


@router.message(LinkStates.edit_goals, F.text)
async def goals_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    me = await need_coordinator(message, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    try:
        link = await link_service.update_link(session, int(data.get("lnk_edit") or 0), actor_id=me[0].id,
                                              network_id=me[1], goals=message.text or "")
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.clear()
    await message.answer(t("mentoring.coord.saved"))
    await show_manage(message, session, viewer, t, link.id)


# --- a new link, step by step ---------------------------------------------------------------------------------------

@router.callback_query(CoordCb.filter(F.a == "lnew"))
async def new_link(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await state.clear()
    rows = [[(t(f"mentoring.kind.{code}"), CoordCb(a="lk", v=i))] for i, code in enumerate(vocab.KINDS)]
    await show(query, t("mentoring.new.ask_kind"), markup(rows, back=coord_home(t)))


@router.callback_query(CoordCb.filter(F.a == "lk"))
async def kind_chosen(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, viewer: Viewer,
                      t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    if not 0 <= callback_data.v < len(vocab.KINDS):
        await tell(query, t, "errors.stale_button")
        return
    kind = vocab.KINDS[callback_data.v]
    await state.update_data(ln_kind=kind, ln_mentors=[], ln_mentees=[], ln_deficits=[], ln_goals=None,
                            ln_mentor_school=None, ln_mentee_school=None)
    preferred = {"school_school": "partner", "group": "group"}.get(kind, "traditional")
    order = [preferred] + [f for f in vocab.FORMS if f != preferred]
    rows = [[(t(f"mentoring.form.{code}"), CoordCb(a="lfm", v=vocab.FORMS.index(code)))] for code in order]
    await show(query, t("mentoring.new.ask_form", kind=t(f"mentoring.kind.{kind}")), markup(rows, back=coord_home(t)))


@router.callback_query(CoordCb.filter(F.a == "lfm"))
async def form_chosen(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    data = await state.get_data()
    if not data.get("ln_kind") or not 0 <= callback_data.v < len(vocab.FORMS):
        await tell(query, t, "errors.stale_button")
        return
    await state.update_data(ln_form=vocab.FORMS[callback_data.v], ln_stage="mentor", ln_query=None)
    if data["ln_kind"] == LinkKind.SCHOOL_SCHOOL.value:
        await state.set_state(LinkStates.schools)
        await school_page(query, state, session, viewer, t, 0)
    else:
        await state.set_state(LinkStates.people)
        await people_page(query, state, session, viewer, t, 0)


# schools -------------------------------------------------------------------------------------------------------------

async def school_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    schools = await school_service.list_schools(session, me[1], page, query=data.get("ln_query"))
    rows = [[(short_names.school(s.name, s.short_name), CoordCb(a="lsch", id=s.id))] for s in schools.items]
    key = "mentoring.new.ask_mentor_school" if data.get("ln_stage") == "mentor" else "mentoring.new.ask_mentee_school"
    await show(event, t(key), markup(rows, page=schools, list_name=SCHOOLS, t=t, back=coord_home(t)))


@router.callback_query(LinkStates.schools, PageCb.filter(F.list == SCHOOLS))
async def school_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await school_page(query, state, session, viewer, t, callback_data.page)


@router.message(LinkStates.schools, F.text)
async def school_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await state.update_data(ln_query=(message.text or "").strip()[:100])
    await school_page(message, state, session, viewer, t, 0)


@router.callback_query(LinkStates.schools, CoordCb.filter(F.a == "lsch"))
async def school_chosen(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    try:
        school = await school_service.school_in(session, callback_data.id, me[1])
    except DomainError as error:
        await explain(query, t, error)
        return
    data = await state.get_data()
    if data.get("ln_stage") == "mentor":
        await state.update_data(ln_mentor_school=school.id, ln_stage="mentee", ln_query=None)
        await school_page(query, state, session, viewer, t, 0)
        return
    if school.id == data.get("ln_mentor_school"):
        await tell(query, t, "mentoring.errors.same_school")
        return
    await state.update_data(ln_mentee_school=school.id)
    await ask_goals(query, state, t)


# people ------------------------------------------------------------------------------------------------------------

async def people_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    stage = data.get("ln_stage", "mentor")
    role = "mentor" if stage == "mentor" else None
    people = await people_service.list_people(session, me[1], page, people_service.PeopleFilter(
        query=data.get("ln_query"), role=role))
    chosen = set(data.get("ln_mentors" if stage == "mentor" else "ln_mentees") or [])
    rows = [[(short_names.person_at(m.user.full_name, m.school.name if m.school else None,
                                    m.school.short_name if m.school else None,
                                    prefix="✅ " if m.user_id in chosen else ""), CoordCb(a="lppl", id=m.user_id))]
            for m in people.items]
    kind = data.get("ln_kind")
    if chosen or (stage == "mentee" and kind == LinkKind.STUDENT_STUDENT.value):
        rows.append([(t("mentoring.new.people_done"), CoordCb(a="ldn"))])
    key = "mentoring.new.ask_mentors" if stage == "mentor" else "mentoring.new.ask_mentees"
    await show(event, t(key, count=len(chosen)),
               markup(rows, page=people, list_name=PEOPLE, t=t, back=coord_home(t)))


@router.callback_query(LinkStates.people, PageCb.filter(F.list == PEOPLE))
async def people_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await people_page(query, state, session, viewer, t, callback_data.page)


@router.message(LinkStates.people, F.text)
async def people_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await state.update_data(ln_query=(message.text or "").strip()[:100])
    await people_page(message, state, session, viewer, t, 0)


@router.callback_query(LinkStates.people, CoordCb.filter(F.a == "lppl"))
async def person_chosen(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    try:
        await people_service.person(session, me[1], callback_data.id)
    except DomainError as error:
        await explain(query, t, error)
        return
    data = await state.get_data()
    stage, kind = data.get("ln_stage", "mentor"), data.get("ln_kind")
    mentors, mentees = list(data.get("ln_mentors") or []), list(data.get("ln_mentees") or [])
    target = mentors if stage == "mentor" else mentees
    other = mentees if stage == "mentor" else mentors
    if callback_data.id in other:
        await tell(query, t, "mentoring.errors.same_person")
        return
    if callback_data.id in target:
        target.remove(callback_data.id)
    else:
        target.append(callback_data.id)
    await state.update_data(ln_mentors=mentors, ln_mentees=mentees)
    single = kind in (LinkKind.TEACHER_TEACHER.value, LinkKind.LEADER_LEADER.value)
    if single and target:
        await _next_people_stage(query, state, session, viewer, t)
        return
    await people_page(query, state, session, viewer, t, 0)


async def _next_people_stage(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer,
                             t: Translator) -> None:
    data = await state.get_data()
    if data.get("ln_stage") == "mentor":
        await state.update_data(ln_stage="mentee", ln_query=None)
        await people_page(event, state, session, viewer, t, 0)
        return
    await ask_goals(event, state, t)


@router.callback_query(LinkStates.people, CoordCb.filter(F.a == "ldn"))
async def people_done(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    await _next_people_stage(query, state, session, viewer, t)


# goals, deficits, dates, confirm ---------------------------------------------------------------------------------

async def ask_goals(event: Event, state: FSMContext, t: Translator) -> None:
    await state.set_state(LinkStates.goals)
    await show(event, t("mentoring.new.ask_goals"), markup([[(t("mentoring.new.skip"), CoordCb(a="lgs"))]],
                                                           back=coord_home(t)))


@router.message(LinkStates.goals, F.text)
async def goals_given(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        goals = link_service.clean_goals(message.text)
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.update_data(ln_goals=goals)
    await ask_deficits(message, state, t)


@router.callback_query(LinkStates.goals, CoordCb.filter(F.a == "lgs"))
async def goals_skipped(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await ask_deficits(query, state, t)


def _deficit_rows(chosen: list[str], t: Translator, action: str, done: str) -> list[list[tuple[str, Any]]]:
    rows = [[(("✅ " if code in chosen else "▫️ ") + t(f"mentoring.deficit.{code}"), CoordCb(a=action, v=i))]
            for i, code in enumerate(vocab.DEFICITS)]
    rows.append([(t("mentoring.new.deficits_done"), CoordCb(a=done))])
    return rows


async def ask_deficits(event: Event, state: FSMContext, t: Translator) -> None:
    await state.set_state(LinkStates.goals)
    chosen = (await state.get_data()).get("ln_deficits") or []
    await show(event, t("mentoring.new.ask_deficits"), markup(_deficit_rows(chosen, t, "ldef", "ldok"),
                                                              back=coord_home(t)))


@router.callback_query(LinkStates.goals, CoordCb.filter(F.a == "ldef"))
async def deficit_toggled(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, t: Translator) -> None:
    if not 0 <= callback_data.v < len(vocab.DEFICITS):
        await tell(query, t, "errors.stale_button")
        return
    chosen = list((await state.get_data()).get("ln_deficits") or [])
    code = vocab.DEFICITS[callback_data.v]
    chosen = [c for c in chosen if c != code] if code in chosen else chosen + [code]
    await state.update_data(ln_deficits=chosen)
    await ask_deficits(query, state, t)


@router.callback_query(LinkStates.goals, CoordCb.filter(F.a == "ldok"))
async def deficits_done(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(LinkStates.end)
    rows = [[(t("mentoring.new.end_3"), CoordCb(a="lend", v=3)), (t("mentoring.new.end_6"), CoordCb(a="lend", v=6))],
            [(t("mentoring.new.end_year"), CoordCb(a="lend", v=9)), (t("mentoring.new.end_none"),
                                                                     CoordCb(a="lend", v=0))]]
    await show(query, t("mentoring.new.ask_end"), markup(rows, back=coord_home(t)))


async def _today(session: AsyncSession, viewer: Viewer, clock: Clock) -> date:
    network_id = viewer.membership.network_id if viewer.membership else 0
    return await session_service.today_for(session, network_id, clock)


@router.callback_query(LinkStates.end, CoordCb.filter(F.a == "lend"))
async def end_chosen(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator, clock: Clock) -> None:
    if callback_data.v not in (0, 3, 6, 9):
        await tell(query, t, "errors.stale_button")
        return
    today = await _today(session, viewer, clock)
    end = {0: None, 3: today + timedelta(days=91), 6: today + timedelta(days=182),
           9: vocab.school_year_end(today)}[callback_data.v]
    await state.update_data(ln_end=end.isoformat() if end else None)
    await confirm_screen(query, state, session, viewer, t, clock)


@router.message(LinkStates.end, F.text)
async def end_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock) -> None:
    try:
        end = parse_due(message.text or "", await _today(session, viewer, clock))
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.update_data(ln_end=end.isoformat())
    await confirm_screen(message, state, session, viewer, t, clock)


async def confirm_screen(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                         clock: Clock) -> None:
    data = await state.get_data()
    names = []
    for key in ("ln_mentors", "ln_mentees"):
        users = [await session.get(User, uid) for uid in data.get(key) or []]
        names.append(", ".join(u.full_name or "—" for u in users if u) or "—")
    schools = []
    for key in ("ln_mentor_school", "ln_mentee_school"):
        school = await session.get(School, data[key]) if data.get(key) else None
        schools.append(school.display_name if school else "—")
    end = date.fromisoformat(data["ln_end"]) if data.get("ln_end") else None
    text = t("mentoring.new.confirm", kind=t(f"mentoring.kind.{data.get('ln_kind')}"),
             form=t(f"mentoring.form.{data.get('ln_form')}"), mentors=names[0], mentees=names[1],
             mentor_school=schools[0], mentee_school=schools[1], goals=data.get("ln_goals") or "—",
             deficits=notices.names(t, data.get("ln_deficits") or [], "deficit") or "—",
             start=fmt_date(await _today(session, viewer, clock), t), end=fmt_date(end, t))
    await show(event, text, markup([[(t("mentoring.new.create"), CoordCb(a="lsave"))]], back=coord_home(t)))


@router.callback_query(LinkStates.end, CoordCb.filter(F.a == "lsave"))
async def create(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                 clock: Clock) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    draft = link_service.LinkDraft(
        kind=str(data.get("ln_kind")), form=str(data.get("ln_form")), mentor_ids=list(data.get("ln_mentors") or []),
        mentee_ids=list(data.get("ln_mentees") or []), mentor_school_id=data.get("ln_mentor_school"),
        mentee_school_id=data.get("ln_mentee_school"), goals=data.get("ln_goals"),
        deficits=list(data.get("ln_deficits") or []), directions=list(data.get("ln_deficits") or []),
        starts_on=await _today(session, viewer, clock),
        ends_on=date.fromisoformat(data["ln_end"]) if data.get("ln_end") else None)
    try:
        link = await link_service.create_link(session, network_id=me[1], draft=draft, clock=clock, actor_id=me[0].id)
    except DomainError as error:
        await explain(query, t, error)
        return
    link = await load_link(session, link.id) or link
    told = await notices.link_created(session, link, clock=clock)
    await state.clear()
    await query.answer(t("mentoring.new.created", told=told), show_alert=True)
    await show_manage(query, session, viewer, t, link.id)
