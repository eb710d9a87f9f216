"""Last in line: the bot is never silent in a private chat, and quiet in groups unless addressed."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.viewer import Viewer
from handlers.common import show_menu

router = Router(name="fallback")


@router.message(F.chat.type == ChatType.PRIVATE)
async def private_anything(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await state.get_state() is not None:
        # Inside a dialog, but not what this step expects (a sticker for a name, say): stay on the step.
        await message.answer(t("common.unexpected_in_dialog"))
        return
    if message.text and message.text.startswith("/"):
        await message.answer(t("common.unknown_command"))
    else:
        await message.answer(t("common.hint"))
    if viewer.registered or viewer.is_admin:
        await show_menu(message, viewer, t)


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
