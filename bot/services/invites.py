"""Invite codes: deep-link payloads (≤64 chars, [A-Za-z0-9_-]) that bring a person into a network.

The same code opens the bot on either messenger: `https://t.me/<bot>?start=<code>` (Telegram) and
`https://max.ru/<bot>?start=<code>` (MAX takes up to 128 characters of [A-Za-z0-9_-] in `start`).
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.errors import DomainError
from db.models import Invite, Network, Role

CODE_BYTES = 9  # 12 URL-safe characters: unguessable, short enough to type from a poster
TELEGRAM, MAX = "telegram", "max"  # the values of bot.messengers.platform_of
PLATFORMS = (TELEGRAM, MAX)  # Telegram's link first, as Telegram stays first
LINK_HOSTS = {TELEGRAM: "https://t.me", MAX: "https://max.ru"}
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")  # fits both: Telegram's 64 and MAX's 128 characters


@dataclass(frozen=True)
class Link:
    platform: str  # "telegram" or "max"
    url: str


def deep_link(bot_username: str, code: str, platform: str = TELEGRAM) -> str:
    return f"{LINK_HOSTS[platform]}/{bot_username}?start={code}"


def links(usernames: Mapping[str, str], code: str) -> list[Link]:
    """A deep link for each messenger the deployment serves (`usernames`: platform → the bot's username)."""
    return [Link(platform, deep_link(usernames[platform], code, platform))
            for platform in PLATFORMS if usernames.get(platform)]


async def create_invite(session: AsyncSession, *, network: Network, role: Role, clock: Clock,
                        school_id: int | None = None, uses: int | None = 1,
                        expires_days: int | None = 30, created_by_id: int | None = None,
                        target_user_id: int | None = None) -> Invite:
    if uses is not None and uses < 1:
        raise DomainError("errors.bad_uses")
    if expires_days is not None and expires_days < 1:
        raise DomainError("errors.bad_expiry")
    invite = Invite(
        code=secrets.token_urlsafe(CODE_BYTES), network_id=network.id, role=role.value, school_id=school_id,
        uses_left=uses, created_by_id=created_by_id, target_user_id=target_user_id,
        expires_at=clock.now() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(invite)
    await session.flush()
    return invite


def _check(invite: Invite | None, now: datetime) -> Invite:
    if invite is None or invite.revoked:
        raise DomainError("invite.unknown")
    if invite.expires_at is not None and invite.expires_at <= now:
        raise DomainError("invite.expired")
    if invite.uses_left is not None and invite.uses_left <= 0:
        raise DomainError("invite.used_up")
    return invite


async def find_valid(session: AsyncSession, code: str, clock: Clock) -> Invite:
    code = code.strip()
    if not code or len(code) > 64:
        raise DomainError("invite.unknown")
    invite = await session.scalar(select(Invite).where(Invite.code == code))
    return _check(invite, clock.now())


async def network_of_code(session: AsyncSession, code: str) -> Network | None:
    """The network an invite code belongs to, valid or not (to recognise a member opening their old link)."""
    code = code.strip()
    if not code or len(code) > 64:
        return None
    invite = await session.scalar(select(Invite).where(Invite.code == code))
    return await session.get(Network, invite.network_id) if invite is not None else None


async def consume(session: AsyncSession, invite: Invite) -> None:
    """Take one use atomically, so two people racing for the last use can't both get in."""
    if invite.uses_left is None:
        return
    result = await session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.uses_left > 0)
        .values(uses_left=Invite.uses_left - 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise DomainError("invite.used_up")
    await session.refresh(invite)
