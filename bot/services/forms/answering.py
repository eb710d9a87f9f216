"""Answering a form, one question at a time; every step is saved in the response row.

The row holds the answers (by question id) and `step`, the index of the question being asked
(`len(questions)` is the review before sending). So a person resumes exactly where they were after a
restart, from any device, whatever the dialog state says. Every action names the step it was made on;
a button from an older message (another step) is refused, never applied to the wrong question.

Who may do what:
- only the person the response belongs to;
- while the request is open; after the deadline a sent response is locked, an unsent one may still be
  filled in (late) until the coordinator closes the request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import membership as membership_service
from bot.services import outbox
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.forms.definitions import (
    AnswerError,
    Definition,
    Question,
    button_value,
    check_selection,
    is_answered,
    parse_typed,
    toggle_option,
)
from bot.services.forms.library import definition_of
from bot.services.forms.requests import network_tz
from db.models.core import Network
from db.models.forms import Form, FormRequest, FormRequestStatus, FormResponse


@dataclass
class Filling:
    response: FormResponse
    request: FormRequest
    form: Form
    definition: Definition
    tz: ZoneInfo
    now: datetime

    @property
    def total(self) -> int:
        return len(self.definition.questions)

    @property
    def step(self) -> int:
        return min(max(self.response.step, 0), self.total)

    @property
    def at_review(self) -> bool:
        return self.step >= self.total

    @property
    def question(self) -> Question | None:
        return None if self.at_review else self.definition.questions[self.step]

    @property
    def submitted(self) -> bool:
        return self.response.submitted_at is not None

    @property
    def overdue(self) -> bool:
        return self.now > self.request.deadline

    @property
    def is_open(self) -> bool:
        return self.request.status == FormRequestStatus.OPEN.value

    @property
    def editable(self) -> bool:
        return self.is_open and (not self.submitted or not self.overdue)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def answer(self, question: Question) -> Any:
        return (self.response.answers or {}).get(question.id)

    def answered(self) -> list[tuple[int, Question, Any]]:
        return [(i, q, self.answer(q)) for i, q in enumerate(self.definition.questions)]

    def missing_required(self) -> list[int]:
        return [i for i, q in enumerate(self.definition.questions) if q.required and not is_answered(q, self.answer(q))]


async def _filling(session: AsyncSession, response: FormResponse, clock: Clock) -> Filling:
    request = await session.get(FormRequest, response.request_id)
    assert request is not None
    form = await session.get(Form, request.form_id)
    assert form is not None
    network = await session.get(Network, request.network_id)
    return Filling(response, request, form, definition_of(form), network_tz(network), clock.now())


async def load(session: AsyncSession, response_id: int, user_id: int | None, clock: Clock) -> Filling:
    """The response `response_id` if it is `user_id`'s; otherwise `forms.not_yours`."""
    response = await session.get(FormResponse, response_id)
    if response is None or user_id is None or response.user_id != user_id:
        raise DomainError("forms.not_yours")
    filling = await _filling(session, response, clock)
    if filling.request.status == FormRequestStatus.CANCELLED.value:
        raise DomainError("forms.request.cancelled")
    if not await membership_service.is_active_member(session, user_id, filling.request.network_id):
        raise DomainError("forms.not_yours")  # switched off in the network: its forms are closed to them
    return filling


async def open_request(session: AsyncSession, request_id: int, user_id: int | None, clock: Clock) -> Filling:
    """From the «Заполнить» button: the person's own response to the request, if they were asked."""
    if user_id is None:
        raise DomainError("forms.not_yours")
    response = await session.scalar(select(FormResponse).where(FormResponse.request_id == request_id,
                                                               FormResponse.user_id == user_id))
    if response is None:
        raise DomainError("forms.not_yours")
    return await load(session, response.id, user_id, clock)


def _guard(f: Filling, step: int | None) -> None:
    if not f.is_open:
        raise DomainError("forms.closed")
    if not f.editable:
        raise DomainError("forms.locked")
    if step is not None and step != f.step:
        raise DomainError("forms.stale_step")


def _save(f: Filling, question: Question, value: Any) -> None:
    answers = dict(f.response.answers or {})
    if value is None:
        answers.pop(question.id, None)
    else:
        answers[question.id] = value
    f.response.answers = answers  # a new dict: the JSON column sees the change
    f.response.updated_at = f.now


def _advance(f: Filling) -> None:
    if f.response.reviewing or f.step + 1 >= f.total:
        f.response.step = f.total
        f.response.reviewing = True
    else:
        f.response.step = f.step + 1


def _current(f: Filling, step: int | None) -> Question:
    _guard(f, step)
    question = f.question
    if question is None:
        raise DomainError("forms.stale_step")
    return question


async def answer_typed(session: AsyncSession, f: Filling, text: str) -> Filling:
    """A typed answer to the current question; `AnswerError` keeps the person on it."""
    question = _current(f, None)
    _save(f, question, parse_typed(question, text, f.today))
    _advance(f)
    return f


async def answer_button(session: AsyncSession, f: Filling, step: int, value: int) -> Filling:
    question = _current(f, step)
    if question.type == "multi":
        raise AnswerError("forms.answer.stale")
    _save(f, question, button_value(question, value, f.today))
    _advance(f)
    return f


async def toggle(session: AsyncSession, f: Filling, step: int, index: int) -> Filling:
    """Multiple choice: switch one option on or off (saved at once; the step stays)."""
    question = _current(f, step)
    chosen = toggle_option(question, f.answer(question), index)
    _save(f, question, chosen or None)
    return f


async def finish_choice(session: AsyncSession, f: Filling, step: int) -> Filling:
    """Multiple choice: «Готово»."""
    question = _current(f, step)
    if question.type != "multi":
        raise AnswerError("forms.answer.stale")
    check_selection(question, f.answer(question) or [])
    _advance(f)
    return f


async def skip(session: AsyncSession, f: Filling, step: int) -> Filling:
    question = _current(f, step)
    if question.required:
        raise AnswerError("forms.answer.required")
    _save(f, question, None)
    _advance(f)
    return f


async def back(session: AsyncSession, f: Filling, step: int) -> Filling:
    """One question back; while correcting answers from the review, back to the review."""
    _guard(f, step)
    if f.at_review:
        f.response.step = f.total - 1
    elif f.response.reviewing:
        f.response.step = f.total
    elif f.step > 0:
        f.response.step = f.step - 1
    return f


async def edit(session: AsyncSession, f: Filling, step: int, target: int) -> Filling:
    """From the review: change the answer to question `target` (then back to the review)."""
    _guard(f, step)
    if not f.at_review or not 0 <= target < f.total:
        raise DomainError("forms.stale_step")
    f.response.step = target
    return f


async def submit(session: AsyncSession, f: Filling, step: int, clock: Clock) -> Filling:
    """Send the answers. Required ones missing: back to the first of them, with `forms.answer.missing`."""
    _guard(f, step)
    if not f.at_review:
        raise DomainError("forms.stale_step")
    missing = f.missing_required()
    if missing:
        f.response.step = missing[0]
        raise AnswerError("forms.answer.missing", n=missing[0] + 1)
    if f.response.submitted_at is None:
        f.response.submitted_at = f.now
    f.response.updated_at = f.now
    await outbox.cancel_by_prefix(session, f"form:{f.request.id}:user:{f.response.user_id}:", now=clock.now())
    return f
