"""The coordinator's schools: add, edit, status (ШНОР, ШНСУ, школа-лидер, школа-куратор) and level."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import FORBIDDEN, require_coordinator
from bot.services.pagination import Page, paginate
from bot.services.untrusted_text import visible
from db.models import Membership, MentoringLink, School
from db.models.core import search_key
from db.models.mentoring import OPEN_LINK_STATUSES

NAME_LIMIT = 500
SHORT_LIMIT = 200
KEEP = object()  # "leave this field as it is" (None means "clear it")


def clean_school_name(text: str | None, limit: int = NAME_LIMIT) -> str:
    value = visible(text)
    if not 3 <= len(value) <= limit:
        raise DomainError("mentoring.errors.school_name_length", limit=limit)
    return value


async def list_schools(session: AsyncSession, network_id: int, page: int, *, query: str | None = None,
                       status: str | None = None, size: int = 8) -> Page[School]:
    stmt = select(School).where(School.network_id == network_id)
    key = search_key(query)
    if key:
        stmt = stmt.where(School.name_key.contains(key, autoescape=True))
    if status:
        stmt = stmt.where(School.status == status)
    return await paginate(session, stmt.order_by(School.level.is_(None), School.level, School.name), page, size)


async def find_school(session: AsyncSession, network_id: int, name: str) -> School | None:
    """By full or short name, ignoring case, ё/е and spacing."""
    key = search_key(name)
    if not key:
        return None
    schools = (await session.scalars(select(School).where(
        School.network_id == network_id,
        or_(func.lower(School.name) == name.strip().lower(), School.name_key.contains(key, autoescape=True))))).all()
    for school in schools:
        if key in (search_key(school.name), search_key(school.short_name)):
            return school
    return None


async def school_in(session: AsyncSession, school_id: int, network_id: int) -> School:
    school = await session.get(School, school_id)
    if school is None or school.network_id != network_id:
        raise DomainError(FORBIDDEN)
    return school


async def add_school(session: AsyncSession, *, network_id: int, actor_id: int, name: str,
                     short_name: str | None = None, status: str = "regular", level: int | None = None,
                     municipality: str | None = None) -> School:
    await require_coordinator(session, actor_id, network_id)
    name = clean_school_name(name)
    if await find_school(session, network_id, name) is not None:
        raise DomainError("mentoring.errors.school_exists", name=name)
    if status not in vocab.SCHOOL_STATUSES:
        raise DomainError("mentoring.errors.bad_status")
    if level is not None and level not in vocab.SCHOOL_LEVELS:
        raise DomainError("mentoring.errors.bad_level")
    school = School(network_id=network_id, name=name, short_name=short_name, status=status, level=level,
                    municipality=municipality)
    session.add(school)
    await session.flush()
    return school


async def place_without_school(session: AsyncSession, user_id: int, school: School) -> bool:
    """Puts a member of the school's network who has no school yet into it (the one who named it at sign-up)."""
    membership = await session.scalar(select(Membership).where(
        Membership.user_id == user_id, Membership.network_id == school.network_id))
    if membership is None or membership.school_id is not None:
        return False
    membership.school_id = school.id
    await session.flush()
    return True


async def update_school(session: AsyncSession, school_id: int, *, network_id: int, actor_id: int,
                        name: object = KEEP, short_name: object = KEEP, status: object = KEEP,
                        level: object = KEEP) -> School:
    await require_coordinator(session, actor_id, network_id)
    school = await school_in(session, school_id, network_id)
    if name is not KEEP:
        value = clean_school_name(str(name))
        other = await find_school(session, network_id, value)
        if other is not None and other.id != school.id:
            raise DomainError("mentoring.errors.school_exists", name=value)
        school.name = value
    if short_name is not KEEP:
        school.short_name = clean_school_name(str(short_name), SHORT_LIMIT) if short_name else None
    if status is not KEEP:
        if status not in vocab.SCHOOL_STATUSES:
            raise DomainError("mentoring.errors.bad_status")
        school.status = str(status)
    if level is not KEEP:
        if level is not None and level not in vocab.SCHOOL_LEVELS:
            raise DomainError("mentoring.errors.bad_level")
        school.level = level  # type: ignore[assignment]
    await session.flush()
    return school


@dataclass(frozen=True)
class SchoolFacts:
    members: int
    mentors: int
    links: int


async def school_facts(session: AsyncSession, school: School) -> SchoolFacts:
    members, mentors = (await session.execute(select(
        func.count(), func.coalesce(func.sum(case((Membership.is_mentor.is_(True), 1), else_=0)), 0)).where(
        Membership.school_id == school.id, Membership.is_active.is_(True)))).one()
    links = await session.scalar(select(func.count()).select_from(MentoringLink).where(
        or_(MentoringLink.mentor_school_id == school.id, MentoringLink.mentee_school_id == school.id),
        MentoringLink.status.in_(OPEN_LINK_STATUSES))) or 0
    return SchoolFacts(members=int(members), mentors=int(mentors or 0), links=int(links))
