"""Onboarding: consent, profile, joining a network by invite or by request."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services import invites as invite_service
from bot.services import people
from bot.services.people import load_user  # noqa: F401 - handlers reach it as reg.load_user
from bot.services import membership as membership_service
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.untrusted_text import has_link, visible
from db.models import Invite, JoinRequest, JoinRequestStatus, LinkMember, Membership, Role, School, User

CONSENT_VERSION = "2026-11"

# Russian (and Latin, for the rare foreign name) words, hyphenated parts allowed: «Салтыков-Щедрин».
_NAME_WORD = re.compile(r"^[A-Za-zА-Яа-яЁё]+(?:[-'’][A-Za-zА-Яа-яЁё]+)*$")

POSITIONS = (
    "director", "deputy_uvr", "deputy_vr", "teacher", "rmo_head", "methodist", "tutor", "psychologist",
    "speech_therapist", "social_pedagogue",
)
# A coordinator works for the municipal method service, not a school.
COORDINATOR_POSITIONS = ("methodist", "method_head", "education_specialist", "director", "deputy_uvr")
SUBJECTS = (
    "russian", "literature", "math", "physics", "chemistry", "biology", "geography", "history", "social",
    "informatics", "english", "german", "primary", "pe", "arts", "music", "technology", "obzh",
)


LEGACY_SUBJECTS = {"ОБЖ": "obzh"}  # renamed since (ОБЗР from 2024)


def subject_codes(labels: list[str], t: Callable[[str], str]) -> tuple[list[str], list[str]]:
    """A profile's subjects as the list's codes, and those not on the list (from an import) kept as typed."""
    by_label = {t(f"subjects.{code}"): code for code in SUBJECTS} | LEGACY_SUBJECTS
    codes = [by_label[label] for label in labels if label in by_label]
    return list(dict.fromkeys(codes)), [label for label in labels if label not in by_label]


def normalize_full_name(text: str) -> str:
    """Validates ФИО: two to four words of letters, 5–120 characters; returns it neatly capitalised."""
    words = visible(text).split()
    if not 2 <= len(words) <= 4 or not 5 <= len(" ".join(words)) <= 120:
        raise DomainError("registration.bad_name")
    if not all(_NAME_WORD.match(word) for word in words):
        raise DomainError("registration.bad_name")
    return " ".join("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")) for word in words)


def normalize_free_text(text: str, *, limit: int = 200) -> str:
    """A school's name or a position as typed: 2–`limit` characters, never a link (it reaches coordinators)."""
    value = visible(text)
    if not 2 <= len(value) <= limit:
        raise DomainError("errors.bad_text", limit=limit)
    if has_link(value):
        raise DomainError("links.not_here")
    return value


@dataclass(frozen=True)
class Profile:
    full_name: str
    position: str
    subjects: list[str]
    school_id: int | None
    school_note: str | None


def _unclaimed(user: User | None) -> bool:
    """A record a coordinator's import made, which nobody has taken over yet."""
    return user is not None and user.consent_at is None and user.forgotten_at is None


async def record_consent(session: AsyncSession, *, platform: str, messenger_id: int, username: str | None,
                         language: str, clock: Clock, target_user_id: int | None = None) -> User:
    """The first personal record we keep, made only when the person agrees.

    A personal invite (bulk import) points at a record made in advance: the person takes it over (the id the
    sheet gave it, if any, was only the coordinator's guess). Someone the bot already knows keeps their own
    record; the imported one is merged into it when they join (`complete_with_invite`).
    """
    user = await people.find(session, platform, messenger_id)
    if user is None and target_user_id is not None:
        target = await session.get(User, target_user_id)
        if _unclaimed(target):
            assert target is not None
            user = target
            user.platform = platform
            user.messenger_id = messenger_id
    if user is None:
        user = User(platform=people.check_platform(platform), messenger_id=messenger_id, subjects=[],
                    notification_prefs={})
        session.add(user)
    user.username = username
    user.language = language
    user.consent_at = clock.now()
    user.consent_version = CONSENT_VERSION
    user.is_reachable = True
    await session.flush()
    return user


async def _school_in_network(session: AsyncSession, school_id: int | None, network_id: int) -> int | None:
    if school_id is None:
        return None
    school = await session.get(School, school_id)
    if school is None or school.network_id != network_id:
        raise DomainError("errors.forbidden")
    return school.id


def apply_profile(user: User, profile: Profile) -> None:
    user.full_name = profile.full_name
    user.position = profile.position
    user.subjects = list(profile.subjects)


async def join_network(session: AsyncSession, user: User, *, network_id: int, role: Role,
                       school_id: int | None) -> Membership:
    """Adds the membership or grants the invite's role on an active one (see `membership.join`)."""
    return await membership_service.join(session, user, network_id=network_id, role=role, school_id=school_id)


async def _check_can_join(session: AsyncSession, user: User, network_id: int) -> None:
    """Before anything is used up: a deactivated member comes back only through a coordinator."""
    deactivated = await session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.network_id == network_id, Membership.is_active.is_(False)))
    if deactivated is not None:
        raise DomainError("membership.deactivated")


async def _adopt_imported_record(session: AsyncSession, user: User, invite: Invite) -> None:
    """A personal invite made for an imported record, opened by someone the bot already knows (the sheet named
    their Telegram id while they belonged to another network): the record's place in the network — its
    membership, pairs and groups — becomes theirs, and the record goes. Their own data stays theirs."""
    target = await session.get(User, invite.target_user_id) if invite.target_user_id else None
    if target is None or target.id == user.id or not _unclaimed(target):
        return
    for imported in (await session.scalars(select(Membership).where(Membership.user_id == target.id))).all():
        await _check_can_join(session, user, imported.network_id)
        own = await session.scalar(select(Membership).where(
            Membership.user_id == user.id, Membership.network_id == imported.network_id))
        if own is None:
            imported.user_id = user.id
        else:
            own.school_id = own.school_id or imported.school_id
            await session.delete(imported)
    await session.flush()
    theirs = select(LinkMember.link_id).where(LinkMember.user_id == user.id).scalar_subquery()
    await session.execute(update(LinkMember).where(LinkMember.user_id == target.id, LinkMember.link_id.not_in(theirs))
                          .values(user_id=user.id).execution_options(synchronize_session=False))
    await session.execute(update(Invite).where(Invite.target_user_id == target.id).values(target_user_id=user.id)
                          .execution_options(synchronize_session=False))
    await session.execute(delete(User).where(User.id == target.id).execution_options(synchronize_session=False))
    session.expunge(target)
    await session.flush()


async def complete_with_invite(session: AsyncSession, user: User, invite: Invite, profile: Profile) -> Membership:
    school_id = invite.school_id or await _school_in_network(session, profile.school_id, invite.network_id)
    await _check_can_join(session, user, invite.network_id)
    await _adopt_imported_record(session, user, invite)
    await invite_service.consume(session, invite)
    apply_profile(user, profile)
    return await join_network(session, user, network_id=invite.network_id, role=Role(invite.role),
                              school_id=school_id)


async def accept_invite_as_member(session: AsyncSession, user: User, invite: Invite) -> Membership:
    """A registered person follows another invite: they join that network or gain its role (never more than
    the invite's, and never back into a network that switched them off)."""
    await _check_can_join(session, user, invite.network_id)
    await _adopt_imported_record(session, user, invite)
    await invite_service.consume(session, invite)
    return await join_network(session, user, network_id=invite.network_id, role=Role(invite.role),
                              school_id=invite.school_id)


async def complete_with_request(session: AsyncSession, user: User, network_id: int, profile: Profile,
                                clock: Clock) -> JoinRequest:
    school_id = await _school_in_network(session, profile.school_id, network_id)
    apply_profile(user, profile)
    pending = await session.scalar(select(JoinRequest).where(
        JoinRequest.user_id == user.id, JoinRequest.network_id == network_id,
        JoinRequest.status == JoinRequestStatus.PENDING.value))
    if pending is not None:
        return pending
    request = JoinRequest(user_id=user.id, network_id=network_id, school_id=school_id,
                          school_note=profile.school_note, status=JoinRequestStatus.PENDING.value,
                          created_at=clock.now())
    session.add(request)
    await session.flush()
    return request


async def pending_request(session: AsyncSession, user_id: int) -> str | None:
    """The name of a network this person asked to join and is still waiting for, if any."""
    request = await session.scalar(select(JoinRequest).where(
        JoinRequest.user_id == user_id, JoinRequest.status == JoinRequestStatus.PENDING.value)
        .options(selectinload(JoinRequest.network)).order_by(JoinRequest.created_at.desc()).limit(1))
    return request.network.name if request is not None else None


async def decide_join_request(session: AsyncSession, request_id: int, *, coordinator: User, approve: bool,
                              clock: Clock) -> JoinRequest:
    request = await session.get(JoinRequest, request_id, options=[selectinload(JoinRequest.user),
                                                                  selectinload(JoinRequest.network)])
    if request is None:
        raise DomainError("errors.forbidden")
    if not await membership_service.is_active_member(session, coordinator.id, request.network_id,
                                                     Role.COORDINATOR):
        raise DomainError("errors.forbidden")
    if request.status != JoinRequestStatus.PENDING.value:
        raise DomainError("join.already_decided")
    request.status = (JoinRequestStatus.APPROVED if approve else JoinRequestStatus.REJECTED).value
    request.decided_by_id = coordinator.id
    request.decided_at = clock.now()
    if approve:
        switched_off = await session.scalar(select(Membership).where(
            Membership.user_id == request.user_id, Membership.network_id == request.network_id,
            Membership.is_active.is_(False)))
        if switched_off is not None:  # the coordinator lets them back in, as a participant
            membership_service.restore(switched_off)
        await join_network(session, request.user, network_id=request.network_id, role=Role.PARTICIPANT,
                           school_id=request.school_id)
    await session.flush()
    return request
