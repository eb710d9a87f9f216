"""/start: invite deep links, join requests and the registration dialog."""
from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notifications
from bot.config import Settings
from bot.i18n import Raw, Translator
from bot.services import invites as invite_service
from bot.services import networks as network_service
from bot.services import registration as reg
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.viewer import Viewer
from db.models import Invite, Network, Role, School
from handlers.common import show, show_menu
from keyboards.callbacks import (ConsentCb, MenuCb, NetworkPickCb, PageCb, PositionCb, RegNavCb, SchoolPickCb,
                                 SubjectCb)
from keyboards.common import paged_list
from keyboards.registration import positions_markup, school_picker, subjects_markup, way_out, way_out_markup

router = Router(name="start")
router.message.filter(F.chat.type == ChatType.PRIVATE)


class Registration(StatesGroup):
    consent = State()
    full_name = State()
    school = State()
    school_other = State()
    position = State()
    position_other = State()
    subjects = State()


# --- entry points ----------------------------------------------------------------------------------

@router.message(CommandStart(deep_link=True))
async def start_with_code(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                          viewer: Viewer, t: Translator, clock: Clock, settings: Settings) -> None:
    try:
        invite = await invite_service.find_valid(session, command.args or "", clock)
    except DomainError as error:
        # Her own invite, opened again once she is in: nothing to ask for, she is already here.
        member_of = await invite_service.network_of_code(session, command.args or "")
        if viewer.registered and member_of is not None and _member(viewer, member_of.id):
            await state.clear()
            await message.answer(t("invite.already_in", network=member_of.name))
            await show_menu(message, viewer, t)
            return
        await message.answer(t(error.key, **error.values))
        await _greet(message, state, viewer, t)
        return
    network = await session.get(Network, invite.network_id)
    if viewer.registered and viewer.user is not None:
        await state.clear()
        membership = _member(viewer, invite.network_id)
        if membership is not None and Role(invite.role) in membership.roles:
            await message.answer(t("invite.already_in", network=network.name if network else ""))
        else:
            try:
                await reg.accept_invite_as_member(session, viewer.user, invite)
            except DomainError as error:  # switched off in that network: only its coordinator brings them back
                await message.answer(t(error.key, **error.values))
                await show_menu(message, viewer, t)
                return
            await message.answer(t("invite.joined", network=network.name if network else "",
                                   role=t(f"roles.{invite.role}")))
            if invite.role == Role.COORDINATOR.value and network is not None:
                await notifications.coordinator_joined(session, viewer.user, network, settings.admins(), clock)
        await _refresh(session, viewer)
        await show_menu(message, viewer, t)
        return
    await state.clear()
    await state.update_data(mode="invite", invite_code=invite.code, network_id=invite.network_id,
                            school_id=invite.school_id, target_user_id=invite.target_user_id, role=invite.role,
                            invite_school=invite.school_id is not None)
    await _ask_consent(message, state, t, network.name if network else "", invited=True)


def _member(viewer: Viewer, network_id: int) -> Any:
    return next((m for m in viewer.memberships if m.network_id == network_id and m.is_active), None)


@router.message(CommandStart())
async def start_plain(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    await _greet(message, state, viewer, t, session)


async def _greet(message: Message, state: FSMContext, viewer: Viewer, t: Translator,
                 session: AsyncSession | None = None) -> None:
    if viewer.registered and viewer.membership is not None:
        await state.clear()
        await show_menu(message, viewer, t)
        return
    if await state.get_state() is not None:
        await message.answer(t("registration.resume_hint"))
        return
    if viewer.is_admin:  # an administrator who is in no network yet still has a menu: networks and invites
        await show_menu(message, viewer, t)
        return
    if viewer.registered and viewer.user is not None and session is not None:
        waiting = await reg.pending_request(session, viewer.user.id)
        if waiting is not None:
            await message.answer(t("join.still_pending", network=waiting))
            return
    builder = InlineKeyboardBuilder()
    builder.button(text=t("join.request_button"), callback_data=MenuCb(action="join"))
    await message.answer(t("start.about"), reply_markup=builder.as_markup())


@router.callback_query(MenuCb.filter(F.action == "join"))
async def choose_network(query: CallbackQuery, session: AsyncSession, t: Translator, state: FSMContext) -> None:
    await state.update_data(list_networks=True)
    await _network_page(query, session, t, 0)


@router.callback_query(PageCb.filter(F.list == "join_networks"))
async def network_page(query: CallbackQuery, callback_data: PageCb, session: AsyncSession, t: Translator) -> None:
    await _network_page(query, session, t, callback_data.page)


async def _network_page(event: CallbackQuery, session: AsyncSession, t: Translator, page: int) -> None:
    networks = await network_service.list_networks(session, page)
    if networks.total == 0:
        await show(event, t("join.no_networks"))
        return
    markup = paged_list(networks, list_name="join_networks", t=t,
                        button=lambda n: (n.name, NetworkPickCb(id=n.id, purpose="join")),
                        extra=[(t("registration.cancel"), RegNavCb(a="cancel"))])
    await show(event, t("join.choose_network"), markup)


@router.callback_query(NetworkPickCb.filter(F.purpose == "join"))
async def network_chosen(query: CallbackQuery, callback_data: NetworkPickCb, state: FSMContext,
                         session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    network = await session.get(Network, callback_data.id)
    if network is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    if any(m.network_id == network.id and m.is_active for m in viewer.memberships):
        await show_menu(query, viewer, t)
        return
    await state.clear()
    await state.update_data(mode="request", network_id=network.id)
    if viewer.registered and viewer.user is not None:
        # Already known elsewhere: no need to ask the profile again, just send the request.
        user = viewer.user
        profile = reg.Profile(full_name=user.full_name or "", position=user.position or "",
                              subjects=list(user.subjects or []), school_id=None, school_note=None)
        await _finish_request(query, state, session, viewer, t, clock, profile)
        return
    await _ask_consent(query, state, t, network.name, invited=False)


# --- consent ---------------------------------------------------------------------------------------

async def _ask_consent(event: Message | CallbackQuery, state: FSMContext, t: Translator, network: str, *,
                       invited: bool) -> None:
    await state.set_state(Registration.consent)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("consent.agree"), callback_data=ConsentCb(agree=True))
    builder.button(text=t("consent.decline"), callback_data=ConsentCb(agree=False))
    builder.adjust(1)
    intro = t("consent.invited" if invited else "consent.requesting", network=network)
    await show(event, t("consent.text", intro=Raw(intro)), builder.as_markup())


def _asks_school(data: dict[str, Any]) -> bool:
    """A coordinator works for the network, not a school; an invite may name the school already."""
    return data.get("role") != Role.COORDINATOR.value and not data.get("invite_school")


@router.callback_query(StateFilter(None, Registration), RegNavCb.filter(F.a == "cancel"))
async def registration_cancelled(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(query, t("registration.cancelled"))


@router.callback_query(StateFilter(Registration), RegNavCb.filter(F.a == "back"))
async def registration_back(query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current == Registration.school.state:
        await _ask_name(query, state, t)
    elif current == Registration.school_other.state:
        await state.set_state(Registration.school)
        await _school_page(query, state, session, t, 0)
    elif current == Registration.position.state:
        if _asks_school(data):
            await state.set_state(Registration.school)
            await _school_page(query, state, session, t, 0)
        else:
            await _ask_name(query, state, t)
    elif current == Registration.position_other.state:
        await _ask_position(query, state, t)
    elif current == Registration.subjects.state:
        await _ask_position(query, state, t)
    else:
        await query.answer(t("errors.stale_button"), show_alert=True)


async def _ask_name(event: Message | CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(Registration.full_name)
    await show(event, t("registration.ask_name"), way_out_markup(t, back=False))


@router.callback_query(Registration.consent, ConsentCb.filter())
async def consent_given(query: CallbackQuery, callback_data: ConsentCb, state: FSMContext,
                        session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    if not callback_data.agree:
        await state.clear()
        await show(query, t("consent.declined"))
        return
    data = await state.get_data()
    await reg.record_consent(session, platform=viewer.platform, messenger_id=query.from_user.id,
                             username=query.from_user.username,
                             language=t.language, clock=clock, target_user_id=data.get("target_user_id"))
    await _ask_name(query, state, t)


@router.message(Registration.consent)
async def consent_expected(message: Message, t: Translator) -> None:
    await message.answer(t("consent.use_buttons"))


# --- full name -------------------------------------------------------------------------------------

@router.message(Registration.full_name, F.text)
async def name_given(message: Message, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    try:
        full_name = reg.normalize_full_name(message.text or "")
    except DomainError as error:
        await message.answer(t(error.key))
        return
    await state.update_data(full_name=full_name)
    if not _asks_school(await state.get_data()):
        await _ask_position(message, state, t)
        return
    await state.set_state(Registration.school)
    await state.update_data(school_query=None)
    await _school_page(message, state, session, t, 0)


@router.message(Registration.full_name)
async def name_expected(message: Message, t: Translator) -> None:
    await message.answer(t("registration.name_as_text"))


# --- school ----------------------------------------------------------------------------------------

async def _school_page(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession,
                       t: Translator, page: int) -> None:
    data = await state.get_data()
    query = data.get("school_query")
    schools = await network_service.search_schools(session, data["network_id"], query, page)
    text, markup = school_picker(schools, query, t, list_name="reg_schools", ask="registration.ask_school",
                                 not_found="registration.school_not_found", empty="registration.no_schools_yet",
                                 extra=[(t("registration.school_not_listed"), SchoolPickCb(id=0)), *way_out(t)])
    await show(event, text, markup)


@router.callback_query(Registration.school, PageCb.filter(F.list == "reg_schools"))
async def school_page(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                      t: Translator) -> None:
    await _school_page(query, state, session, t, callback_data.page)


@router.message(Registration.school, F.text)
async def school_search(message: Message, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    await state.update_data(school_query=(message.text or "").strip()[:100])
    await _school_page(message, state, session, t, 0)


@router.callback_query(Registration.school, SchoolPickCb.filter())
async def school_chosen(query: CallbackQuery, callback_data: SchoolPickCb, state: FSMContext,
                        session: AsyncSession, t: Translator) -> None:
    if callback_data.id == 0:
        await state.set_state(Registration.school_other)
        await show(query, t("registration.ask_school_name"), way_out_markup(t))
        return
    data = await state.get_data()
    school = await session.get(School, callback_data.id)
    if school is None or school.network_id != data.get("network_id"):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await state.update_data(school_id=school.id, school_note=None)
    await _ask_position(query, state, t)


@router.message(Registration.school_other, F.text)
async def school_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        note = reg.normalize_free_text(message.text or "", limit=300)
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    await state.update_data(school_id=None, school_note=note)
    await _ask_position(message, state, t)


# --- position --------------------------------------------------------------------------------------

async def _ask_position(event: Message | CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(Registration.position)
    data = await state.get_data()
    codes = reg.COORDINATOR_POSITIONS if data.get("role") == Role.COORDINATOR.value else reg.POSITIONS
    await show(event, t("registration.ask_position"), positions_markup(codes, t))


@router.callback_query(Registration.position, PositionCb.filter())
async def position_chosen(query: CallbackQuery, callback_data: PositionCb, state: FSMContext,
                          session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                          settings: Settings) -> None:
    if callback_data.code == "other":
        await state.set_state(Registration.position_other)
        await show(query, t("registration.ask_position_text"), way_out_markup(t))
        return
    if callback_data.code not in (*reg.POSITIONS, *reg.COORDINATOR_POSITIONS):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await state.update_data(position=t(f"positions.{callback_data.code}"))
    await _after_position(query, state, session, viewer, t, clock, settings)


@router.message(StateFilter(Registration.position, Registration.position_other), F.text)
async def position_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                         t: Translator, clock: Clock, settings: Settings) -> None:
    try:
        position = reg.normalize_free_text(message.text or "", limit=120)
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    await state.update_data(position=position)
    await _after_position(message, state, session, viewer, t, clock, settings)


async def _after_position(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession,
                          viewer: Viewer, t: Translator, clock: Clock, settings: Settings) -> None:
    """Teachers go on to their subjects; a coordinator has none to name, so registration ends here."""
    data = await state.get_data()
    if data.get("role") == Role.COORDINATOR.value:
        await _finish(event, state, session, viewer, t, clock, settings, data)
        return
    await _ask_subjects(event, state, t)


# --- subjects --------------------------------------------------------------------------------------

async def _ask_subjects(event: Message | CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(Registration.subjects)
    data = await state.get_data()
    await show(event, t("registration.ask_subjects"), subjects_markup(data.get("subjects", []), t))


@router.callback_query(Registration.subjects, SubjectCb.filter(F.code != "done"))
async def subject_toggled(query: CallbackQuery, callback_data: SubjectCb, state: FSMContext,
                          t: Translator) -> None:
    if callback_data.code not in reg.SUBJECTS:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    chosen: list[str] = list((await state.get_data()).get("subjects", []))
    if callback_data.code in chosen:
        chosen.remove(callback_data.code)
    else:
        chosen.append(callback_data.code)
    await state.update_data(subjects=chosen)
    await show(query, t("registration.ask_subjects"), subjects_markup(chosen, t))


@router.message(Registration.subjects)
async def subjects_expected(message: Message, t: Translator) -> None:
    await message.answer(t("registration.subjects_use_buttons"))


@router.callback_query(Registration.subjects, SubjectCb.filter(F.code == "done"))
async def subjects_done(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator, clock: Clock, settings: Settings) -> None:
    await _finish(query, state, session, viewer, t, clock, settings, await state.get_data())


async def _finish(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                  t: Translator, clock: Clock, settings: Settings, data: dict[str, Any]) -> None:
    subjects = [t(f"subjects.{code}") for code in data.get("subjects", [])]
    profile = reg.Profile(full_name=data["full_name"], position=data["position"], subjects=subjects,
                          school_id=data.get("school_id"), school_note=data.get("school_note"))
    if data.get("mode") == "invite":
        await _finish_invite(event, state, session, viewer, t, clock, settings, profile, data)
    else:
        await _finish_request(event, state, session, viewer, t, clock, profile)


# --- finishing -------------------------------------------------------------------------------------

async def _current_user(session: AsyncSession, viewer: Viewer, messenger_id: int) -> Any:
    return viewer.user or await reg.load_user(session, viewer.platform, messenger_id)


async def _finish_invite(query: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                         t: Translator, clock: Clock, settings: Settings, profile: reg.Profile,
                         data: dict[str, Any]) -> None:
    user = await _current_user(session, viewer, query.from_user.id)  # type: ignore[union-attr]
    try:
        invite: Invite = await invite_service.find_valid(session, data["invite_code"], clock)
        await reg.complete_with_invite(session, user, invite, profile)
    except DomainError as error:
        await state.clear()
        await show(query, t(error.key, **error.values))
        return
    network = await session.get(Network, invite.network_id)
    if profile.school_note and network is not None:
        await notifications.unknown_school_to_coordinators(session, user, network, profile.school_note, clock)
    if invite.role == Role.COORDINATOR.value and network is not None:
        await notifications.coordinator_joined(session, user, network, settings.admins(), clock)
    await state.clear()
    await _refresh(session, viewer)
    await show(query, t("registration.welcome", name=profile.full_name))
    target = query.message if isinstance(query, CallbackQuery) and isinstance(query.message, Message) else query
    await show_menu(target, viewer, t)


async def _finish_request(query: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                          t: Translator, clock: Clock, profile: reg.Profile) -> None:
    data = await state.get_data()
    network = await session.get(Network, data["network_id"])
    user = await _current_user(session, viewer, query.from_user.id)  # type: ignore[union-attr]
    if network is None or user is None:
        await state.clear()
        await show(query, t("errors.stale_button"))
        return
    request = await reg.complete_with_request(session, user, network.id, profile, clock)
    school = await session.get(School, profile.school_id) if profile.school_id else None
    await notifications.join_request_to_coordinators(session, request, user, network, school, clock)
    await state.clear()
    await show(query, t("join.sent", network=network.name))


async def _refresh(session: AsyncSession, viewer: Viewer) -> None:
    user = await reg.load_user(session, viewer.platform, viewer.messenger_id)
    viewer.user = user
    viewer.memberships = list(user.memberships) if user else []
