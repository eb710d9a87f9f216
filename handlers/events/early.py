"""«Пойду» / «Не смогу» answered before the update touches the database (see bot/services/events/rsvp_gate.py):
a whole network taps an announcement at once, and every spinner should stop now. The handler in browse.py
still decides and stores; it answers only what this could not."""
from __future__ import annotations

from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.messengers import platform_of
from bot.services.clock import Clock
from bot.services.events import messages
from bot.services.events.rsvp_gate import RsvpGates
from keyboards.events import RsvpCb

DONE = {messages.GOING: "events.rsvp.done_going", messages.DECLINE: "events.rsvp.done_declined"}


class RsvpEarlyAnswer:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.gates = RsvpGates(sessionmaker, clock)

    async def __call__(self, query: CallbackQuery) -> str | None:
        if not query.data or not query.data.startswith(f"{messages.RSVP_PREFIX}:"):
            return None
        try:
            pressed = RsvpCb.unpack(query.data)
        except (TypeError, ValueError):
            return None
        key = DONE.get(pressed.a)
        if key is None:
            return None
        language = await self.gates.language_of(pressed.id, platform_of(query.bot), query.from_user.id)
        return None if language is None else Translator(language)(key)
