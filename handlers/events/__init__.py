"""Events and the roadmap in the chat: /events for everyone, the coordinator's side, roadmap import,
attendance and check-in. `router` goes before the fallback; `checkin_router` before /start."""
from __future__ import annotations

from aiogram import Router

from handlers.events import attendance, browse, manage, roadmap

router = Router(name="events")
router.include_routers(browse.router, manage.router, roadmap.router, attendance.router)
checkin_router = attendance.checkin_router

__all__ = ["checkin_router", "router"]
