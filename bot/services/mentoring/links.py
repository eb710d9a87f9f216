"""Mentoring links: creating them, their status and summary, who is in them, and the lists people see."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services import membership as membership_service
from bot.services import audiences
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import FORBIDDEN, load_link, require_coordinator
from bot.services.pagination import Page, paginate
from db.models import LinkKind, LinkMember, LinkStatus, Membership, MentoringLink, MentoringSession, School, Side, User
from db.models.core import search_key
from db.models.mentoring import OPEN_LINK_STATUSES

GOALS_LIMIT = 2000
SUMMARY_LIMIT = 1000


@dataclass
class LinkDraft:
    kind: str
    form: str
    mentor_ids: list[int] = field(default_factory=list)
    mentee_ids: list[int] = field(default_factory=list)
    mentor_school_id: int | None = None
    mentee_school_id: int | None = None
    goals: str | None = None
    deficits: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    subject: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: str = LinkStatus.ACTIVE.value


def clean_goals(text: str | None) -> str | None:
    value = (text or "").strip()
    if not value:
        return None
    if len(value) < 3 or len(value) > GOALS_LIMIT:
        raise DomainError("mentoring.errors.goals_length", limit=GOALS_LIMIT)
    return value


async def _members(session: AsyncSession, network_id: int, user_ids: list[int]) -> dict[int, Membership]:
    if not user_ids:
        return {}
    rows = (await session.scalars(select(Membership).where(
        Membership.user_id.in_(user_ids), *membership_service.active_clause(network_id)))).all()
    found = {m.user_id: m for m in rows}
    if set(found) != set(user_ids):
        raise DomainError(FORBIDDEN)
    return found


async def _school(session: AsyncSession, network_id: int, school_id: int | None) -> School | None:
    if school_id is None:
        return None
    school = await session.get(School, school_id)
    if school is None or school.network_id != network_id:
        raise DomainError(FORBIDDEN)
    return school


async def school_link_between(session: AsyncSession, network_id: int, mentor_school_id: int | None,
                              mentee_school_id: int | None) -> MentoringLink | None:
    """The open school–school link from one school to another, if there is one."""
    if mentor_school_id is None or mentee_school_id is None:
        return None
    return await session.scalar(select(MentoringLink).where(
        MentoringLink.network_id == network_id, MentoringLink.kind == LinkKind.SCHOOL_SCHOOL.value,
        MentoringLink.mentor_school_id == mentor_school_id, MentoringLink.mentee_school_id == mentee_school_id,
        MentoringLink.status.in_(OPEN_LINK_STATUSES)).order_by(MentoringLink.id).limit(1))


async def create_link(session: AsyncSession, *, network_id: int, draft: LinkDraft, clock: Clock,
                      actor_id: int | None = None, check_actor: bool = True) -> MentoringLink:
    """Validates and stores a link with its members.

    People links between two schools that already have a school–school link hang under it (`parent_id`);
    a new school–school link adopts the open people links between its two schools.
    """
    if check_actor:
        if actor_id is None:
            raise DomainError(FORBIDDEN)
        await require_coordinator(session, actor_id, network_id)
    if draft.kind not in vocab.KINDS:
        raise DomainError("mentoring.errors.bad_kind")
    if draft.form not in vocab.FORMS:
        raise DomainError("mentoring.errors.bad_form")
    if draft.status not in (LinkStatus.PROPOSED.value, LinkStatus.ACTIVE.value):
        raise DomainError("mentoring.errors.bad_status")
    mentors, mentees = list(dict.fromkeys(draft.mentor_ids)), list(dict.fromkeys(draft.mentee_ids))
    if set(mentors) & set(mentees):
        raise DomainError("mentoring.errors.same_person")
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        raise DomainError("mentoring.errors.end_before_start")
    memberships = await _members(session, network_id, mentors + mentees)
    mentor_school = await _school(session, network_id, draft.mentor_school_id)
    mentee_school = await _school(session, network_id, draft.mentee_school_id)
    if draft.kind == LinkKind.SCHOOL_SCHOOL.value:
        if mentor_school is None or mentee_school is None:
            raise DomainError("mentoring.errors.schools_needed")
        if mentor_school.id == mentee_school.id:
            raise DomainError("mentoring.errors.same_school")
    else:
        if not mentors:
            raise DomainError("mentoring.errors.mentor_needed")
        if draft.kind != LinkKind.STUDENT_STUDENT.value and not mentees:
            raise DomainError("mentoring.errors.mentee_needed")
        if draft.kind in (LinkKind.LEADER_LEADER.value, LinkKind.TEACHER_TEACHER.value) and len(mentees) > 1:
            raise DomainError("mentoring.errors.pair_one_mentee")
        if mentor_school is None and mentors:
            mentor_school = await _school(session, network_id, memberships[mentors[0]].school_id)
        if mentee_school is None and mentees:
            mentee_school = await _school(session, network_id, memberships[mentees[0]].school_id)
    goals = clean_goals(draft.goals)
    link = MentoringLink(
        network_id=network_id, kind=draft.kind, form=draft.form, status=draft.status,
        mentor_school_id=mentor_school.id if mentor_school else None,
        mentee_school_id=mentee_school.id if mentee_school else None,
        goals=goals, deficits=vocab.direction_codes(draft.deficits),
        directions=[d for d in vocab.direction_codes(draft.directions) if d in vocab.DIRECTIONS],
        subject=(draft.subject or None), starts_on=draft.starts_on, ends_on=draft.ends_on,
        created_by_id=actor_id, created_at=clock.now())
    if draft.kind != LinkKind.SCHOOL_SCHOOL.value:
        parent = await school_link_between(session, network_id, link.mentor_school_id, link.mentee_school_id)
        link.parent_id = parent.id if parent else None
    link.members = [LinkMember(user_id=uid, side=Side.MENTOR.value, added_at=clock.now()) for uid in mentors] + [
        LinkMember(user_id=uid, side=Side.MENTEE.value, added_at=clock.now()) for uid in mentees]
    session.add(link)
    await session.flush()
    if draft.kind == LinkKind.SCHOOL_SCHOOL.value:
        await _adopt_children(session, link)
    return link


async def _adopt_children(session: AsyncSession, school_link: MentoringLink) -> None:
    orphans = (await session.scalars(select(MentoringLink).where(
        MentoringLink.network_id == school_link.network_id, MentoringLink.parent_id.is_(None),
        MentoringLink.kind != LinkKind.SCHOOL_SCHOOL.value,
        MentoringLink.mentor_school_id == school_link.mentor_school_id,
        MentoringLink.mentee_school_id == school_link.mentee_school_id,
        MentoringLink.status.in_(OPEN_LINK_STATUSES)))).all()
    for child in orphans:
        child.parent_id = school_link.id


async def add_member(session: AsyncSession, link: MentoringLink, user_id: int, side: Side, *, clock: Clock) -> bool:
    """Adds a person to a link (idempotent); False if they were already in it."""
    if link.side_of(user_id) is not None:
        return False
    await _members(session, link.network_id, [user_id])
    link.members.append(LinkMember(user_id=user_id, side=side.value, added_at=clock.now()))
    await session.flush()
    return True


async def coordinator_link(session: AsyncSession, link_id: int, actor_id: int, network_id: int) -> MentoringLink:
    await require_coordinator(session, actor_id, network_id)
    link = await load_link(session, link_id)
    if link is None or link.network_id != network_id:
        raise DomainError(FORBIDDEN)
    return link


def clean_summary(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not 3 <= len(value) <= SUMMARY_LIMIT:
        raise DomainError("mentoring.errors.summary_length", limit=SUMMARY_LIMIT)
    return value


async def set_status(session: AsyncSession, link_id: int, status: str, *, actor_id: int, network_id: int,
                     clock: Clock, summary: str | None = None) -> MentoringLink:
    """proposed → active ⇄ paused → completed / closed. Closing needs a short summary; completing takes one."""
    link = await coordinator_link(session, link_id, actor_id, network_id)
    if status not in vocab.STATUSES:
        raise DomainError("mentoring.errors.bad_status")
    if link.status == LinkStatus.CLOSED.value:
        raise DomainError("mentoring.errors.link_closed")
    if status == LinkStatus.CLOSED.value:
        link.summary = clean_summary(summary)
    elif status == LinkStatus.COMPLETED.value and summary:
        link.summary = clean_summary(summary)
    if status in (LinkStatus.CLOSED.value, LinkStatus.COMPLETED.value):
        link.closed_at = clock.now()
    else:
        link.closed_at = None
    link.status = status
    await session.flush()
    return link


async def update_link(session: AsyncSession, link_id: int, *, actor_id: int, network_id: int,
                      goals: str | None = None, deficits: list[str] | None = None, ends_on: date | None = None,
                      form: str | None = None) -> MentoringLink:
    link = await coordinator_link(session, link_id, actor_id, network_id)
    if goals is not None:
        link.goals = clean_goals(goals)
    if deficits is not None:
        link.deficits = vocab.direction_codes(deficits)
    if ends_on is not None:
        if link.starts_on and ends_on < link.starts_on:
            raise DomainError("mentoring.errors.end_before_start")
        link.ends_on = ends_on
    if form is not None:
        if form not in vocab.FORMS:
            raise DomainError("mentoring.errors.bad_form")
        link.form = form
    await session.flush()
    return link


# --- lists ----------------------------------------------------------------------------------------------

_STATUS_ORDER = case({LinkStatus.ACTIVE.value: 0, LinkStatus.PROPOSED.value: 1, LinkStatus.PAUSED.value: 2,
                      LinkStatus.COMPLETED.value: 3}, value=MentoringLink.status, else_=4)


def _with_people(stmt: Select) -> Select:
    return stmt.options(selectinload(MentoringLink.members).selectinload(LinkMember.user),
                        selectinload(MentoringLink.mentor_school), selectinload(MentoringLink.mentee_school))


async def my_links(session: AsyncSession, user_id: int, network_id: int, page: int, *,
                   side: Side | None = None, open_only: bool = False, size: int = 6) -> Page[MentoringLink]:
    """The person's links in the network (as mentor, mentee or both), the active ones first."""
    members = select(LinkMember.link_id).where(LinkMember.user_id == user_id)
    if side is not None:
        members = members.where(LinkMember.side == side.value)
    stmt = select(MentoringLink).where(MentoringLink.network_id == network_id, MentoringLink.id.in_(members))
    if open_only:
        stmt = stmt.where(MentoringLink.status.in_(OPEN_LINK_STATUSES))
    stmt = _with_people(stmt.order_by(_STATUS_ORDER, MentoringLink.id.desc()))
    return await paginate(session, stmt, page, size=size)


async def loggable_links(session: AsyncSession, user_id: int, network_id: int) -> list[MentoringLink]:
    """Links a mentor can log a session for: theirs, on the mentor side, active or paused (at most 50)."""
    members = select(LinkMember.link_id).where(LinkMember.user_id == user_id, LinkMember.side == Side.MENTOR.value)
    stmt = _with_people(select(MentoringLink).where(
        MentoringLink.network_id == network_id, MentoringLink.id.in_(members),
        MentoringLink.status.in_((LinkStatus.ACTIVE.value, LinkStatus.PAUSED.value, LinkStatus.PROPOSED.value)))
        .order_by(_STATUS_ORDER, MentoringLink.last_session_on.desc(), MentoringLink.id.desc()).limit(50))
    return list((await session.scalars(stmt)).all())


@dataclass(frozen=True)
class LinkFilter:
    status: str | None = None  # None: open ones; "all"; or one status
    kind: str | None = None
    school_id: int | None = None
    query: str | None = None  # part of a member's name or a school's name


async def network_links(session: AsyncSession, network_id: int, page: int, flt: LinkFilter = LinkFilter(),
                        size: int = 8) -> Page[MentoringLink]:
    stmt = select(MentoringLink).where(MentoringLink.network_id == network_id)
    if flt.status is None:
        stmt = stmt.where(MentoringLink.status.in_(OPEN_LINK_STATUSES))
    elif flt.status != "all":
        stmt = stmt.where(MentoringLink.status == flt.status)
    if flt.kind:
        stmt = stmt.where(MentoringLink.kind == flt.kind)
    if flt.school_id:
        stmt = stmt.where(or_(MentoringLink.mentor_school_id == flt.school_id,
                              MentoringLink.mentee_school_id == flt.school_id))
    key = search_key(flt.query)
    if key:
        people = (select(LinkMember.link_id).join(User, User.id == LinkMember.user_id)
                  .where(User.name_key.contains(key, autoescape=True)))
        schools = select(School.id).where(School.network_id == network_id,
                                          School.name_key.contains(key, autoescape=True))
        stmt = stmt.where(or_(MentoringLink.id.in_(people), MentoringLink.mentor_school_id.in_(schools),
                              MentoringLink.mentee_school_id.in_(schools)))
    return await paginate(session, _with_people(stmt.order_by(_STATUS_ORDER, MentoringLink.id.desc())), page, size)


async def children(session: AsyncSession, link_id: int) -> list[MentoringLink]:
    stmt = _with_people(select(MentoringLink).where(MentoringLink.parent_id == link_id)
                        .order_by(_STATUS_ORDER, MentoringLink.id).limit(30))
    return list((await session.scalars(stmt)).all())


async def mentor_load(session: AsyncSession, network_id: int, user_ids: list[int] | None = None) -> dict[int, int]:
    """How many open links each mentor has on the mentor side (for free capacity)."""
    stmt = (select(LinkMember.user_id, func.count()).join(MentoringLink, MentoringLink.id == LinkMember.link_id)
            .where(MentoringLink.network_id == network_id, LinkMember.side == Side.MENTOR.value,
                   MentoringLink.status.in_((LinkStatus.PROPOSED.value, LinkStatus.ACTIVE.value)))
            .group_by(LinkMember.user_id))
    if user_ids is not None:
        stmt = stmt.where(LinkMember.user_id.in_(user_ids))
    return {user_id: int(count) for user_id, count in (await session.execute(stmt)).all()}


async def session_counts(session: AsyncSession, link_ids: list[int]) -> dict[int, int]:
    if not link_ids:
        return {}
    rows = await session.execute(select(MentoringSession.link_id, func.count()).where(
        MentoringSession.link_id.in_(link_ids)).group_by(MentoringSession.link_id))
    return {link_id: int(count) for link_id, count in rows.all()}


# --- audiences: who is in a pair, for forms and broadcasts (bot/services/audiences.py) --------------------------

def _side_audience(side: Side) -> Any:
    async def resolve(session: AsyncSession, network_id: int, spec: Any) -> Any:
        return (select(LinkMember.user_id).join(MentoringLink, MentoringLink.id == LinkMember.link_id)
                .where(MentoringLink.network_id == network_id, LinkMember.side == side.value,
                       MentoringLink.status == LinkStatus.ACTIVE.value))  # «действующие»: not paused or proposed
    return resolve


audiences.register_audience("mentees", _side_audience(Side.MENTEE))  # mentees of pairs and groups still running
audiences.register_audience("pair_mentors", _side_audience(Side.MENTOR))  # their mentors

