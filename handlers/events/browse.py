"""/events for everyone: the list (all, mine, by kind), the card, «Пойду» / «Не смогу», «В календарь», the feed."""
from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.events import calendar, core, messages, signups
from bot.services.events.times import short_date, zone
from bot.services.roadmap import ALL_KINDS
from bot.viewer import Viewer
from db.models import Event
from handlers.common import show
from handlers.events.common import card, event_for, one_writer, refuse, send_file
from keyboards import events as kb
from keyboards.callbacks import MenuCb
from keyboards.events import EvCb, EvListCb, RsvpCb

router = Router(name="events.browse")
router.message.filter(F.chat.type == ChatType.PRIVATE)

TITLE_IN_BUTTON = 40


@router.message(Command("events"), StateFilter(None))
async def events_command(message: Message, session: AsyncSession, viewer: Viewer, t: Translator,
                         clock: Clock) -> None:
    await show_list(message, session, viewer, t, clock, "all", 0)


@router.callback_query(MenuCb.filter(F.action == "events"))
async def events_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator, clock: Clock) -> None:
    await state.clear()
    await show_list(query, session, viewer, t, clock, "all", 0)


@router.callback_query(EvListCb.filter())
async def events_page(query: CallbackQuery, callback_data: EvListCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator, clock: Clock) -> None:
    await state.clear()
    await show_list(query, session, viewer, t, clock, callback_data.f, callback_data.p)


async def show_list(event: Message | CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock, flt: str, page: int) -> None:
    membership = viewer.membership
    if not viewer.registered or membership is None or viewer.user is None:
        await refuse(event, t, "events.no_network")
        return
    if flt not in core.SCOPES and flt not in ALL_KINDS:
        flt = "all"
    now = clock.now()
    found = await core.list_upcoming(session, membership, viewer.user.id, core.ListFilter(flt, page), now)
    tz = zone(membership.network)
    mine = await signups.going_of(session, viewer.user.id, [e.id for e in found.items])

    def label(e: Event) -> str:
        when = short_date(core.first_slot(e, now), tz, t)
        icon = messages.KIND_ICONS.get(e.kind, "")
        draft = t("events.list.draft_mark") if membership.is_coordinator and e.announced_at is None else ""
        draft = t("events.list.going_mark") + draft if e.id in mine else draft  # one's own sign-ups, in any list
        title = e.title if len(e.title) <= TITLE_IN_BUTTON else e.title[:TITLE_IN_BUTTON - 1] + "…"
        return f"{draft}{when} · {icon} {title}"

    scope = t(f"events.list.scope_{flt}") if flt in core.SCOPES else t(f"events.kinds.{flt}")
    if found.total:
        text = t("events.list.title", scope=scope, count=found.total)
        if mine and flt != "mine":
            text += "\n" + t("events.list.going_hint")
    else:
        text = t("events.list.empty_mine" if flt == "mine" else "events.list.empty", scope=scope)
    markup = kb.event_list(found, label, flt, t, coordinator=membership.is_coordinator,
                           filters_row=kb.filters(flt, t))
    await show(event, text, markup)


@router.callback_query(EvCb.filter(F.a == "kinds"))
async def kinds(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    membership = viewer.membership
    if not viewer.registered or membership is None:
        await refuse(query, t, "events.no_network")
        return
    if viewer.user is None:
        return
    found = await core.kinds_in_use(session, membership, viewer.user.id, clock.now())
    if not found:
        await query.answer(t("events.list.no_kinds"), show_alert=True)
        return
    await show(query, t("events.list.choose_kind"), kb.kinds(found, t))


@router.callback_query(EvCb.filter(F.a == "open"))
async def open_card(query: CallbackQuery, callback_data: EvCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator, clock: Clock) -> None:
    await state.clear()
    now = clock.now()
    found = await event_for(query, session, viewer, t, callback_data.id, now)
    if found is None or viewer.user is None:
        return
    text, markup = await card(session, found[0], found[1], viewer.user.id, t, now)
    await show(query, text, markup)


@router.callback_query(RsvpCb.filter())
async def rsvp(query: CallbackQuery, callback_data: RsvpCb, session: AsyncSession, viewer: Viewer,
               t: Translator, clock: Clock) -> None:
    now = clock.now()
    found = await event_for(query, session, viewer, t, callback_data.id, now)
    if found is None or viewer.user is None:
        return
    event, membership = found
    if callback_data.a == messages.CALENDAR:
        data = calendar.calendar_file([event], membership.network, t, now=now, name=event.title[:100])
        await send_file(query, data, f"event-{event.id}.ics", t("events.ics.caption"))
        return
    if callback_data.a not in (messages.GOING, messages.DECLINE):
        await refuse(query, t, "errors.stale_button")
        return
    going = callback_data.a == messages.GOING
    if not core.open_for_signup(event, now):
        await refuse(query, t, "events.rsvp.closed")
        return
    # Answered at once, before the write: a whole network taps an announcement together and every spinner
    # should stop now. The rights are checked; should storing fail, the person is told in a message.
    await query.answer(t("events.rsvp.done_going" if going else "events.rsvp.done_declined"))
    try:
        await session.commit()  # let go of the connection while waiting for the turn to write
        async with one_writer(session):
            answer = await signups.rsvp(session, event, viewer.user, going, clock)
            await session.commit()  # before the edit, which may wait for the limiter
    except Exception:
        await session.rollback()
        with suppress(TelegramAPIError):
            await query.bot.send_message(query.from_user.id, t("events.rsvp.not_saved"))  # type: ignore[union-attr]
        raise
    if not answer.changed or not isinstance(query.message, Message):
        return
    await _mark_everywhere(query, session, event.id, viewer.user.id, answer.status, t)
    if callback_data.w == messages.FROM_CARD:
        text, markup = await card(session, event, membership, viewer.user.id, t, now)
        await session.commit()  # no connection held while the edit waits for the limiter
        await show(query, text, markup)
        return
    rows = messages.rsvp_rows(event.id, t, mine=answer.status)
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=kb.markup(kb.from_dicts(rows)))


async def _mark_everywhere(query: CallbackQuery, session: AsyncSession, event_id: int, user_id: int,
                           status: str | None, t: Translator) -> None:
    """The answer shows on every message about the event this person has — an old announcement must not keep
    «✅ Не смогу» after they signed up from the card."""
    here = query.message.message_id if isinstance(query.message, Message) else None
    others = [(chat, message) for chat, message in await signups.delivered_rsvp_messages(session, event_id, user_id)
              if message != here]
    await session.commit()  # no connection held while the edits wait for the limiter
    markup = kb.markup(kb.from_dicts(messages.rsvp_rows(event_id, t, mine=status)))
    for chat, message in others:
        with suppress(TelegramAPIError):  # deleted or too old to edit: nothing to fix
            await query.bot.edit_message_reply_markup(chat_id=chat, message_id=message,  # type: ignore[union-attr]
                                                      reply_markup=markup)


@router.callback_query(EvCb.filter(F.a == "feed"))
async def feed(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    membership = viewer.membership
    if not viewer.registered or membership is None:
        await refuse(query, t, "events.no_network")
        return
    now = clock.now()
    events = calendar.public_events(await core.list_network(session, membership.network_id), now)
    if not membership.is_coordinator:
        events = [e for e in events if core.in_audience(e.audience, membership)]
    if not events:
        await query.answer(t("events.ics.feed_empty"), show_alert=True)
        return
    data = calendar.calendar_file(events, membership.network, t, now=now)
    await send_file(query, data, f"{membership.network.slug}-events.ics",
                    t("events.ics.feed_caption", network=membership.network.name, count=len(events)))
