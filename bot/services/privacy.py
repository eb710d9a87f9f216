"""/mydata and /forgetme: a person's own data as a file, and erasure that keeps aggregates anonymous."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text, and_, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messengers import MAX
from bot.services import membership as membership_service
from bot.services import outbox
from bot.services.clock import Clock
from db.models import DialogState, Invite, JoinRequest, Membership, Network, OutboxMessage, School, User
from db.models.events import Attendance, Event, Signup
from db.models.forms import Form, FormRequest, FormResponse
from db.models.mentoring import LinkMember, MentoringSession, PlanGoal, Question, Side


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_user_data(session: AsyncSession, user: User) -> dict[str, Any]:
    memberships = (await session.execute(
        select(Membership, Network.name, School.name)
        .join(Network, Network.id == Membership.network_id)
        .outerjoin(School, School.id == Membership.school_id)
        .where(Membership.user_id == user.id))).all()
    requests = (await session.scalars(select(JoinRequest).where(JoinRequest.user_id == user.id))).all()
    return {
        **await _activity(session, user),
        "profile": {
            "platform": user.platform, "messenger_id": user.messenger_id, "username": user.username, "full_name": user.full_name,
            "position": user.position, "subjects": user.subjects, "phone": user.phone,
            "language": user.language, "consent_at": _iso(user.consent_at),
            "consent_version": user.consent_version, "created_at": _iso(user.created_at),
            "notification_prefs": user.notification_prefs,
        },
        "memberships": [
            {"network": network, "school": school, "roles": [r.value for r in m.roles],
             "active": m.is_active, "joined_at": _iso(m.joined_at)}
            for m, network, school in memberships
        ],
        "join_requests": [
            {"network_id": r.network_id, "status": r.status, "created_at": _iso(r.created_at)} for r in requests
        ],
    }


async def _activity(session: AsyncSession, user: User) -> dict[str, Any]:
    """What the person did in the network: sessions of their pairs, events, form answers."""
    links = select(LinkMember.link_id).where(LinkMember.user_id == user.id)
    sessions = (await session.scalars(select(MentoringSession).where(or_(
        MentoringSession.author_id == user.id, MentoringSession.link_id.in_(links)))
        .order_by(MentoringSession.held_on))).all()
    signups = (await session.execute(select(Event.title, Signup.status, Signup.updated_at)
                                     .join(Event, Event.id == Signup.event_id).where(Signup.user_id == user.id))).all()
    attended = (await session.execute(select(Event.title, Attendance.at).join(Event, Event.id == Attendance.event_id)
                                      .where(Attendance.user_id == user.id))).all()
    answers = (await session.execute(select(Form.title, FormRequest.title, FormResponse.answers,
                                            FormResponse.submitted_at)
                                     .join(FormRequest, FormRequest.id == FormResponse.request_id)
                                     .join(Form, Form.id == FormRequest.form_id)
                                     .where(FormResponse.user_id == user.id))).all()
    return {
        "mentoring_sessions": [
            {"date": _iso(s.held_on), "topic": s.topic, "format": s.format, "duration_min": s.duration_min,
             "note": s.note, "rating": s.rating, "comment": s.comment} for s in sessions],
        "event_signups": [{"event": title, "status": status, "at": _iso(at)} for title, status, at in signups],
        "attendance": [{"event": title, "at": _iso(at)} for title, at in attended],
        "form_answers": [{"form": form, "request": request, "answers": values, "submitted_at": _iso(at)}
                         for form, request, values, at in answers],
    }


def _without_free_text(answers: dict[str, Any], definition: dict[str, Any]) -> dict[str, Any]:
    text_ids = {q.get("id") for q in definition.get("questions") or () if q.get("type") == "text"}
    return {key: value for key, value in answers.items() if key not in text_ids}


def export_as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


ERASED_TEXT = "—"  # what stays of a free text the person wrote where the row must keep one (a topic, a goal)
ERASED_PAYLOAD = {"type": "text", "text": ERASED_TEXT}


async def forget_user(session: AsyncSession, user: User, clock: Clock) -> None:
    """Erase what identifies the person and every free text they wrote; their rows stay where network counts
    need them (memberships, pairs, attendance, ratings, form scales), anonymously.

    Messages: every queued one to or about them is cancelled; every stored one to or about them — tagged with
    `about_user_id`, or naming them in its text — is emptied (the sender also refuses rows for an erased person,
    see `outbox.claim_batch`). Sign-ups go (they'd count a nameless person, and twice after rejoining).
    """
    platform, messenger_id, full_name, username = user.platform, user.messenger_id, user.full_name, user.username
    user.messenger_id = None
    user.username = None
    user.full_name = None
    user.position = None
    user.subjects = []
    user.phone = None
    user.notification_prefs = {}
    user.consent_at = None
    user.consent_version = None
    user.is_reachable = False
    user.unreachable_since = None
    user.unreachable_reason = None
    user.forgotten_at = clock.now()
    await session.execute(delete(JoinRequest).where(JoinRequest.user_id == user.id,
                                                    JoinRequest.status == "pending"))
    await session.execute(update(JoinRequest).where(JoinRequest.user_id == user.id).values(school_note=None))
    await session.execute(delete(Invite).where(Invite.target_user_id == user.id))
    networks = []
    for membership in (await session.scalars(select(Membership).where(Membership.user_id == user.id))).all():
        membership_service.deactivate(membership)
        networks.append(membership.network_id)
    await session.execute(delete(Signup).where(Signup.user_id == user.id))
    await _erase_texts(session, user)
    await _erase_messages(session, user.id, platform, messenger_id, networks, full_name, username)
    if messenger_id is not None:
        await _erase_dialogs(session, platform, messenger_id)
    await session.flush()


async def _erase_texts(session: AsyncSession, user: User) -> None:
    """Free texts the person wrote: form answers, questions and answers, session notes and comments, plan goals."""
    responses = (await session.execute(select(FormResponse, Form.definition)
                                       .join(FormRequest, FormRequest.id == FormResponse.request_id)
                                       .join(Form, Form.id == FormRequest.form_id)
                                       .where(FormResponse.user_id == user.id))).all()
    for response, definition in responses:
        # Scales and choices stay for the anonymous totals.
        response.answers = _without_free_text(dict(response.answers or {}), definition or {})
    await session.execute(delete(Question).where(Question.asker_id == user.id))
    await session.execute(update(Question).where(Question.taken_by_id == user.id).values(answer=None))
    await session.execute(update(MentoringSession).where(MentoringSession.author_id == user.id).values(
        topic=ERASED_TEXT, note=None, attachment_file_id=None, attachment_type=None))
    # A comment is the mentee's: theirs when they confirmed the session, or when they are the pair's only mentee.
    mentees = select(LinkMember.link_id).where(LinkMember.side == Side.MENTEE.value).group_by(LinkMember.link_id)
    only_mine = mentees.having(func.count() == 1).where(LinkMember.link_id.in_(
        select(LinkMember.link_id).where(LinkMember.user_id == user.id, LinkMember.side == Side.MENTEE.value)))
    await session.execute(update(MentoringSession).where(or_(
        MentoringSession.confirmed_by_id == user.id, MentoringSession.link_id.in_(only_mine.scalar_subquery())))
        .values(comment=None))
    await session.execute(update(PlanGoal).where(PlanGoal.created_by_id == user.id).values(text=ERASED_TEXT))


async def _erase_dialogs(session: AsyncSession, platform: str, messenger_id: int) -> None:
    """Any half-filled dialog of theirs goes. Keys are `fsm:<chat>:<user>:<destiny>` for Telegram and
    `fsm:max:<chat>:<user>:<destiny>` for MAX (bot/fsm_storage.KeyBuilder): the namesake on the other messenger
    keeps theirs."""
    number = int(messenger_id)
    if platform == MAX:
        mine = DialogState.key.like(f"fsm:max:%:{number}:%")
    else:
        mine = and_(DialogState.key.like(f"fsm:%:{number}:%"), DialogState.key.not_like("fsm:max:%"))
    await session.execute(delete(DialogState).where(mine))


async def _erase_messages(session: AsyncSession, user_id: int, platform: str, messenger_id: int | None,
                          networks: list[int], full_name: str | None, username: str | None) -> None:
    """Queued messages to or about the person are cancelled; stored ones are emptied."""
    to_them = [OutboxMessage.user_id == user_id]
    if messenger_id is not None:
        to_them.append(and_(OutboxMessage.platform == platform, OutboxMessage.chat_id == messenger_id))
    naming = [OutboxMessage.about_user_id == user_id]
    # Messages that name them without saying so (composed before `about_user_id`, or by another feature).
    marks = [json.dumps(full_name)[1:-1] if full_name else None, f"@{username}" if username else None,
             f"user?id={messenger_id}" if messenger_id else None]
    in_text = [cast(OutboxMessage.payload, Text).contains(mark, autoescape=True) for mark in marks if mark]
    if in_text and networks:
        naming.append(and_(or_(OutboxMessage.network_id.in_(networks), OutboxMessage.network_id.is_(None)),
                           or_(*in_text)))
    touched = or_(*to_them, *naming)
    await session.execute(update(OutboxMessage).where(touched, OutboxMessage.status == outbox.PENDING)
                          .values(status=outbox.CANCELLED, last_error=outbox.ERASED, claimed_at=None)
                          .execution_options(synchronize_session=False))
    await session.execute(update(OutboxMessage).where(touched)
                          .values(payload=dict(ERASED_PAYLOAD), last_error=None)
                          .execution_options(synchronize_session=False))
    await session.execute(update(OutboxMessage).where(or_(*to_them)).values(chat_id=0)
                          .execution_options(synchronize_session=False))
    if networks:
        # Files already delivered (a broadcast's «не получили» workbook lists people by name): their bytes are
        # not needed any more and can't be searched, so they go.
        await session.execute(update(OutboxMessage).where(
            OutboxMessage.network_id.in_(networks), OutboxMessage.status.not_in(outbox.OPEN),
            cast(OutboxMessage.payload, Text).contains('"data_b64"', autoescape=True))
            .values(payload=dict(ERASED_PAYLOAD)).execution_options(synchronize_session=False))
