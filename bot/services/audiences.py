"""Who a broadcast, an announcement or a form request goes to.

An audience is a small JSON spec, stored with what was sent so the report can be rebuilt:

    {"kind": "everyone"}                      every active member of the network
    {"kind": "mentors"} / {"kind": "participants"} / {"kind": "coordinators"}
    {"kind": "schools", "school_ids": [3, 5]}               members of those schools
    {"kind": "school_status", "statuses": ["shnor"]}        members of schools with that status
    {"kind": "event", "event_id": 42}         sign-ups of an event (registered by the events module)

`schools` and `school_status` take an optional `"roles": ["mentor", …]` filter. Members who are
inactive, unreachable (blocked the bot) or have no Telegram id are skipped; everyone appears once.
Other modules add kinds with `register_audience`; with `choices=` the kind can also be picked in the
coordinator's broadcast dialog (a paginated list of ids and labels, e.g. the network's events).

Mutes (`bot/services/preferences.py`) are not an audience's business: a coordinator's broadcast reaches
everyone; planners that send a mutable topic (announcements, reminders) drop the people who muted it —
or pass `topic=` to `outbox.enqueue[_many]`, which does it for them.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.pagination import Page
from db.models.core import Membership, School, User

BASIC_KINDS = ("everyone", "mentors", "participants", "coordinators")
ROLE_FLAGS = {"participant": Membership.is_participant, "mentor": Membership.is_mentor,
              "coordinator": Membership.is_coordinator}
KIND_ROLE = {"mentors": "mentor", "participants": "participant", "coordinators": "coordinator"}


@dataclass(frozen=True)
class Recipient:
    user_id: int
    messenger_id: int


@dataclass(frozen=True)
class AudienceSize:
    reachable: int
    unreachable: int  # members who would be included but blocked the bot or have no Telegram


@dataclass(frozen=True)
class Choice:
    """One pickable target of an extension kind (an event): its id goes into the spec as `{kind}_id`."""

    id: int
    label: str


# An extension resolves a spec to a query over (User.id) rows of the network's people.
Extension = Callable[[AsyncSession, int, Mapping[str, Any]], Awaitable[Select[Any]]]
# Lists what can be picked for a kind: (session, network_id, page, now) -> Page[Choice].
Choices = Callable[[AsyncSession, int, int, datetime], Awaitable[Page[Choice]]]
_extensions: dict[str, Extension] = {}
_choices: dict[str, Choices] = {}


def register_audience(kind: str, resolver: Extension, *, choices: Choices | None = None) -> None:
    """Add an audience kind, e.g. "event": `resolver(session, network_id, spec)` returns `select(User.id …)`.

    `choices(session, network_id, page, now)` lists what a coordinator may pick (for "event": the
    network's upcoming events, `Choice(event.id, "8.1.1 · 24.02 · Семинар…")`); the picked id is stored
    in the spec as `{"kind": kind, f"{kind}_id": id, "title": label}`. Without it the kind is
    available to code (announcements, the CLI) but not offered in the chat dialog.
    """
    _extensions[kind] = resolver
    if choices is not None:
        _choices[kind] = choices


def unregister_audience(kind: str) -> None:
    _extensions.pop(kind, None)
    _choices.pop(kind, None)


def has_kind(kind: str) -> bool:
    """Whether another feature registered this kind (mentoring's «mentees», events' «event»…)."""
    return kind in _extensions


def pickable_kinds() -> list[str]:
    """Extension kinds a coordinator can pick in the chat (registered with `choices`)."""
    return [kind for kind in _extensions if kind in _choices]


async def choices(session: AsyncSession, kind: str, network_id: int, page: int, now: datetime) -> Page[Choice]:
    if kind not in _choices:
        raise DomainError("audience.unknown", kind=kind)
    return await _choices[kind](session, network_id, page, now)


def everyone() -> dict[str, Any]:
    return {"kind": "everyone"}


def normalize(spec: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """Accept "mentors" or {"kind": "mentors"}; check the shape; return the stored form."""
    if spec is None:
        return everyone()
    if isinstance(spec, str):
        spec = {"kind": spec}
    kind = spec.get("kind")
    if kind in BASIC_KINDS:
        return {"kind": kind}
    if kind == "schools":
        ids = [int(i) for i in spec.get("school_ids") or []]
        if not ids:
            raise DomainError("audience.no_schools")
        return {"kind": kind, "school_ids": sorted(set(ids)), **_roles(spec)}
    if kind == "school_status":
        statuses = [str(s) for s in spec.get("statuses") or ([spec["status"]] if spec.get("status") else [])]
        if not statuses:
            raise DomainError("audience.no_statuses")
        return {"kind": kind, "statuses": sorted(set(statuses)), **_roles(spec)}
    if kind in _extensions:
        return dict(spec)
    raise DomainError("audience.unknown", kind=str(kind))


def _roles(spec: Mapping[str, Any]) -> dict[str, Any]:
    roles = [r for r in spec.get("roles") or [] if r in ROLE_FLAGS]
    return {"roles": sorted(set(roles))} if roles else {}


async def _member_filter(session: AsyncSession, network_id: int, spec: dict[str, Any]) -> list[Any]:
    """Conditions on Membership (joined to User) that pick the audience, before reachability."""
    kind = spec["kind"]
    conditions: list[Any] = [Membership.network_id == network_id, Membership.is_active.is_(True),
                             User.forgotten_at.is_(None)]
    if kind in KIND_ROLE:
        conditions.append(ROLE_FLAGS[KIND_ROLE[kind]].is_(True))
    elif kind == "schools":
        conditions.append(Membership.school_id.in_(spec["school_ids"]))
    elif kind == "school_status":
        schools = select(School.id).where(School.network_id == network_id, School.status.in_(spec["statuses"]))
        conditions.append(Membership.school_id.in_(schools))
    elif kind in _extensions:
        conditions.append(User.id.in_((await _extensions[kind](session, network_id, spec)).scalar_subquery()))
    if spec.get("roles"):
        conditions.append(or_(*(ROLE_FLAGS[role].is_(True) for role in spec["roles"])))
    return conditions


# One membership per (person, network) is a unique constraint, so joining it yields each person once.


def _reachable() -> Any:
    return and_(User.is_reachable.is_(True), User.messenger_id.is_not(None))


async def resolve(session: AsyncSession, network_id: int, spec: Mapping[str, Any] | str | None) -> list[Recipient]:
    """The reachable recipients of `spec` in the network, each once, in a stable order."""
    conditions = await _member_filter(session, network_id, normalize(spec))
    stmt = (select(User.id, User.messenger_id).join(Membership, Membership.user_id == User.id)
            .where(*conditions, _reachable()).order_by(User.id))
    return [Recipient(user_id, messenger_id) for user_id, messenger_id in (await session.execute(stmt)).all()]


async def size(session: AsyncSession, network_id: int, spec: Mapping[str, Any] | str | None) -> AudienceSize:
    """For the preview: how many will get it, and how many would but can't be reached."""
    conditions = await _member_filter(session, network_id, normalize(spec))
    stmt = (select(User.id, User.is_reachable, User.messenger_id).join(Membership, Membership.user_id == User.id)
            .where(*conditions))
    reachable = unreachable = 0
    for _, is_reachable, messenger_id in (await session.execute(stmt)).all():
        if is_reachable and messenger_id is not None:
            reachable += 1
        else:
            unreachable += 1
    return AudienceSize(reachable, unreachable)


async def unreachable_members(session: AsyncSession, network_id: int,
                              spec: Mapping[str, Any] | str | None) -> list[User]:
    """Members of the audience who can't be reached now (for the coordinator's report)."""
    conditions = await _member_filter(session, network_id, normalize(spec))
    stmt = (select(User).join(Membership, Membership.user_id == User.id)
            .where(*conditions, ~_reachable()).order_by(User.full_name, User.id))
    return list((await session.scalars(stmt)).all())
