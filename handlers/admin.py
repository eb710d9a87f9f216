"""Administrators (ADMIN_IDS): create networks and invite their coordinators."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.messengers.links import BotNames
from bot.services import networks as network_service
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.quiet_hours import zone_label
from bot.viewer import Viewer
from db.models import Network, Role
from handlers.common import show
from handlers.invites import send_invite
from keyboards.callbacks import MenuCb, NetworkPickCb, PageCb
from keyboards.common import back_to_menu, paged_list

router = Router(name="admin")
router.message.filter(F.chat.type == ChatType.PRIVATE)

COORDINATOR_INVITE_DAYS = 14


class NewNetwork(StatesGroup):
    name = State()


async def _deny(event: CallbackQuery | Message, t: Translator) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(t("errors.forbidden"), show_alert=True)
    else:
        await event.answer(t("errors.forbidden"))


async def _networks_page(query: CallbackQuery, session: AsyncSession, t: Translator, page: int,
                         purpose: str) -> None:
    networks = await network_service.list_networks(session, page)
    extra = [(t("admin.create_network"), MenuCb(action="admin_new_network"))]
    markup = paged_list(networks, list_name=f"admin_{purpose}", t=t,
                        button=lambda n: (n.name, NetworkPickCb(id=n.id, purpose=purpose)),
                        extra=extra + [(t("menu.back"), MenuCb(action="home"))])
    lines = [t("admin.networks_title", count=networks.total) if purpose == "coord" else t("admin.pick_network")]
    for network in networks.items:  # who runs each network, so the administrator sees where one is missing
        names = [u.full_name or "—" for u in await network_service.coordinators_of(session, network.id)]
        lines.append(t("admin.network_line", name=network.name,
                       coordinators=", ".join(names) if names else t("admin.no_coordinators")))
    await show(query, "\n".join(lines), markup)


@router.callback_query(MenuCb.filter(F.action.in_({"admin_networks", "admin_coord_invite"})))
async def networks_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    if not viewer.is_admin:
        await _deny(query, t)
        return
    await _networks_page(query, session, t, 0, "coord")


@router.callback_query(PageCb.filter(F.list == "admin_coord"))
async def networks_page(query: CallbackQuery, callback_data: PageCb, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    if not viewer.is_admin:
        await _deny(query, t)
        return
    await _networks_page(query, session, t, callback_data.page, "coord")


@router.callback_query(NetworkPickCb.filter(F.purpose == "coord"))
async def coordinator_invite(query: CallbackQuery, callback_data: NetworkPickCb, session: AsyncSession,
                             viewer: Viewer, t: Translator, clock: Clock, bot_names: BotNames) -> None:
    if not viewer.is_admin:
        await _deny(query, t)
        return
    network = await session.get(Network, callback_data.id)
    if network is None or not isinstance(query.message, Message):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await send_invite(query.message, network=network, role=Role.COORDINATOR, uses=1,
                      expires_days=COORDINATOR_INVITE_DAYS, session=session, viewer=viewer, t=t, clock=clock,
                      bot_names=bot_names)


@router.callback_query(MenuCb.filter(F.action == "admin_new_network"))
async def new_network(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if not viewer.is_admin:
        await _deny(query, t)
        return
    await state.set_state(NewNetwork.name)
    await show(query, t("admin.ask_network_name"), back_to_menu(t))


@router.message(NewNetwork.name, F.text)
async def network_named(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator, settings: Settings) -> None:
    if not viewer.is_admin:
        await state.clear()
        await _deny(message, t)
        return
    name = " ".join((message.text or "").split())
    base = network_service.suggest_slug(name)
    slug, suffix = base, 1
    while await network_service.slug_exists(session, slug):
        suffix += 1
        slug = f"{base}-{suffix}"
    try:
        network = await network_service.create_network(session, slug=slug, name=name, timezone=settings.timezone)
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    await state.clear()
    builder = InlineKeyboardBuilder()
    builder.button(text=t("admin.invite_coordinator"), callback_data=NetworkPickCb(id=network.id, purpose="coord"))
    builder.button(text=t("menu.back"), callback_data=MenuCb(action="home"))
    builder.adjust(1)
    await message.answer(t("admin.network_created", name=network.name, timezone=zone_label(network.timezone, t)),
                         reply_markup=builder.as_markup())


@router.message(NewNetwork.name)
async def network_name_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))
