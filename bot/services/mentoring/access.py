"""Who may touch what. Every service re-derives rights from the database, never from what a button says."""
from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import Raw
from bot.services import membership as membership_service
from bot.services.errors import DomainError
from db.models import LinkMember, Membership, MentoringLink, Role, User

FORBIDDEN = "errors.forbidden"


async def membership_of(session: AsyncSession, user_id: int, network_id: int) -> Membership | None:
    return await membership_service.active_membership(session, user_id, network_id)


async def is_coordinator(session: AsyncSession, user_id: int, network_id: int) -> bool:
    return await membership_service.is_active_member(session, user_id, network_id, Role.COORDINATOR)


async def require_coordinator(session: AsyncSession, user_id: int, network_id: int) -> None:
    if not await is_coordinator(session, user_id, network_id):
        raise DomainError(FORBIDDEN)


async def load_link(session: AsyncSession, link_id: int) -> MentoringLink | None:
    """The link with its members, their users and both schools loaded (fresh, even if already in the session)."""
    return await session.scalar(
        select(MentoringLink).where(MentoringLink.id == link_id)
        .options(selectinload(MentoringLink.members).selectinload(LinkMember.user),
                 selectinload(MentoringLink.mentor_school), selectinload(MentoringLink.mentee_school))
        .execution_options(populate_existing=True))


async def link_role(session: AsyncSession, link: MentoringLink, user_id: int) -> str | None:
    """"mentor" / "mentee" for members, "coordinator" for the network's coordinators, else None.
    Only while their membership of the link's network is active: a switched-off mentor can't open the pair."""
    membership = await membership_service.active_membership(session, user_id, link.network_id)
    if membership is None:
        return None
    side = link.side_of(user_id)
    if side is not None:
        return side
    if membership.is_coordinator:
        return "coordinator"
    return None


async def link_for(session: AsyncSession, link_id: int, user_id: int, *,
                   roles: tuple[str, ...] = ("mentor", "mentee", "coordinator")) -> tuple[MentoringLink, str]:
    """The link and the person's role in it; a stranger (or a forged id) gets `errors.forbidden`."""
    link = await load_link(session, link_id)
    if link is None:
        raise DomainError(FORBIDDEN)
    role = await link_role(session, link, user_id)
    if role is None or role not in roles:
        raise DomainError(FORBIDDEN)
    return link, role


def mention(user: User | None) -> Raw:
    """A Telegram contact as HTML: @username when known, else a tg:// link by id, else the name alone (a MAX
    person too: MAX has no public link to a person by id or username)."""
    if user is None:
        return Raw("—")
    name = html.escape(user.full_name or user.username or "—", quote=False)
    if user.platform != "telegram":
        return Raw(name)
    if user.username:
        return Raw(f'<a href="https://t.me/{html.escape(user.username)}">{name}</a> (@{html.escape(user.username)})')
    if user.messenger_id:
        return Raw(f'<a href="tg://user?id={int(user.messenger_id)}">{name}</a>')
    return Raw(name)
