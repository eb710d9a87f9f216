"""The coordinator's participants: a paginated list with search and filters, roles, mentor profile, deactivation."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from bot.services import membership as membership_service
from bot.services.errors import DomainError
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import require_coordinator
from bot.services.pagination import PAGE_SIZE, Page
from db.models import Membership, OutboxMessage, OutboxStatus, Role, User
from db.models.core import search_key

ROLE_FILTERS = ("mentor", "participant", "coordinator", "inactive", "unregistered")


@dataclass(frozen=True)
class PeopleFilter:
    query: str | None = None
    school_id: int | None = None
    role: str | None = None  # one of ROLE_FILTERS


async def list_people(session: AsyncSession, network_id: int, page: int, flt: PeopleFilter = PeopleFilter(),
                      size: int = PAGE_SIZE) -> Page[Membership]:
    """One page of the network's people, by name. Memberships come with their user and school loaded."""
    stmt = (select(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.network_id == network_id, User.forgotten_at.is_(None)))
    if flt.role == "inactive":
        stmt = stmt.where(Membership.is_active.is_(False))
    else:
        stmt = stmt.where(Membership.is_active.is_(True))
        if flt.role in ("mentor", "participant", "coordinator"):
            stmt = stmt.where(getattr(Membership, f"is_{flt.role}").is_(True))
        elif flt.role == "unregistered":
            stmt = stmt.where(User.consent_at.is_(None))
    if flt.school_id:
        stmt = stmt.where(Membership.school_id == flt.school_id)
    key = search_key(flt.query)
    if key:
        stmt = stmt.where(User.name_key.contains(key, autoescape=True))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    rows = (await session.scalars(stmt.options(contains_eager(Membership.user), selectinload(Membership.school))
                                  .order_by(User.name_key, User.id).limit(size).offset(page * size))).all()
    return Page(items=list(rows), page=page, pages=pages, total=total)


async def person(session: AsyncSession, network_id: int, user_id: int) -> Membership:
    """A member of the coordinator's network (anyone else is `errors.forbidden`), with user and school."""
    membership = await membership_service.member_of(session, network_id, user_id)
    await session.refresh(membership, ["user", "school"])
    return membership


async def _editable(session: AsyncSession, network_id: int, actor_id: int, user_id: int) -> Membership:
    await require_coordinator(session, actor_id, network_id)
    return await person(session, network_id, user_id)


async def set_role(session: AsyncSession, *, network_id: int, actor_id: int, user_id: int, role: Role,
                   on: bool) -> Membership:
    membership = await _editable(session, network_id, actor_id, user_id)
    if role == Role.COORDINATOR and not on and user_id == actor_id:
        raise DomainError("mentoring.errors.keep_own_coordinator")
    setattr(membership, f"is_{role.value}", on)
    if role == Role.MENTOR and on and membership.capacity is None:
        membership.capacity = 3
    await session.flush()
    return membership


async def set_active(session: AsyncSession, *, network_id: int, actor_id: int, user_id: int,
                     active: bool) -> Membership:
    membership = await _editable(session, network_id, actor_id, user_id)
    if not active and user_id == actor_id:
        raise DomainError("mentoring.errors.keep_own_coordinator")
    if active:
        membership_service.restore(membership)
    else:
        membership_service.deactivate(membership)  # roles go too, until the coordinator gives them back
        # Off at once: what was already queued for them in this network (a reminder planned a day ahead, a
        # broadcast still going out) is cancelled too.
        await session.execute(update(OutboxMessage).where(
            OutboxMessage.user_id == user_id, OutboxMessage.network_id == network_id,
            OutboxMessage.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.CANCELLED.value, last_error="deactivated", claimed_at=None)
            .execution_options(synchronize_session=False))
    await session.flush()
    return membership


async def set_mentor_profile(session: AsyncSession, *, network_id: int, actor_id: int, user_id: int,
                             mentor_type: str | None = None, toggle_direction: str | None = None,
                             capacity: int | None = None) -> Membership:
    membership = await _editable(session, network_id, actor_id, user_id)
    if mentor_type is not None:
        if mentor_type not in vocab.MENTOR_TYPES:
            raise DomainError("mentoring.errors.bad_mentor_type")
        membership.mentor_type = mentor_type
    if toggle_direction is not None:
        if toggle_direction not in vocab.DIRECTIONS:
            raise DomainError("mentoring.errors.bad_direction")
        current = vocab.direction_codes(membership.directions or [])
        current = [d for d in current if d != toggle_direction] if toggle_direction in current else (
            current + [toggle_direction])
        membership.directions = [d for d in vocab.DIRECTIONS if d in current]
    if capacity is not None:
        if not 0 <= capacity <= 50:
            raise DomainError("mentoring.errors.bad_capacity")
        membership.capacity = capacity
    await session.flush()
    return membership


async def set_school(session: AsyncSession, *, network_id: int, actor_id: int, user_id: int,
                     school_id: int | None) -> Membership:
    from bot.services.mentoring.schools import school_in

    membership = await _editable(session, network_id, actor_id, user_id)
    membership.school_id = (await school_in(session, school_id, network_id)).id if school_id else None
    await session.flush()
    return membership
