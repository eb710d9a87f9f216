"""/menu, /help, /cancel and the «back to menu» button."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.viewer import Viewer
from handlers.common import show, show_menu
from keyboards.callbacks import MenuCb
from keyboards.common import back_to_menu
from keyboards.menu import visible_items

router = Router(name="menu")
router.message.filter(F.chat.type == ChatType.PRIVATE)


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    had_dialog = await state.get_state() is not None
    await state.clear()
    await message.answer(t("common.cancelled") if had_dialog else t("common.nothing_to_cancel"))
    if viewer.registered:
        await show_menu(message, viewer, t)


@router.message(Command("menu"), StateFilter(None))
async def menu(message: Message, viewer: Viewer, t: Translator) -> None:
    if not viewer.registered and not viewer.is_admin:
        await message.answer(t("menu.not_registered"))
        return
    await show_menu(message, viewer, t)


@router.callback_query(MenuCb.filter(F.action == "home"))
async def home(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    await state.clear()
    await show_menu(query, viewer, t)


def help_text(viewer: Viewer, t: Translator) -> str:
    lines = [t("help.title")]
    lines += [f"• {t(item.help)}" for item in visible_items(viewer)]
    lines.append(t("help.commands"))
    if not viewer.registered:
        lines.append(t("help.guest"))
    return "\n".join(lines)


@router.message(Command("help"))
async def help_command(message: Message, viewer: Viewer, t: Translator) -> None:
    await message.answer(help_text(viewer, t))


@router.callback_query(MenuCb.filter(F.action == "help"))
async def help_button(query: CallbackQuery, viewer: Viewer, t: Translator) -> None:
    await show(query, help_text(viewer, t), back_to_menu(t))
