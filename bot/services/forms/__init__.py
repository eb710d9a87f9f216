"""Forms: questionnaires, reflection after events, report requests with deadlines (see docs/forms.md).

The public API for other features:

    send_reflection_for_event(session, event_id, user_ids, clock, *, network_id=None, title=None, ends_at=None)
    create_request(session, network=…, form=…, audience=…, deadline=…, clock=…, created_by=None, …)
    ensure_template(session, code)                        # a built-in form as a Form row
    hooks.provide_event_attendees / provide_event_info / provide_link_members
    answers_sheet / answers_rows(session, network_id)     # the «Анкеты» sheet of the export
    forms_answered / forms_answered_by_school / personal_summary   # indicators
"""
from __future__ import annotations

from bot.services.forms import hooks
from bot.services.forms.board import (
    Counts,
    PersonalSummary,
    forms_answered,
    forms_answered_by_school,
    personal_summary,
)
from bot.services.forms.export import AnswersSheet, answers_rows, answers_sheet
from bot.services.forms.library import ensure_template
from bot.services.forms.requests import close_request, create_request, send_reflection_for_event

__all__ = [
    "AnswersSheet", "Counts", "PersonalSummary", "answers_rows", "answers_sheet", "close_request",
    "create_request", "ensure_template", "forms_answered", "forms_answered_by_school", "hooks",
    "personal_summary", "send_reflection_for_event",
]
