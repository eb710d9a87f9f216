"""The sender: drains the outbox under the rate limiter and records every result.

    claim (priority order, lease) → acquire a slot → transport.send → mark (group commit)

* Claims are small (about a second of traffic) and topped up as messages go out, so a personal
  notification queued during a broadcast waits for the next claim, not for the whole broadcast,
  and the limiter's priority heap puts it ahead of the bulk rows already waiting.
* Results are written by one writer task that commits whatever has piled up in one transaction,
  right away: the window in which a sent message is not yet marked `sent` (and would go out again
  after a crash) is a few milliseconds wide.
* Only one sender should run per database (see `Leadership`): the limiter is in-process, and the
  sender that holds the leadership is the only one that spends Telegram's budget on the outbox.

Nothing here imports aiogram; the transport is any object with `async send(chat_id, payload) -> int`.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.services import outbox
from bot.services.clock import Clock
from bot.services.delivery_errors import Blocked, DeliveryError, Rejected, RetryAfter, Transient
from bot.services.ratelimit import RateLimiter
from db.models.outbox import OutboxMessage, Priority

__all__ = [
    "Blocked", "DeliveryError", "Rejected", "RetryAfter", "Transient", "Transport", "Sender", "Outcome",
    "Leadership", "SoloLeadership", "FileLeadership", "AdvisoryLeadership", "leadership_for", "new_worker_id",
]

log = logging.getLogger(__name__)


class Transport(Protocol):
    async def send(self, chat_id: int, payload: Mapping[str, Any]) -> int:
        """Deliver one payload; return Telegram's message id or raise a DeliveryError."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Outcome:
    row_id: int
    status: str  # sent, failed, unreachable, retry, missed, released
    chat_id: int = 0
    user_id: int | None = None
    message_id: int | None = None
    reason: str | None = None
    delay: float = 0.0
    attempts: int | None = None  # the new attempt count, None: unchanged
    platform: str = "telegram"


class Sender:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], transport: Transport,
                 limiter: RateLimiter, clock: Clock, worker_id: str | None = None, *,
                 batch: int | None = None, concurrency: int | None = None, poll_interval: float = 0.5,
                 max_attempts: int = 5, backoff_base: float = 2.0, backoff_cap: float = 300.0,
                 paid_bulk: bool = False, rng: random.Random | None = None, stop_grace: float = 10.0,
                 platform: str | None = None) -> None:
        self.sessionmaker = sessionmaker
        # The messenger whose rows this sender claims (None: every row — one messenger, tests); each messenger
        # has its own sender, transport and limiter, so a flood wait on one never holds up the other.
        self.platform = platform
        self.transport = transport
        self.limiter = limiter
        self.clock = clock
        self.worker_id = worker_id or new_worker_id()
        # About one second of traffic per claim, two seconds in flight at most (paid bulk: at its rate).
        rate = max(limiter.global_rate, limiter.limits.paid_per_sec or 0) if paid_bulk else limiter.global_rate
        self.batch = batch or max(8, int(rate))
        self.concurrency = max(self.batch, concurrency or 2 * self.batch)
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.paid_bulk = paid_bulk
        self.rng = rng or random.Random()
        self.stop_grace = stop_grace
        self.sent_total = 0
        self.counts: dict[str, int] = {}
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._waiting: set[int] = set()  # claimed rows still waiting for the limiter
        self._results: asyncio.Queue[Outcome] | None = None
        self._kick: asyncio.Event | None = None
        self._stopping = False
        self._running = False

    # --- control -------------------------------------------------------------------------------

    def wake(self) -> None:
        """New rows were committed: claim now instead of at the next poll."""
        if self._kick is not None:
            self._kick.set()

    def stop(self) -> None:
        self._stopping = True
        self.wake()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    # --- one-shot draining (tests, CLI) ---------------------------------------------------------

    async def drain_once(self, limit: int | None = None) -> int:
        """Claim one batch, send it, record the results. Returns how many rows were handled."""
        rows = await self._claim(limit or self.batch)
        outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
        await self._apply(list(outcomes))
        return len(rows)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Repeat `drain_once` until nothing is due (tests)."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.drain_once()
            if not handled:
                break
            total += handled
        return total

    # --- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Send until `stop()`; then give back what was not sent and flush the results."""
        self._stopping = False
        self._running = True
        self._kick = asyncio.Event()
        self._results = asyncio.Queue()
        writer = asyncio.create_task(self._writer(), name="outbox-writer")
        try:
            while not self._stopping:
                room = self.concurrency - len(self._inflight)
                kicked = self._kick.is_set()
                self._kick.clear()
                claimed = 0
                if room >= max(1, self.batch // 2) or (kicked and room > 0):
                    try:
                        rows = await self._claim(min(room, self.batch))
                    except Exception:  # noqa: BLE001 - the database may be busy or restarting
                        log.exception("outbox claim failed; retrying")
                        rows = []
                        await asyncio.sleep(self.poll_interval)
                    for row in rows:
                        self._spawn(row)
                    claimed = len(rows)
                if claimed and claimed >= min(room, self.batch) and len(self._inflight) < self.concurrency:
                    continue  # there is probably more, and room for it
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), timeout=self.poll_interval)
        finally:
            await self._shutdown(writer)
            self._running = False

    def _spawn(self, row: OutboxMessage) -> None:
        task = asyncio.create_task(self._deliver_and_queue(row), name=f"outbox-{row.id}")
        self._inflight[row.id] = task

        def done(_: asyncio.Task[None], row_id: int = row.id) -> None:
            self._inflight.pop(row_id, None)
            if self._kick is not None and self.concurrency - len(self._inflight) >= max(1, self.batch // 2):
                self._kick.set()

        task.add_done_callback(done)

    async def _deliver_and_queue(self, row: OutboxMessage) -> None:
        assert self._results is not None
        try:
            outcome = await self._deliver(row)
        except asyncio.CancelledError:
            if row.id in self._waiting:  # never reached Telegram: give it back
                self._waiting.discard(row.id)
                self._results.put_nowait(Outcome(row.id, "released", chat_id=row.chat_id))
            raise  # on the wire: stays `sending`, recovered at the next start
        self._results.put_nowait(outcome)

    async def _shutdown(self, writer: asyncio.Task[None]) -> None:
        for row_id in list(self._waiting):
            task = self._inflight.get(row_id)
            if task is not None:
                task.cancel()
        pending = [task for task in self._inflight.values() if not task.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.stop_grace)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still, timeout=1)
        assert self._results is not None
        self._results.put_nowait(Outcome(0, "stop"))
        try:
            await asyncio.wait_for(writer, timeout=self.stop_grace + 5)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001
            log.exception("outbox writer did not finish; unmarked rows will be recovered at the next start")

    async def _writer(self) -> None:
        assert self._results is not None
        stop = False
        while not stop:
            batch = [await self._results.get()]
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            stop = any(item.status == "stop" for item in batch)
            batch = [item for item in batch if item.status != "stop"]
            delay = 0.05
            while batch:
                try:
                    await self._apply(batch)
                    break
                except Exception:  # noqa: BLE001 - keep the results until the database takes them
                    log.exception("outbox: recording %d results failed; retrying", len(batch))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)

    # --- steps ---------------------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[OutboxMessage]:
        async with self.sessionmaker.begin() as session:
            return await outbox.claim_batch(session, self.worker_id, limit, self.clock.now(), platform=self.platform)

    async def _deliver(self, row: OutboxMessage) -> Outcome:
        def out(status: str, **values: Any) -> Outcome:
            return Outcome(row.id, status, chat_id=row.chat_id, user_id=row.user_id, platform=row.platform, **values)

        if row.expires_at is not None and row.expires_at <= self.clock.now():
            return out("missed", reason="expired before it could be sent")
        bulk = row.priority >= Priority.BULK
        self._waiting.add(row.id)  # stays there if cancelled while waiting: the row is then given back
        await self.limiter.acquire(row.chat_id, priority=row.priority, bulk=bulk)
        self._waiting.discard(row.id)
        payload: Mapping[str, Any] = row.payload
        if bulk and self.paid_bulk:
            payload = {**payload, "allow_paid_broadcast": True}
        attempts = row.attempts + 1
        try:
            with self.limiter.granted():
                message_id = await self.transport.send(row.chat_id, payload)
        except RetryAfter as error:
            self.limiter.pause(error.seconds)
            return out("retry", delay=error.seconds, reason=error.reason or "flood control")
        except Blocked as error:
            return out("unreachable", reason=error.reason or "blocked", attempts=attempts)
        except Rejected as error:
            return out("failed", reason=error.reason or "rejected", attempts=attempts)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - Transient, or a bug in the transport: retry, bounded
            reason = error.reason if isinstance(error, Transient) else f"{type(error).__name__}: {error}"
            if not isinstance(error, Transient):
                log.warning("outbox %s: unexpected transport error %r", row.id, error)
            if attempts >= self.max_attempts:
                return out("failed", reason=f"{reason} (после {attempts} попыток)", attempts=attempts)
            delay = outbox.backoff_delay(attempts, base=self.backoff_base, cap=self.backoff_cap, rng=self.rng)
            return out("retry", delay=delay, reason=reason, attempts=attempts)
        return out("sent", message_id=message_id, attempts=attempts)

    async def _apply(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        now = self.clock.now()
        async with self.sessionmaker.begin() as session:
            released: list[int] = []
            for item in outcomes:
                if item.status == "sent":
                    await outbox.mark_sent(session, item.row_id, now=now, message_id=item.message_id,
                                           attempts=item.attempts)
                elif item.status == "retry":
                    await outbox.mark_retry(session, item.row_id, now=now, delay=item.delay,
                                            reason=item.reason or "", attempts=item.attempts)
                elif item.status == "failed":
                    await outbox.mark_failed(session, item.row_id, now=now, reason=item.reason or "",
                                             attempts=item.attempts)
                elif item.status == "unreachable":
                    await outbox.mark_unreachable(session, item.row_id, now=now, reason=item.reason or "",
                                                  chat_id=item.chat_id, user_id=item.user_id,
                                                  platform=item.platform)
                elif item.status == "missed":
                    await outbox.mark_missed(session, item.row_id, now=now, reason=item.reason or "expired")
                elif item.status == "released":
                    released.append(item.row_id)
            if released:
                await outbox.release(session, released, self.worker_id)
        for item in outcomes:
            self.counts[item.status] = self.counts.get(item.status, 0) + 1
            if item.status == "sent":
                self.sent_total += 1

    async def recover(self, lease: timedelta, *, everyone: bool = False) -> int:
        """Stale leases back to pending; `everyone`: every `sending` row (only the leader, at take-over)."""
        async with self.sessionmaker.begin() as session:
            return await outbox.recover_stale(session, self.clock.now(), timedelta(0) if everyone else lease,
                                              exclude_worker=None if everyone else self.worker_id)


# --- leadership: one sender per database ---------------------------------------------------------


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Try to become the sender; never blocks for long."""

    async def check(self) -> bool:
        """Still the sender? (False: the lock was lost — stop sending.)"""

    async def release(self) -> None: ...


class SoloLeadership:
    """One process, nothing to elect (in-memory databases, tests)."""

    async def acquire(self) -> bool:
        return True

    async def check(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLeadership:
    """SQLite: an exclusive `flock` on a file beside the database; the OS drops it when the process dies."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    async def check(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


def advisory_key(name: str = "setevoy-nastavnik:outbox-sender") -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLeadership:
    """PostgreSQL: a session-scoped `pg_try_advisory_lock` held on one dedicated connection.

    The lock lives as long as that connection: if the process dies (even SIGKILL) the server
    closes the connection and frees the lock, and a standby instance takes over at its next try.
    """

    def __init__(self, engine: AsyncEngine, key: int | None = None) -> None:
        self.engine = engine
        self.key = advisory_key() if key is None else key
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            return await self.check()
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}))
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def check(self) -> bool:
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - the connection is gone, and the lock with it
            log.warning("outbox: lost the sender lock's connection")
            with contextlib.suppress(Exception):
                await self._conn.invalidate()
            self._conn = None
            return False

    async def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            await self._conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        with contextlib.suppress(Exception):
            await self._conn.close()
        self._conn = None


def leadership_for(engine: AsyncEngine) -> Leadership:
    url = make_url(str(engine.url))
    backend = url.get_backend_name()
    if backend == "postgresql":
        return AdvisoryLeadership(engine)
    database = url.database
    if backend == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        return FileLeadership(Path(database).with_name(Path(database).name + ".sender.lock"))
    return SoloLeadership()
