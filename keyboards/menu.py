"""The main menu, built from what this person may do. Features add their items here."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.viewer import Viewer
from db.models import Role
from keyboards.callbacks import MenuCb


@dataclass(frozen=True)
class MenuItem:
    action: str
    label: str  # locale key
    allowed: Callable[[Viewer], bool]
    help: str  # locale key of the /help line


def _coordinator(v: Viewer) -> bool:
    return v.registered and v.is_coordinator


def _admin(v: Viewer) -> bool:
    return v.is_admin


MENU: list[MenuItem] = [
    MenuItem("ml_log", "mentoring.menu.log", lambda v: v.registered and v.is_mentor, "mentoring.help.log"),
    MenuItem("ml_pairs", "mentoring.menu.pairs", lambda v: v.registered and v.is_mentor, "mentoring.help.pairs"),
    MenuItem("ml_mine", "mentoring.menu.mine", lambda v: v.registered and v.has(Role.PARTICIPANT),
             "mentoring.help.mine"),
    MenuItem("ml_ask", "mentoring.menu.ask", lambda v: v.registered and v.membership is not None,
             "mentoring.help.ask"),
    MenuItem("ml_questions", "mentoring.menu.questions", lambda v: v.registered and v.is_mentor,
             "mentoring.help.questions"),
    MenuItem("invite", "menu.invite", _coordinator, "help.invite"),
    MenuItem("join_requests", "menu.join_requests", _coordinator, "help.join_requests"),
    MenuItem("ml_coord", "mentoring.menu.coord", _coordinator, "mentoring.help.coord"),
    MenuItem("broadcasts", "broadcast.menu", _coordinator, "broadcast.help"),
    MenuItem("admin_networks", "menu.admin_networks", _admin, "help.admin_networks"),
    MenuItem("admin_coord_invite", "menu.admin_coord_invite", _admin, "help.admin_coord_invite"),
    MenuItem("forms_coord", "forms.menu.coord", _coordinator, "forms.help.coord"),
    MenuItem("forms_mine", "forms.menu.mine", lambda v: v.registered and v.membership is not None, "forms.help.mine"),
    MenuItem("events", "events.menu.events", lambda v: v.registered and v.membership is not None, "events.help.events"),
    MenuItem("roadmap", "events.menu.roadmap", _coordinator, "events.help.roadmap"),
    MenuItem("stats", "monitoring.menu.stats", _coordinator, "monitoring.help.stats"),
    MenuItem("export", "monitoring.menu.export", _coordinator, "monitoring.help.export"),
    MenuItem("my_summary", "monitoring.menu.mine",
             lambda v: v.registered and (v.is_mentor or v.has(Role.PARTICIPANT)), "monitoring.help.mine"),
    MenuItem("profile", "menu.profile", lambda v: v.registered, "help.profile"),
    MenuItem("settings", "menu.settings", lambda v: v.registered, "help.settings"),
    MenuItem("help", "menu.help", lambda v: True, "help.help"),
]


def visible_items(viewer: Viewer) -> list[MenuItem]:
    return [item for item in MENU if item.allowed(viewer)]


def main_menu(viewer: Viewer, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in visible_items(viewer):
        builder.button(text=t(item.label), callback_data=MenuCb(action=item.action))
    builder.adjust(2)
    return builder.as_markup()


def allowed(viewer: Viewer, action: str) -> bool:
    return any(item.action == action for item in visible_items(viewer))
