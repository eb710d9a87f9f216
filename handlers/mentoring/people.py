"""The coordinator's participants: a paginated list searched by typing a name, filtered by school or role; a
person's card with roles, mentor profile, deactivation and, for people not yet in the bot, their personal link."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messengers.links import BotNames, link_lines
from bot.services import invites as invite_service
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services import short_names
from bot.services.mentoring import participants as people_service
from bot.services.mentoring import schools as school_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import mention
from bot.services.mentoring.links import mentor_load
from bot.viewer import Viewer
from db.models import Invite, Membership, Network, Role, School
from handlers.common import show
from handlers.mentoring.common import Event, explain, need_coordinator, tell
from keyboards.callbacks import PageCb
from keyboards.mentoring import CoordCb, coord_home, markup

router = Router(name="mentoring.people")
LIST = "m_people"
SCHOOL_PICK = "m_pplsch"
ROLES = (Role.PARTICIPANT, Role.MENTOR, Role.COORDINATOR)


class PeopleStates(StatesGroup):
    browse = State()  # typed text searches by name


def _filter(data: dict) -> people_service.PeopleFilter:
    return people_service.PeopleFilter(query=data.get("ppl_query"), school_id=data.get("ppl_school"),
                                       role=data.get("ppl_role"))


@router.callback_query(CoordCb.filter(F.a == "ppl"))
async def people_open(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    if callback_data.v == 0:  # a fresh list; v=1 keeps the filters (back from a card)
        await state.update_data(ppl_query=None, ppl_school=None, ppl_role=None)
    await state.set_state(PeopleStates.browse)
    await people_page(query, state, session, viewer, t, int((await state.get_data()).get("ppl_page") or 0)
                      if callback_data.v else 0)


@router.callback_query(PageCb.filter(F.list == LIST))
async def people_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await people_page(query, state, session, viewer, t, callback_data.page)


@router.message(PeopleStates.browse, F.text)
async def people_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await state.update_data(ppl_query=(message.text or "").strip()[:100])
    await people_page(message, state, session, viewer, t, 0)


@router.callback_query(CoordCb.filter(F.a == "pfs"))
async def filter_school(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator) -> None:
    """From a school's card, or «Школа» in the filter: id=0 opens the school picker."""
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if callback_data.id == 0:
        await school_pick_page(query, session, viewer, t, 0)
        return
    try:
        await school_service.school_in(session, callback_data.id, me[1])
    except DomainError as error:
        await explain(query, t, error)
        return
    await state.set_state(PeopleStates.browse)
    await state.update_data(ppl_school=callback_data.id, ppl_query=None)
    await people_page(query, state, session, viewer, t, 0)


@router.callback_query(PageCb.filter(F.list == SCHOOL_PICK))
async def school_pick_paged(query: CallbackQuery, callback_data: PageCb, session: AsyncSession, viewer: Viewer,
                            t: Translator) -> None:
    await school_pick_page(query, session, viewer, t, callback_data.page)


async def school_pick_page(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    schools = await school_service.list_schools(session, me[1], page)
    rows = [[(short_names.school(s.name, s.short_name), CoordCb(a="pfs", id=s.id))] for s in schools.items]
    rows.append([(t("mentoring.people.any_school"), CoordCb(a="pfx", v=1))])
    await show(event, t("mentoring.people.pick_school"),
               markup(rows, page=schools, list_name=SCHOOL_PICK, t=t, back=(t("mentoring.people.back"),
                                                                            CoordCb(a="ppl", v=1))))


@router.callback_query(CoordCb.filter(F.a == "pfr"))
async def filter_role(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    if callback_data.v == 99:
        rows = [[(t(f"mentoring.people.role_{code}"), CoordCb(a="pfr", v=i))]
                for i, code in enumerate(people_service.ROLE_FILTERS)]
        rows.append([(t("mentoring.people.any_role"), CoordCb(a="pfx", v=2))])
        await show(query, t("mentoring.people.pick_role"),
                   markup(rows, back=(t("mentoring.people.back"), CoordCb(a="ppl", v=1))))
        return
    if not 0 <= callback_data.v < len(people_service.ROLE_FILTERS):
        await tell(query, t, "errors.stale_button")
        return
    await state.set_state(PeopleStates.browse)
    await state.update_data(ppl_role=people_service.ROLE_FILTERS[callback_data.v])
    await people_page(query, state, session, viewer, t, 0)


@router.callback_query(CoordCb.filter(F.a == "pfx"))
async def filter_clear(query: CallbackQuery, callback_data: CoordCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    clear = {1: {"ppl_school": None}, 2: {"ppl_role": None}}.get(
        callback_data.v, {"ppl_school": None, "ppl_role": None, "ppl_query": None})
    await state.set_state(PeopleStates.browse)
    await state.update_data(**clear)
    await people_page(query, state, session, viewer, t, 0)


async def people_page(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      page: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    flt = _filter(data)
    people = await people_service.list_people(session, me[1], page, flt)
    await state.update_data(ppl_page=people.page)
    parts = []
    if flt.query:
        parts.append(t("mentoring.people.by_name", query=flt.query))
    if flt.school_id:
        school = await session.get(School, flt.school_id)
        parts.append(t("mentoring.people.by_school", school=school.display_name if school else "—"))
    if flt.role:
        parts.append(t("mentoring.people.by_role", role=t(f"mentoring.people.role_{flt.role}")))
    text = t("mentoring.people.list", count=people.total,
             filters=("\n" + "; ".join(parts)) if parts else "")
    rows = []
    for m in people.items:
        marks = ("🎓" if m.is_mentor else "") + ("🛡" if m.is_coordinator else "") + (
            "" if m.user.consent_at else "✉️")
        label = short_names.person_at(m.user.full_name, m.school.name if m.school else None,
                                      m.school.short_name if m.school else None, suffix=f" {marks}" if marks else "")
        rows.append([(label, CoordCb(a="pc", id=m.user_id))])
    rows.append([(t("mentoring.people.filter_school"), CoordCb(a="pfs")),
                 (t("mentoring.people.filter_role"), CoordCb(a="pfr", v=99))])
    if parts:
        rows.append([(t("mentoring.people.reset"), CoordCb(a="pfx"))])
    await show(event, text, markup(rows, page=people, list_name=LIST, t=t, back=coord_home(t)))


# --- a person's card --------------------------------------------------------------------------------------------

async def show_person(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, user_id: int) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    try:
        m = await people_service.person(session, me[1], user_id)
    except DomainError as error:
        await explain(event, t, error)
        return
    user = m.user
    roles = ", ".join(t(f"roles.{r.value}") for r in m.roles) or "—"
    lines = [t("mentoring.people.card", name=mention(user), school=m.school.name if m.school else "—",
               position=user.position or "—", subjects=", ".join(user.subjects or []) or "—", roles=roles,
               state=t("mentoring.people.active") if m.is_active else t("mentoring.people.inactive"),
               bot=t("mentoring.people.in_bot") if user.consent_at else t("mentoring.people.not_in_bot"))]
    if user.phone:
        lines.append(t("mentoring.mine.phone", phone=user.phone))
    if m.is_mentor:
        load = (await mentor_load(session, me[1], [user.id])).get(user.id, 0)
        directions = ", ".join(t(f"mentoring.deficit.{d}") for d in vocab.direction_codes(m.directions or []))
        lines.append(t("mentoring.people.mentor_profile",
                       type=t(f"mentoring.mentor_type.{m.mentor_type}") if m.mentor_type in vocab.MENTOR_TYPES
                       else "—", directions=directions or "—", load=load, capacity=m.capacity or 0))
    rows = [[((("✅ " if getattr(m, f"is_{role.value}") else "▫️ ") + t(f"roles.{role.value}")),
              CoordCb(a="pr", id=user.id, v=i)) for i, role in enumerate(ROLES)]]
    if m.is_mentor:
        rows.append([(t("mentoring.people.mentor_type"), CoordCb(a="pmt", id=user.id, v=99)),
                     (t("mentoring.people.directions"), CoordCb(a="pdir", id=user.id, v=99)),
                     (t("mentoring.people.capacity"), CoordCb(a="pcap", id=user.id))])
    rows.append([(t("mentoring.people.match"), CoordCb(a="mtp", id=user.id))])
    if not user.consent_at and user.messenger_id is None:
        rows.append([(t("mentoring.people.invite"), CoordCb(a="pinv", id=user.id))])
    rows.append([(t("mentoring.people.deactivate") if m.is_active else t("mentoring.people.activate"),
                  CoordCb(a="pact", id=user.id))])
    await show(event, "\n".join(lines), markup(rows, back=(t("mentoring.people.back"), CoordCb(a="ppl", v=1))))


@router.callback_query(CoordCb.filter(F.a == "pc"))
async def person_open(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    await show_person(query, session, viewer, t, callback_data.id)


async def _apply(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, user_id: int,
                 action, **values) -> None:  # type: ignore[no-untyped-def]
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    try:
        await action(session, network_id=me[1], actor_id=me[0].id, user_id=user_id, **values)
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(t("mentoring.coord.saved"))
    await show_person(query, session, viewer, t, user_id)


@router.callback_query(CoordCb.filter(F.a == "pr"))
async def role_toggle(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if not 0 <= callback_data.v < len(ROLES):
        await tell(query, t, "errors.stale_button")
        return
    role = ROLES[callback_data.v]
    current = await session.scalar(select(Membership).where(Membership.network_id == me[1],
                                                            Membership.user_id == callback_data.id))
    if current is None:
        await tell(query, t, "errors.forbidden")
        return
    await _apply(query, session, viewer, t, callback_data.id, people_service.set_role, role=role,
                 on=not getattr(current, f"is_{role.value}"))


@router.callback_query(CoordCb.filter(F.a == "pact"))
async def active_toggle(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    current = await session.scalar(select(Membership).where(Membership.network_id == me[1],
                                                            Membership.user_id == callback_data.id))
    if current is None:
        await tell(query, t, "errors.forbidden")
        return
    await _apply(query, session, viewer, t, callback_data.id, people_service.set_active, active=not current.is_active)


@router.callback_query(CoordCb.filter(F.a == "pmt"))
async def mentor_type(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    if callback_data.v == 99:
        if await need_coordinator(query, viewer, t) is None:
            return
        rows = [[(t(f"mentoring.mentor_type.{code}"), CoordCb(a="pmt", id=callback_data.id, v=i))]
                for i, code in enumerate(vocab.MENTOR_TYPES)]
        await show(query, t("mentoring.people.ask_mentor_type"),
                   markup(rows, back=(t("mentoring.people.back_card"), CoordCb(a="pc", id=callback_data.id))))
        return
    if not 0 <= callback_data.v < len(vocab.MENTOR_TYPES):
        await tell(query, t, "errors.stale_button")
        return
    await _apply(query, session, viewer, t, callback_data.id, people_service.set_mentor_profile,
                 mentor_type=vocab.MENTOR_TYPES[callback_data.v])


@router.callback_query(CoordCb.filter(F.a == "pdir"))
async def directions(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if callback_data.v != 99:
        if not 0 <= callback_data.v < len(vocab.DIRECTIONS):
            await tell(query, t, "errors.stale_button")
            return
        try:
            await people_service.set_mentor_profile(session, network_id=me[1], actor_id=me[0].id,
                                                    user_id=callback_data.id,
                                                    toggle_direction=vocab.DIRECTIONS[callback_data.v])
        except DomainError as error:
            await explain(query, t, error)
            return
    try:
        m = await people_service.person(session, me[1], callback_data.id)
    except DomainError as error:
        await explain(query, t, error)
        return
    chosen = vocab.direction_codes(m.directions or [])
    rows = [[(("✅ " if code in chosen else "▫️ ") + t(f"mentoring.direction.{code}"),
              CoordCb(a="pdir", id=callback_data.id, v=i))] for i, code in enumerate(vocab.DIRECTIONS)]
    await show(query, t("mentoring.people.ask_directions", name=m.user.full_name or "—"),
               markup(rows, back=(t("mentoring.people.back_card"), CoordCb(a="pc", id=callback_data.id))))


@router.callback_query(CoordCb.filter(F.a == "pcap"))
async def capacity(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                   t: Translator) -> None:
    if callback_data.v == 0:
        if await need_coordinator(query, viewer, t) is None:
            return
        rows = [[(str(n), CoordCb(a="pcap", id=callback_data.id, v=n)) for n in vocab.CAPACITIES]]
        await show(query, t("mentoring.people.ask_capacity"),
                   markup(rows, back=(t("mentoring.people.back_card"), CoordCb(a="pc", id=callback_data.id))))
        return
    if callback_data.v not in vocab.CAPACITIES:
        await tell(query, t, "errors.stale_button")
        return
    await _apply(query, session, viewer, t, callback_data.id, people_service.set_mentor_profile,
                 capacity=callback_data.v)


@router.callback_query(CoordCb.filter(F.a == "pinv"))
async def personal_invite(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                          t: Translator, clock: Clock, bot_names: BotNames) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None or not isinstance(query.message, Message):
        return
    try:
        m = await people_service.person(session, me[1], callback_data.id)
    except DomainError as error:
        await explain(query, t, error)
        return
    if m.user.consent_at is not None or m.user.messenger_id is not None:
        await tell(query, t, "mentoring.people.already_in_bot")
        return
    invite = await session.scalar(select(Invite).where(
        Invite.target_user_id == m.user_id, Invite.network_id == me[1], Invite.revoked.is_(False),
        Invite.uses_left > 0, (Invite.expires_at.is_(None)) | (Invite.expires_at > clock.now()))
        .order_by(Invite.id.desc()).limit(1))
    if invite is None:
        role = Role.COORDINATOR if m.is_coordinator else Role.MENTOR if m.is_mentor else Role.PARTICIPANT
        network = await session.get(Network, me[1])
        assert network is not None
        invite = await invite_service.create_invite(session, network=network, role=role, clock=clock, uses=1,
                                                    expires_days=60, created_by_id=me[0].id,
                                                    target_user_id=m.user_id, school_id=m.school_id)
    links = await bot_names.links(invite.code, query.message.bot)
    if len(links) > 1:  # both messengers: the person opens the one they use
        text = t("mentoring.people.invite_links", name=m.user.full_name or "—", links=link_lines(t, links))
    else:
        text = t("mentoring.people.invite_link", name=m.user.full_name or "—", link=links[0].url if links else "")
    await query.message.answer(text)
