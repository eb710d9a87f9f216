"""Form requests: a form sent to an audience with a deadline, through the outbox.

Sending creates one `FormResponse` row per person asked (so the board sees who hasn't answered) and,
for everyone reachable, outbox rows in the same transaction:

    form:{request}:user:{uid}           the request with a «Заполнить» button, now
    form:{request}:user:{uid}:remind    a reminder at 10:00 local time the day before the deadline
    form:{request}:user:{uid}:nudge     one nudge at 10:00 the day after the deadline

Submitting cancels that person's pending reminder and nudge; closing the request cancels whatever is
still pending. Late answers are taken until the coordinator closes the request.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audiences, outbox
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.forms import hooks, messages
from bot.services.forms.definitions import parse_date
from bot.services.forms.library import definition_of, ensure_template
from db.models.core import Membership, Network, User
from db.models.forms import Form, FormRequest, FormRequestStatus, FormResponse

REMIND_HOUR = 10  # local time of reminders and nudges
MIN_REMINDER_GAP = timedelta(hours=3)  # no reminder right on the heels of the request itself
NUDGE_LIFETIME = timedelta(days=2)
REFLECTION_DAYS = 7
MAX_DEADLINE_DAYS = 366
ID_CHUNK = 2000
OPEN = FormRequestStatus.OPEN.value

# What the coordinator can pick in the chat; "links" only once the mentoring feature provides members.
BASIC_AUDIENCES = ("everyone", "participants", "mentors", "coordinators", "shnor", "schools")


@dataclass(frozen=True)
class Member:
    user_id: int
    messenger_id: int | None
    reachable: bool
    language: str

    @property
    def can_receive(self) -> bool:
        return self.reachable and self.messenger_id is not None


# --- time -----------------------------------------------------------------------------------------

def network_tz(network: Network | None) -> ZoneInfo:
    try:
        return ZoneInfo(network.timezone if network is not None else "Europe/Moscow")
    except Exception:  # noqa: BLE001 - a broken zone name must not break a form
        return ZoneInfo("Europe/Moscow")


def local_today(clock: Clock, tz: ZoneInfo) -> date:
    return clock.now().astimezone(tz).date()


def deadline_from_date(day: date, tz: ZoneInfo) -> datetime:
    """A deadline date means «until the end of that day» in the network's time zone."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)


def deadline_in_days(days: int, clock: Clock, tz: ZoneInfo) -> datetime:
    return deadline_from_date(local_today(clock, tz) + timedelta(days=days), tz)


def parse_deadline(text: str, clock: Clock, tz: ZoneInfo) -> datetime:
    """A typed deadline: ДД.ММ (the next such day), ДД.ММ.ГГГГ, «сегодня»; never in the past."""
    today = local_today(clock, tz)
    try:
        day = parse_date(text, today)
    except DomainError:
        raise DomainError("forms.deadline.bad") from None
    stripped = text.strip().rstrip(".")
    if day < today and stripped.count(".") == 1:  # «15.01» typed in December means next January
        day = day.replace(year=day.year + 1)
    if day < today:
        raise DomainError("forms.deadline.past")
    if day > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise DomainError("forms.deadline.too_far")
    return deadline_from_date(day, tz)


def reminder_times(deadline: datetime, tz: ZoneInfo, now: datetime) -> tuple[datetime | None, datetime]:
    local = deadline.astimezone(tz)
    remind: datetime | None = datetime.combine(local.date() - timedelta(days=1), time(REMIND_HOUR),
                                               tzinfo=tz).astimezone(timezone.utc)
    if remind is not None and remind <= now + MIN_REMINDER_GAP:
        remind = None
    nudge = datetime.combine(local.date() + timedelta(days=1), time(REMIND_HOUR), tzinfo=tz).astimezone(timezone.utc)
    return remind, max(nudge, deadline + timedelta(hours=1))


# --- audiences ------------------------------------------------------------------------------------

EVENT_AUDIENCES = ("came", "signups")  # about one event: who came, who signed up
# The audience each built-in form is made for, offered first (a reflection goes to those who came).
MEANT_FOR = {"reflection": ("came", "signups"), "mentee_satisfaction": ("mentees",),
             "mentor_satisfaction": ("pair_mentors",), "joint_report": ("pair_mentors",),
             "entry": ("participants",), "final": ("participants",), "self_analysis": ("shnor", "schools")}


def available_audiences(form_code: str | None = None) -> list[str]:
    """The audiences the chat offers, the ones the form is made for first."""
    kinds = list(BASIC_AUDIENCES)
    kinds += [kind for kind in ("mentees", "pair_mentors") if audiences.has_kind(kind)]
    if hooks.has_event_choices():
        kinds += list(EVENT_AUDIENCES)
    kinds += ["links"] if hooks.has_link_members() else []
    meant = [kind for kind in MEANT_FOR.get(form_code or "", ()) if kind in kinds]
    return meant + [kind for kind in kinds if kind not in meant]


def meant_for(form_code: str | None) -> tuple[str, ...]:
    return MEANT_FOR.get(form_code or "", ())


def audience_spec(kind: str, *, school_ids: Sequence[int] = (), link_ids: Sequence[int] = (),
                  event_id: int = 0) -> dict[str, Any]:
    """The chat's audience choices as specs."""
    if kind == "came":
        return {"kind": "event", "event_id": event_id}
    if kind == "signups":
        return {"kind": "signups", "event_id": event_id}
    if kind == "shnor":
        return {"kind": "school_status", "statuses": ["shnor"]}
    if kind == "schools":
        return {"kind": "schools", "school_ids": sorted(set(school_ids))}
    if kind == "links":
        return {"kind": "links", **({"link_ids": sorted(set(link_ids))} if link_ids else {})}
    return {"kind": kind}


def normalize_audience(spec: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if isinstance(spec, str):
        spec = {"kind": spec}
    kind = (spec or {}).get("kind")
    if spec is not None and kind == "event" and not hooks.has_event_attendees():
        return audiences.normalize(spec)  # the events feature may have registered an audience kind instead
    if spec is not None and kind == "event":
        return {"kind": "event", "event_id": int(spec["event_id"])}
    if spec is not None and kind == "links":
        ids = sorted({int(i) for i in spec.get("link_ids") or []})
        return {"kind": "links", **({"link_ids": ids} if ids else {})}
    if spec is not None and kind == "signups":
        return {"kind": "signups", "event_id": int(spec["event_id"])}
    if spec is not None and kind == "users":
        return {"kind": "users", "user_ids": sorted({int(i) for i in spec.get("user_ids") or []})}
    return audiences.normalize(spec)


async def _audience_ids(session: AsyncSession, network_id: int, spec: dict[str, Any]) -> list[int]:
    kind = spec["kind"]
    if kind == "event" and hooks.has_event_attendees():
        return await hooks.event_attendees(session, network_id, spec["event_id"]) or []
    if kind == "links":
        ids = await hooks.link_members(session, network_id, spec.get("link_ids"))
        if ids is None:
            raise DomainError("forms.audience.unavailable")
        return ids
    if kind == "users":
        return list(spec["user_ids"])
    if kind == "signups":  # the events feature's audience: who signed up as going
        spec = {"kind": "event", "event_id": spec["event_id"]}
    reachable = await audiences.resolve(session, network_id, spec)
    unreachable = await audiences.unreachable_members(session, network_id, spec)
    return [r.user_id for r in reachable] + [u.id for u in unreachable]


async def members_by_ids(session: AsyncSession, network_id: int, user_ids: Iterable[int]) -> list[Member]:
    """Active, not forgotten members of the network among `user_ids`, each once, by id."""
    ids = sorted(set(user_ids))
    found: list[Member] = []
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        stmt = (select(User.id, User.messenger_id, User.is_reachable, User.language)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.network_id == network_id, Membership.is_active.is_(True),
                       User.forgotten_at.is_(None), User.id.in_(chunk))
                .order_by(User.id))
        found += [Member(uid, tg, bool(ok), lang or "ru") for uid, tg, ok, lang in (await session.execute(stmt)).all()]
    return found


async def audience_members(session: AsyncSession, network_id: int,
                           spec: Mapping[str, Any] | str | None) -> tuple[dict[str, Any], list[Member]]:
    normalized = normalize_audience(spec)
    return normalized, await members_by_ids(session, network_id, await _audience_ids(session, network_id, normalized))


@dataclass(frozen=True)
class Preview:
    reachable: int
    unreachable: int


async def preview(session: AsyncSession, network_id: int, spec: Mapping[str, Any] | str | None) -> Preview:
    _, members = await audience_members(session, network_id, spec)
    reachable = sum(1 for m in members if m.can_receive)
    return Preview(reachable, len(members) - reachable)


# --- sending --------------------------------------------------------------------------------------

def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def _add_responses(session: AsyncSession, request_id: int, user_ids: Sequence[int],
                         now: datetime) -> set[int]:
    """Response rows for people not asked yet; returns who was added."""
    table = FormResponse.__table__
    stmt = (_insert(session)(table).on_conflict_do_nothing(index_elements=["request_id", "user_id"])
            .returning(table.c.user_id))
    added: set[int] = set()
    for start in range(0, len(user_ids), ID_CHUNK):
        rows = [{"request_id": request_id, "user_id": uid, "answers": {}, "step": 0, "reviewing": False,
                 "created_at": now} for uid in user_ids[start:start + ID_CHUNK]]
        added.update(uid for (uid,) in (await session.execute(stmt, rows)).all())
    return added


def _outbox_rows(request: FormRequest, members: Sequence[Member], *, tz: ZoneInfo, questions: int,
                 now: datetime, first: str, event: str | None) -> Iterator[dict[str, Any]]:
    remind_at, nudge_at = reminder_times(request.deadline, tz, now)
    cache: dict[tuple[str, str], dict[str, Any]] = {}

    def body(kind: str, language: str) -> dict[str, Any]:
        if (kind, language) not in cache:
            cache[kind, language] = messages.payload(kind, language=language, request_id=request.id,
                                                     title=request.title, deadline=request.deadline, tz=tz,
                                                     questions=questions, event=event)
        return cache[kind, language]

    for member in members:
        if not member.can_receive:
            continue
        base = {"chat_id": member.messenger_id, "user_id": member.user_id, "network_id": request.network_id}
        key = f"form:{request.id}:user:{member.user_id}"
        yield {**base, "payload": body(first, member.language), "kind": "form_request", "dedupe_key": key}
        if remind_at is not None:
            yield {**base, "payload": body("remind", member.language), "kind": "reminder",
                   "dedupe_key": f"{key}:remind", "not_before": remind_at, "expires_at": request.deadline,
                   "topic": "form_reminders"}
        yield {**base, "payload": body("nudge", member.language), "kind": "nudge", "dedupe_key": f"{key}:nudge",
               "not_before": nudge_at, "expires_at": nudge_at + NUDGE_LIFETIME, "topic": "form_reminders"}


async def _deliver_to(session: AsyncSession, request: FormRequest, form: Form, network: Network,
                      members: Sequence[Member], clock: Clock, *, first: str = "new",
                      event: str | None = None) -> None:
    now = clock.now()
    added = await _add_responses(session, request.id, [m.user_id for m in members], now)
    rows = _outbox_rows(request, members, tz=network_tz(network), questions=len(definition_of(form)), now=now,
                        first=first, event=event)
    await outbox.enqueue_many(session, rows, clock=clock)
    request.total = int(await session.scalar(
        select(func.count()).select_from(FormResponse).where(FormResponse.request_id == request.id)) or 0)
    request.skipped += sum(1 for m in members if m.user_id in added and not m.can_receive)


async def create_request(session: AsyncSession, *, network: Network, form: Form,
                         audience: Mapping[str, Any] | str | None, deadline: datetime, clock: Clock,
                         created_by: User | None = None, title: str | None = None, event_id: int | None = None,
                         link_id: int | None = None) -> FormRequest:
    """Send `form` to `audience` in `network` until `deadline` (aware). Everything lands in the caller's
    transaction: the request, a response row per person, and the outbox rows."""
    if form.is_archived or (form.network_id is not None and form.network_id != network.id):
        raise DomainError("forms.not_found")
    if deadline.tzinfo is None:
        raise ValueError("deadline must be an aware datetime")
    if deadline <= clock.now():
        raise DomainError("forms.deadline.past")
    spec, members = await audience_members(session, network.id, audience)
    if not members:
        raise DomainError("forms.audience.empty")
    request = FormRequest(network_id=network.id, form_id=form.id, title=(title or form.title)[:255], audience=spec,
                          deadline=deadline, event_id=event_id, link_id=link_id,
                          created_by_id=created_by.id if created_by else None, status=OPEN, total=0, skipped=0,
                          created_at=clock.now())
    session.add(request)
    await session.flush()
    await _deliver_to(session, request, form, network, members, clock)
    return request


async def send_reflection_for_event(session: AsyncSession, event_id: int, user_ids: Iterable[int], clock: Clock, *,
                                    network_id: int | None = None, title: str | None = None,
                                    ends_at: datetime | None = None) -> FormRequest | None:
    """The reflection form to the people of a finished event (attendees, or sign-ups where attendance isn't
    kept). Idempotent: calling again adds only people who weren't asked yet. `network_id`/`title`/`ends_at`
    default to what the events feature's `hooks.provide_event_info` says. Returns None if nobody fits."""
    if network_id is None or title is None:
        info = await hooks.event_info(session, event_id)
        if info is None:
            raise DomainError("forms.reflection.no_event", id=event_id)
        network_id = network_id if network_id is not None else info.network_id
        title = title or info.title
        ends_at = ends_at or info.ends_at
    network = await session.get(Network, network_id)
    if network is None:
        raise DomainError("forms.reflection.no_event", id=event_id)
    members = await members_by_ids(session, network.id, user_ids)
    if not members:
        return None
    form = await ensure_template(session, "reflection")
    reflection_forms = select(Form.id).where(Form.network_id.is_(None), Form.code == "reflection")
    request = await session.scalar(
        select(FormRequest).where(FormRequest.network_id == network.id, FormRequest.event_id == event_id,
                                  FormRequest.form_id.in_(reflection_forms))
        .order_by(FormRequest.id).limit(1))
    if request is not None and request.status != OPEN:
        return request
    if request is None:
        tz = network_tz(network)
        start = (ends_at or clock.now()).astimezone(tz).date()
        request = FormRequest(network_id=network.id, form_id=form.id, title=f"{form.title}: {title}"[:255],
                              audience={"kind": "event", "event_id": int(event_id)},
                              deadline=deadline_from_date(start + timedelta(days=REFLECTION_DAYS), tz),
                              event_id=event_id, status=OPEN, total=0, skipped=0, created_at=clock.now())
        session.add(request)
        await session.flush()
        form_of_request = form
    else:
        form_of_request = await session.get(Form, request.form_id) or form
    await _deliver_to(session, request, form_of_request, network, members, clock, first="reflection", event=title)
    return request


async def close_request(session: AsyncSession, request: FormRequest, clock: Clock) -> int:
    """Stop taking answers; pending messages of the request are cancelled. Returns how many."""
    if request.status == OPEN:
        request.status = FormRequestStatus.CLOSED.value
        request.closed_at = clock.now()
    return await outbox.cancel_by_prefix(session, f"form:{request.id}:user:", now=clock.now())


async def request_for_network(session: AsyncSession, request_id: int, network_id: int) -> FormRequest:
    request = await session.get(FormRequest, request_id)
    if request is None or request.network_id != network_id:
        raise DomainError("forms.request.not_found")
    return request


async def remind_unanswered(session: AsyncSession, request: FormRequest, clock: Clock) -> tuple[int, int]:
    """Queues a reminder to exactly those asked who have not sent their answers (and can be reached).
    One such reminder per person per day: a second tap the same day queues nothing new.
    Returns (queued now, not answered in all)."""
    if request.status != OPEN:
        raise DomainError("forms.board.remind_closed")
    network = await session.get(Network, request.network_id)
    tz = network_tz(network)
    waiting = list((await session.scalars(select(FormResponse.user_id).where(
        FormResponse.request_id == request.id, FormResponse.submitted_at.is_(None)))).all())
    members = await members_by_ids(session, request.network_id, waiting)
    form = await session.get(Form, request.form_id)
    questions = len(definition_of(form)) if form is not None else 0
    day = clock.now().astimezone(tz).date().isoformat()
    cache: dict[str, dict[str, Any]] = {}

    def body(language: str) -> dict[str, Any]:
        if language not in cache:
            cache[language] = messages.payload("remind", language=language, request_id=request.id,
                                               title=request.title, deadline=request.deadline, tz=tz,
                                               questions=questions)
        return cache[language]

    rows = [{"chat_id": m.messenger_id, "user_id": m.user_id, "network_id": request.network_id,
             "payload": body(m.language), "kind": "reminder", "topic": "form_reminders",
             "dedupe_key": f"form:{request.id}:user:{m.user_id}:asked:{day}"}
            for m in members if m.can_receive]
    queued = await outbox.enqueue_many(session, rows, clock=clock)
    return queued, len(waiting)
