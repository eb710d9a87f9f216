"""Small helpers every feature's handlers share."""
from __future__ import annotations

from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.i18n import Translator
from bot.viewer import Viewer
from keyboards.menu import main_menu

TEXT_LIMIT = 4096


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Splits at line breaks so no message passes Telegram's 4096-character limit."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


async def show(event: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edits the message a button was on, or answers a typed message."""
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        with suppress(TelegramBadRequest):  # "message is not modified" or too old to edit
            await event.message.edit_text(text, reply_markup=markup)
            return
        await event.message.answer(text, reply_markup=markup)
        return
    message = event if isinstance(event, Message) else None
    if message is not None:
        chunks = split_text(text)
        for chunk in chunks[:-1]:
            await message.answer(chunk)
        await message.answer(chunks[-1], reply_markup=markup)


def menu_text(viewer: Viewer, t: Translator) -> str:
    if viewer.user is None or not viewer.registered:
        return t("menu.title_guest")
    membership = viewer.membership
    network = membership.network.name if membership is not None else t("menu.no_network")
    roles = ", ".join(t(f"roles.{role.value}") for role in membership.roles) if membership else ""
    return t("menu.title", name=viewer.user.full_name or "", network=network, roles=roles)


async def show_menu(event: Message | CallbackQuery, viewer: Viewer, t: Translator) -> None:
    await show(event, menu_text(viewer, t), main_menu(viewer, t))
