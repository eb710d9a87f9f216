"""Buttons of /settings: language, mutes, and the network's quiet hours for a coordinator."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import LANGUAGES, Translator
from bot.services import quiet_hours
from bot.services.preferences import MUTABLE_TOPICS
from keyboards.callbacks import LanguageCb, MenuCb
from keyboards.common import short


class SetCb(CallbackData, prefix="set"):
    """a: home mute (i = topic index) quiet qp (i = preset index) qoff"""

    a: str
    i: int = 0


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=short(text), callback_data=data.pack())


def settings_markup(t: Translator, muted: set[str], *, quiet: quiet_hours.QuietHours | None) -> InlineKeyboardMarkup:
    """Language, one toggle per mutable topic, and (for a coordinator) the network's quiet hours."""
    builder = InlineKeyboardBuilder()
    languages = [button(("✅ " if code == t.language else "") + t(f"settings.language_{code}"), LanguageCb(code=code))
                 for code in LANGUAGES]
    builder.row(*languages)
    for index, topic in enumerate(MUTABLE_TOPICS):
        mark = "🔕 " if topic in muted else "🔔 "
        builder.row(button(mark + t(f"settings.topics.{topic}"), SetCb(a="mute", i=index)))
    if quiet is not None:
        label = quiet.label if quiet.enabled else t("settings.quiet.off_label")
        builder.row(button(t("settings.quiet.button", window=label), SetCb(a="quiet")))
    builder.row(button(t("menu.back"), MenuCb(action="home")))
    return builder.as_markup()


def quiet_markup(t: Translator, current: quiet_hours.QuietHours) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, (start, end) in enumerate(quiet_hours.PRESETS):
        window = quiet_hours.QuietHours(start, end)
        mark = "✅ " if current.enabled and window == current else ""
        builder.button(text=mark + window.label, callback_data=SetCb(a="qp", i=index))
    builder.adjust(2)
    builder.row(button(("✅ " if not current.enabled else "") + t("settings.quiet.turn_off"), SetCb(a="qoff")))
    builder.row(button(t("settings.back"), SetCb(a="home")))
    return builder.as_markup()
