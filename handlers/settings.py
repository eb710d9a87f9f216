"""/settings: the bot's language, which notifications a person wants (mutes), and — for a coordinator —
the network's quiet hours."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES, Raw, Translator
from bot.services import preferences, quiet_hours
from bot.services.errors import DomainError
from bot.viewer import Viewer
from db.models import Network
from handlers.common import show
from keyboards import settings as kb
from keyboards.callbacks import LanguageCb, MenuCb
from keyboards.settings import SetCb

router = Router(name="settings")
router.message.filter(F.chat.type == ChatType.PRIVATE)


class QuietEdit(StatesGroup):
    typing = State()  # data: qh_network — a coordinator types «22:00–07:00»


def _coordinated(viewer: Viewer) -> int | None:
    membership = viewer.membership
    if not viewer.registered or membership is None or not membership.is_coordinator:
        return None
    return membership.network_id


async def _screen(session: AsyncSession, viewer: Viewer, t: Translator) -> tuple[str, object]:
    assert viewer.user is not None
    muted = preferences.muted(viewer.user.notification_prefs)
    language = t(f"settings.language_{t.language}")
    lines = [t("settings.screen.title"), "", t("settings.screen.language", language=language), "",
             t("settings.screen.topics")]
    lines += [t("settings.screen.topic_line", mark="🔕" if topic in muted else "🔔",
                topic=t(f"settings.topics.{topic}")) for topic in preferences.MUTABLE_TOPICS]
    lines.append(t("settings.screen.always"))
    quiet = None
    network_id = _coordinated(viewer)
    if network_id is not None:
        network = await session.get(Network, network_id)
        if network is not None:
            quiet = quiet_hours.of(network.settings)
            lines += ["", t("settings.screen.quiet", network=network.name,
                            window=quiet.label if quiet.enabled else t("settings.quiet.off_label"))]
    return "\n".join(lines), kb.settings_markup(t, muted, quiet=quiet)


async def _need_registration(event: Message | CallbackQuery, viewer: Viewer, t: Translator) -> bool:
    if viewer.registered:
        return False
    if isinstance(event, CallbackQuery):
        await event.answer(t("menu.not_registered"), show_alert=True)
    else:
        await event.answer(t("menu.not_registered"))
    return True


@router.message(Command("settings"))
async def settings_command(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                           t: Translator) -> None:
    if await _need_registration(message, viewer, t):
        return
    if await state.get_state() == QuietEdit.typing.state:
        await state.clear()
    text, markup = await _screen(session, viewer, t)
    await message.answer(text, reply_markup=markup)  # type: ignore[arg-type]


@router.callback_query(MenuCb.filter(F.action == "settings"))
async def settings_button(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    if await _need_registration(query, viewer, t):
        return
    text, markup = await _screen(session, viewer, t)
    await show(query, text, markup)  # type: ignore[arg-type]


@router.callback_query(LanguageCb.filter())
async def language_chosen(query: CallbackQuery, callback_data: LanguageCb, session: AsyncSession,
                          viewer: Viewer) -> None:
    if callback_data.code not in LANGUAGES or viewer.user is None or not viewer.registered:
        await query.answer()
        return
    viewer.user.language = callback_data.code
    t = Translator(callback_data.code)
    text, markup = await _screen(session, viewer, t)
    await show(query, text, markup)  # type: ignore[arg-type]


@router.callback_query(SetCb.filter())
async def settings_action(query: CallbackQuery, callback_data: SetCb, state: FSMContext, session: AsyncSession,
                          viewer: Viewer, t: Translator) -> None:
    if await _need_registration(query, viewer, t):
        return
    assert viewer.user is not None
    action = callback_data.a
    if action == "mute":
        if not 0 <= callback_data.i < len(preferences.MUTABLE_TOPICS):
            await query.answer(t("errors.stale_button"), show_alert=True)
            return
        topic = preferences.MUTABLE_TOPICS[callback_data.i]
        viewer.user.notification_prefs = preferences.toggle(viewer.user.notification_prefs, topic)
        now_muted = preferences.is_muted(viewer.user.notification_prefs, topic)
        await query.answer(t("settings.muted" if now_muted else "settings.unmuted",
                             topic=t(f"settings.topics.{topic}")))
    elif action == "home":
        if await state.get_state() == QuietEdit.typing.state:
            await state.clear()
    elif action in ("quiet", "qp", "qoff"):
        await _quiet_action(query, callback_data, state, session, viewer, t)
        return
    else:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    text, markup = await _screen(session, viewer, t)
    await show(query, text, markup)  # type: ignore[arg-type]


# --- quiet hours (coordinators) --------------------------------------------------------------------

def _quiet_text(network: Network, t: Translator) -> str:
    quiet = quiet_hours.of(network.settings)
    window = quiet.label if quiet.enabled else t("settings.quiet.off_label")
    return t("settings.quiet.text", network=network.name, window=window, timezone=quiet_hours.zone_label(network.timezone, t),
             held=Raw(t("settings.quiet.held")))


async def _quiet_action(query: CallbackQuery, data: SetCb, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    network_id = _coordinated(viewer)
    network = await session.get(Network, network_id) if network_id is not None else None
    if network is None:
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    if data.a == "qp":
        if not 0 <= data.i < len(quiet_hours.PRESETS):
            await query.answer(t("errors.stale_button"), show_alert=True)
            return
        await _save(network, quiet_hours.QuietHours(*quiet_hours.PRESETS[data.i]))
        await query.answer(t("settings.quiet.saved"))
    elif data.a == "qoff":
        await _save(network, quiet_hours.OFF)
        await query.answer(t("settings.quiet.saved"))
    await state.set_state(QuietEdit.typing)
    await state.set_data({"qh_network": network.id})
    await show(query, _quiet_text(network, t), kb.quiet_markup(t, quiet_hours.of(network.settings)))


async def _save(network: Network, quiet: quiet_hours.QuietHours) -> None:
    network.settings = quiet_hours.with_quiet_hours(network.settings, quiet)


@router.message(QuietEdit.typing, F.text & ~F.text.startswith("/"))
async def quiet_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    network_id = _coordinated(viewer)
    data = await state.get_data()
    if network_id is None or data.get("qh_network") != network_id:
        await state.clear()
        await message.answer(t("errors.forbidden"))
        return
    network = await session.get(Network, network_id)
    assert network is not None
    try:
        quiet = quiet_hours.parse(message.text or "")
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    await _save(network, quiet)
    await state.clear()
    await message.answer(t("settings.quiet.saved"))
    text, markup = await _screen(session, viewer, t)
    await message.answer(text, reply_markup=markup)  # type: ignore[arg-type]


@router.message(QuietEdit.typing)
async def quiet_expected(message: Message, t: Translator) -> None:
    await message.answer(t("settings.quiet.bad_format"))
