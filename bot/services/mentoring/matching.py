"""Matching: for a mentee (a person) or a school, the network's mentors ranked by

1. subject — the mentor teaches what the mentee teaches;
2. mentoring direction and deficit — ОГЭ/ЕГЭ, ВПР, олимпиады, функциональная грамотность, ОВЗ…;
3. the partner school first — mentors from the school that already mentors the mentee's school;
4. free capacity — capacity minus open links on the mentor side; mentors with no room go last.

The coordinator confirms a candidate; the link is created and both sides are told (see notices).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import FORBIDDEN, load_link, require_coordinator
from bot.services.mentoring.links import (LinkDraft, add_member, clean_goals, create_link, mentor_load,
                                          school_link_between)
from db.models import (LinkForm, LinkKind, LinkMember, LinkStatus, Membership, MentoringLink, School, Side,
                       SchoolStatus, User)
from db.models.mentoring import OPEN_LINK_STATUSES

DEFAULT_CAPACITY = 3
MAX_CANDIDATES = 200


@dataclass
class Candidate:
    user_id: int
    full_name: str
    school_id: int | None
    school_name: str | None
    subjects: set[str] = field(default_factory=set)  # matched subject codes
    directions: list[str] = field(default_factory=list)  # matched direction/deficit codes
    partner: bool = False
    stronger_school: bool = False
    load: int = 0
    capacity: int = DEFAULT_CAPACITY
    already: bool = False  # already this mentee's mentor in an open link

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.load)


@dataclass
class Target:
    """Who the mentors are for: a person (user_id) or a school (school_id)."""

    network_id: int
    school_id: int | None
    user_id: int | None = None
    subjects: set[str] = field(default_factory=set)
    school_level: int | None = None


async def _target(session: AsyncSession, network_id: int, user_id: int | None, school_id: int | None) -> Target:
    if user_id is not None:
        row = (await session.execute(select(Membership, User).join(User, User.id == Membership.user_id).where(
            Membership.network_id == network_id, Membership.user_id == user_id))).first()
        if row is None:
            raise DomainError(FORBIDDEN)
        membership, user = row
        school = await session.get(School, membership.school_id) if membership.school_id else None
        return Target(network_id, membership.school_id, user_id, vocab.subject_codes(user.subjects or []),
                      school.level if school else None)
    school = await session.get(School, school_id) if school_id else None
    if school is None or school.network_id != network_id:
        raise DomainError(FORBIDDEN)
    return Target(network_id, school.id, None, set(), school.level)


async def partner_schools(session: AsyncSession, network_id: int, school_id: int | None) -> set[int]:
    """Schools that mentor this school through an open school–school link."""
    if school_id is None:
        return set()
    rows = await session.scalars(select(MentoringLink.mentor_school_id).where(
        MentoringLink.network_id == network_id, MentoringLink.kind == LinkKind.SCHOOL_SCHOOL.value,
        MentoringLink.mentee_school_id == school_id, MentoringLink.status.in_(OPEN_LINK_STATUSES)))
    return {school for school in rows.all() if school is not None}


async def suggest(session: AsyncSession, *, network_id: int, user_id: int | None = None, school_id: int | None = None,
                  deficits: list[str] | None = None, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """Ranked mentors for a person or a school (best first).

    Reads the network's mentors in one query and scores them in a tight loop that keeps only the best
    `limit` keys (heapq): with 1,500 mentors little survives the loop, so Python's collector has little to
    promote and the screen stays fast at network scale. Candidates are built for the winners only.
    """
    target = await _target(session, network_id, user_id, school_id)
    wanted = set(vocab.direction_codes(deficits or []))
    partners = await partner_schools(session, network_id, target.school_id)
    loads = await mentor_load(session, network_id)
    already: set[int] = set()
    if target.user_id is not None:
        mine = select(LinkMember.link_id).where(LinkMember.user_id == target.user_id,
                                                LinkMember.side == Side.MENTEE.value)
        already = set((await session.scalars(select(LinkMember.user_id).join(
            MentoringLink, MentoringLink.id == LinkMember.link_id).where(
            LinkMember.link_id.in_(mine), LinkMember.side == Side.MENTOR.value,
            MentoringLink.status.in_(OPEN_LINK_STATUSES)))).all())
    result = await session.execute(
        select(Membership.user_id, Membership.school_id, Membership.directions, Membership.capacity,
               User.full_name, User.subjects, School.name, School.short_name, School.level, School.status)
        .join(User, User.id == Membership.user_id).outerjoin(School, School.id == Membership.school_id)
        .where(Membership.network_id == network_id, Membership.is_mentor.is_(True),
               Membership.is_active.is_(True), User.forgotten_at.is_(None)))
    strong = (SchoolStatus.LEADER.value, SchoolStatus.CURATOR.value)
    subject_of, direction_of = vocab.subject_code, vocab.direction_code

    def scored():  # type: ignore[no-untyped-def]
        for row in result:
            uid, sid, directions, capacity, name, subjects, _, _, level, status = row
            if uid == target.user_id or (target.user_id is None and sid == target.school_id):
                continue  # nobody mentors themselves; a school is not mentored by its own staff
            same_subject = 0
            for subject in subjects or ():
                if subject_of(subject) in target.subjects:
                    same_subject = 1
                    break
            same_direction = 0
            for direction in directions or ():
                if direction_of(direction) in wanted:
                    same_direction += 1
            capacity = DEFAULT_CAPACITY if capacity is None else int(capacity)
            free = max(0, capacity - loads.get(uid, 0))
            stronger = status in strong or (level is not None and target.school_level is not None
                                            and level < target.school_level)
            yield ((uid in already, free == 0, -same_subject, -same_direction, sid not in partners, not stronger,
                    -free, name or "—", uid), row)

    best = heapq.nsmallest(limit, scored(), key=lambda item: item[0])
    candidates = []
    for _, (uid, sid, directions, capacity, name, subjects, school_name, short, level, status) in best:
        candidates.append(Candidate(
            user_id=uid, full_name=name or "—", school_id=sid, school_name=short or school_name,
            subjects=vocab.subject_codes(subjects or []) & target.subjects,
            directions=[d for d in vocab.direction_codes(directions or []) if d in wanted],
            partner=sid is not None and sid in partners,
            stronger_school=status in strong or (level is not None and target.school_level is not None
                                                 and level < target.school_level),
            load=loads.get(uid, 0), capacity=DEFAULT_CAPACITY if capacity is None else int(capacity),
            already=uid in already))
    return candidates


def _is_director(user: User) -> bool:
    return "директор" in (user.position or "").lower() and "заместитель" not in (user.position or "").lower()


async def school_heads(session: AsyncSession, network_id: int, school_id: int) -> list[User]:
    """The registered director(s) of a school: who hears about a school–school link for the mentee school."""
    users = (await session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.network_id == network_id, Membership.school_id == school_id, Membership.is_active.is_(True),
        User.forgotten_at.is_(None)))).all()
    return [user for user in users if _is_director(user)]


async def confirm(session: AsyncSession, *, network_id: int, actor_id: int, mentor_id: int,
                  mentee_id: int | None = None, school_id: int | None = None, goals: str | None = None,
                  deficits: list[str] | None = None, clock: Clock) -> MentoringLink:
    """The coordinator's choice becomes an active link.

    For a person: a teacher–teacher link (leader–leader when both are directors). For a school: the open
    school–school link from the mentor's school gains the mentor; otherwise a new one is made, with the
    school's director on the mentee side.
    """
    await require_coordinator(session, actor_id, network_id)
    mentor = await session.scalar(select(Membership).where(
        Membership.network_id == network_id, Membership.user_id == mentor_id, Membership.is_active.is_(True),
        Membership.is_mentor.is_(True)))
    if mentor is None:
        raise DomainError("mentoring.errors.not_a_mentor")
    deficits = deficits or []
    if mentee_id is not None:
        mentee_user = await session.get(User, mentee_id)
        mentor_user = await session.get(User, mentor_id)
        if mentee_user is None or mentor_user is None:
            raise DomainError(FORBIDDEN)
        kind = (LinkKind.LEADER_LEADER if _is_director(mentee_user) and _is_director(mentor_user)
                else LinkKind.TEACHER_TEACHER)
        draft = LinkDraft(kind=kind.value, form=LinkForm.TRADITIONAL.value, mentor_ids=[mentor_id],
                          mentee_ids=[mentee_id], goals=goals, deficits=deficits,
                          directions=[d for d in deficits if d in vocab.DIRECTIONS])
        return await create_link(session, network_id=network_id, draft=draft, clock=clock, actor_id=actor_id)
    if school_id is None:
        raise DomainError(FORBIDDEN)
    if mentor.school_id is None:
        raise DomainError("mentoring.errors.mentor_without_school")
    existing = await school_link_between(session, network_id, mentor.school_id, school_id)
    if existing is not None:
        link = await load_link(session, existing.id)
        assert link is not None
        await add_member(session, link, mentor_id, Side.MENTOR, clock=clock)
        if goals:
            link.goals = clean_goals(goals)
        if link.status == LinkStatus.PROPOSED.value:
            link.status = LinkStatus.ACTIVE.value
        await session.flush()
        return link
    heads = [user.id for user in await school_heads(session, network_id, school_id)]
    draft = LinkDraft(kind=LinkKind.SCHOOL_SCHOOL.value, form=LinkForm.PARTNER.value, mentor_ids=[mentor_id],
                      mentee_ids=[uid for uid in heads if uid != mentor_id], mentor_school_id=mentor.school_id,
                      mentee_school_id=school_id, goals=goals, deficits=deficits,
                      directions=[d for d in deficits if d in vocab.DIRECTIONS])
    return await create_link(session, network_id=network_id, draft=draft, clock=clock, actor_id=actor_id)
