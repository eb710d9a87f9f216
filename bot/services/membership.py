"""Who belongs to a network, and as what — decided here, and only here.

Every service that lets a person act in a network, or lets a coordinator reach a person, asks this module:

* **active members** act: a deactivated membership counts as none (the pair, its notes, sessions, forms,
  questions, sign-ups are closed to it), and so does an erased person;
* **a coordinator reaches only their network's members** (`member_of`): a person known to the bot from
  another network is not theirs to see, change or pair;
* **deactivation takes the roles away** (mentor, coordinator) until a coordinator restores the person and
  gives the roles back, one by one;
* **an invite grants its own role and nothing above it**, and never revives a deactivated membership —
  only a coordinator does (`restore`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from db.models import Membership, Role, User

FORBIDDEN = "errors.forbidden"


def active_clause(network_id: int | None = None, role: Role | None = None) -> list[Any]:
    """SQL conditions for active memberships (of a network, with a role), to put in any query on Membership."""
    conditions: list[Any] = [Membership.is_active.is_(True)]
    if network_id is not None:
        conditions.append(Membership.network_id == network_id)
    if role is not None:
        conditions.append(getattr(Membership, f"is_{role.value}").is_(True))
    return conditions


async def active_membership(session: AsyncSession, user_id: int | None, network_id: int,
                            role: Role | None = None) -> Membership | None:
    """The person's membership if it is active (and has `role`); an erased person has none."""
    if user_id is None:
        return None
    return await session.scalar(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id, User.forgotten_at.is_(None), *active_clause(network_id, role)))


async def is_active_member(session: AsyncSession, user_id: int | None, network_id: int,
                           role: Role | None = None) -> bool:
    return await active_membership(session, user_id, network_id, role) is not None


async def require_active(session: AsyncSession, user_id: int | None, network_id: int,
                         role: Role | None = None) -> Membership:
    """The active membership, or `errors.forbidden` (nothing is said about why)."""
    membership = await active_membership(session, user_id, network_id, role)
    if membership is None:
        raise DomainError(FORBIDDEN)
    return membership


async def member_of(session: AsyncSession, network_id: int, user_id: int) -> Membership:
    """A person as their network's coordinator may see them (active or not); anyone else is `errors.forbidden`."""
    membership = await session.scalar(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.network_id == network_id, Membership.user_id == user_id, User.forgotten_at.is_(None)))
    if membership is None:
        raise DomainError(FORBIDDEN)
    return membership


def deactivate(membership: Membership) -> None:
    """Off: no acting in the network, and no roles beyond a participant's until a coordinator gives them back."""
    membership.is_active = False
    membership.is_mentor = False
    membership.is_coordinator = False
    membership.is_participant = True


def restore(membership: Membership) -> None:
    """On again, as a participant; the coordinator gives other roles back one by one."""
    membership.is_active = True
    membership.is_participant = True


async def join(session: AsyncSession, user: User, *, network_id: int, role: Role,
               school_id: int | None) -> Membership:
    """An invite or an approved request: a new membership with `role`, or `role` added to an active one.

    Never more than the invite's role, never a deactivated membership revived (`membership.deactivated`).
    """
    membership = await session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.network_id == network_id))
    if membership is not None and not membership.is_active:
        raise DomainError("membership.deactivated")
    if membership is None:
        # A coordinator who joins is not one of the network's teachers (not counted, no mentor to look for).
        membership = Membership(user_id=user.id, network_id=network_id, school_id=school_id, is_active=True,
                                is_participant=role != Role.COORDINATOR, is_mentor=False, is_coordinator=False,
                                directions=[])
        session.add(membership)
    if school_id is not None:
        membership.school_id = school_id
    membership.grant(role)
    await session.flush()
    return membership
