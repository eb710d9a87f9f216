"""Every feature's router, in the order updates should try them."""
from __future__ import annotations

from aiogram import Router
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.callback_answer import EarlyAnswerer
from bot.services.clock import Clock


def _detached(router: Router) -> Router:
    # Routers are module singletons; a test that builds a second dispatcher re-attaches them.
    router._parent_router = None  # noqa: SLF001 - aiogram has no public detach
    return router


def build_root_router() -> Router:
    from handlers import admin, chat_member, errors, fallback, invites, menu, profile, start
    from handlers import broadcasts, settings
    from handlers import forms
    from handlers import events
    from handlers import mentoring
    from handlers import monitoring

    root = Router(name="root")
    root.include_routers(*map(_detached, [
        errors.router,
        menu.router,  # /cancel first: it must work inside any dialog
        events.checkin_router,  # /start ci_<code>: before /start takes it for an invite
        start.router,
        profile.router,
        settings.router,
        admin.router,
        invites.router,
        chat_member.router,
        broadcasts.router,
        events.router,  # before mentoring: a file sent without asking is a roadmap only if it has events
        forms.router,
        mentoring.router,
        monitoring.router,
        fallback.router,  # last: catches whatever nobody else took
    ]))
    return root


def early_answerers(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> list[EarlyAnswerer]:
    """Buttons answered from memory before their update touches the database (the busiest ones)."""
    from handlers.events.early import RsvpEarlyAnswer

    return [RsvpEarlyAnswer(sessionmaker, clock)]
