"""Mentoring in chat: one router for the feature, built from a sub-router per screen group.

Mentors and mentees: pairs (my pairs, «Мой наставник», cards, history), log (record / edit / confirm sessions),
plans (ИППР), questions (situational mentoring). Coordinators: coord (home, settings), schools, people,
links, matching, importing.
"""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from handlers.mentoring import (coord, importing, links, log, matching, pairs, people, plans, questions,
                                schools)

router = Router(name="mentoring")
router.message.filter(F.chat.type == ChatType.PRIVATE)
router.include_routers(log.router, plans.router, questions.router, pairs.router, coord.router, schools.router,
                       people.router, links.router, matching.router, importing.router)
