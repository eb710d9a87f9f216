"""The outbox: one table for every proactive message (principle 2 of the design).

Enqueuers insert rows inside their own transaction (a message exists iff the change that caused it
was committed); a unique dedupe key makes enqueueing idempotent. The sender claims due rows in
priority order with a lease, sends them and marks the result. Everything here is plain SQL that
behaves the same on SQLite and PostgreSQL; nothing imports aiogram.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.messengers import PLATFORMS, TELEGRAM
from bot.services import quiet_hours as quiet
from bot.services.clock import Clock
from bot.services.preferences import is_muted
from db.models.core import Network, User
from db.models.outbox import OutboxMessage, OutboxStatus, Priority

log = logging.getLogger(__name__)

PENDING = OutboxStatus.PENDING.value
SENDING = OutboxStatus.SENDING.value
SENT = OutboxStatus.SENT.value
FAILED = OutboxStatus.FAILED.value
UNREACHABLE = OutboxStatus.UNREACHABLE.value
CANCELLED = OutboxStatus.CANCELLED.value
MISSED = OutboxStatus.MISSED.value
OPEN = (PENDING, SENDING)  # a row in one of these may still change

PRIORITY_BY_KIND: dict[str, int] = {
    "reply": Priority.PERSONAL,
    "notification": Priority.PERSONAL,
    "reminder": Priority.REMINDER,
    "nudge": Priority.REMINDER,
    "form_request": Priority.REMINDER,
    "deadline": Priority.REMINDER,
    "broadcast": Priority.BULK,
    "announcement": Priority.BULK,
}
PAYLOAD_TYPES = frozenset({"text", "copy", "document", "photo"})
MAX_ERROR = 500
ERASED = "erased"  # last_error of rows cancelled because their person erased their data

T = OutboxMessage


def default_priority(kind: str) -> int:
    return int(PRIORITY_BY_KIND.get(kind, Priority.PERSONAL))


# --- waking the sender --------------------------------------------------------------------------
# Enqueuers don't know the sender; the sender registers a waker and gets called after any commit
# that inserted outbox rows, so a personal notification doesn't wait for the next poll.

_wakers: list[Callable[[], None]] = []
_WAKE_FLAG = "outbox_wake"


def add_waker(callback: Callable[[], None]) -> None:
    if callback not in _wakers:
        _wakers.append(callback)


def remove_waker(callback: Callable[[], None]) -> None:
    if callback in _wakers:
        _wakers.remove(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_WAKE_FLAG, False):
        for callback in list(_wakers):
            try:
                callback()
            except Exception:  # noqa: BLE001 - a broken waker must not break a commit
                log.exception("outbox waker failed")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WAKE_FLAG, None)


def _note_enqueued(session: AsyncSession) -> None:
    session.info[_WAKE_FLAG] = True


def wake_sender(session: AsyncSession) -> None:
    """Rows made due by other means than enqueueing (a resumed broadcast) wake the sender at commit too."""
    _note_enqueued(session)


# --- enqueueing ---------------------------------------------------------------------------------


def _insert(session: AsyncSession) -> Callable[..., Any]:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"outbox: unsupported database {name!r}")


def _check_payload(payload: Mapping[str, Any]) -> None:
    kind = payload.get("type")
    if kind not in PAYLOAD_TYPES:
        raise ValueError(f"outbox payload type must be one of {sorted(PAYLOAD_TYPES)}, got {kind!r}")
    if kind == "text" and not payload.get("text"):
        raise ValueError("outbox text payload without text")
    if kind == "copy" and (payload.get("from_chat_id") is None or payload.get("message_id") is None):
        raise ValueError("outbox copy payload needs from_chat_id and message_id")


def _row(*, chat_id: int, payload: Mapping[str, Any], kind: str, dedupe_key: str, now: datetime,
         user_id: int | None = None, network_id: int | None = None, priority: int | None = None,
         not_before: datetime | None = None, expires_at: datetime | None = None,
         broadcast_id: int | None = None, quiet_hours: bool | None = None,
         topic: str | None = None, about_user_id: int | None = None,
         platform: str | None = None) -> dict[str, Any]:
    _check_payload(payload)
    if platform is not None and platform not in PLATFORMS:
        raise ValueError(f"outbox platform must be one of {PLATFORMS}, got {platform!r}")
    if platform is None and user_id is None:
        platform = TELEGRAM  # a chat without a person (a group) names its messenger; Telegram's by default
    if not dedupe_key or len(dedupe_key) > 255:
        raise ValueError("outbox dedupe_key must be 1–255 characters")
    return {
        "chat_id": int(chat_id), "payload": dict(payload), "kind": kind, "dedupe_key": dedupe_key,
        "user_id": user_id, "about_user_id": about_user_id, "network_id": network_id, "broadcast_id": broadcast_id,
        "platform": platform,
        "priority": default_priority(kind) if priority is None else int(priority),
        "not_before": not_before or now, "expires_at": expires_at,
        "status": PENDING, "attempts": 0, "created_at": now,
        _HOLD: _holdable(kind, quiet_hours, network_id), _TOPIC: topic if user_id is not None else None,
    }


# --- quiet hours and mutes, applied to every row at enqueue time ----------------------------------
# Two private keys ride along in a row dict until `_Policy.apply` has used them.
_HOLD = "_hold"
_TOPIC = "_topic"


def _holdable(kind: str, override: bool | None, network_id: int | None) -> bool:
    """Whether the network's quiet hours may move this row (only rows of a network have a night)."""
    return network_id is not None and quiet.held(kind, override)


class _Policy:
    """Moves held rows out of their network's quiet hours and drops rows whose person muted their topic.

    Networks and people are loaded once per enqueue call; the moved time is cached per
    (network, not_before), so a bulk enqueue of reminders costs a dict lookup per row.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.networks: dict[int, tuple[quiet.QuietHours, Any]] = {}
        self.moved: dict[tuple[int, datetime, datetime | None], datetime] = {}

    async def apply(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        await self._load_networks({r["network_id"] for r in rows if r[_HOLD]} - self.networks.keys())
        await self._route(rows)
        muted = await self._muted(rows)
        kept: list[dict[str, Any]] = []
        for row in rows:
            hold, topic = row.pop(_HOLD), row.pop(_TOPIC)
            if topic is not None and (row["user_id"], topic) in muted:
                continue
            if hold:
                row["not_before"] = self._hold(row["network_id"], row["not_before"], row["expires_at"])
            kept.append(row)
        return kept

    def _hold(self, network_id: int, not_before: datetime, expires_at: datetime | None) -> datetime:
        key = (network_id, not_before, expires_at)
        moved = self.moved.get(key)
        if moved is None:
            window = self.networks.get(network_id)
            moved = not_before if window is None else quiet.hold(not_before, window[0], window[1],
                                                                       expires_at=expires_at)
            if len(self.moved) < 100_000:
                self.moved[key] = moved
        return moved

    async def _load_networks(self, ids: set[int]) -> None:
        if not ids:
            return
        stmt = select(Network.id, Network.timezone, Network.settings).where(Network.id.in_(ids))
        for network_id, tz_name, settings in (await self.session.execute(stmt)).all():
            self.networks[network_id] = (quiet.of(settings), quiet.zone(tz_name))

    async def _route(self, rows: list[dict[str, Any]]) -> None:
        """Every row of a person goes by their messenger (the one account they have), whatever the caller knew."""
        wanted = {r["user_id"] for r in rows if r["user_id"] is not None}
        if not wanted:
            return
        stmt = select(User.id, User.platform).where(User.id.in_(wanted))
        platforms = dict((await self.session.execute(stmt)).all())
        for row in rows:
            if row["user_id"] is not None:
                row["platform"] = platforms.get(row["user_id"]) or row["platform"] or TELEGRAM

    async def _muted(self, rows: list[dict[str, Any]]) -> set[tuple[int, str]]:
        wanted = {r["user_id"] for r in rows if r[_TOPIC] is not None}
        if not wanted:
            return set()
        topics = {r[_TOPIC] for r in rows if r[_TOPIC] is not None}
        stmt = select(User.id, User.notification_prefs).where(User.id.in_(wanted))
        return {(uid, topic) for uid, prefs in (await self.session.execute(stmt)).all() for topic in topics
                if is_muted(prefs, topic)}


async def enqueue(session: AsyncSession, *, chat_id: int, payload: Mapping[str, Any], kind: str,
                  dedupe_key: str, clock: Clock, user_id: int | None = None, network_id: int | None = None,
                  priority: int | None = None, not_before: datetime | None = None,
                  expires_at: datetime | None = None, broadcast_id: int | None = None,
                  quiet_hours: bool | None = None, topic: str | None = None,
                  about_user_id: int | None = None, platform: str | None = None) -> OutboxMessage | None:
    """Queue one message in the caller's transaction. Returns None if `dedupe_key` is already queued
    (or the person muted `topic`).

    Rows of a network whose kind is held (reminders, nudges, announcements, broadcasts, form requests)
    and whose `not_before` falls in the network's quiet hours are moved to the end of the window;
    `quiet_hours=False` sends regardless (a coordinator's «сейчас»), `True` holds any kind. With
    `topic` (one of `preferences.MUTABLE_TOPICS`) the row is skipped if the person muted that topic.
    `about_user_id`: the person the message names (a request, a question, a comment) — erasing them cancels it.
    `platform`: the messenger of a chat without a person (a group); a person's row goes by their messenger.
    """
    rows = await _Policy(session).apply([_row(
        chat_id=chat_id, payload=payload, kind=kind, dedupe_key=dedupe_key, now=clock.now(), user_id=user_id,
        network_id=network_id, priority=priority, not_before=not_before, expires_at=expires_at,
        broadcast_id=broadcast_id, quiet_hours=quiet_hours, topic=topic, about_user_id=about_user_id,
        platform=platform)])
    if not rows:
        return None
    values = rows[0]
    stmt = (_insert(session)(OutboxMessage).values(values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage))
    row = (await session.scalars(stmt)).first()
    if row is not None:
        _note_enqueued(session)
    return row


async def enqueue_many(session: AsyncSession, rows: Iterable[Mapping[str, Any]], *, clock: Clock,
                       chunk: int = 2000) -> int:
    """Queue many messages at once (executemany). Each row takes `enqueue`'s keywords (quiet hours and
    mutes included). Returns how many were new."""
    now = clock.now()
    table = OutboxMessage.__table__
    stmt = (_insert(session)(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id))
    policy = _Policy(session)
    inserted = 0
    batch: list[dict[str, Any]] = []

    async def flush() -> int:
        kept = await policy.apply(batch)
        return len((await session.execute(stmt, kept)).all()) if kept else 0

    for item in rows:
        batch.append(_row(now=now, **item))
        if len(batch) >= chunk:
            inserted += await flush()
            batch = []
    if batch:
        inserted += await flush()
    if inserted:
        _note_enqueued(session)
    return inserted


# --- claiming -----------------------------------------------------------------------------------


def _due(now: datetime, platform: str | None = None) -> Select[tuple[int]]:
    stmt = select(T.id).where(T.status == PENDING, T.not_before <= now)
    if platform is not None:
        stmt = stmt.where(T.platform == platform)
    return stmt.order_by(T.priority, T.not_before, T.id)


async def claim_batch(session: AsyncSession, worker_id: str, limit: int, now: datetime, *,
                      platform: str | None = None) -> list[OutboxMessage]:
    """Marks up to `limit` due rows `sending` with a lease for `worker_id` and returns them, most urgent first.
    `platform`: only rows for that messenger (each messenger's sender claims its own; None: any).

    PostgreSQL: the inner SELECT locks with FOR UPDATE SKIP LOCKED, so concurrent claimers never
    take the same row and never wait for each other. SQLite: the single UPDATE … RETURNING runs in
    one write transaction and SQLite serialises writers, which gives the same guarantee.
    """
    if limit <= 0:
        return []
    due = _due(now, platform).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A materialized CTE runs once. As `IN (subquery)` PostgreSQL may re-run the locking
        # subquery per row, and each re-run skips the rows it just took and picks new ones.
        picked = due.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        where = [T.id == picked.c.id]
    else:
        where = [T.id.in_(due.scalar_subquery())]
    stmt = (update(T).where(*where, T.status == PENDING)
            .values(status=SENDING, claimed_at=now, claimed_by=worker_id)
            .returning(T)
            .execution_options(synchronize_session=False, populate_existing=True))
    rows = list((await session.scalars(stmt)).all())
    rows = await _refuse_erased(session, rows)
    rows.sort(key=lambda r: (r.priority, r.not_before, r.id))
    return rows


async def _refuse_erased(session: AsyncSession, rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Rows to or about a person who has since erased their data are cancelled, never sent (whatever queued them)."""
    people = {r.user_id for r in rows if r.user_id is not None} | {r.about_user_id for r in rows
                                                                   if r.about_user_id is not None}
    if not people:
        return rows
    erased = set((await session.scalars(select(User.id).where(User.id.in_(people),
                                                              User.forgotten_at.is_not(None)))).all())
    if not erased:
        return rows
    refused = [r.id for r in rows if r.user_id in erased or r.about_user_id in erased]
    await session.execute(update(T).where(T.id.in_(refused)).values(status=CANCELLED, last_error=ERASED,
                                                                    claimed_at=None, claimed_by=None)
                          .execution_options(synchronize_session=False))
    return [r for r in rows if r.id not in refused]


async def recover_stale(session: AsyncSession, now: datetime, lease: timedelta, *,
                        exclude_worker: str | None = None) -> int:
    """Rows left `sending` longer than `lease` (their sender died) go back to pending.

    A row that was on the wire when its sender died may therefore go out twice; nothing is lost.
    `exclude_worker` keeps the caller's own in-flight rows (they are not stale, only slow).
    """
    stmt = (update(T).where(T.status == SENDING, T.claimed_at <= now - lease)
            .values(status=PENDING, claimed_at=None, claimed_by=None)
            .execution_options(synchronize_session=False))
    if exclude_worker is not None:
        stmt = stmt.where(or_(T.claimed_by.is_(None), T.claimed_by != exclude_worker))
    result = await session.execute(stmt)
    return int(result.rowcount or 0)


async def release(session: AsyncSession, ids: Iterable[int], worker_id: str) -> int:
    """Give claimed rows that were never sent back to pending (a graceful stop)."""
    ids = list(ids)
    if not ids:
        return 0
    result = await session.execute(
        update(T).where(T.id.in_(ids), T.status == SENDING, T.claimed_by == worker_id)
        .values(status=PENDING, claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


NOT_SERVED = "messenger not served: "  # last_error prefix of rows whose messenger this deployment doesn't run


async def fail_unserved(session: AsyncSession, served: Iterable[str], now: datetime) -> int:
    """Due rows for a messenger this deployment does not run (its token is not set) fail with a clear reason,
    so broadcasts finish and their report says why; rows due later wait (the messenger may be back by then)."""
    served = list(served)
    total = 0
    for platform in PLATFORMS:
        if platform in served:
            continue
        result = await session.execute(
            update(T).where(T.status == PENDING, T.platform == platform, T.not_before <= now)
            .values(status=FAILED, last_error=NOT_SERVED + platform, claimed_at=None, claimed_by=None)
            .execution_options(synchronize_session=False))
        total += int(result.rowcount or 0)
    return total


# --- results ------------------------------------------------------------------------------------


def _reason(text: str | None) -> str | None:
    return text[:MAX_ERROR] if text else text


async def _set(session: AsyncSession, row_id: int, statuses: tuple[str, ...], **values: Any) -> bool:
    result = await session.execute(
        update(T).where(T.id == row_id, T.status.in_(statuses)).values(**values)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)


async def mark_sent(session: AsyncSession, row_id: int, *, now: datetime, message_id: int | None = None,
                    attempts: int | None = None) -> bool:
    # A message that really went out is sent, even if it was cancelled while on the wire.
    values: dict[str, Any] = {"status": SENT, "sent_at": now, "telegram_message_id": message_id,
                              "claimed_at": None, "last_error": None}
    if attempts is not None:
        values["attempts"] = attempts
    return await _set(session, row_id, (PENDING, SENDING, CANCELLED), **values)


async def mark_failed(session: AsyncSession, row_id: int, *, now: datetime, reason: str,
                      attempts: int | None = None) -> bool:
    values: dict[str, Any] = {"status": FAILED, "last_error": _reason(reason), "claimed_at": None}
    if attempts is not None:
        values["attempts"] = attempts
    return await _set(session, row_id, OPEN, **values)


async def mark_missed(session: AsyncSession, row_id: int, *, now: datetime, reason: str = "expired") -> bool:
    return await _set(session, row_id, OPEN, status=MISSED, last_error=_reason(reason), claimed_at=None)


async def mark_unreachable(session: AsyncSession, row_id: int, *, now: datetime, reason: str,
                           chat_id: int | None = None, user_id: int | None = None,
                           platform: str = TELEGRAM) -> bool:
    """The row failed for good and its person is flagged unreachable (skipped by later audiences)."""
    changed = await _set(session, row_id, OPEN, status=UNREACHABLE, last_error=_reason(reason), claimed_at=None)
    await set_user_reachable(session, reachable=False, now=now, reason=reason, user_id=user_id,
                             messenger_id=chat_id if user_id is None else None, platform=platform)
    return changed


def backoff_delay(attempt: int, *, base: float = 2.0, cap: float = 300.0,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


async def mark_retry(session: AsyncSession, row_id: int, *, now: datetime, delay: float, reason: str,
                     attempts: int | None = None) -> bool:
    """Back to pending, due after `delay` seconds. `attempts`: the new count (None: unchanged, e.g. after 429)."""
    values: dict[str, Any] = {"status": PENDING, "not_before": now + timedelta(seconds=max(0.0, delay)),
                              "last_error": _reason(reason), "claimed_at": None, "claimed_by": None}
    if attempts is not None:
        values["attempts"] = attempts
    return await _set(session, row_id, OPEN, **values)


# --- people -------------------------------------------------------------------------------------


async def set_user_reachable(session: AsyncSession, *, reachable: bool, now: datetime, reason: str | None = None,
                             user_id: int | None = None, messenger_id: int | None = None,
                             platform: str = TELEGRAM) -> bool:
    """By the person's id, or by their account (`platform` + `messenger_id`)."""
    if user_id is None and messenger_id is None:
        return False
    where = (User.id == user_id if user_id is not None
             else and_(User.platform == platform, User.messenger_id == messenger_id))
    if reachable:
        values: dict[str, Any] = {"is_reachable": True, "unreachable_since": None, "unreachable_reason": None}
        stmt = update(User).where(where, User.is_reachable.is_(False))
    else:
        values = {"is_reachable": False, "unreachable_since": now,
                  "unreachable_reason": (reason or "")[:255] or None}
        stmt = update(User).where(where, User.is_reachable.is_(True))
    result = await session.execute(stmt.values(**values).execution_options(synchronize_session="fetch"))
    return bool(result.rowcount)


async def mark_reachable(session: AsyncSession, platform: str, messenger_id: int, *, clock: Clock,
                         reachable: bool = True, reason: str | None = None) -> bool:
    """For `my_chat_member` / `bot_stopped`: the person (re)started the bot on `platform` → reachable; blocked
    or left → unreachable. Their namesake by number on the other messenger is somebody else."""
    return await set_user_reachable(session, reachable=reachable, now=clock.now(), messenger_id=messenger_id,
                                    platform=platform, reason=reason or (None if reachable else "bot blocked"))


# --- broadcasts and reports ---------------------------------------------------------------------


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, *, now: datetime) -> int:
    """Pending rows of the broadcast are cancelled; rows already on the wire finish."""
    result = await session.execute(
        update(T).where(T.broadcast_id == broadcast_id, T.status == PENDING)
        .values(status=CANCELLED, last_error="cancelled", claimed_at=None)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


async def cancel_by_prefix(session: AsyncSession, prefix: str, *, now: datetime) -> int:
    """Cancel pending rows whose dedupe key starts with `prefix` (e.g. the reminders of a moved event)."""
    return await cancel_keyed(session, pattern=prefix.replace("*", "") + "*")


def _like(pattern: str) -> str:
    """A LIKE pattern from a key pattern whose only wildcard is `*` (keys themselves hold `_` and `%`-free text)."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _keyed(*, keys: Iterable[str] | None, pattern: str | None, network_id: int | None,
           kind: str | None) -> list[Any]:
    conditions: list[Any] = []
    if keys is not None:
        conditions.append(T.dedupe_key.in_(list(keys)))
    if pattern is not None:
        conditions.append(T.dedupe_key.like(_like(pattern), escape="\\"))
    if network_id is not None:
        conditions.append(T.network_id == network_id)
    if kind is not None:
        conditions.append(T.kind == kind)
    return conditions


async def cancel_keyed(session: AsyncSession, *, keys: Iterable[str] | None = None, pattern: str | None = None,
                       network_id: int | None = None, kind: str | None = None, reason: str = "cancelled") -> int:
    """Cancel pending rows by their keys or a key pattern (`*` matches anything): a declined sign-up,
    a dropped reminder offset. Rows already on the wire finish."""
    result = await session.execute(
        update(T).where(T.status == PENDING, *_keyed(keys=keys, pattern=pattern, network_id=network_id, kind=kind))
        .values(status=CANCELLED, last_error=reason, claimed_at=None)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


async def forget_cancelled(session: AsyncSession, *, keys: Iterable[str] | None = None, pattern: str | None = None,
                           network_id: int | None = None, kind: str | None = None) -> int:
    """Drop cancelled rows so their keys can be enqueued again (someone changed their mind back,
    an event moved back to a start it had before, an offset was chosen again)."""
    result = await session.execute(
        delete(T).where(T.status == CANCELLED, *_keyed(keys=keys, pattern=pattern, network_id=network_id, kind=kind))
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


async def status_counts(session: AsyncSession, *, broadcast_id: int | None = None) -> dict[str, int]:
    stmt = select(T.status, func.count()).group_by(T.status)
    if broadcast_id is not None:
        stmt = stmt.where(T.broadcast_id == broadcast_id)
    counts = {status.value: 0 for status in OutboxStatus}
    for status, count in (await session.execute(stmt)).all():
        counts[status] = int(count)
    return counts


async def sent_since(session: AsyncSession, since: datetime, *, broadcast_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(T).where(T.status == SENT, T.sent_at >= since)
    if broadcast_id is not None:
        stmt = stmt.where(T.broadcast_id == broadcast_id)
    return int(await session.scalar(stmt) or 0)
