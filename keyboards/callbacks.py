"""Typed callback data. Ids and short codes only: Telegram allows 64 bytes and Cyrillic costs two each.

Handlers never trust these values: each re-checks who is pressing and what they may touch.
"""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str


class PageCb(CallbackData, prefix="pg"):
    """Paging of a named list; the list's query lives in the dialog state, not in the button."""

    list: str
    page: int


class ConsentCb(CallbackData, prefix="consent"):
    agree: bool


class NetworkPickCb(CallbackData, prefix="net"):
    id: int
    purpose: str  # "join", "invite", "coord"


class SchoolPickCb(CallbackData, prefix="sch"):
    id: int  # 0: «нет в списке»


class PositionCb(CallbackData, prefix="pos"):
    code: str  # "other": typed by hand


class SubjectCb(CallbackData, prefix="subj"):
    code: str  # "done" finishes the choice


class JoinDecisionCb(CallbackData, prefix="jr"):
    id: int
    approve: bool


class InviteRoleCb(CallbackData, prefix="inv"):
    role: str
    uses: int  # 0: unlimited


class InviteQrCb(CallbackData, prefix="iqr"):
    id: int  # the invite
    p: str  # the messenger whose link the QR carries: "telegram" or "max"


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class ProfileEditCb(CallbackData, prefix="pe"):
    field: str


class ForgetCb(CallbackData, prefix="forget"):
    confirm: bool


class RegNavCb(CallbackData, prefix="rn"):
    a: str  # "back" to the previous step, "cancel" leaves the dialog (registration, profile editing)
