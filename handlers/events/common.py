"""What the events handlers share: who may act in which network, refusals, the event card."""
from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.errors import DomainError
from bot.services import preferences
from bot.services.events import core, messages, reminders, signups
from bot.viewer import Viewer
from db.models import Event, EventStatus, Membership, User
from keyboards import events as kb


_writers: dict[int, asyncio.Semaphore] = {}
WRITERS = {"sqlite": 1}  # SQLite has one writer at a time
OTHER_WRITERS = 8


def one_writer(session: AsyncSession) -> AbstractAsyncContextManager[Any]:
    """The writes of a burst (a whole network tapping «Пойду») take turns here, holding no connection while
    they wait: readers — the next taps being answered — keep getting connections from the pool, and SQLite's
    single writer is queued for in order instead of spun for in its busy handler."""
    bind = session.get_bind()
    return _writers.setdefault(id(bind), asyncio.Semaphore(WRITERS.get(bind.dialect.name, OTHER_WRITERS)))


def membership_in(viewer: Viewer, network_id: int) -> Membership | None:
    if not viewer.registered:
        return None
    return next((m for m in viewer.memberships if m.network_id == network_id and m.is_active), None)


def coordinating(viewer: Viewer) -> Membership | None:
    """The network the viewer coordinates right now (the one in use), re-derived on every update."""
    membership = viewer.membership
    if not viewer.registered or membership is None or not membership.is_coordinator:
        return None
    return membership


async def refuse(event: Message | CallbackQuery, t: Translator, key: str = "errors.forbidden", **values: object) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(t(key, **values), show_alert=True)
    else:
        await event.answer(t(key, **values))


async def explain(event: Message | CallbackQuery, t: Translator, error: DomainError) -> None:
    await refuse(event, t, error.key, **error.values)


async def event_for(event: Message | CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator,
                    event_id: int, now: datetime, *, manage: bool = False) -> tuple[Event, Membership] | None:
    """The event if this viewer may see it (or, with `manage`, coordinates its network); else a polite no."""
    try:
        found = await core.get_event(session, event_id)
    except DomainError as error:
        await explain(event, t, error)
        return None
    membership = membership_in(viewer, found.network_id)
    if membership is None or not core.visible(found, membership, now) or (manage and not membership.is_coordinator):
        await refuse(event, t, "events.not_yours")
        return None
    return found, membership


def announceable(event: Event, now: datetime) -> bool:
    return (not event.is_task and event.status in (EventStatus.PLANNED.value, EventStatus.ANNOUNCED.value)
            and event.starts_at is not None and event.starts_at > now)


async def card(session: AsyncSession, event: Event, membership: Membership, user_id: int, t: Translator,
               now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    going = await signups.going_count(session, event.id)
    mine = await signups.status_of(session, event.id, user_id)
    user = await session.get(User, user_id)
    note = None if membership.is_coordinator else messages.reminders_line(
        membership.network, t, mine=mine,
        muted=user is not None and preferences.is_muted(user.notification_prefs, reminders.TOPIC))
    text = messages.card_text(event, membership.network, t, now=now, going=going, mine=mine,
                              for_coordinator=membership.is_coordinator, reminders=note)
    rsvp = messages.rsvp_rows(event.id, t, mine=mine, where=messages.FROM_CARD,
                              open_=core.open_for_signup(event, now))
    closed = event.status in (EventStatus.CANCELLED.value, EventStatus.HELD.value)
    markup = kb.card(rsvp, event.id, t, coordinator=membership.is_coordinator,
                     announceable=announceable(event, now), open_=not closed and not event.is_task)
    return text, markup


async def send_file(event: Message | CallbackQuery, data: bytes, filename: str, caption: str) -> None:
    file = BufferedInputFile(data, filename=filename)
    if isinstance(event, CallbackQuery):
        if isinstance(event.message, Message):
            await event.message.answer_document(file, caption=caption)
        elif event.bot is not None:
            await event.bot.send_document(event.from_user.id, file, caption=caption)
        return
    await event.answer_document(file, caption=caption)
