"""Broadcasts in the chat, for coordinators: compose any message → audience → preview with the count →
confirm → a live progress message (edited by the delivery runtime's tick) → a final report with a file of
who was not reached; stop mid-way; the history of broadcasts.

The composed message is delivered with copyMessage, so formatting, photos and documents survive. The
dialog lives in the FSM (persisted), so a restart halfway through composing loses nothing.
"""
from __future__ import annotations

import base64
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messengers import TELEGRAM, platform_of
from bot.services import audiences, broadcasts, outbox, quiet_hours
from bot.services import networks as network_service
from bot.services.broadcasts import Progress
from bot.services.events import lifecycle
from bot.services.events.messages import announcement_payload
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.viewer import Viewer
from db.models import Event, Network, School, User
from db.models.outbox import Broadcast
from handlers.common import show
from keyboards.common import back_to_menu
from keyboards import broadcasts as kb
from keyboards.broadcasts import BcCb
from keyboards.callbacks import MenuCb

log = logging.getLogger(__name__)

router = Router(name="broadcasts")
router.message.filter(F.chat.type == ChatType.PRIVATE)

CONTENT_TYPES = ("text", "photo", "document", "video", "animation", "audio", "voice")
OPEN_SHOWN = 3  # open broadcasts listed on the home screen


class Compose(StatesGroup):
    message = State()  # waiting for the message to send; data: bc_network
    audience = State()  # data: bc_from, bc_msg, bc_type, bc_summary, bc_schools, bc_statuses, bc_audience
    announce_at = State()  # an event's announcement at a typed moment; data: bc_event, bc_audience


COMPOSING = (Compose.message.state, Compose.audience.state, Compose.announce_at.state)


def _coordinated_network(viewer: Viewer) -> int | None:
    """The network the viewer coordinates right now (the one in use), re-derived on every update."""
    membership = viewer.membership
    if not viewer.registered or membership is None or not membership.is_coordinator:
        return None
    return membership.network_id


def network_zone(network: Network | None) -> ZoneInfo:
    return quiet_hours.zone(network.timezone if network is not None else None)


def _local(at: datetime | None, tz: ZoneInfo, fmt: str = "%d.%m.%Y %H:%M") -> str:
    return at.astimezone(tz).strftime(fmt) if at is not None else ""


def duration(seconds: float, t: Translator) -> str:
    seconds = max(1, math.ceil(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return t("broadcast.time.hours", hours=hours, minutes=minutes)
    if minutes:
        return t("broadcast.time.minutes", minutes=minutes, seconds=secs)
    return t("broadcast.time.seconds", seconds=secs)


# --- rendering shared with the progress tick -------------------------------------------------------

def _head_key(broadcast: Broadcast, progress: Progress) -> str:
    if broadcast.status == "cancelled":
        return "cancelled"
    if broadcast.status == "done" or (progress.finished and broadcast.status != "draft"):
        return "done"
    if progress.held_until is not None:
        return "scheduled" if broadcast.kind != "broadcast" else "held"
    return "sending" if progress.sending else "queued"


def progress_text(broadcast: Broadcast, progress: Progress, t: Translator, tz: ZoneInfo) -> str:
    """The live progress message: sent/total, failures, ETA, a text progress bar."""
    head = _head_key(broadcast, progress)
    what = t(f"broadcast.kinds.{broadcast.kind}") if t.has(f"broadcast.kinds.{broadcast.kind}") else t(
        "broadcast.kinds.broadcast")
    lines = [t(f"broadcast.progress.head_{head}", id=broadcast.id, what=what),
             t("broadcast.progress.bar", bar=progress.bar(), percent=round(progress.fraction * 100)),
             t("broadcast.progress.sent", sent=progress.sent, total=progress.total)]
    if progress.failed or progress.unreachable:
        lines.append(t("broadcast.progress.failed", failed=progress.failed, unreachable=progress.unreachable))
    if progress.cancelled:
        lines.append(t("broadcast.progress.cancelled", count=progress.cancelled))
    if progress.skipped:
        lines.append(t("broadcast.progress.skipped", count=progress.skipped))
    if progress.pending and head not in ("done", "cancelled"):
        if progress.held_until is not None:
            lines.append(t("broadcast.progress.held" if head == "held" else "broadcast.progress.scheduled",
                           time=_local(progress.held_until, tz)))
        else:
            if head == "queued" and progress.ahead:
                lines.append(t("broadcast.progress.ahead", count=progress.ahead))
            if progress.eta_seconds is not None:
                lines.append(t("broadcast.progress.eta", left=progress.pending,
                               eta=duration(progress.eta_seconds, t)))
    return "\n".join(lines)


def report_text(broadcast: Broadcast, progress: Progress, reasons: list[tuple[str, int]], t: Translator,
                *, with_file: bool) -> str:
    """The final report: delivered, unreachable, failed with reasons, skipped, cancelled."""
    title = "cancelled" if broadcast.status == "cancelled" else "done"
    lines = [t(f"broadcast.report.title_{title}", id=broadcast.id,
               summary=broadcast.summary or t("broadcast.types.message")),
             t("broadcast.report.delivered", sent=progress.sent, total=progress.total)]
    if progress.unreachable:
        lines.append(t("broadcast.report.unreachable", count=progress.unreachable))
    if progress.failed:
        lines.append(t("broadcast.report.failed", count=progress.failed))
        lines += [t("broadcast.report.reason_line", reason=t(f"broadcast.reasons.{key}"), count=count)
                  for key, count in reasons]
    if progress.skipped:
        lines.append(t("broadcast.report.skipped", count=progress.skipped))
    if progress.cancelled:
        lines.append(t("broadcast.report.cancelled", count=progress.cancelled))
    if with_file:
        lines.append("")
        lines.append(t("broadcast.report.file_below"))
    elif not (progress.unreachable or progress.failed or progress.skipped or progress.cancelled):
        lines.append(t("broadcast.report.everyone"))
    return "\n".join(lines)


def progress_tick(bots: Bot | Mapping[str, Bot], settings: Any,
                  clock: Clock) -> Callable[[AsyncSession], Awaitable[None]]:
    """For `DeliveryRuntime.ticks`: every few seconds the leader edits each live progress message, and when
    a broadcast ends it edits it one last time and queues the report (and the file) for its coordinator.
    The report's outbox dedupe key makes it go out once, whatever restarts or instances there are.
    `bots` by messenger: the progress message is edited through the messenger the coordinator used."""
    by_platform = dict(bots) if isinstance(bots, Mapping) else {platform_of(bots): bots}
    shown: dict[int, str] = {}

    async def tick(session: AsyncSession) -> None:
        items = await broadcasts.watched(session, clock.now())
        for item in items:
            try:
                await _tick_one(session, by_platform, settings, clock, item, shown)
            except Exception:  # noqa: BLE001 - one broken broadcast must not stop the others
                log.exception("broadcast %s: progress update failed", item.broadcast.id)
        for stale in set(shown) - {item.broadcast.id for item in items}:
            shown.pop(stale, None)

    return tick


async def _tick_one(session: AsyncSession, bots: Mapping[str, Bot], settings: Any, clock: Clock,
                    item: broadcasts.Watched, shown: dict[int, str]) -> None:
    broadcast = item.broadcast
    creator = await session.get(User, broadcast.created_by_id) if broadcast.created_by_id else None
    # The coordinator is an account on one messenger: their progress message lives there.
    bot = bots.get(creator.platform if creator is not None else TELEGRAM)
    t = Translator(creator.language if creator is not None else "ru")
    network = await session.get(Network, broadcast.network_id)
    tz = network_zone(network)
    progress = await broadcasts.broadcast_progress(session, broadcast.id, clock=clock,
                                                   rate=settings.rate_global_per_sec)
    text = progress_text(broadcast, progress, t, tz)
    if shown.get(broadcast.id) != text and bot is not None:
        running = not item.finished
        left = await broadcasts.resumable(session, broadcast) if item.finished else 0
        with suppress(TelegramBadRequest):  # not modified, deleted, too old: nothing to fix
            await bot.edit_message_text(text=text, chat_id=broadcast.progress_chat_id,
                                        message_id=broadcast.progress_message_id,
                                        reply_markup=kb.progress_markup(broadcast.id, t, running=running,
                                                                        resumable=left))
        shown[broadcast.id] = text
    if not item.finished:
        return
    rows = await broadcasts.unreached_report(session, broadcast.id)
    reasons = await broadcasts.failure_reasons(session, broadcast.id)
    chat_id = int(broadcast.progress_chat_id or 0)
    report: dict[str, Any] = {"type": "text", "parse_mode": "HTML",
                              "text": report_text(broadcast, progress, reasons, t, with_file=bool(rows))}
    left = await broadcasts.resumable(session, broadcast)
    if left:
        report["reply_markup"] = kb.resume_markup(broadcast.id, left, t).model_dump(mode="json", exclude_none=True)
    key = broadcasts.report_key(broadcast.id, broadcast.resumed or 0)
    await outbox.enqueue(session, chat_id=chat_id, user_id=broadcast.created_by_id, network_id=broadcast.network_id,
                         payload=report, kind="notification", dedupe_key=key, clock=clock)
    if rows:
        data = broadcasts.report_xlsx(rows, t.language, title=t("broadcast.xlsx.title", id=broadcast.id))
        await outbox.enqueue(session, chat_id=chat_id, user_id=broadcast.created_by_id,
                             network_id=broadcast.network_id, kind="notification",
                             payload={"type": "document", "data_b64": base64.b64encode(data).decode(),
                                      "filename": _file_name(broadcast.id),
                                      "caption": t("broadcast.report.file_caption", id=broadcast.id),
                                      "parse_mode": "HTML"},
                             dedupe_key=key + ":file", clock=clock)


def _file_name(broadcast_id: int) -> str:
    return f"broadcast-{broadcast_id}-not-reached.xlsx"


# --- entry: menu, home ------------------------------------------------------------------------------

@dataclass
class Ctx:
    query: CallbackQuery
    data: BcCb
    state: FSMContext
    session: AsyncSession
    viewer: Viewer
    t: Translator
    clock: Clock
    settings: Any
    network_id: int


async def _home(event: CallbackQuery | Message, session: AsyncSession, network_id: int, t: Translator,
                clock: Clock, settings: Any) -> None:
    network = await session.get(Network, network_id)
    lines = [t("broadcast.home.title", network=network.name if network else "")]
    open_ = (await session.scalars(select(Broadcast).where(
        Broadcast.network_id == network_id, Broadcast.status.in_(broadcasts.OPEN_STATUSES))
        .order_by(Broadcast.id.desc()).limit(OPEN_SHOWN))).all()
    for item in open_:
        progress = await broadcasts.broadcast_progress(session, item.id, clock=clock,
                                                       rate=settings.rate_global_per_sec)
        lines.append(t("broadcast.home.open_line", id=item.id, sent=progress.sent, total=progress.total))
    if not open_:
        lines.append(t("broadcast.home.hint"))
    await show(event, "\n".join(lines), kb.home_markup(t))


@router.callback_query(MenuCb.filter(F.action == "broadcasts"))
async def menu_entry(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                     t: Translator, clock: Clock, settings: Any) -> None:
    network_id = _coordinated_network(viewer)
    if network_id is None:
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    if await state.get_state() in COMPOSING:
        await state.clear()
    await _home(query, session, network_id, t, clock, settings)


@router.callback_query(BcCb.filter())
async def action(query: CallbackQuery, callback_data: BcCb, state: FSMContext, session: AsyncSession,
                 viewer: Viewer, t: Translator, clock: Clock, settings: Any) -> None:
    network_id = _coordinated_network(viewer)
    if network_id is None:
        await query.answer(t("errors.forbidden"), show_alert=True)
        return
    handler = _ACTIONS.get(callback_data.a, _stale)
    try:
        await handler(Ctx(query, callback_data, state, session, viewer, t, clock, settings, network_id))
    except DomainError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)


async def _stale(c: Ctx) -> None:
    await c.query.answer(c.t("errors.stale_button"), show_alert=True)


async def _go_home(c: Ctx) -> None:
    if await c.state.get_state() in COMPOSING:
        await c.state.clear()
    await _home(c.query, c.session, c.network_id, c.t, c.clock, c.settings)


# --- composing --------------------------------------------------------------------------------------

async def _new(c: Ctx) -> None:
    await c.state.set_state(Compose.message)
    await c.state.set_data({"bc_network": c.network_id})
    await show(c.query, c.t("broadcast.compose.prompt"), kb.cancel_markup(c.t))


async def _abort(c: Ctx) -> None:
    announcing = bool((await c.state.get_data()).get("bc_event"))
    if await c.state.get_state() in COMPOSING:
        await c.state.clear()
    if announcing:
        await show(c.query, c.t("broadcast.announce.aborted"), back_to_menu(c.t))
        return
    await show(c.query, c.t("broadcast.compose.aborted"), kb.home_markup(c.t))


def _portable(message: Message) -> dict[str, Any] | None:
    """What members on the other messenger get instead of a copy (a message can't be copied across
    messengers): the text with its formatting as HTML. Files don't cross (see docs/messengers.md)."""
    if message.text:
        return {"type": "text", "text": message.html_text, "parse_mode": "HTML"}
    return None


def _content_type(message: Message) -> str | None:
    for kind in CONTENT_TYPES:
        if getattr(message, kind, None):
            return kind
    return None


@router.message(Compose.message)
@router.message(Compose.audience)
async def composed(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    """The message to broadcast (again, in the audience step: it replaces the first one)."""
    network_id = _coordinated_network(viewer)
    data = await state.get_data()
    if network_id is None or data.get("bc_network") != network_id:
        await state.clear()
        await message.answer(t("errors.forbidden"))
        return
    if message.text and message.text.startswith("/"):
        await message.answer(t("broadcast.compose.no_commands"))
        return
    if data.get("bc_event"):  # announcing an event: its card is the message, the audience is picked by buttons
        await message.answer(t("broadcast.announce.use_buttons"))
        return
    if message.media_group_id:
        if data.get("bc_album") != message.media_group_id:
            await state.update_data(bc_album=message.media_group_id)
            await message.answer(t("broadcast.compose.no_albums"))
        return
    kind = _content_type(message)
    if kind is None:
        await message.answer(t("broadcast.compose.unsupported"))
        return
    summary = " ".join((message.text or message.caption or "").split())[:200]
    await state.set_state(Compose.audience)
    await state.update_data(bc_from=message.chat.id, bc_msg=message.message_id, bc_type=kind, bc_summary=summary,
                            bc_schools=[], bc_statuses=[], bc_audience=None, bc_platform=viewer.platform,
                            bc_portable=_portable(message))
    await message.answer(t("broadcast.compose.pick_audience", type=t(f"broadcast.types.{kind}")),
                         reply_markup=kb.audience_markup(t, audiences.pickable_kinds()))


async def _flow(c: Ctx) -> dict[str, Any] | None:
    """The dialog's data, if a message has been composed (or an event is being announced) in this network."""
    if await c.state.get_state() != Compose.audience.state:
        return None
    data = await c.state.get_data()
    return data if data.get("bc_network") == c.network_id and (data.get("bc_msg") or data.get("bc_event")) else None


async def _back(c: Ctx) -> None:
    flow = await _flow(c)
    if flow is None:
        await _stale(c)
        return
    await _pick_audience(c.query, c.session, c.t, flow)


async def _pick_audience(event: CallbackQuery | Message, session: AsyncSession, t: Translator,
                         flow: dict[str, Any]) -> None:
    if not flow.get("bc_event"):
        await show(event, t("broadcast.compose.pick_audience", type=t(f"broadcast.types.{flow['bc_type']}")),
                   kb.audience_markup(t, audiences.pickable_kinds()))
        return
    found = await session.get(Event, flow["bc_event"])
    planned = audiences.normalize(found.audience or None)["kind"] if found is not None else "everyone"
    await show(event, t("broadcast.announce.pick_audience", title=found.title if found else ""),
               kb.audience_markup(t, (), planned=planned))


async def start_announcement(query: CallbackQuery, state: FSMContext, session: AsyncSession, network_id: int,
                             event: Event, t: Translator, clock: Clock) -> None:
    """«Анонсировать»: the broadcast's own steps — whom to, how many, confirm, live progress — for an event's
    announcement with «Пойду» / «Не смогу»."""
    lifecycle.check_announceable(event, clock.now())
    await state.set_state(Compose.audience)
    flow = {"bc_network": network_id, "bc_event": event.id, "bc_type": "announcement", "bc_schools": [],
            "bc_statuses": [], "bc_audience": None}
    await state.set_data(flow)
    await _pick_audience(query, session, t, flow)


async def _audience(c: Ctx) -> None:
    flow = await _flow(c)
    kind = c.data.k
    if flow is None:
        await _stale(c)
        return
    if kind in kb.BASIC_AUDIENCES:
        await _preview(c, flow, {"kind": kind})
    elif kind == "schools":
        await _schools_page(c, flow, 0)
    elif kind == "school_status":
        await _statuses(c, flow)
    elif kind in audiences.pickable_kinds():
        await _choices_page(c, kind, 0)
    else:
        await _stale(c)


async def _schools_page(c: Ctx, flow: dict[str, Any], page: int) -> None:
    schools = await network_service.search_schools(c.session, c.network_id, None, page)
    if schools.total == 0:
        await c.query.answer(c.t("broadcast.schools.none"), show_alert=True)
        return
    await show(c.query, c.t("broadcast.schools.title", count=schools.total),
               kb.schools_markup(schools, flow.get("bc_schools") or [], c.t))


async def _school_toggle(c: Ctx) -> None:
    flow = await _flow(c)
    school = await c.session.get(School, c.data.id)
    if flow is None or school is None or school.network_id != c.network_id:
        await _stale(c)
        return
    chosen = list(flow.get("bc_schools") or [])
    chosen.remove(school.id) if school.id in chosen else chosen.append(school.id)
    await c.state.update_data(bc_schools=chosen)
    flow["bc_schools"] = chosen
    await _schools_page(c, flow, c.data.p)


async def _school_paging(c: Ctx) -> None:
    flow = await _flow(c)
    if flow is None:
        await _stale(c)
        return
    await _schools_page(c, flow, c.data.p)


async def _schools_done(c: Ctx) -> None:
    flow = await _flow(c)
    if flow is None:
        await _stale(c)
        return
    if not flow.get("bc_schools"):
        await c.query.answer(c.t("audience.no_schools"), show_alert=True)
        return
    await _preview(c, flow, {"kind": "schools", "school_ids": flow["bc_schools"]})


async def _status_counts(session: AsyncSession, network_id: int) -> dict[str, int]:
    stmt = (select(School.status, func.count()).where(School.network_id == network_id).group_by(School.status))
    return {status: int(count) for status, count in (await session.execute(stmt)).all()}


async def _statuses(c: Ctx, flow: dict[str, Any]) -> None:
    counts = await _status_counts(c.session, c.network_id)
    if not counts:
        await c.query.answer(c.t("broadcast.schools.none"), show_alert=True)
        return
    await show(c.query, c.t("broadcast.statuses.title"),
               kb.statuses_markup(counts, flow.get("bc_statuses") or [], c.t))


async def _status_toggle(c: Ctx) -> None:
    flow = await _flow(c)
    if flow is None or not 0 <= c.data.id < len(kb.STATUS_CODES):
        await _stale(c)
        return
    code = kb.STATUS_CODES[c.data.id]
    chosen = list(flow.get("bc_statuses") or [])
    chosen.remove(code) if code in chosen else chosen.append(code)
    await c.state.update_data(bc_statuses=chosen)
    flow["bc_statuses"] = chosen
    await _statuses(c, flow)


async def _statuses_done(c: Ctx) -> None:
    flow = await _flow(c)
    if flow is None:
        await _stale(c)
        return
    if not flow.get("bc_statuses"):
        await c.query.answer(c.t("audience.no_statuses"), show_alert=True)
        return
    await _preview(c, flow, {"kind": "school_status", "statuses": flow["bc_statuses"]})


async def _choices_page(c: Ctx, kind: str, page: int) -> None:
    found = await audiences.choices(c.session, kind, c.network_id, page, c.clock.now())
    if found.total == 0:
        await c.query.answer(c.t("broadcast.choices.none"), show_alert=True)
        return
    title = f"broadcast.choices.title_{kind}"
    await show(c.query, c.t(title) if c.t.has(title) else c.t("broadcast.choices.title"),
               kb.choices_markup(kind, found, c.t))


async def _choices_paging(c: Ctx) -> None:
    if await _flow(c) is None or c.data.k not in audiences.pickable_kinds():
        await _stale(c)
        return
    await _choices_page(c, c.data.k, c.data.p)


async def _choice(c: Ctx) -> None:
    flow = await _flow(c)
    kind = c.data.k
    if flow is None or kind not in audiences.pickable_kinds():
        await _stale(c)
        return
    # The id is checked against what the network may pick (the page it was shown on, then the first).
    picked = None
    for page in dict.fromkeys((c.data.p, 0)):
        found = await audiences.choices(c.session, kind, c.network_id, page, c.clock.now())
        picked = next((choice for choice in found.items if choice.id == c.data.id), None)
        if picked is not None:
            break
    if picked is None:
        await _stale(c)
        return
    await _preview(c, flow, {"kind": kind, f"{kind}_id": picked.id, "title": picked.label})


async def audience_label(session: AsyncSession, spec: dict[str, Any], t: Translator) -> str:
    kind = spec.get("kind", "everyone")
    if kind in kb.BASIC_AUDIENCES:
        return t(f"audience.{kind}")
    if kind == "schools":
        ids = spec.get("school_ids") or []
        names = [s.display_name for s in (await session.scalars(
            select(School).where(School.id.in_(ids)).order_by(School.name))).all()]
        shown = ", ".join(names[:5])
        if len(names) > 5:
            return t("broadcast.audience_label.schools_more", names=shown, more=len(names) - 5)
        return t("broadcast.audience_label.schools", names=shown)
    if kind == "school_status":
        statuses = ", ".join(t(f"broadcast.statuses.{code}") for code in spec.get("statuses") or []
                             if code in kb.STATUS_CODES)
        return t("broadcast.audience_label.school_status", statuses=statuses)
    title = spec.get("title")
    label = f"audience.{kind}"
    base = t(label) if t.has(label) else str(kind)
    return t("broadcast.audience_label.titled", kind=base, title=title) if title else base


async def _preview(c: Ctx, flow: dict[str, Any], spec: dict[str, Any]) -> None:
    """What will go out and to how many; the message itself is copied back so the coordinator sees it."""
    spec = audiences.normalize(spec)
    size = await audiences.size(c.session, c.network_id, spec)
    await c.state.update_data(bc_audience=spec)
    network = await c.session.get(Network, c.network_id)
    assert network is not None
    tz = network_zone(network)
    bot = c.query.bot
    assert bot is not None
    chat_id = c.query.from_user.id
    await show(c.query, c.t("broadcast.preview.header"))
    muted = 0
    if flow.get("bc_event"):
        found = await c.session.get(Event, flow["bc_event"])
        if found is None:
            await _stale(c)
            return
        count, muted, unreachable = await lifecycle.announcement_size(c.session, c.network_id, spec)
        size = audiences.AudienceSize(count, unreachable)
        # The announcement as people will get it (its «Пойду» buttons would sign the coordinator up: left off).
        await bot.send_message(chat_id, announcement_payload(found, network, c.t.language, c.clock.now())["text"])
    else:
        try:
            await bot.copy_message(chat_id=chat_id, from_chat_id=flow["bc_from"], message_id=flow["bc_msg"])
        except TelegramBadRequest:
            await c.state.set_state(Compose.message)
            await bot.send_message(chat_id, c.t("broadcast.preview.source_gone"), reply_markup=kb.cancel_markup(c.t))
            return
    lines = [c.t("broadcast.preview.summary", audience=await audience_label(c.session, spec, c.t),
                 count=size.reachable)]
    if muted:
        lines.append(c.t("broadcast.announce.muted", count=muted))
    if size.unreachable:
        lines.append(c.t("broadcast.preview.unreachable", count=size.unreachable))
    if size.reachable == 0:
        lines.append(c.t("broadcast.preview.empty"))
    quiet_end = quiet_hours.now_quiet(network.settings, network.timezone, c.clock.now())
    until = _local(quiet_end, tz, "%H:%M") if quiet_end else None
    if until and size.reachable:
        lines.append(c.t("broadcast.preview.quiet", window=quiet_hours.of(network.settings).label, time=until))
    await bot.send_message(chat_id, "\n\n".join(lines),
                           reply_markup=kb.preview_markup(c.t, quiet_until=until, empty=size.reachable == 0,
                                                          announcement=bool(flow.get("bc_event"))))


async def _confirm(c: Ctx) -> None:
    flow = await _flow(c)
    if flow is None or not flow.get("bc_audience"):
        await _stale(c)
        return
    network = await c.session.get(Network, c.network_id)
    assert network is not None
    await c.state.clear()  # a second tap on «Отправить» finds no dialog: one broadcast per composition
    message = c.query.message
    chat_id = message.chat.id if message is not None else c.query.from_user.id
    message_id = message.message_id if message is not None else None
    if flow.get("bc_event"):
        found = await c.session.get(Event, flow["bc_event"])
        if found is None:
            await _stale(c)
            return
        announced = await lifecycle.announce(c.session, found, c.clock, by=c.viewer.user, audience=flow["bc_audience"],
                                             respect_quiet_hours=c.data.id == 0, progress_chat_id=chat_id,
                                             progress_message_id=message_id)
        broadcast = await broadcasts.get_broadcast(c.session, announced.broadcast_id or 0) \
            if announced.broadcast_id else None
        total = announced.recipients
        if broadcast is None:
            await show(c.query, c.t("events.announce.done", count=0), kb.home_markup(c.t))
            return
    else:
        summary = flow.get("bc_summary") or c.t(f"broadcast.types.{flow.get('bc_type', 'message')}")
        payload = {"type": "copy", "from_chat_id": flow["bc_from"], "message_id": flow["bc_msg"], "summary": summary,
                   "platform": flow.get("bc_platform") or TELEGRAM, "portable": flow.get("bc_portable")}
        broadcast, total = await broadcasts.create_broadcast(
            c.session, network, payload, flow["bc_audience"], c.viewer.user, c.clock, progress_chat_id=chat_id,
            progress_message_id=message_id, ignore_quiet_hours=c.data.id == 1)
    progress = await broadcasts.broadcast_progress(c.session, broadcast.id, clock=c.clock,
                                                   rate=c.settings.rate_global_per_sec)
    await c.query.answer(c.t("broadcast.preview.queued", count=total))
    await show(c.query, progress_text(broadcast, progress, c.t, network_zone(network)),
               kb.progress_markup(broadcast.id, c.t, running=total > 0))


async def _announce_at(c: Ctx) -> None:
    """«Назначить время»: the announcement goes out at a typed moment, to the audience chosen."""
    flow = await _flow(c)
    if flow is None or not flow.get("bc_event") or not flow.get("bc_audience"):
        await _stale(c)
        return
    await c.state.set_state(Compose.announce_at)
    await show(c.query, c.t("events.announce.ask_at"), kb.cancel_markup(c.t, announcement=True))


@router.message(Compose.announce_at, F.text)
async def announce_at_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                            t: Translator, clock: Clock, settings: Any) -> None:
    from handlers.events.manage import announce_moment

    network_id = _coordinated_network(viewer)
    data = await state.get_data()
    found = await session.get(Event, int(data.get("bc_event") or 0))
    if network_id is None or data.get("bc_network") != network_id or found is None:
        await state.clear()
        await message.answer(t("errors.forbidden"))
        return
    network = await session.get(Network, network_id)
    tz = network_zone(network)
    try:
        moment = announce_moment(message.text or "", tz, clock)
        lifecycle.check_announceable(found, clock.now(), moment)
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    await state.clear()
    announced = await lifecycle.announce(session, found, clock, at=moment, by=viewer.user,
                                         audience=data.get("bc_audience"))
    await message.answer(t("events.announce.scheduled", at=moment.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
                           count=announced.recipients))
    if announced.broadcast_id is None:
        return
    broadcast = await broadcasts.get_broadcast(session, announced.broadcast_id)
    progress = await broadcasts.broadcast_progress(session, broadcast.id, clock=clock,
                                                   rate=settings.rate_global_per_sec)
    live = await message.answer(progress_text(broadcast, progress, t, tz),
                                reply_markup=kb.progress_markup(broadcast.id, t, running=True))
    await broadcasts.mark_progress_message(session, broadcast.id, live.chat.id, live.message_id)


@router.message(Compose.announce_at)
async def announce_at_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


# --- stopping ----------------------------------------------------------------------------------------

async def _stop(c: Ctx) -> None:
    broadcast = await broadcasts.get_broadcast(c.session, c.data.id, c.network_id)
    if broadcast.status not in broadcasts.OPEN_STATUSES:
        await c.query.answer(c.t("broadcast.stop.already", id=broadcast.id), show_alert=True)
        return
    progress = await broadcasts.broadcast_progress(c.session, broadcast.id)
    await c.query.answer()
    bot = c.query.bot
    assert bot is not None
    await bot.send_message(c.query.from_user.id, c.t("broadcast.stop.confirm", id=broadcast.id, sent=progress.sent,
                                                     total=progress.total, left=progress.pending),
                           reply_markup=kb.stop_markup(broadcast.id, c.t))


async def _stop_confirmed(c: Ctx) -> None:
    broadcast = await broadcasts.get_broadcast(c.session, c.data.id, c.network_id)
    if broadcast.status not in broadcasts.OPEN_STATUSES:
        await show(c.query, c.t("broadcast.stop.already", id=broadcast.id))
        return
    held_back = await broadcasts.cancel_broadcast(c.session, broadcast.id, c.clock, c.network_id)
    progress = await broadcasts.broadcast_progress(c.session, broadcast.id)  # counted now, not when asked
    await show(c.query, c.t("broadcast.stop.done", id=broadcast.id, count=held_back, sent=progress.sent,
                            total=progress.total),
               kb.resume_markup(broadcast.id, held_back, c.t) if held_back else None)


async def _resume(c: Ctx) -> None:
    """«Продолжить»: the rest of a stopped broadcast goes out; this message becomes its live progress."""
    broadcast = await broadcasts.get_broadcast(c.session, c.data.id, c.network_id)
    count = await broadcasts.resume_broadcast(c.session, broadcast.id, c.clock, c.network_id)
    message = c.query.message
    if message is not None:
        await broadcasts.mark_progress_message(c.session, broadcast.id, message.chat.id, message.message_id)
    progress = await broadcasts.broadcast_progress(c.session, broadcast.id, clock=c.clock,
                                                   rate=c.settings.rate_global_per_sec)
    network = await c.session.get(Network, c.network_id)
    await c.query.answer(c.t("broadcast.resume.done", count=count))
    await show(c.query, progress_text(broadcast, progress, c.t, network_zone(network)),
               kb.progress_markup(broadcast.id, c.t, running=True))


async def _stop_declined(c: Ctx) -> None:
    broadcast = await broadcasts.get_broadcast(c.session, c.data.id, c.network_id)
    await show(c.query, c.t("broadcast.stop.kept", id=broadcast.id))


# --- history, a card, the file -------------------------------------------------------------------------

def _history_label(item: Broadcast, t: Translator, tz: ZoneInfo) -> str:
    summary = item.summary or t("broadcast.types.message")
    return t("broadcast.history.line", id=item.id, date=_local(item.created_at, tz, "%d.%m"), summary=summary)


async def _history(c: Ctx) -> None:
    page = await broadcasts.history(c.session, c.network_id, c.data.p)
    tz = network_zone(await c.session.get(Network, c.network_id))
    labels = {item.id: _history_label(item, c.t, tz) for item in page.items}
    text = c.t("broadcast.history.title", count=page.total) if page.total else c.t("broadcast.history.empty")
    await show(c.query, text, kb.history_markup(page, c.t, labels))


async def _card(c: Ctx) -> None:
    broadcast = await broadcasts.get_broadcast(c.session, c.data.id, c.network_id)
    network = await c.session.get(Network, c.network_id)
    tz = network_zone(network)
    progress = await broadcasts.broadcast_progress(c.session, broadcast.id, clock=c.clock,
                                                   rate=c.settings.rate_global_per_sec)
    author = await c.session.get(User, broadcast.created_by_id) if broadcast.created_by_id else None
    lines = [c.t("broadcast.card.title", id=broadcast.id, kind=c.t(f"broadcast.kinds.{broadcast.kind}")
                 if c.t.has(f"broadcast.kinds.{broadcast.kind}") else broadcast.kind),
             c.t("broadcast.card.created", date=_local(broadcast.created_at, tz),
                 author=(author.full_name if author and author.full_name else c.t("broadcast.card.operator"))),
             c.t("broadcast.card.audience", audience=await audience_label(c.session, dict(broadcast.audience or {}),
                                                                          c.t)),
             c.t("broadcast.card.status", status=c.t(f"broadcast.status.{broadcast.status}")),
             c.t("broadcast.card.summary", summary=broadcast.summary or c.t("broadcast.types.message")),
             "", progress_text(broadcast, progress, c.t, tz)]
    has_file = bool(progress.failed or progress.unreachable or progress.skipped or progress.cancelled)
    await show(c.query, "\n".join(lines), kb.card_markup(broadcast, c.t, page=c.data.p, has_file=has_file,
                                                          resumable=await broadcasts.resumable(c.session, broadcast)))


async def _file(c: Ctx) -> None:
    broadcast = await broadcasts.get_broadcast(c.session, c.data.id, c.network_id)
    rows = await broadcasts.unreached_report(c.session, broadcast.id, c.network_id)
    if not rows:
        await c.query.answer(c.t("broadcast.card.no_file"), show_alert=True)
        return
    await c.query.answer()
    data = broadcasts.report_xlsx(rows, c.t.language, title=c.t("broadcast.xlsx.title", id=broadcast.id))
    bot = c.query.bot
    assert bot is not None
    try:
        await bot.send_document(c.query.from_user.id, BufferedInputFile(data, filename=_file_name(broadcast.id)),
                                caption=c.t("broadcast.report.file_caption", id=broadcast.id))
    except TelegramAPIError:
        log.exception("broadcast %s: the file could not be sent", broadcast.id)


_ACTIONS: dict[str, Callable[[Ctx], Awaitable[None]]] = {
    "home": _go_home, "new": _new, "x": _abort, "back": _back, "aud": _audience,
    "sch": _school_toggle, "schp": _school_paging, "schok": _schools_done, "st": _status_toggle, "stok": _statuses_done,
    "ext": _choice, "extp": _choices_paging, "go": _confirm, "annat": _announce_at,
    "stop": _stop, "stopok": _stop_confirmed, "stopno": _stop_declined, "resume": _resume,
    "hist": _history, "show": _card, "file": _file,
}
