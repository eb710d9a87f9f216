"""Proactive messages composed at the edge (text and buttons) and queued in the one outbox."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import outbox, people
from bot.services.clock import Clock
from bot.services.networks import coordinators_of
from bot.services.untrusted_text import unlink
from db.models import JoinRequest, Network, School, User
from keyboards.callbacks import JoinDecisionCb


def _markup_json(markup: InlineKeyboardMarkup | None) -> dict | None:
    return markup.model_dump(mode="json", exclude_none=True) if markup is not None else None


async def notify(session: AsyncSession, user: User, text: str, *, dedupe_key: str, clock: Clock,
                 network_id: int | None = None, markup: InlineKeyboardMarkup | None = None,
                 kind: str = "notification", about: User | None = None) -> None:
    """`about`: the person the text names, so their erasure cancels it if it hasn't gone yet."""
    if user.messenger_id is None:
        return
    # No link previews: a notice may quote what a stranger typed (bot/services/untrusted_text.py).
    payload = {"type": "text", "text": text, "parse_mode": "HTML", "disable_web_page_preview": True}
    if markup is not None:
        payload["reply_markup"] = _markup_json(markup)
    await outbox.enqueue(session, chat_id=user.messenger_id, user_id=user.id, network_id=network_id,
                         payload=payload, kind=kind, dedupe_key=dedupe_key, clock=clock,
                         about_user_id=about.id if about is not None else None)


async def join_request_to_coordinators(session: AsyncSession, request: JoinRequest, requester: User,
                                       network: Network, school: School | None, clock: Clock) -> int:
    coordinators = await coordinators_of(session, network.id)
    for coordinator in coordinators:
        t = Translator(coordinator.language)
        school_text = school.name if school is not None else (unlink(request.school_note) or t("common.not_set"))
        builder = InlineKeyboardBuilder()
        builder.button(text=t("join.approve"), callback_data=JoinDecisionCb(id=request.id, approve=True))
        builder.button(text=t("join.reject"), callback_data=JoinDecisionCb(id=request.id, approve=False))
        text = t("join.new_request", name=requester.full_name or "", school=school_text,
                 position=unlink(requester.position) or t("common.not_set"), network=network.name)
        await notify(session, coordinator, text, dedupe_key=f"join:{request.id}:coord:{coordinator.id}",
                     clock=clock, network_id=network.id, markup=builder.as_markup(), about=requester)
    return len(coordinators)


async def unknown_school_to_coordinators(session: AsyncSession, requester: User, network: Network,
                                         school_note: str, clock: Clock) -> None:
    """The coordinators (not the person themselves) hear of a school missing from the list, with a button that
    adds it and puts the person in it."""
    from keyboards.mentoring import CoordCb

    for coordinator in await coordinators_of(session, network.id):
        if coordinator.id == requester.id:
            continue
        t = Translator(coordinator.language)
        builder = InlineKeyboardBuilder()
        builder.button(text=t("registration.add_school"), callback_data=CoordCb(a="sadd", id=requester.id))
        await notify(session, coordinator,
                     t("registration.unknown_school_notice", name=requester.full_name or "",
                       school=unlink(school_note)),
                     dedupe_key=f"unknown-school:{network.id}:{requester.id}:coord:{coordinator.id}",
                     clock=clock, network_id=network.id, about=requester, markup=builder.as_markup())


async def coordinator_joined(session: AsyncSession, coordinator: User, network: Network,
                             admins: Mapping[str, Iterable[int]], clock: Clock) -> int:
    """Administrators (per messenger: `Settings.admins()`) hear that the coordinator they invited has joined
    (they may not be in any network)."""
    told = 0
    accounts = {(platform, int(admin_id)) for platform, ids in admins.items() for admin_id in ids}
    for platform, admin_id in sorted(accounts - {(coordinator.platform, coordinator.messenger_id)}):
        admin = await people.find(session, platform, admin_id)
        t = Translator(admin.language if admin is not None else "ru")
        payload = {"type": "text", "parse_mode": "HTML",
                   "text": t("admin.coordinator_joined", name=coordinator.full_name or "", network=network.name,
                             position=coordinator.position or t("common.not_set"))}
        account = str(admin_id) if platform == people.TELEGRAM else f"{platform}:{admin_id}"
        row = await outbox.enqueue(session, chat_id=admin_id, user_id=admin.id if admin else None,
                                   network_id=network.id, payload=payload, kind="notification", clock=clock,
                                   about_user_id=coordinator.id, platform=platform,
                                   dedupe_key=f"coordinator-joined:{network.id}:{coordinator.id}:admin:{account}")
        told += row is not None
    return told


async def join_decision_to_requester(session: AsyncSession, request: JoinRequest, clock: Clock) -> None:
    user = request.user
    t = Translator(user.language)
    key = "join.approved_notice" if request.status == "approved" else "join.rejected_notice"
    await notify(session, user, t(key, network=request.network.name),
                 dedupe_key=f"join:{request.id}:decision", clock=clock, network_id=request.network_id)
