"""People by messenger account: a person is an account on one messenger (`platform` + the id there).

Telegram and MAX ids come from different number spaces and may coincide, so every lookup by a messenger id
names the platform too. Nothing here imports aiogram.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.messengers import MAX, PLATFORMS, TELEGRAM
from db.models import Membership, User

__all__ = ["MAX", "PLATFORMS", "TELEGRAM", "account", "find", "load_user", "check_platform"]


def check_platform(platform: str) -> str:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown messenger {platform!r}")
    return platform


def account(platform: str, messenger_id: int) -> ColumnElement[bool]:
    """The WHERE clause for one account."""
    return and_(User.platform == check_platform(platform), User.messenger_id == int(messenger_id))


async def find(session: AsyncSession, platform: str, messenger_id: int) -> User | None:
    """The person behind an account, without their memberships."""
    return await session.scalar(select(User).where(account(platform, messenger_id)))


async def load_user(session: AsyncSession, platform: str, messenger_id: int) -> User | None:
    """The person behind an account with their memberships (networks, schools): what every update needs."""
    # One round trip: every update loads the person, so this is on the hot path.
    stmt = (select(User).where(account(platform, messenger_id))
            .options(joinedload(User.memberships).joinedload(Membership.network),
                     joinedload(User.memberships).joinedload(Membership.school))
            .execution_options(populate_existing=True))
    return (await session.scalars(stmt)).unique().one_or_none()
