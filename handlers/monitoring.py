"""Monitoring in the chat: /stats (a coordinator's card against targets, the chart, the drill-down by school,
changing a target), a mentor's or participant's own summary, and «Выгрузка» with progress.

Every update re-derives who is acting from `viewer`; a button only names a school or an indicator, and the
school is looked up in the coordinator's own network."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from io import BytesIO

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import monitoring
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.export import Progress, write_workbook
from bot.services.monitoring.texts import card_text, definitions_text, personal_text, target_text
from bot.services.report import write_report
from bot.viewer import Viewer
from db.models import Network, Role
from handlers.common import show
from keyboards import monitoring as kb
from keyboards.callbacks import MenuCb
from keyboards.monitoring import StatsCb

log = logging.getLogger(__name__)
router = Router(name="monitoring")
router.message.filter(F.chat.type == ChatType.PRIVATE)

PROGRESS_EVERY = 2.5  # seconds between edits of the export's progress message
FILE_LIMIT = 49 * 1024 * 1024  # Telegram's bots may send documents up to 50 MB
_exporting: set[int] = set()  # networks whose export is being written by this process

Event = Message | CallbackQuery


class TargetInput(StatesGroup):
    value = State()  # data: mon_target (an indicator key)


# --- who is acting -------------------------------------------------------------------------------

async def _alert(event: Event, text: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text[:200], show_alert=True)
    else:
        await event.answer(text)


async def _coordinated(event: Event, session: AsyncSession, viewer: Viewer, t: Translator) -> Network | None:
    """The network the viewer coordinates right now, or a polite refusal."""
    membership = viewer.membership
    if not viewer.registered or membership is None or not membership.is_coordinator:
        await _alert(event, t("monitoring.not_coordinator"))
        return None
    network = await session.get(Network, membership.network_id)
    if network is None:
        await _alert(event, t("monitoring.no_network"))
    return network


def _has_summary(viewer: Viewer) -> bool:
    return viewer.registered and (viewer.is_mentor or viewer.has(Role.PARTICIPANT))


def _reply_target(event: Event) -> Message | None:
    if isinstance(event, Message):
        return event
    return event.message if isinstance(event.message, Message) else None


# --- the card and the chart ------------------------------------------------------------------------

async def _send_chart(event: Event, card: monitoring.Card, t: Translator) -> None:
    target = _reply_target(event)
    if target is None:
        return
    png = await asyncio.to_thread(monitoring.render_chart, card, t)
    who = card.school_name or card.network_name
    await target.answer_photo(BufferedInputFile(png, filename="stats.png"),
                              caption=t("monitoring.chart.caption", who=who,
                                        date=card.period.today.strftime("%d.%m.%Y")))


async def _send_stats(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    """The chart, then the card under it (its buttons stay at the bottom of the chat)."""
    network = await _coordinated(event, session, viewer, t)
    if network is None:
        return
    card = await monitoring.network_card(session, network, clock)
    await _send_chart(event, card, t)
    target = _reply_target(event)
    if target is not None:
        await target.answer(card_text(card, t), reply_markup=kb.card_markup(t, personal=_has_summary(viewer)))


async def _show_personal(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock, *,
                         edit: bool) -> None:
    membership = viewer.membership
    if not viewer.registered or viewer.user is None or membership is None:
        await _alert(event, t("menu.not_registered") if not viewer.registered else t("monitoring.no_network"))
        return
    network = await session.get(Network, membership.network_id)
    if network is None:
        await _alert(event, t("monitoring.no_network"))
        return
    summary = await monitoring.personal_summary(session, viewer.user.id, network, clock)
    text = personal_text(summary, viewer.user.full_name or "", t)
    markup = kb.personal_markup(t, coordinator=membership.is_coordinator)
    if edit:
        await show(event, text, markup)
        return
    target = _reply_target(event)
    if target is not None:
        await target.answer(text, reply_markup=markup)


@router.message(Command("stats"))
async def stats_command(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                        clock: Clock) -> None:
    if await state.get_state() == TargetInput.value.state:
        await state.clear()
    if not viewer.registered:
        await message.answer(t("menu.not_registered"))
        return
    if viewer.is_coordinator:
        await _send_stats(message, session, viewer, t, clock)
    else:
        await _show_personal(message, session, viewer, t, clock, edit=False)


@router.callback_query(MenuCb.filter(F.action == "stats"))
async def stats_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock) -> None:
    await _send_stats(query, session, viewer, t, clock)


@router.callback_query(MenuCb.filter(F.action == "my_summary"))
async def summary_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator,
                       clock: Clock) -> None:
    await _show_personal(query, session, viewer, t, clock, edit=True)


@router.callback_query(MenuCb.filter(F.action == "export"))
async def export_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator,
                      clock: Clock) -> None:
    await _export(query, session, viewer, t, clock)


@router.callback_query(StatsCb.filter())
async def stats_pressed(query: CallbackQuery, callback_data: StatsCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator, clock: Clock) -> None:
    action = callback_data.a
    if action == "mine":
        await _show_personal(query, session, viewer, t, clock, edit=True)
        return
    if action == "export":
        await _export(query, session, viewer, t, clock)
        return
    if action in ("report", "sreport"):
        await _report(query, session, viewer, t, clock, school_id=callback_data.id if action == "sreport" else None)
        return
    network = await _coordinated(query, session, viewer, t)
    if network is None:
        return
    if action == "home":
        await state.clear()
        card = await monitoring.network_card(session, network, clock)
        await show(query, card_text(card, t), kb.card_markup(t, personal=_has_summary(viewer)))
    elif action == "chart":
        await _send_chart(query, await monitoring.network_card(session, network, clock), t)
    elif action == "schools":
        page = await monitoring.school_page(session, network, clock, callback_data.p)
        if not page.items:
            await show(query, t("monitoring.schools.empty"), kb.back_to_card(t))
            return
        await show(query, t("monitoring.schools.title", network=network.name), kb.schools_markup(page, t))
    elif action == "school":
        try:
            card = await monitoring.school_card(session, network, callback_data.id, clock)
        except DomainError as error:
            await _alert(query, t(error.key, **error.values))
            return
        await show(query, card_text(card, t), kb.school_markup(t, callback_data.p, callback_data.id))
    elif action == "defs":
        await show(query, definitions_text(t), kb.definitions_markup(t))
    elif action == "targets":
        await state.clear()
        await _show_targets(query, session, network, t, clock)
    elif action == "tg":
        await _ask_target(query, state, session, network, callback_data.id, t, clock)
    else:
        await _alert(query, t("errors.stale_button"))


# --- targets -------------------------------------------------------------------------------------

async def _show_targets(event: Event, session: AsyncSession, network: Network, t: Translator, clock: Clock,
                        note: str | None = None) -> None:
    card = await monitoring.network_card(session, network, clock)
    custom = {key for key in monitoring.ORDER if monitoring.is_custom(network, key)}
    text = t("monitoring.targets.title", network=network.name)
    if note:
        text = f"{note}\n\n{text}"
    markup = kb.targets_markup(card, custom, t)
    if isinstance(event, CallbackQuery):
        await show(event, text, markup)
    else:
        await event.answer(text, reply_markup=markup)


def _default_text(key: str, t: Translator) -> str:
    default = monitoring.DEFAULTS[key]
    if key == "sessions_month" and default is None:
        return t("monitoring.targets.default_sessions")
    if default is None:
        return t("monitoring.targets.default_none")
    return t("monitoring.target.share" if key in monitoring.SHARES else "monitoring.target.count", target=default)


async def _ask_target(query: CallbackQuery, state: FSMContext, session: AsyncSession, network: Network, index: int,
                      t: Translator, clock: Clock) -> None:
    if not 0 <= index < len(monitoring.ORDER):
        await _alert(query, t("monitoring.targets.unknown"))
        return
    key = monitoring.ORDER[index]
    card = await monitoring.network_card(session, network, clock)
    indicator = card.get(key)
    current = target_text(indicator, t) if indicator is not None else t("monitoring.target.none")
    await state.set_state(TargetInput.value)
    await state.update_data(mon_target=key)
    ask = "monitoring.targets.ask_share" if key in monitoring.SHARES else "monitoring.targets.ask_count"
    await show(query, t(ask, name=t(f"monitoring.indicators.{key}"), target=current, default=_default_text(key, t)),
               kb.back_to_card(t))


@router.message(TargetInput.value, F.text)
async def target_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                       clock: Clock) -> None:
    if (message.text or "").startswith("/"):
        await state.clear()
        await message.answer(t("common.cancelled"))
        return
    network = await _coordinated(message, session, viewer, t)
    if network is None:
        await state.clear()
        return
    key = (await state.get_data()).get("mon_target")
    if key not in monitoring.DEFAULTS:
        await state.clear()
        await message.answer(t("monitoring.targets.unknown"))
        return
    try:
        monitoring.set_target(network, key, message.text or "")
    except DomainError as error:
        await message.answer(t(error.key, **error.values))  # stays on the question
        return
    await state.clear()
    await session.flush()
    card = await monitoring.network_card(session, network, clock)
    indicator = card.get(key)
    saved = t("monitoring.targets.saved", name=t(f"monitoring.indicators.{key}"),
              target=target_text(indicator, t) if indicator is not None else "")
    await _show_targets(message, session, network, t, clock, note=saved)


@router.message(TargetInput.value)
async def target_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


# --- export --------------------------------------------------------------------------------------

async def _export(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    network = await _coordinated(event, session, viewer, t)
    if network is None:
        return
    target = _reply_target(event)
    if target is None:
        return
    if network.id in _exporting:
        await _alert(event, t("monitoring.export.busy"))
        return
    if isinstance(event, CallbackQuery):
        await event.answer()
    async with _job(_exporting, network.id, target, t("monitoring.export.started", network=network.name),
                    t("monitoring.export.failed"), "export") as status:

        async def progress(step: Progress) -> None:
            if not step.finished:
                await status.edit(lambda seconds: t("monitoring.export.progress", network=network.name,
                                                    index=step.index, total=step.total, sheet=step.title,
                                                    rows=step.rows, seconds=seconds))

        buffer = BytesIO()
        result = await write_workbook(session, network, buffer, clock, progress=progress)
        data = buffer.getvalue()
        lines = "\n".join(t("monitoring.export.sheet_line", sheet=title, rows=rows) for title, rows in result.sheets)
        summary = t("monitoring.export.done", network=network.name, sheets=lines,
                    seconds=f"{result.seconds:.1f}".replace(".", ","))
        await status.edit(lambda _: summary, force=True)
        if len(data) > FILE_LIMIT:
            await target.answer(t("monitoring.export.too_big", size=round(len(data) / 2**20), slug=network.slug))
            return
        day = clock.now().astimezone(monitoring.Period.of(network, clock.now()).tz)
        name = f"{network.slug}-{day:%Y-%m-%d}.xlsx"
        await target.answer_document(BufferedInputFile(data, filename=name),
                                     caption=t("monitoring.export.caption", network=network.name,
                                               date=f"{day:%d.%m.%Y %H:%M}"))


class _Status:
    """The one progress message of a long job: edited at most every PROGRESS_EVERY seconds."""

    def __init__(self, message: Message) -> None:
        self.message, self.started, self.last = message, time.monotonic(), time.monotonic()

    async def edit(self, text: Callable[[int], str], *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        with suppress(TelegramBadRequest):
            await self.message.edit_text(text(int(now - self.started)))


@asynccontextmanager
async def _job(running: set[int], network_id: int, target: Message, started: str, failed: str,
               what: str) -> AsyncIterator[_Status]:
    """One job of a kind per network at a time (marked before any await, so a second press is refused), its
    progress message, and a failure that reaches the person as `failed` and the log in full."""
    running.add(network_id)
    status: _Status | None = None
    try:
        status = _Status(await target.answer(started))
        yield status
    except Exception:  # noqa: BLE001 - the person gets a plain message, the log gets the traceback
        log.exception("%s of network %s failed", what, network_id)
        if status is not None:
            await status.edit(lambda _: failed, force=True)
    finally:
        running.discard(network_id)


# --- «Аналитическая справка» --------------------------------------------------------------------------

_reporting: set[int] = set()  # networks whose справка is being written by this process


async def _report(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock, *,
                  school_id: int | None) -> None:
    """The DOCX for the school year so far, with a progress message that says which part is being written."""
    network = await _coordinated(query, session, viewer, t)
    target = _reply_target(query)
    if network is None or target is None:
        return
    if network.id in _reporting:
        await _alert(query, t("report.chat.busy"))
        return
    who = network.name
    if school_id is not None:
        try:
            who = (await monitoring.school_card(session, network, school_id, clock)).school_name or who
        except DomainError as error:
            await _alert(query, t(error.key, **error.values))
            return
    await query.answer()
    async with _job(_reporting, network.id, target, t("report.chat.started", who=who), t("report.chat.failed"),
                    "report") as status:

        async def progress(index: int, total: int, step: str) -> None:
            await status.edit(lambda _: t("report.chat.progress", who=who, index=index, total=total,
                                          step=t(f"report.chat.steps.{step}")))

        buffer = BytesIO()
        result = await write_report(session, network, buffer, clock, school_id=school_id, language=t.language,
                                    progress=progress)
        since, until = f"{result.since:%d.%m.%Y}", f"{result.until:%d.%m.%Y}"
        await status.edit(lambda _: t("report.chat.done", who=who, since=since, until=until,
                                      seconds=f"{result.seconds:.1f}".replace(".", ",")), force=True)
        name = f"spravka-{network.slug}{f'-school{school_id}' if school_id else ''}-{result.until:%Y-%m-%d}.docx"
        await target.answer_document(BufferedInputFile(buffer.getvalue(), filename=name),
                                     caption=t("report.chat.caption", who=who, since=since, until=until))


