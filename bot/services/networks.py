"""Networks and their schools."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.pagination import Page, paginate
from db.models import Membership, Network, School, SchoolStatus, User
from db.models.core import search_key

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya"]))


def suggest_slug(name: str) -> str:
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in name.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:48]
    return slug or "network"


async def create_network(session: AsyncSession, *, slug: str, name: str, timezone: str) -> Network:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise DomainError("errors.bad_slug", slug=slug)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError("errors.bad_timezone", timezone=timezone) from None
    if await slug_exists(session, slug):
        raise DomainError("errors.slug_taken", slug=slug)
    name = name.strip()
    if not 2 <= len(name) <= 255:
        raise DomainError("errors.bad_network_name")
    network = Network(slug=slug, name=name, timezone=timezone, settings={})
    session.add(network)
    await session.flush()
    return network


async def slug_exists(session: AsyncSession, slug: str) -> bool:
    return await session.scalar(select(Network.id).where(Network.slug == slug)) is not None


async def get_network(session: AsyncSession, slug: str) -> Network:
    network = await session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        raise DomainError("errors.no_network", slug=slug)
    return network


async def list_networks(session: AsyncSession, page: int) -> Page[Network]:
    return await paginate(session, select(Network).order_by(Network.name), page)


async def search_schools(session: AsyncSession, network_id: int, query: str | None, page: int) -> Page[School]:
    stmt = select(School).where(School.network_id == network_id)
    key = search_key(query)
    if key:
        stmt = stmt.where(School.name_key.contains(key, autoescape=True))
    return await paginate(session, stmt.order_by(School.name), page)


async def add_school(session: AsyncSession, network_id: int, name: str, *, short_name: str | None = None,
                     status: SchoolStatus = SchoolStatus.REGULAR, level: int | None = None,
                     municipality: str | None = None) -> School:
    school = School(network_id=network_id, name=name.strip(), short_name=short_name, status=status.value,
                    level=level, municipality=municipality)
    session.add(school)
    await session.flush()
    return school


async def coordinators_of(session: AsyncSession, network_id: int) -> list[User]:
    stmt = (select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.network_id == network_id, Membership.is_coordinator.is_(True),
                   Membership.is_active.is_(True), User.messenger_id.is_not(None)))
    return list((await session.scalars(stmt)).all())


async def count_members(session: AsyncSession, network_id: int) -> int:
    return await session.scalar(select(func.count()).select_from(Membership)
                                .where(Membership.network_id == network_id, Membership.is_active.is_(True))) or 0
