"""Coordinators invite participants and mentors; they decide on join requests."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import notifications
from bot.i18n import Translator
from bot.services import invites as invite_service
from bot.services import registration as reg
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.pagination import paginate
from bot.services.qr import qr_png
from bot.services.untrusted_text import unlink
from bot.viewer import Viewer
from db.models import JoinRequest, JoinRequestStatus, Network, Role
from handlers.common import show
from keyboards.callbacks import InviteRoleCb, JoinDecisionCb, MenuCb, PageCb
from keyboards.common import nav_row

router = Router(name="invites")
router.message.filter(F.chat.type == ChatType.PRIVATE)

INVITE_CHOICES = ((Role.PARTICIPANT, 1), (Role.PARTICIPANT, 0), (Role.MENTOR, 1), (Role.MENTOR, 0))
MULTI_USE_EXPIRY_DAYS = 14


async def send_invite(message: Message, *, network: Network, role: Role, uses: int | None,
                      expires_days: int, session: AsyncSession, viewer: Viewer, t: Translator,
                      clock: Clock) -> None:
    invite = await invite_service.create_invite(
        session, network=network, role=role, clock=clock, uses=uses, expires_days=expires_days,
        created_by_id=viewer.user.id if viewer.user else None)
    me = await message.bot.me()
    link = invite_service.deep_link(me.username or "", invite.code)
    caption = t("invite.created", role=t(f"roles.{role.value}"), network=network.name, link=link,
                uses=t("invite.uses_one") if uses == 1 else t("invite.uses_many"), days=expires_days)
    builder = InlineKeyboardBuilder()  # the QR message leads somewhere: another invite, or back to the menu
    builder.button(text=t("invite.another"),
                   callback_data=MenuCb(action="admin_networks" if role == Role.COORDINATOR else "invite"))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    await message.answer_photo(BufferedInputFile(qr_png(link), filename="invite.png"), caption=caption,
                               reply_markup=builder.as_markup())


@router.callback_query(MenuCb.filter(F.action == "invite"))
async def invite_menu(query: CallbackQuery, viewer: Viewer, t: Translator) -> None:
    if not viewer.is_coordinator:
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    builder = InlineKeyboardBuilder()
    for role, uses in INVITE_CHOICES:
        label = t("invite.choice", role=t(f"roles.{role.value}"),
                  uses=t("invite.uses_one") if uses == 1 else t("invite.uses_many"))
        builder.button(text=label, callback_data=InviteRoleCb(role=role.value, uses=uses))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    await show(query, t("invite.choose"), builder.as_markup())


@router.callback_query(InviteRoleCb.filter())
async def invite_create(query: CallbackQuery, callback_data: InviteRoleCb, session: AsyncSession,
                        viewer: Viewer, t: Translator, clock: Clock) -> None:
    membership = viewer.membership
    allowed = {(r.value, u) for r, u in INVITE_CHOICES}
    if membership is None or not viewer.is_coordinator or (callback_data.role, callback_data.uses) not in allowed:
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    if not isinstance(query.message, Message):
        return
    await send_invite(query.message, network=membership.network, role=Role(callback_data.role),
                      uses=callback_data.uses or None,
                      expires_days=30 if callback_data.uses == 1 else MULTI_USE_EXPIRY_DAYS,
                      session=session, viewer=viewer, t=t, clock=clock)


# --- join requests ---------------------------------------------------------------------------------

async def _requests_page(event: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator,
                         page: int) -> None:
    membership = viewer.membership
    if membership is None or not viewer.is_coordinator:
        await event.answer(t("errors.forbidden"), show_alert=True)
        return
    stmt = (select(JoinRequest).where(JoinRequest.network_id == membership.network_id,
                                      JoinRequest.status == JoinRequestStatus.PENDING.value)
            .options(selectinload(JoinRequest.user)).order_by(JoinRequest.created_at))
    requests = await paginate(session, stmt, page, size=5)
    if requests.total == 0:
        builder = InlineKeyboardBuilder()
        builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
        await show(event, t("join.none_pending"), builder.as_markup())
        return
    lines = [t("join.pending_title", count=requests.total)]
    builder = InlineKeyboardBuilder()
    for request in requests.items:
        lines.append(t("join.pending_line", name=request.user.full_name or "—",
                       position=unlink(request.user.position) or "—"))
        builder.button(text=f"✅ {request.user.full_name or '—'}"[:60],
                       callback_data=JoinDecisionCb(id=request.id, approve=True))
        builder.button(text="❌", callback_data=JoinDecisionCb(id=request.id, approve=False))
    builder.adjust(2)
    nav = nav_row(requests, "join_requests", t)
    if nav:
        builder.row(*nav)
    builder.row(InlineKeyboardButton(text=t("menu.back"), callback_data=MenuCb(action="home").pack()))
    await show(event, "\n".join(lines), builder.as_markup())


@router.callback_query(MenuCb.filter(F.action == "join_requests"))
async def requests_list(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    await _requests_page(query, session, viewer, t, 0)


@router.callback_query(PageCb.filter(F.list == "join_requests"))
async def requests_page(query: CallbackQuery, callback_data: PageCb, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await _requests_page(query, session, viewer, t, callback_data.page)


@router.callback_query(JoinDecisionCb.filter())
async def decide(query: CallbackQuery, callback_data: JoinDecisionCb, session: AsyncSession, viewer: Viewer,
                 t: Translator, clock: Clock) -> None:
    if viewer.user is None or not viewer.registered:
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    try:
        request = await reg.decide_join_request(session, callback_data.id, coordinator=viewer.user,
                                                approve=callback_data.approve, clock=clock)
    except DomainError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)
        return
    await notifications.join_decision_to_requester(session, request, clock)
    key = "join.you_approved" if callback_data.approve else "join.you_rejected"
    await query.answer(t(key, name=request.user.full_name or ""))
    await _requests_page(query, session, viewer, t, 0)
