"""/profile, /privacy, /mydata and /forgetme: a person's own data (/settings lives in handlers/settings.py)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import privacy
from bot.services import registration as reg
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.viewer import Viewer
from handlers.common import show
from keyboards.callbacks import ForgetCb, MenuCb, ProfileEditCb

router = Router(name="profile")
router.message.filter(F.chat.type == ChatType.PRIVATE)


class ProfileEdit(StatesGroup):
    full_name = State()
    position = State()


class Forget(StatesGroup):
    confirm = State()  # erasure happens only from this step, never from a replayed button


def _profile_text(viewer: Viewer, t: Translator) -> str:
    user = viewer.user
    assert user is not None
    membership = viewer.membership
    school = membership.school.name if membership and membership.school else t("common.not_set")
    roles = ", ".join(t(f"roles.{r.value}") for r in membership.roles) if membership else t("common.not_set")
    return t("profile.card", name=user.full_name or "", position=user.position or t("common.not_set"),
             subjects=", ".join(user.subjects or []) or t("common.not_set"), school=school, roles=roles,
             network=membership.network.name if membership else t("common.not_set"))


def _profile_markup(t: Translator):  # type: ignore[no-untyped-def]
    builder = InlineKeyboardBuilder()
    builder.button(text=t("profile.edit_name"), callback_data=ProfileEditCb(field="full_name"))
    builder.button(text=t("profile.edit_position"), callback_data=ProfileEditCb(field="position"))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(2, 1)
    return builder.as_markup()


async def _need_registration(event: Message | CallbackQuery, viewer: Viewer, t: Translator) -> bool:
    if viewer.registered:
        return False
    if isinstance(event, CallbackQuery):
        await event.answer(t("menu.not_registered"), show_alert=True)
    else:
        await event.answer(t("menu.not_registered"))
    return True


@router.message(Command("profile"))
async def profile_command(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await _need_registration(message, viewer, t):
        return
    await state.clear()
    await message.answer(_profile_text(viewer, t), reply_markup=_profile_markup(t))


@router.callback_query(MenuCb.filter(F.action == "profile"))
async def profile_button(query: CallbackQuery, viewer: Viewer, t: Translator) -> None:
    if await _need_registration(query, viewer, t):
        return
    await show(query, _profile_text(viewer, t), _profile_markup(t))


@router.callback_query(ProfileEditCb.filter())
async def profile_edit(query: CallbackQuery, callback_data: ProfileEditCb, state: FSMContext, viewer: Viewer,
                       t: Translator) -> None:
    if await _need_registration(query, viewer, t):
        return
    target = {"full_name": ProfileEdit.full_name, "position": ProfileEdit.position}.get(callback_data.field)
    if target is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await state.set_state(target)
    await show(query, t(f"profile.ask_{callback_data.field}"))


@router.message(ProfileEdit.full_name, F.text)
async def profile_name(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    try:
        name = reg.normalize_full_name(message.text or "")
    except DomainError as error:
        await message.answer(t(error.key))
        return
    assert viewer.user is not None
    viewer.user.full_name = name
    await state.clear()
    await message.answer(t("profile.saved"))
    await message.answer(_profile_text(viewer, t), reply_markup=_profile_markup(t))


@router.message(ProfileEdit.position, F.text)
async def profile_position(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    try:
        position = reg.normalize_free_text(message.text or "", limit=120)
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    assert viewer.user is not None
    viewer.user.position = position
    await state.clear()
    await message.answer(t("profile.saved"))
    await message.answer(_profile_text(viewer, t), reply_markup=_profile_markup(t))


@router.message(ProfileEdit.full_name)
@router.message(ProfileEdit.position)
async def profile_expect_text(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


# --- privacy ---------------------------------------------------------------------------------------

@router.message(Command("privacy"))
async def privacy_command(message: Message, t: Translator) -> None:
    await message.answer(t("privacy.text"))


@router.message(Command("mydata"))
async def mydata(message: Message, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    if viewer.user is None or viewer.user.consent_at is None:
        await message.answer(t("privacy.nothing_stored"))
        return
    data = privacy.export_as_json(await privacy.export_user_data(session, viewer.user))
    await message.answer_document(BufferedInputFile(data, filename="my-data.json"), caption=t("privacy.mydata"))


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
