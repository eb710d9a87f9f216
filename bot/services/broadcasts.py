"""Broadcasts: one message to an audience, delivered through the outbox with progress and a report.

    create_broadcast      resolve the audience, one outbox row per reachable person (quiet hours apply
                          unless the coordinator chose «сейчас»)
    broadcast_progress    sent / total / failed / unreachable / pending, ETA, held until (quiet hours)
    cancel_broadcast      what has not gone out is cancelled
    refresh_statuses      queued → sending → done (run by the delivery runtime)
    watched               broadcasts whose live progress message needs an edit or a final report
    unreached_report      who was not reached and why; `report_xlsx` makes the coordinator's file
    history               a page of past broadcasts
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import audiences, outbox
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.pagination import Page, paginate
from bot.services.xlsx import table_xlsx
from db.models.core import Membership, Network, School, User
from db.models.outbox import Broadcast, BroadcastStatus, OutboxMessage, OutboxStatus, Priority

OPEN_STATUSES = (BroadcastStatus.QUEUED.value, BroadcastStatus.SENDING.value)


def dedupe_key(broadcast_id: int, user_id: int) -> str:
    return f"broadcast:{broadcast_id}:user:{user_id}"


def report_key(broadcast_id: int, resumed: int = 0) -> str:
    """The outbox row with the final report to the coordinator; its existence means «reported». A broadcast
    stopped and then resumed reports again when the rest has gone out (one report per round)."""
    return f"broadcast:{broadcast_id}:report" + (f":{resumed}" if resumed else "")


def _summary(payload: Mapping[str, Any]) -> str | None:
    text = payload.get("text") or payload.get("caption") or payload.get("summary")
    if not text:
        return None
    text = " ".join(str(text).split())
    return text if len(text) <= 200 else text[:199] + "…"


async def create_broadcast(session: AsyncSession, network: Network, payload: Mapping[str, Any],
                           audience: Mapping[str, Any] | str | None, created_by: User | None, clock: Clock, *,
                           kind: str = "broadcast", priority: int = Priority.BULK,
                           not_before: datetime | None = None, progress_chat_id: int | None = None,
                           progress_message_id: int | None = None,
                           ignore_quiet_hours: bool = False) -> tuple[Broadcast, int]:
    """Queue `payload` for every reachable member of `audience` (one outbox row each), in the caller's
    transaction. Returns the broadcast and the number of recipients.

    Broadcasts are never muted. During the network's quiet hours the rows wait for the morning unless
    `ignore_quiet_hours` (the coordinator pressed «Отправить сейчас»; the operator CLI by default)."""
    spec = audiences.normalize(audience)
    now = clock.now()
    broadcast = Broadcast(network_id=network.id, created_by_id=created_by.id if created_by else None,
                          kind=kind, audience=spec, payload=dict(payload), summary=_summary(payload),
                          status=BroadcastStatus.QUEUED.value, progress_chat_id=progress_chat_id,
                          progress_message_id=progress_message_id, created_at=now)
    session.add(broadcast)
    await session.flush()
    recipients = await audiences.resolve(session, network.id, spec)
    size = await audiences.size(session, network.id, spec)
    rows = ({"chat_id": r.messenger_id, "user_id": r.user_id, "network_id": network.id, "payload": payload,
             "kind": kind, "priority": priority, "not_before": not_before, "broadcast_id": broadcast.id,
             "dedupe_key": dedupe_key(broadcast.id, r.user_id),
             "quiet_hours": False if ignore_quiet_hours else None} for r in recipients)
    total = await outbox.enqueue_many(session, rows, clock=clock)
    broadcast.total = total
    broadcast.skipped = size.unreachable
    if total == 0:
        broadcast.status = BroadcastStatus.DONE.value
        broadcast.finished_at = now
    await session.flush()
    return broadcast, total


async def get_broadcast(session: AsyncSession, broadcast_id: int, network_id: int | None = None) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or (network_id is not None and broadcast.network_id != network_id):
        raise DomainError("broadcast.not_found", id=broadcast_id)
    return broadcast


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    status: str
    total: int
    sent: int
    failed: int
    unreachable: int
    pending: int  # still to go: pending + on the wire
    cancelled: int
    skipped: int  # unreachable already when the broadcast was created
    eta_seconds: float | None  # None: finished, or nothing to estimate from
    held_until: datetime | None = None  # nothing is due before this (quiet hours, a scheduled start)
    ahead: int = 0  # other messages the sender takes before this broadcast's first one
    on_wire: int = 0  # claimed by the sender right now

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.unreachable + self.cancelled

    @property
    def attempted(self) -> int:
        """What really went out or was tried: a stopped broadcast's bar shows this, not the held-back rest."""
        return self.sent + self.failed + self.unreachable

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def sending(self) -> bool:
        """The sender is on it: something went out or is on the wire, or nothing else is queued in front."""
        return self.pending > 0 and self.held_until is None and (self.attempted > 0 or self.on_wire > 0
                                                                 or self.ahead == 0)

    @property
    def fraction(self) -> float:
        if self.total == 0:
            return 1.0
        return min(1.0, (self.attempted if self.cancelled else self.done) / self.total)

    def bar(self, width: int = 10) -> str:
        filled = round(self.fraction * width)
        return "▓" * filled + "░" * (width - filled)


async def _queue_position(session: AsyncSession, broadcast_id: int, now: datetime) -> tuple[int, int]:
    """(messages the sender takes before this broadcast's first due one, before its last due one) — in the
    claim order (priority, not_before, id), counting every due row, whoever it is for."""
    T = OutboxMessage
    ours = (T.broadcast_id == broadcast_id) & (T.status == OutboxStatus.PENDING.value) & (T.not_before <= now)
    key = (T.priority, T.not_before, T.id)
    first = (await session.execute(select(*key).where(ours).order_by(*key).limit(1))).first()
    last = (await session.execute(select(*key).where(ours).order_by(*(c.desc() for c in key)).limit(1))).first()
    if first is None or last is None:
        return 0, 0
    due = select(func.count()).select_from(T).where(T.status == OutboxStatus.PENDING.value, T.not_before <= now)
    ahead = await session.scalar(due.where(tuple_(*key) < tuple_(*first))) or 0
    through = await session.scalar(due.where(tuple_(*key) <= tuple_(*last))) or 0
    return int(ahead), int(through)


async def broadcast_progress(session: AsyncSession, broadcast_id: int, *, clock: Clock | None = None,
                             rate: float = 28.0) -> Progress:
    """Counts by outcome, and an honest ETA: the place of this broadcast's last message in the sender's queue
    (everything due ahead of it, other broadcasts and reminders too) at the limiter's pace of `rate` msg/s."""
    broadcast = await get_broadcast(session, broadcast_id)
    counts = await outbox.status_counts(session, broadcast_id=broadcast_id)
    on_wire = counts[OutboxStatus.SENDING.value]
    pending = counts[OutboxStatus.PENDING.value] + on_wire
    eta: float | None = None
    held_until: datetime | None = None
    ahead = 0
    if pending:
        position = pending
        wait = 0.0
        if clock is not None:
            now = clock.now()
            ahead, through = await _queue_position(session, broadcast_id, now)
            position = through + on_wire if through else pending
            if on_wire == 0 and through == 0:
                first = await session.scalar(select(func.min(OutboxMessage.not_before)).where(
                    OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == OutboxStatus.PENDING.value))
                if first is not None and first > now + timedelta(seconds=5):
                    held_until = first
                    wait = (first - now).total_seconds()
                    position = pending
        eta = wait + position / max(rate, 0.1)
    return Progress(broadcast_id=broadcast.id, status=broadcast.status, total=broadcast.total,
                    sent=counts[OutboxStatus.SENT.value], failed=counts[OutboxStatus.FAILED.value],
                    unreachable=counts[OutboxStatus.UNREACHABLE.value], pending=pending,
                    cancelled=counts[OutboxStatus.CANCELLED.value] + counts[OutboxStatus.MISSED.value],
                    skipped=broadcast.skipped, eta_seconds=eta, held_until=held_until, ahead=ahead,
                    on_wire=on_wire)


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, clock: Clock,
                           network_id: int | None = None) -> int:
    """Stop a broadcast: what has not gone out yet is cancelled. Returns how many messages were held back."""
    broadcast = await get_broadcast(session, broadcast_id, network_id)
    now = clock.now()
    cancelled = await outbox.cancel_broadcast(session, broadcast_id, now=now)
    if broadcast.status in OPEN_STATUSES or broadcast.status == BroadcastStatus.DRAFT.value:
        broadcast.status = BroadcastStatus.CANCELLED.value
        broadcast.finished_at = now
    await session.flush()
    return cancelled


async def resume_broadcast(session: AsyncSession, broadcast_id: int, clock: Clock,
                           network_id: int | None = None) -> int:
    """«Продолжить»: what a stop held back goes out after all (from now, at the usual pace); the broadcast is
    open again and reports once more at the end. Returns how many messages were put back in the queue."""
    broadcast = await get_broadcast(session, broadcast_id, network_id)
    if broadcast.status != BroadcastStatus.CANCELLED.value:
        raise DomainError("broadcast.resume.not_stopped", id=broadcast.id)
    now = clock.now()
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id,
                                    OutboxMessage.status == OutboxStatus.CANCELLED.value)
        .values(status=OutboxStatus.PENDING.value, not_before=now, last_error=None, claimed_at=None)
        .execution_options(synchronize_session=False))
    resumed = int(result.rowcount or 0)
    if resumed == 0:
        raise DomainError("broadcast.resume.nothing_left", id=broadcast.id)
    broadcast.status = BroadcastStatus.SENDING.value if broadcast.started_at else BroadcastStatus.QUEUED.value
    broadcast.finished_at = None
    broadcast.resumed = (broadcast.resumed or 0) + 1
    await session.flush()
    outbox.wake_sender(session)
    return resumed


async def resumable(session: AsyncSession, broadcast: Broadcast) -> int:
    """How many messages a stopped broadcast could still send with «Продолжить»."""
    if broadcast.status != BroadcastStatus.CANCELLED.value:
        return 0
    return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == OutboxStatus.CANCELLED.value)) or 0


async def refresh_statuses(session: AsyncSession, clock: Clock) -> list[int]:
    """queued → sending once something went out, → done when nothing is left. Returns ids just finished."""
    now = clock.now()
    finished: list[int] = []
    open_ = (await session.scalars(select(Broadcast).where(Broadcast.status.in_(OPEN_STATUSES)))).all()
    for broadcast in open_:
        counts = await outbox.status_counts(session, broadcast_id=broadcast.id)
        left = counts[OutboxStatus.PENDING.value] + counts[OutboxStatus.SENDING.value]
        touched = broadcast.total - left
        if left == 0:
            broadcast.status = BroadcastStatus.DONE.value
            broadcast.finished_at = now
            broadcast.started_at = broadcast.started_at or now
            finished.append(broadcast.id)
        elif touched > 0 and broadcast.status == BroadcastStatus.QUEUED.value:
            broadcast.status = BroadcastStatus.SENDING.value
            broadcast.started_at = now
    await session.flush()
    return finished


async def history(session: AsyncSession, network_id: int, page: int = 0, size: int = 8) -> Page[Broadcast]:
    stmt = (select(Broadcast).where(Broadcast.network_id == network_id)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()))
    return await paginate(session, stmt, page, size)


@dataclass(frozen=True)
class UnreachedRow:
    user_id: int | None
    full_name: str | None
    username: str | None
    school: str | None
    status: str  # failed, unreachable, cancelled, missed, pending, skipped
    reason: str | None
    platform: str | None = None  # the person's messenger ("telegram" | "max"), shown beside the name


NOT_REACHED = (OutboxStatus.FAILED.value, OutboxStatus.UNREACHABLE.value, OutboxStatus.CANCELLED.value,
               OutboxStatus.MISSED.value, OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


async def unreached_report(session: AsyncSession, broadcast_id: int,
                           network_id: int | None = None) -> list[UnreachedRow]:
    """Who did not get the broadcast, and why: rows that failed, plus audience members skipped as
    unreachable (they are not in the outbox). For the CSV/XLSX the coordinator downloads."""
    broadcast = await get_broadcast(session, broadcast_id, network_id)
    school_of = (select(School.name)
                 .join(Membership, Membership.school_id == School.id)
                 .where(Membership.user_id == User.id, Membership.network_id == broadcast.network_id)
                 .limit(1).scalar_subquery())
    stmt = (select(OutboxMessage.user_id, User.full_name, User.username, school_of, OutboxMessage.status,
                   OutboxMessage.last_error, OutboxMessage.platform)
            .outerjoin(User, User.id == OutboxMessage.user_id)
            .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status.in_(NOT_REACHED))
            .order_by(User.full_name, OutboxMessage.id))
    rows = [UnreachedRow(*row) for row in (await session.execute(stmt)).all()]
    if broadcast.skipped:
        seen = {row.user_id for row in rows}
        schools = dict((await session.execute(
            select(Membership.user_id, School.name).join(School, School.id == Membership.school_id)
            .where(Membership.network_id == broadcast.network_id))).all())
        for user in await audiences.unreachable_members(session, broadcast.network_id, broadcast.audience):
            if user.id in seen:
                continue
            reason = (user.unreachable_reason or "blocked") if user.messenger_id is not None else None
            rows.append(UnreachedRow(user.id, user.full_name, user.username, schools.get(user.id),
                                     "skipped", reason, user.platform))
    return rows


async def mark_progress_message(session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int) -> None:
    """Remember the message whose text shows live progress (edited by the edge every few seconds)."""
    await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id)
                          .values(progress_chat_id=chat_id, progress_message_id=message_id))


def reason_key(status: str, reason: str | None) -> str:
    """A row's outcome in plain words: the locale key under `broadcast.reasons.` (and `broadcast.advice.`).
    Telegram's own wording is English and technical, so it never reaches the coordinator; it stays in the
    outbox row and the log."""
    low = (reason or "").lower()
    if status in ("unreachable", "skipped"):
        if status == "skipped" and not reason:
            return "no_telegram"
        if "deactivated" in low or "not found" in low or "deleted" in low:
            return "deleted"
        return "blocked"
    if status == "failed":
        if "from another messenger" in low:
            return "other_messenger"
        if low.startswith(outbox.NOT_SERVED):
            platform = low.removeprefix(outbox.NOT_SERVED).strip()
            return f"off_{platform}" if platform in ("telegram", "max") else "rejected"
        if "copy not found" in low or "message to copy" in low or "message not found" in low:
            return "source_gone"
        if "parse entities" in low or "entity" in low:
            return "markup"
        if "too long" in low or "too big" in low or "too large" in low:
            return "too_big"
        if any(marker in low for marker in ("server", "timeout", "network", "disconnect", "connection",
                                            "bad gateway", "unavailable", "попыт")):
            return "network"
        return "rejected"
    if status in ("cancelled", "missed", "pending", "sending"):
        return status
    return "rejected"


async def failure_reasons(session: AsyncSession, broadcast_id: int) -> list[tuple[str, int]]:
    """Failed rows by reason in plain words (`broadcast.reasons.` keys), most frequent first."""
    stmt = (select(OutboxMessage.last_error, func.count()).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == OutboxStatus.FAILED.value)
        .group_by(OutboxMessage.last_error))
    counts: dict[str, int] = {}
    for reason, count in (await session.execute(stmt)).all():
        key = reason_key("failed", reason)
        counts[key] = counts.get(key, 0) + int(count)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


FINISHED_STATUSES = (BroadcastStatus.DONE.value, BroadcastStatus.CANCELLED.value)
WATCH_FINISHED_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Watched:
    broadcast: Broadcast
    finished: bool  # done or cancelled, and its final report not queued yet


async def watched(session: AsyncSession, now: datetime) -> list[Watched]:
    """Broadcasts with a live progress message: open ones (edit the progress), and finished ones whose
    final report has not been queued yet (one last edit, then the report)."""
    stmt = (select(Broadcast).where(Broadcast.progress_message_id.is_not(None), Broadcast.progress_chat_id.is_not(None))
            .where(Broadcast.status.in_(OPEN_STATUSES) | (Broadcast.status.in_(FINISHED_STATUSES)
                                                         & (Broadcast.finished_at >= now - WATCH_FINISHED_FOR)))
            .order_by(Broadcast.id))
    found = list((await session.scalars(stmt)).all())
    finished = [b for b in found if b.status in FINISHED_STATUSES]
    reported: set[str] = set()
    if finished:
        reported = set((await session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_([report_key(b.id, b.resumed or 0) for b in finished])))).all())
    return [Watched(b, b.status in FINISHED_STATUSES) for b in found
            if b.status not in FINISHED_STATUSES or report_key(b.id, b.resumed or 0) not in reported]


def report_xlsx(rows: Sequence[UnreachedRow], language: str = "ru", *, title: str | None = None) -> bytes:
    """The coordinator's file: who did not get the broadcast, why, in plain words, and what can be done.
    Written by the one XLSX writer, so a name like «=HYPERLINK(…)» stays text and a control character in
    a name becomes a space instead of breaking the file."""
    t = Translator(language)
    header = [t("broadcast.xlsx.name"), t("broadcast.xlsx.messenger"), t("broadcast.xlsx.username"),
              t("broadcast.xlsx.school"), t("broadcast.xlsx.status"), t("broadcast.xlsx.reason"),
              t("broadcast.xlsx.advice")]
    lines = []
    for row in rows:
        key = reason_key(row.status, row.reason)
        lines.append((row.full_name or t("broadcast.xlsx.no_name"),
                      t(f"messengers.{row.platform}") if row.platform else "",
                      f"@{row.username}" if row.username else "",
                      row.school or "", t(f"broadcast.xlsx.statuses.{row.status}"), t(f"broadcast.reasons.{key}"),
                      t(f"broadcast.advice.{key}")))
    buffer = io.BytesIO()
    table_xlsx(buffer, t("broadcast.xlsx.sheet"), header, lines, caption=title)
    return buffer.getvalue()
