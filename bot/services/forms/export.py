"""Rows for the «Анкеты» sheet of the export: one row per response, one column per question of every
form the network has sent (a form's columns are headed «Форма · N. Вопрос»).

    sheet = await answers_sheet(session, network_id)
    sheet.headers                       # the header row
    async for row in sheet.rows():      # streamed from the database, a batch at a time
        ...

or simply `async for row in answers_rows(session, network_id)` (the header first). Dates and times are
naive datetimes/dates in the network's time zone (what openpyxl writes); numbers stay numbers; a multiple
choice is one cell joined with «; »; yes/no is «да»/«нет». Memory stays flat for 50,000 answers.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.forms.definitions import Definition, Question
from bot.services.forms.library import definition_of
from bot.services.forms.requests import network_tz
from db.models.core import Membership, Network, School, User
from db.models.forms import Form, FormRequest, FormRequestStatus, FormResponse

BATCH = 1000
HEADER_LIMIT = 250
FIXED = ("form", "request", "deadline", "name", "school", "status", "submitted_at", "updated_at")


@dataclass(frozen=True)
class Column:
    form_id: int
    question: Question
    header: str


@dataclass
class AnswersSheet:
    session: AsyncSession
    network_id: int
    tz: ZoneInfo
    headers: list[str]
    columns: list[Column]
    include_drafts: bool = False
    request_id: int | None = None  # one request's answers only (the board's «Ответы в Excel»)
    _index: dict[tuple[int, str], int] = field(default_factory=dict)
    _forms: dict[int, Form] = field(default_factory=dict)
    _t: Translator = field(default_factory=lambda: Translator("ru"))

    def _local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(self.tz).replace(tzinfo=None) if moment is not None else None

    def cell(self, question: Question, value: Any) -> Any:
        if value is None:
            return None
        if question.type == "multi" and isinstance(value, list):
            return "; ".join(str(v) for v in value)
        if question.type == "yesno":
            return self._t("forms.yes") if value else self._t("forms.no")
        if question.type == "date" and isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return value
        return value

    async def rows(self) -> AsyncIterator[list[Any]]:
        r, q, u = FormResponse, FormRequest, User
        stmt = (select(q.form_id, q.title, q.deadline, u.full_name, func.coalesce(School.short_name, School.name),
                       r.submitted_at, r.updated_at, r.answers)
                .select_from(r).join(q, q.id == r.request_id).join(u, u.id == r.user_id)
                .outerjoin(Membership, and_(Membership.user_id == r.user_id, Membership.network_id == q.network_id))
                .outerjoin(School, School.id == Membership.school_id)
                .where(q.network_id == self.network_id, q.status != FormRequestStatus.CANCELLED.value)
                .order_by(q.id, r.id))
        if not self.include_drafts:
            stmt = stmt.where(r.submitted_at.is_not(None))
        if self.request_id is not None:
            stmt = stmt.where(q.id == self.request_id)
        width = len(FIXED) + len(self.columns)
        statuses = {key: self._t(f"forms.export.state_{key}")
                    for key in ("submitted", "late", "started", "not_started")}
        result = await self.session.stream(stmt.execution_options(yield_per=BATCH))
        async for partition in result.partitions(BATCH):  # one await per batch, not per row
            for form_id, request_title, deadline, name, school, submitted_at, updated_at, answers in partition:
                form = self._forms.get(form_id)
                if submitted_at is not None:
                    status = statuses["late" if submitted_at > deadline else "submitted"]
                else:
                    status = statuses["started" if updated_at is not None else "not_started"]
                row: list[Any] = [None] * width
                row[:len(FIXED)] = [form.title if form else "", request_title,
                                    self._local(deadline).date() if deadline else None, name, school, status,
                                    self._local(submitted_at), self._local(updated_at)]
                for question_id, value in (answers or {}).items():
                    index = self._index.get((form_id, question_id))
                    if index is not None:
                        row[index] = self.cell(self.columns[index - len(FIXED)].question, value)
                yield row


async def answers_sheet(session: AsyncSession, network_id: int, *, include_drafts: bool = False,
                        request_id: int | None = None) -> AnswersSheet:
    """The sheet's header and a row stream. `include_drafts`: also responses begun or not started;
    `request_id`: one request's answers, with its form's questions only."""
    network = await session.get(Network, network_id)
    sent = select(FormRequest.form_id, func.min(FormRequest.id).label("first")).where(
        FormRequest.network_id == network_id, FormRequest.status != FormRequestStatus.CANCELLED.value)
    if request_id is not None:
        sent = sent.where(FormRequest.id == request_id)
    first_sent = sent.group_by(FormRequest.form_id).subquery()
    forms = list((await session.scalars(select(Form).join(first_sent, first_sent.c.form_id == Form.id)
                                        .order_by(first_sent.c.first))).all())  # in the order first sent
    titles = [f.title for f in forms]
    t = Translator("ru")
    headers = [t(f"forms.export.{name}") for name in FIXED]
    columns: list[Column] = []
    index: dict[tuple[int, str], int] = {}
    for form in forms:
        definition: Definition = definition_of(form)
        label = form.title if titles.count(form.title) == 1 else f"{form.title} (v{form.version}, №{form.id})"
        for number, question in enumerate(definition.questions, start=1):
            header = f"{label} · {number}. {question.text}"
            if len(header) > HEADER_LIMIT:
                header = header[:HEADER_LIMIT - 1] + "…"
            index[(form.id, question.id)] = len(FIXED) + len(columns)
            columns.append(Column(form.id, question, header))
    return AnswersSheet(session=session, network_id=network_id, tz=network_tz(network),
                        headers=headers + [c.header for c in columns], columns=columns,
                        include_drafts=include_drafts, request_id=request_id, _index=index, _forms={f.id: f for f in forms}, _t=t)


async def answers_rows(session: AsyncSession, network_id: int, *,
                       include_drafts: bool = False) -> AsyncIterator[list[Any]]:
    """The header row, then one row per sent response (streamed)."""
    sheet = await answers_sheet(session, network_id, include_drafts=include_drafts)
    yield list(sheet.headers)
    async for row in sheet.rows():
        yield row
