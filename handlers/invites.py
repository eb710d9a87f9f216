"""Coordinators invite participants and mentors; they decide on join requests."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import notifications
from bot.i18n import Translator
from bot.messengers import platform_of
from bot.messengers.links import BotNames, link_lines
from bot.services import invites as invite_service
from bot.services import registration as reg
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.pagination import paginate
from bot.services.qr import qr_png
from bot.services.untrusted_text import unlink
from bot.viewer import Viewer
from db.models import Invite, JoinRequest, JoinRequestStatus, Network, Role
from handlers.common import show
from keyboards.callbacks import InviteQrCb, InviteRoleCb, JoinDecisionCb, MenuCb, PageCb
from keyboards.common import nav_row

router = Router(name="invites")
router.message.filter(F.chat.type == ChatType.PRIVATE)

INVITE_CHOICES = ((Role.PARTICIPANT, 1), (Role.PARTICIPANT, 0), (Role.MENTOR, 1), (Role.MENTOR, 0))
MULTI_USE_EXPIRY_DAYS = 14


async def send_invite(message: Message, *, network: Network, role: Role, uses: int | None,
                      expires_days: int, session: AsyncSession, viewer: Viewer, t: Translator,
                      clock: Clock, bot_names: BotNames) -> None:
    invite = await invite_service.create_invite(
        session, network=network, role=role, clock=clock, uses=uses, expires_days=expires_days,
        created_by_id=viewer.user.id if viewer.user else None)
    links = await bot_names.links(invite.code, message.bot)
    values = {"role": t(f"roles.{role.value}"), "network": network.name, "days": expires_days,
              "uses": t("invite.uses_one") if uses == 1 else t("invite.uses_many")}
    if len(links) > 1:  # both messengers: both links, and the QR of the one the coordinator picks
        text = t("invite.created_both", **values, links=link_lines(t, links))
        await message.answer(text, reply_markup=_after_invite(t, role, invite.id, [link.platform for link in links]))
        return
    link = links[0].url if links else invite_service.deep_link("", invite.code, platform_of(message.bot))
    await message.answer_photo(BufferedInputFile(qr_png(link), filename="invite.png"),
                               caption=t("invite.created", **values, link=link),
                               reply_markup=_after_invite(t, role, invite.id, []))


def _after_invite(t: Translator, role: Role, invite_id: int, qr_for: list[str]) -> InlineKeyboardMarkup:
    """QR buttons (both messengers served), then another invite or back to the menu: the message leads on."""
    builder = InlineKeyboardBuilder()
    for platform in qr_for:
        builder.button(text=t("invite.qr_button", messenger=t(f"invite.messenger.{platform}")),
                       callback_data=InviteQrCb(id=invite_id, p=platform))
    builder.button(text=t("invite.another"),
                   callback_data=MenuCb(action="admin_networks" if role == Role.COORDINATOR else "invite"))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(*([len(qr_for)] if qr_for else []), 1)
    return builder.as_markup()


@router.callback_query(InviteQrCb.filter())
async def invite_qr(query: CallbackQuery, callback_data: InviteQrCb, session: AsyncSession, viewer: Viewer,
                    t: Translator, bot_names: BotNames) -> None:
    invite = await session.get(Invite, callback_data.id)
    # Coordinator invites are the administrators' (a coordinator must not mint a colleague by guessing an id).
    if invite is None or not (viewer.is_admin or invite.role != Role.COORDINATOR.value
                              and viewer.coordinates(invite.network_id)):
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    link = next((link for link in await bot_names.links(invite.code, query.bot) if link.platform == callback_data.p),
                None)
    if link is None or invite.revoked or not isinstance(query.message, Message):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    others = [p for p in invite_service.PLATFORMS if p != link.platform]
    messenger = t(f"invite.messenger.{link.platform}")
    await query.message.answer_photo(
        BufferedInputFile(qr_png(link.url), filename=f"invite-{link.platform}.png"),
        caption=t("invite.qr_caption", messenger=messenger, link=link.url),
        reply_markup=_after_invite(t, Role(invite.role), invite.id, others))
    await query.answer(t("invite.qr_sent", messenger=messenger))


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
                        viewer: Viewer, t: Translator, clock: Clock, bot_names: BotNames) -> None:
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
                      session=session, viewer=viewer, t=t, clock=clock, bot_names=bot_names)


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
