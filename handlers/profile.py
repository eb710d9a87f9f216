"""/profile, /privacy, /mydata and /forgetme: a person's own data (/settings lives in handlers/settings.py)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import networks as network_service
from bot.services import mydata as mydata_service
from bot.services import privacy, quiet_hours
from bot.services import registration as reg
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.viewer import Viewer
from handlers.common import show
from db.models import School
from keyboards.callbacks import (ForgetCb, MenuCb, PageCb, PositionCb, ProfileEditCb, RegNavCb, SchoolPickCb,
                                 SubjectCb)
from keyboards.registration import positions_markup, school_picker, subjects_markup, way_out, way_out_markup

router = Router(name="profile")
router.message.filter(F.chat.type == ChatType.PRIVATE)


class ProfileEdit(StatesGroup):
    full_name = State()
    position = State()  # buttons, or the position typed
    position_other = State()
    school = State()  # typed text searches the network's schools
    subjects = State()  # data: pe_subjects (codes), pe_extra (subjects not in the list, kept as they are)


class Forget(StatesGroup):
    confirm = State()  # erasure happens only from this step, never from a replayed button


def _profile_text(viewer: Viewer, t: Translator) -> str:
    user = viewer.user
    assert user is not None
    membership = viewer.membership
    school = membership.school.name if membership and membership.school else t("common.not_set_f")
    roles = ", ".join(t(f"roles.{r.value}") for r in membership.roles) if membership else t("profile.no_roles")
    return t("profile.card", name=user.full_name or "", position=user.position or t("common.not_set_f"),
             subjects=", ".join(user.subjects or []) or t("common.not_set_pl"), school=school, roles=roles,
             network=membership.network.name if membership else t("menu.no_network"))


def _teaches(viewer: Viewer) -> bool:
    """A coordinator of the method service has no school or subjects to keep; teachers and mentors do."""
    membership = viewer.membership
    return membership is None or membership.is_participant or membership.is_mentor


def _profile_markup(viewer: Viewer, t: Translator):  # type: ignore[no-untyped-def]
    builder = InlineKeyboardBuilder()
    builder.button(text=t("profile.edit_name"), callback_data=ProfileEditCb(field="full_name"))
    builder.button(text=t("profile.edit_position"), callback_data=ProfileEditCb(field="position"))
    if _teaches(viewer):
        builder.button(text=t("profile.edit_school"), callback_data=ProfileEditCb(field="school"))
        builder.button(text=t("profile.edit_subjects"), callback_data=ProfileEditCb(field="subjects"))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


async def _need_registration(event: Message | CallbackQuery, viewer: Viewer, t: Translator) -> bool:
    if viewer.registered:
        return False
    if isinstance(event, CallbackQuery):
        await event.answer(t("menu.not_registered"), show_alert=True)
    else:
        await event.answer(t("menu.not_registered"))
    return True


async def _show_profile(event: Message | CallbackQuery, viewer: Viewer, t: Translator,
                        note: str | None = None) -> None:
    text = _profile_text(viewer, t)
    await show(event, f"{note}\n\n{text}" if note else text, _profile_markup(viewer, t))


@router.message(Command("profile"))
async def profile_command(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await _need_registration(message, viewer, t):
        return
    await state.clear()
    await _show_profile(message, viewer, t)


@router.callback_query(MenuCb.filter(F.action == "profile"))
async def profile_button(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await _need_registration(query, viewer, t):
        return
    if (await state.get_state() or "").startswith("ProfileEdit:"):
        await state.clear()
    await _show_profile(query, viewer, t)


@router.callback_query(ProfileEditCb.filter())
async def profile_edit(query: CallbackQuery, callback_data: ProfileEditCb, state: FSMContext,
                       session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    if await _need_registration(query, viewer, t):
        return
    field = callback_data.field
    if field == "full_name":
        await state.set_state(ProfileEdit.full_name)
        await show(query, t("profile.ask_full_name"), way_out_markup(t, back=False))
    elif field == "position":
        await _ask_position(query, state, viewer, t)
    elif field == "school" and _teaches(viewer):
        if viewer.membership is None:
            await query.answer(t("profile.no_network"), show_alert=True)
            return
        await state.set_state(ProfileEdit.school)
        await state.update_data(pe_query=None)
        await _school_page(query, state, session, viewer, t, 0)
    elif field == "subjects" and _teaches(viewer):
        assert viewer.user is not None
        codes, extra = reg.subject_codes(viewer.user.subjects or [], t)
        await state.set_state(ProfileEdit.subjects)
        await state.update_data(pe_subjects=codes, pe_extra=extra)
        await show(query, t("profile.ask_subjects"),
                   subjects_markup(codes, t, back=False, done_key="profile.save_subjects"))
    else:
        await query.answer(t("errors.stale_button"), show_alert=True)


@router.callback_query(StateFilter(ProfileEdit), RegNavCb.filter())
async def profile_way_out(query: CallbackQuery, callback_data: RegNavCb, state: FSMContext, viewer: Viewer,
                          t: Translator) -> None:
    """«Назад» from typing a position returns to its buttons; anything else leaves the profile unchanged."""
    if callback_data.a == "back" and await state.get_state() == ProfileEdit.position_other.state:
        await _ask_position(query, state, viewer, t)
        return
    await state.clear()
    await _show_profile(query, viewer, t, t("profile.cancelled"))


async def _saved(event: Message | CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    await state.clear()
    await _show_profile(event, viewer, t, t("profile.saved"))


@router.message(ProfileEdit.full_name, F.text)
async def profile_name(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    try:
        name = reg.normalize_full_name(message.text or "")
    except DomainError as error:
        await message.answer(t(error.key))
        return
    assert viewer.user is not None
    viewer.user.full_name = name
    await _saved(message, state, viewer, t)


# --- position: the registration's buttons, or typed ------------------------------------------------

async def _ask_position(event: Message | CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    await state.set_state(ProfileEdit.position)
    codes = reg.POSITIONS if _teaches(viewer) else reg.COORDINATOR_POSITIONS
    await show(event, t("profile.ask_position"), positions_markup(codes, t, back=False))


@router.callback_query(ProfileEdit.position, PositionCb.filter())
async def position_chosen(query: CallbackQuery, callback_data: PositionCb, state: FSMContext, viewer: Viewer,
                          t: Translator) -> None:
    if callback_data.code == "other":
        await state.set_state(ProfileEdit.position_other)
        await show(query, t("profile.ask_position_text"), way_out_markup(t))
        return
    if callback_data.code not in (*reg.POSITIONS, *reg.COORDINATOR_POSITIONS):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    assert viewer.user is not None
    viewer.user.position = t(f"positions.{callback_data.code}")
    await _saved(query, state, viewer, t)


@router.message(StateFilter(ProfileEdit.position, ProfileEdit.position_other), F.text)
async def profile_position(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    try:
        position = reg.normalize_free_text(message.text or "", limit=120)
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    assert viewer.user is not None
    viewer.user.position = position
    await _saved(message, state, viewer, t)


# --- school: the network's list, searched by typing -------------------------------------------------

async def _school_page(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                       t: Translator, page: int) -> None:
    membership = viewer.membership
    if membership is None:
        await state.clear()
        await show(event, t("profile.no_network"))
        return
    query = (await state.get_data()).get("pe_query")
    schools = await network_service.search_schools(session, membership.network_id, query, page)
    text, markup = school_picker(schools, query, t, list_name="pe_schools", ask="profile.ask_school",
                                 not_found="registration.school_not_found_profile", extra=way_out(t, back=False))
    await show(event, text, markup)


@router.callback_query(ProfileEdit.school, PageCb.filter(F.list == "pe_schools"))
async def school_paged(query: CallbackQuery, callback_data: PageCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await _school_page(query, state, session, viewer, t, callback_data.page)


@router.message(ProfileEdit.school, F.text)
async def school_search(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await state.update_data(pe_query=(message.text or "").strip()[:100])
    await _school_page(message, state, session, viewer, t, 0)


@router.callback_query(ProfileEdit.school, SchoolPickCb.filter())
async def school_chosen(query: CallbackQuery, callback_data: SchoolPickCb, state: FSMContext,
                        session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    membership = viewer.membership
    school = await session.get(School, callback_data.id)
    if membership is None or school is None or school.network_id != membership.network_id:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    membership.school_id = school.id
    membership.school = school
    await _saved(query, state, viewer, t)


# --- subjects: the registration's multi-select -------------------------------------------------------

@router.callback_query(ProfileEdit.subjects, SubjectCb.filter(F.code != "done"))
async def subject_toggled(query: CallbackQuery, callback_data: SubjectCb, state: FSMContext, t: Translator) -> None:
    if callback_data.code not in reg.SUBJECTS:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    chosen: list[str] = list((await state.get_data()).get("pe_subjects") or [])
    chosen.remove(callback_data.code) if callback_data.code in chosen else chosen.append(callback_data.code)
    await state.update_data(pe_subjects=chosen)
    await show(query, t("profile.ask_subjects"),
               subjects_markup(chosen, t, back=False, done_key="profile.save_subjects"))


@router.callback_query(ProfileEdit.subjects, SubjectCb.filter(F.code == "done"))
async def subjects_saved(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    data = await state.get_data()
    assert viewer.user is not None
    viewer.user.subjects = [t(f"subjects.{code}") for code in data.get("pe_subjects") or []
                            if code in reg.SUBJECTS] + list(data.get("pe_extra") or [])
    await _saved(query, state, viewer, t)


@router.message(ProfileEdit.full_name)
@router.message(ProfileEdit.position)
@router.message(ProfileEdit.position_other)
@router.message(ProfileEdit.school)
async def profile_expect_text(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


@router.message(ProfileEdit.subjects)
async def subjects_expected(message: Message, t: Translator) -> None:
    await message.answer(t("registration.subjects_use_buttons"))


# --- privacy ---------------------------------------------------------------------------------------

@router.message(Command("privacy"))
async def privacy_command(message: Message, t: Translator) -> None:
    await message.answer(t("privacy.text"))


@router.message(Command("mydata"))
async def mydata(message: Message, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    """A document in the person's language to read, and the same as JSON for programs."""
    if viewer.user is None or viewer.user.consent_at is None:
        await message.answer(t("privacy.nothing_stored"))
        return
    data = await privacy.export_user_data(session, viewer.user)
    tz = quiet_hours.zone(viewer.membership.network.timezone if viewer.membership else None)
    readable = await mydata_service.document(session, viewer.user, data, t, clock.now(), tz)
    await message.answer_document(BufferedInputFile(readable, filename=mydata_service.FILE_NAME),
                                  caption=t("privacy.mydata"))
    await message.answer_document(BufferedInputFile(privacy.export_as_json(data), filename="my-data.json"))


@router.message(Command("forgetme"))
async def forgetme(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if viewer.user is None or viewer.user.consent_at is None:
        await message.answer(t("privacy.nothing_stored"))
        return
    await state.set_state(Forget.confirm)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("privacy.forget_yes"), callback_data=ForgetCb(confirm=True))
    builder.button(text=t("privacy.forget_no"), callback_data=ForgetCb(confirm=False))
    builder.adjust(1)
    await message.answer(t("privacy.forget_confirm"), reply_markup=builder.as_markup())


@router.callback_query(Forget.confirm, ForgetCb.filter())
async def forget_decided(query: CallbackQuery, callback_data: ForgetCb, state: FSMContext,
                         session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    await state.clear()
    if not callback_data.confirm or viewer.user is None or viewer.user.consent_at is None:
        await show(query, t("privacy.forget_kept"))
        return
    await privacy.forget_user(session, viewer.user, clock)
    await show(query, t("privacy.forgotten"))
