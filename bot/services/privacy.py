"""/mydata and /forgetme: a person's own data as a file, and erasure that keeps aggregates anonymous."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock
from db.models import DialogState, Invite, JoinRequest, Membership, Network, School, User
from db.models.events import Attendance, Event, Signup
from db.models.forms import Form, FormRequest, FormResponse
from db.models.mentoring import LinkMember, MentoringSession


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
            "telegram_id": user.telegram_id, "username": user.username, "full_name": user.full_name,
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


async def forget_user(session: AsyncSession, user: User, clock: Clock) -> None:
    """Erase what identifies the person; their rows stay so network counts remain right, anonymously."""
    telegram_id = user.telegram_id
    user.telegram_id = None
    user.username = None
    user.full_name = None
    user.position = None
    user.subjects = []
    user.phone = None
    user.notification_prefs = {}
    user.consent_at = None
    user.consent_version = None
    user.is_reachable = False
    user.forgotten_at = clock.now()
    await session.execute(delete(JoinRequest).where(JoinRequest.user_id == user.id,
                                                    JoinRequest.status == "pending"))
    await session.execute(delete(Invite).where(Invite.target_user_id == user.id))
    for membership in (await session.scalars(select(Membership).where(Membership.user_id == user.id))).all():
        membership.is_active = False
    # Free-text answers may name people; scales and choices stay for the anonymous totals.
    responses = (await session.execute(select(FormResponse, Form.definition)
                                       .join(FormRequest, FormRequest.id == FormResponse.request_id)
                                       .join(Form, Form.id == FormRequest.form_id)
                                       .where(FormResponse.user_id == user.id))).all()
    for response, definition in responses:
        response.answers = _without_free_text(dict(response.answers or {}), definition or {})
    if telegram_id is not None:
        # Dialog keys end with the user id (aiogram's key builder): drop any half-filled dialog.
        await session.execute(delete(DialogState).where(DialogState.key.like(f"%:{telegram_id}:%")))
    await session.flush()
