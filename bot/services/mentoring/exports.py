"""Rows for the export sheets «Школы», «Участники», «Пары и группы», «Встречи» (written by
bot/services/export/workbook.py through the one XLSX writer, bot/services/xlsx.py).

Each sheet is an async iterator of chunks (lists of tuples): the first chunk is the header row alone,
then the data in network order, read by keyset pagination so 100,000 sessions never sit in memory at once:

    async for chunk in export_rows(session, network_id, "sessions"):
        sheet.append(chunk)
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.counting import ACTIVE, active_links_by_school
from bot.services.mentoring import vocabulary as vocab
from db.models import LinkMember, Membership, MentoringLink, MentoringSession, Network, School, Side, User

CHUNK = 2000
SHEETS = ("schools", "people", "links", "sessions")
COLUMNS: dict[str, tuple[str, ...]] = {
    "schools": ("id", "name", "short_name", "municipality", "status", "level", "members", "mentors", "links"),
    "people": ("full_name", "school", "position", "subjects", "roles", "mentor_type", "directions", "capacity",
               "mentor_links", "messenger", "telegram", "phone", "active", "joined"),
    "links": ("id", "kind", "form", "status", "parent", "mentor_school", "mentee_school", "mentors", "mentees",
              "subject", "goals", "deficits", "starts_on", "ends_on", "sessions", "last_session", "summary"),
    "sessions": ("date", "link", "kind", "author", "mentees", "format", "minutes", "topic", "note", "attachment",
                 "confirmed", "rating", "comment"),
}


def sheet_title(key: str, language: str = "ru") -> str:
    return Translator(language)(f"mentoring.export.{key}.title")


def headers(key: str, language: str = "ru") -> tuple[str, ...]:
    t = Translator(language)
    return tuple(t(f"mentoring.export.{key}.{column}") for column in COLUMNS[key])


def _d(value: date | datetime | None, tz: Any = None) -> date | datetime | None:
    """A date cell: a date, or a moment as a naive date-time in the network's zone (the XLSX writer makes
    both real Excel dates)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None) if tz else value
    return value


def _names(t: Translator, codes: list[str] | None, group: str) -> str:
    return ", ".join(t(f"mentoring.{group}.{c}") for c in vocab.direction_codes(codes or []))


async def export_rows(session: AsyncSession, network_id: int, key: str, *, language: str = "ru",
                      chunk: int = CHUNK) -> AsyncIterator[list[tuple[Any, ...]]]:
    producers = {"schools": _schools, "people": _people, "links": _links, "sessions": _sessions}
    network = await session.get(Network, network_id)
    if network is None or key not in producers:
        raise KeyError(key)
    yield [headers(key, language)]
    async for rows in producers[key](session, network, Translator(language), chunk):
        yield rows


async def _schools(session: AsyncSession, network: Network, t: Translator, chunk: int) -> AsyncIterator[list[tuple]]:
    members = dict((await session.execute(select(Membership.school_id, func.count()).where(
        Membership.network_id == network.id, Membership.is_active.is_(True)).group_by(Membership.school_id))).all())
    mentors = dict((await session.execute(select(Membership.school_id, func.count()).where(
        Membership.network_id == network.id, Membership.is_active.is_(True), Membership.is_mentor.is_(True))
        .group_by(Membership.school_id))).all())
    links = await active_links_by_school(session, network.id)  # as the school's card counts them
    last = 0
    while True:
        rows = (await session.scalars(select(School).where(School.network_id == network.id, School.id > last)
                                      .order_by(School.id).limit(chunk))).all()
        if not rows:
            return
        yield [(s.id, s.name, s.short_name or "", s.municipality or "", t(f"mentoring.school_status.{s.status}"),
                s.level or "", members.get(s.id, 0), mentors.get(s.id, 0), links.get(s.id, 0)) for s in rows]
        last = rows[-1].id


async def _people(session: AsyncSession, network: Network, t: Translator, chunk: int) -> AsyncIterator[list[tuple]]:
    tz = vocab.zone(network)
    schools = dict((await session.execute(select(School.id, School.name).where(
        School.network_id == network.id))).all())
    load = dict((await session.execute(select(LinkMember.user_id, func.count()).join(
        MentoringLink, MentoringLink.id == LinkMember.link_id).where(
        MentoringLink.network_id == network.id, LinkMember.side == Side.MENTOR.value,
        MentoringLink.status == ACTIVE).group_by(LinkMember.user_id))).all())
    last = 0
    while True:
        rows = (await session.execute(select(Membership, User).join(User, User.id == Membership.user_id).where(
            Membership.network_id == network.id, Membership.id > last, User.forgotten_at.is_(None))
            .order_by(Membership.id).limit(chunk))).all()
        if not rows:
            return
        out = []
        for m, u in rows:
            roles = ", ".join(t(f"roles.{r.value}") for r in m.roles)
            # The messenger the person uses; the Telegram column keeps Telegram handles only (a MAX name is not one,
            # and a sheet may go back through the importer).
            messenger = t(f"messengers.{u.platform}") if u.consent_at else ""
            handle = u.username if u.platform == "telegram" else None
            telegram = f"@{handle}" if handle else (t("mentoring.export.in_bot") if u.consent_at else
                                                    t("mentoring.export.not_in_bot"))
            out.append((u.full_name or "", schools.get(m.school_id, ""), u.position or "", ", ".join(u.subjects or []),
                        roles, t(f"mentoring.mentor_type.{m.mentor_type}") if m.mentor_type in vocab.MENTOR_TYPES
                        else "", _names(t, m.directions, "deficit"), m.capacity if m.is_mentor else "",
                        load.get(u.id, 0), messenger, telegram, u.phone or "",
                        t("mentoring.export.yes") if m.is_active else t("mentoring.export.no"), _d(m.joined_at, tz)))
        yield out
        last = rows[-1][0].id


async def _members(session: AsyncSession, link_ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    people: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in link_ids}
    rows = await session.execute(select(LinkMember.link_id, LinkMember.side, User.full_name).join(
        User, User.id == LinkMember.user_id).where(LinkMember.link_id.in_(link_ids)).order_by(LinkMember.id))
    for link_id, side, name in rows.all():
        people[link_id][0 if side == Side.MENTOR.value else 1].append(name or "—")
    return people


async def _links(session: AsyncSession, network: Network, t: Translator, chunk: int) -> AsyncIterator[list[tuple]]:
    schools = dict((await session.execute(select(School.id, School.name).where(
        School.network_id == network.id))).all())
    last = 0
    while True:
        links = (await session.scalars(select(MentoringLink).where(
            MentoringLink.network_id == network.id, MentoringLink.id > last)
            .order_by(MentoringLink.id).limit(chunk))).all()
        if not links:
            return
        ids = [link.id for link in links]
        people = await _members(session, ids)
        counts = dict((await session.execute(select(MentoringSession.link_id, func.count()).where(
            MentoringSession.link_id.in_(ids)).group_by(MentoringSession.link_id))).all())
        yield [(link.id, t(f"mentoring.kind.{link.kind}"), t(f"mentoring.form.{link.form}"),
                t(f"mentoring.status.{link.status}"), link.parent_id or "", schools.get(link.mentor_school_id, ""),
                schools.get(link.mentee_school_id, ""), "; ".join(people[link.id][0]), "; ".join(people[link.id][1]),
                link.subject or "", link.goals or "", _names(t, link.deficits, "deficit"), _d(link.starts_on),
                _d(link.ends_on), counts.get(link.id, 0), _d(link.last_session_on), link.summary or "")
               for link in links]
        last = links[-1].id


async def _sessions(session: AsyncSession, network: Network, t: Translator, chunk: int) -> AsyncIterator[list[tuple]]:
    kinds = dict((await session.execute(select(MentoringLink.id, MentoringLink.kind).where(
        MentoringLink.network_id == network.id))).all())
    last = 0
    people_cache: dict[int, tuple[list[str], list[str]]] = {}
    authors: dict[int, str] = {}
    while True:
        rows = (await session.scalars(select(MentoringSession).where(
            MentoringSession.network_id == network.id, MentoringSession.id > last)
            .order_by(MentoringSession.id).limit(chunk))).all()
        if not rows:
            return
        missing = sorted({r.link_id for r in rows} - people_cache.keys())
        if missing:
            people_cache.update(await _members(session, missing))
        author_ids = sorted({r.author_id for r in rows if r.author_id} - authors.keys())
        if author_ids:
            authors.update(dict((await session.execute(select(User.id, User.full_name).where(
                User.id.in_(author_ids)))).all()))
        yield [(_d(r.held_on), r.link_id, t(f"mentoring.kind.{kinds.get(r.link_id, 'teacher_teacher')}"),
                authors.get(r.author_id or 0) or "", "; ".join(people_cache.get(r.link_id, ([], []))[1]),
                t(f"mentoring.format.{r.format}"), r.duration_min, r.topic, r.note or "",
                t(f"mentoring.export.attachment_{r.attachment_type}") if r.attachment_type else "",
                t("mentoring.export.yes") if r.confirmed_at else t("mentoring.export.no"), r.rating or "",
                r.comment or "") for r in rows]
        last = rows[-1].id
        if len(people_cache) > 20_000:
            people_cache.clear()


async def summary(session: AsyncSession, network_id: int) -> dict[str, int]:
    """Counts for the coordinator's screen and the monitoring work: links by status, sessions, confirmed."""
    by_status = dict((await session.execute(select(MentoringLink.status, func.count()).where(
        MentoringLink.network_id == network_id).group_by(MentoringLink.status))).all())
    sessions, confirmed = (await session.execute(select(
        func.count(), func.coalesce(func.sum(case((MentoringSession.confirmed_at.is_not(None), 1), else_=0)), 0))
        .where(MentoringSession.network_id == network_id))).one()
    return {**{f"links_{k}": int(v) for k, v in by_status.items()}, "sessions": int(sessions),
            "sessions_confirmed": int(confirmed or 0)}
