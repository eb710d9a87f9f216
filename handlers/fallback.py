"""Last in line: the bot is never silent in a private chat, and quiet in groups unless addressed."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.viewer import Viewer
from keyboards.callbacks import MenuCb
from keyboards.menu import allowed

router = Router(name="fallback")


def _pointers(viewer: Viewer, t: Translator, *, question: bool) -> InlineKeyboardMarkup:
    """Where a stray message most likely wanted to go — not the whole menu again."""
    builder = InlineKeyboardBuilder()
    if question and allowed(viewer, "ml_ask"):
        builder.button(text=t("mentoring.menu.ask"), callback_data=MenuCb(action="ml_ask"))
    if allowed(viewer, "events"):
        builder.button(text=t("events.menu.events"), callback_data=MenuCb(action="events"))
    builder.button(text=t("common.open_menu"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    return builder.as_markup()


@router.message(F.chat.type == ChatType.PRIVATE)
async def private_anything(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await state.get_state() is not None:
        # Inside a dialog, but not what this step expects (a sticker for a name, say): stay on the step.
        await message.answer(t("common.unexpected_in_dialog"))
        return
    if message.text and message.text.startswith("/"):
        await message.answer(t("common.unknown_command"))
        return
    if not (viewer.registered or viewer.is_admin):
        await message.answer(t("common.hint_guest"))
        return
    text = message.text or ""
    first = text.lower().split(maxsplit=1)[0].strip(",.!:") if text.strip() else ""
    question = "?" in text or first in t("common.question_words").split()
    key = "common.hint_question" if question and allowed(viewer, "ml_ask") else (
        "common.hint_text" if text else "common.hint")
    await message.answer(t(key), reply_markup=_pointers(viewer, t, question=question))


def _addressed(message: Message, bot_username: str, bot_id: int) -> bool:
    text = message.text or message.caption or ""
    if bot_username and f"@{bot_username.lower()}" in text.lower():
        return True
    reply = message.reply_to_message
    return reply is not None and reply.from_user is not None and reply.from_user.id == bot_id


@router.message(F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
async def group_message(message: Message, t: Translator) -> None:
    me = await message.bot.me()
    if _addressed(message, me.username or "", me.id):
        await message.reply(t("common.group_hint", bot=me.username or ""))


@router.callback_query()
async def stale_button(query: CallbackQuery, t: Translator) -> None:
    """Unknown or forged callback data: a polite refusal, never an action."""
    await query.answer(t("errors.stale_button"), show_alert=True)
