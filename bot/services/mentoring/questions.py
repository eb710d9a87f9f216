"""Situational mentoring: a mentee asks their mentor, or a pool of mentors of a direction; a level-3 school may
escalate to the level-1 school. The first mentor to take a question becomes its responder."""
from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.membership import active_clause
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import FORBIDDEN, link_for, membership_of
from bot.services.pagination import Page, paginate
from db.models import (LinkMember, Membership, MentoringLink, Question, QuestionScope, QuestionStatus, Role, School,
                       Side, User)
from db.models.mentoring import OPEN_LINK_STATUSES

TEXT_LIMIT = 2000
POOL_LIMIT = 300  # a pool question goes to at most this many mentors


def clean_question(text: str | None) -> str:
    value = (text or "").strip()
    if not 5 <= len(value) <= TEXT_LIMIT:
        raise DomainError("mentoring.errors.question_length", limit=TEXT_LIMIT)
    return value


async def can_escalate(session: AsyncSession, user_id: int, network_id: int) -> bool:
    """Only people of a level-3 school may ask the level-1 school directly."""
    membership = await membership_of(session, user_id, network_id)
    if membership is None or membership.school_id is None:
        return False
    school = await session.get(School, membership.school_id)
    return school is not None and school.level == 3


async def _level1_responders(session: AsyncSession, network_id: int) -> list[User]:
    rows = (await session.execute(select(User, Membership.is_mentor).join(
        Membership, Membership.user_id == User.id).join(School, School.id == Membership.school_id).where(
        *active_clause(network_id), School.level == 1, User.forgotten_at.is_(None)))).all()
    mentors = [user for user, is_mentor in rows if is_mentor]
    if mentors:
        return mentors
    return [user for user, _ in rows if "директор" in (user.position or "").lower()]


async def _pool(session: AsyncSession, network_id: int, direction: str, exclude: int) -> list[User]:
    rows = (await session.execute(select(User, Membership.directions).join(
        Membership, Membership.user_id == User.id).where(
        *active_clause(network_id, Role.MENTOR), User.forgotten_at.is_(None), User.id != exclude))).all()
    return [user for user, directions in rows if direction in vocab.direction_codes(directions or [])][:POOL_LIMIT]


async def responders(session: AsyncSession, question: Question) -> list[User]:
    """Who may take the question (recomputed, never trusted from a button)."""
    if question.scope == QuestionScope.MENTOR.value and question.link_id is not None:
        link = await session.get(MentoringLink, question.link_id, options=[
            selectinload(MentoringLink.members).selectinload(LinkMember.user)])
        return link.people(Side.MENTOR) if link else []
    if question.scope == QuestionScope.LEVEL1.value:
        return await _level1_responders(session, question.network_id)
    return await _pool(session, question.network_id, question.direction or "", question.asker_id)


async def ask(session: AsyncSession, *, asker_id: int, network_id: int, text: str, scope: str,
              clock: Clock, link_id: int | None = None, direction: str | None = None) -> tuple[Question, list[User]]:
    """Stores the question; returns it with the people to tell."""
    if await membership_of(session, asker_id, network_id) is None:
        raise DomainError(FORBIDDEN)
    question = Question(network_id=network_id, asker_id=asker_id, text=clean_question(text),
                        status=QuestionStatus.OPEN.value, created_at=clock.now())
    if scope == QuestionScope.MENTOR.value:
        if link_id is None:
            raise DomainError(FORBIDDEN)
        link, _ = await link_for(session, link_id, asker_id, roles=("mentee",))
        if link.network_id != network_id or link.status not in OPEN_LINK_STATUSES:
            raise DomainError(FORBIDDEN)
        question.scope, question.link_id = scope, link.id
    elif scope == QuestionScope.POOL.value:
        if direction not in vocab.DIRECTIONS:
            raise DomainError("mentoring.errors.bad_direction")
        question.scope, question.direction = scope, direction
    elif scope == QuestionScope.LEVEL1.value:
        if not await can_escalate(session, asker_id, network_id):
            raise DomainError("mentoring.errors.no_escalation")
        question.scope = scope
    else:
        raise DomainError(FORBIDDEN)
    people = [user for user in await responders(session, question) if user.id != asker_id]
    if not people:
        raise DomainError("mentoring.errors.no_responders")
    session.add(question)
    await session.flush()
    return question, people


async def question_for(session: AsyncSession, question_id: int, user_id: int) -> Question:
    """A question the person may see: theirs, or one they may take or took."""
    question = await session.get(Question, question_id, options=[selectinload(Question.asker),
                                                                 selectinload(Question.taken_by)])
    if question is None or await membership_of(session, user_id, question.network_id) is None:
        raise DomainError(FORBIDDEN)
    if user_id in (question.asker_id, question.taken_by_id):
        return question
    if any(user.id == user_id for user in await responders(session, question)):
        return question
    raise DomainError(FORBIDDEN)


async def take(session: AsyncSession, question_id: int, *, user_id: int, clock: Clock) -> Question:
    """First come, first served: one UPDATE … WHERE taken_by_id IS NULL decides between racing mentors."""
    question = await question_for(session, question_id, user_id)
    if question.asker_id == user_id:
        raise DomainError(FORBIDDEN)
    if question.taken_by_id == user_id:
        return question
    result = await session.execute(
        update(Question).where(Question.id == question.id, Question.taken_by_id.is_(None))
        .values(taken_by_id=user_id, taken_at=clock.now(), status=QuestionStatus.TAKEN.value)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise DomainError("mentoring.errors.question_taken")
    await session.refresh(question)
    return await question_for(session, question_id, user_id)


async def answer(session: AsyncSession, question_id: int, *, user_id: int, text: str, clock: Clock) -> Question:
    question = await question_for(session, question_id, user_id)
    if question.taken_by_id != user_id:
        raise DomainError("mentoring.errors.take_first")
    question.answer = clean_question(text)
    question.answered_at = clock.now()
    question.status = QuestionStatus.ANSWERED.value
    await session.flush()
    return question


async def for_mentor(session: AsyncSession, *, user_id: int, network_id: int, page: int,
                     size: int = 6) -> Page[Question]:
    """Questions a mentor can act on: taken by them and unanswered, then open ones they may take."""
    membership = await membership_of(session, user_id, network_id)
    if membership is None:
        raise DomainError(FORBIDDEN)
    my_directions = [d for d in vocab.direction_codes(membership.directions or []) if d in vocab.DIRECTIONS]
    my_links = select(LinkMember.link_id).where(LinkMember.user_id == user_id, LinkMember.side == Side.MENTOR.value)
    reachable = [
        Question.taken_by_id == user_id,
        (Question.scope == QuestionScope.MENTOR.value) & Question.link_id.in_(my_links),
    ]
    if membership.is_mentor and my_directions:
        reachable.append((Question.scope == QuestionScope.POOL.value) & Question.direction.in_(my_directions))
    if membership.school_id is not None:
        school = await session.get(School, membership.school_id)
        if school is not None and school.level == 1:
            reachable.append(Question.scope == QuestionScope.LEVEL1.value)
    stmt = (select(Question).where(
        Question.network_id == network_id, Question.asker_id != user_id, or_(*reachable),
        or_(Question.status == QuestionStatus.OPEN.value,
            (Question.status == QuestionStatus.TAKEN.value) & (Question.taken_by_id == user_id)))
        .options(selectinload(Question.asker))
        .order_by((Question.taken_by_id == user_id).desc(), Question.created_at.desc(), Question.id.desc()))
    return await paginate(session, stmt, page, size)


async def asked_by(session: AsyncSession, *, user_id: int, network_id: int, page: int, size: int = 6) -> Page[Question]:
    stmt = (select(Question).where(Question.asker_id == user_id, Question.network_id == network_id)
            .options(selectinload(Question.taken_by)).order_by(Question.created_at.desc(), Question.id.desc()))
    return await paginate(session, stmt, page, size)
