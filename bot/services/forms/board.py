"""What coordinators and people see about requests: the status board (counts, by school, by person),
the list of requests, a person's own forms, and the counts for the «forms answered» indicator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.pagination import PAGE_SIZE, Page
from db.models.core import Membership, School, User
from db.models.forms import FormRequest, FormRequestStatus, FormResponse

CANCELLED = FormRequestStatus.CANCELLED.value
PEOPLE_PAGE = 20
NO_SCHOOL = 0  # the board's «без школы» group


def _page(items: list[Any], page: int, total: int, size: int) -> Page[Any]:
    pages = max(1, -(-total // size))
    return Page(items=items, page=min(max(page, 0), pages - 1), pages=pages, total=total)


def _clamp(page: int, total: int, size: int) -> int:
    pages = max(1, -(-total // size))
    return min(max(page, 0), pages - 1)


@dataclass(frozen=True)
class Counts:
    total: int = 0
    submitted: int = 0
    late: int = 0  # of the submitted, after the deadline
    started: int = 0  # begun, not sent

    @property
    def not_started(self) -> int:
        return self.total - self.submitted - self.started

    @property
    def share(self) -> float:
        return self.submitted / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)


def _count_columns() -> list[Any]:
    r = FormResponse
    submitted = r.submitted_at.is_not(None)
    return [func.count(r.id),
            func.coalesce(func.sum(case((submitted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(submitted, r.submitted_at > FormRequest.deadline), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(r.submitted_at.is_(None), r.updated_at.is_not(None)), 1), else_=0)), 0)]


def _counts(row: Any) -> Counts:
    total, submitted, late, started = (int(v or 0) for v in row)
    return Counts(total, submitted, late, started)


async def request_counts(session: AsyncSession, request_id: int) -> Counts:
    row = (await session.execute(select(*_count_columns()).select_from(FormResponse)
                                 .join(FormRequest, FormRequest.id == FormResponse.request_id)
                                 .where(FormResponse.request_id == request_id))).one()
    return _counts(row)


@dataclass(frozen=True)
class SchoolRow:
    school_id: int  # NO_SCHOOL for people without one
    name: str | None
    counts: Counts


def _school_join(stmt: Any, network_id: Any) -> Any:
    return (stmt.outerjoin(Membership, and_(Membership.user_id == FormResponse.user_id,
                                            Membership.network_id == network_id))
            .outerjoin(School, School.id == Membership.school_id))


async def school_rows(session: AsyncSession, request: FormRequest, page: int, size: int = PAGE_SIZE) -> Page[SchoolRow]:
    """The board by school: who was asked and who answered, schools by name, «без школы» last."""
    school_name = func.coalesce(School.short_name, School.name)
    base = _school_join(select(func.coalesce(School.id, NO_SCHOOL).label("sid"), school_name.label("sname"),
                               *_count_columns())
                        .select_from(FormResponse)
                        .join(FormRequest, FormRequest.id == FormResponse.request_id), request.network_id)
    grouped = base.where(FormResponse.request_id == request.id).group_by(School.id, school_name)
    total = int(await session.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
    page = _clamp(page, total, size)
    ordered = grouped.order_by(School.id.is_(None), school_name, School.id).limit(size).offset(page * size)
    rows = [SchoolRow(int(sid), name, _counts(rest)) for sid, name, *rest in (await session.execute(ordered)).all()]
    return _page(rows, page, total, size)


@dataclass(frozen=True)
class PersonRow:
    user_id: int
    name: str | None
    state: str  # "submitted", "late", "started", "not_started"
    submitted_at: datetime | None
    reachable: bool


async def people(session: AsyncSession, request: FormRequest, school_id: int, page: int,
                 size: int = PEOPLE_PAGE) -> Page[PersonRow]:
    """People of one school (NO_SCHOOL: without one) on the board: not answered first, then by name."""
    stmt = _school_join(select(FormResponse.user_id, User.full_name, FormResponse.submitted_at,
                               FormResponse.updated_at, User.is_reachable, User.messenger_id)
                        .select_from(FormResponse).join(User, User.id == FormResponse.user_id),
                        request.network_id).where(FormResponse.request_id == request.id)
    stmt = stmt.where(School.id.is_(None) if school_id == NO_SCHOOL else School.id == school_id)
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    page = _clamp(page, total, size)
    ordered = stmt.order_by(FormResponse.submitted_at.is_not(None), User.name_key, User.id)
    rows = []
    for uid, name, submitted_at, updated_at, reachable, messenger_id in (
            await session.execute(ordered.limit(size).offset(page * size))).all():
        if submitted_at is not None:
            state = "late" if submitted_at > request.deadline else "submitted"
        else:
            state = "started" if updated_at is not None else "not_started"
        rows.append(PersonRow(uid, name, state, submitted_at, bool(reachable) and messenger_id is not None))
    return _page(rows, page, total, size)


@dataclass(frozen=True)
class RequestRow:
    request: FormRequest
    counts: Counts


async def list_requests(session: AsyncSession, network_id: int, page: int, size: int = PAGE_SIZE) -> Page[RequestRow]:
    """The network's requests, newest first, with their counts."""
    where = [FormRequest.network_id == network_id, FormRequest.status != CANCELLED]
    total = int(await session.scalar(select(func.count()).select_from(FormRequest).where(*where)) or 0)
    page = _clamp(page, total, size)
    requests = list((await session.scalars(select(FormRequest).where(*where)
                                           .order_by(FormRequest.created_at.desc(), FormRequest.id.desc())
                                           .limit(size).offset(page * size))).all())
    counts = await _counts_of(session, [r.id for r in requests])
    return _page([RequestRow(r, counts.get(r.id, Counts())) for r in requests], page, total, size)


async def _counts_of(session: AsyncSession, request_ids: list[int]) -> dict[int, Counts]:
    if not request_ids:
        return {}
    stmt = (select(FormResponse.request_id, *_count_columns()).select_from(FormResponse)
            .join(FormRequest, FormRequest.id == FormResponse.request_id)
            .where(FormResponse.request_id.in_(request_ids)).group_by(FormResponse.request_id))
    return {rid: _counts(rest) for rid, *rest in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class MyForm:
    response: FormResponse
    request: FormRequest

    def state(self, now: datetime) -> str:
        """"todo", "started", "overdue" (not sent, deadline passed), "submitted", "closed"."""
        if self.response.submitted_at is not None:
            return "submitted"
        if self.request.status != FormRequestStatus.OPEN.value:
            return "closed"
        if now > self.request.deadline:
            return "overdue"
        return "started" if self.response.updated_at is not None else "todo"


async def my_forms(session: AsyncSession, user_id: int, page: int, size: int = PAGE_SIZE) -> Page[MyForm]:
    """A person's forms: unsent ones of open requests first (nearest deadline first), then the rest."""
    where = [FormResponse.user_id == user_id, FormRequest.status != CANCELLED]
    total = int(await session.scalar(select(func.count()).select_from(FormResponse)
                                     .join(FormRequest, FormRequest.id == FormResponse.request_id)
                                     .where(*where)) or 0)
    page = _clamp(page, total, size)
    pending = and_(FormResponse.submitted_at.is_(None), FormRequest.status == FormRequestStatus.OPEN.value)
    stmt = (select(FormResponse, FormRequest).join(FormRequest, FormRequest.id == FormResponse.request_id)
            .where(*where)
            .order_by(case((pending, 0), else_=1), case((pending, FormRequest.deadline), else_=None),
                      FormRequest.deadline.desc(), FormResponse.id.desc())
            .limit(size).offset(page * size))
    items = [MyForm(response, request) for response, request in (await session.execute(stmt)).all()]
    return _page(items, page, total, size)


# --- indicators -----------------------------------------------------------------------------------

async def forms_answered(session: AsyncSession, network_id: int, *, since: datetime | None = None,
                         until: datetime | None = None, school_id: int | None = None) -> Counts:
    """The «forms answered» indicator: people asked and answers sent, over requests whose deadline falls
    in [since, until) (all when None), not counting cancelled requests. `school_id` narrows to a school."""
    stmt = (select(*_count_columns()).select_from(FormResponse)
            .join(FormRequest, FormRequest.id == FormResponse.request_id)
            .where(FormRequest.network_id == network_id, FormRequest.status != CANCELLED))
    if since is not None:
        stmt = stmt.where(FormRequest.deadline >= since)
    if until is not None:
        stmt = stmt.where(FormRequest.deadline < until)
    if school_id is not None:
        stmt = stmt.where(FormResponse.user_id.in_(
            select(Membership.user_id).where(Membership.network_id == network_id, Membership.school_id == school_id)))
    return _counts((await session.execute(stmt)).one())


async def forms_answered_by_school(session: AsyncSession, network_id: int, *, since: datetime | None = None,
                                   until: datetime | None = None) -> dict[int | None, Counts]:
    """The same indicator per school id (None: people without a school) — for the drill-down."""
    stmt = (select(Membership.school_id, *_count_columns()).select_from(FormResponse)
            .join(FormRequest, FormRequest.id == FormResponse.request_id)
            .outerjoin(Membership, and_(Membership.user_id == FormResponse.user_id,
                                        Membership.network_id == FormRequest.network_id))
            .where(FormRequest.network_id == network_id, FormRequest.status != CANCELLED)
            .group_by(Membership.school_id))
    if since is not None:
        stmt = stmt.where(FormRequest.deadline >= since)
    if until is not None:
        stmt = stmt.where(FormRequest.deadline < until)
    return {school_id: _counts(rest) for school_id, *rest in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class PersonalSummary:
    pending: int  # open requests not answered yet
    overdue: int  # of them, past the deadline
    submitted: int


async def personal_summary(session: AsyncSession, user_id: int, network_id: int, clock: Clock) -> PersonalSummary:
    """For a mentor's or participant's own small summary."""
    now = clock.now()
    pending = and_(FormResponse.submitted_at.is_(None), FormRequest.status == FormRequestStatus.OPEN.value)
    row = (await session.execute(
        select(func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(pending, FormRequest.deadline < now), 1), else_=0)), 0),
               func.coalesce(func.sum(case((FormResponse.submitted_at.is_not(None), 1), else_=0)), 0))
        .select_from(FormResponse).join(FormRequest, FormRequest.id == FormResponse.request_id)
        .where(FormResponse.user_id == user_id, FormRequest.network_id == network_id,
               FormRequest.status != CANCELLED))).one()
    return PersonalSummary(*(int(v or 0) for v in row))
