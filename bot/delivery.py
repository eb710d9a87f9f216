"""The Telegram edge of delivery: the aiogram transport, the request middleware every Bot API call
passes, and the runtime the app starts and stops (`my_chat_member` lives in handlers/chat_member.py).

    runtime = setup_delivery({"telegram": bot, "max": max_bot}, sessionmaker, settings, clock)
    await runtime.start()                  # app start-up: leader election, sender loop, maintenance
    ...
    await runtime.stop()                   # app shut-down: unsent claims go back to pending
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BufferedInputFile,
    ForceReply,
    FSInputFile,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messengers import MAX, TELEGRAM, platform_of
from bot.services import broadcasts, outbox
from bot.services.clock import Clock
from bot.services.delivery_errors import Blocked, DeliveryError, Rejected, RetryAfter, Transient
from bot.services.ratelimit import REPLY_STANDING, Limits, RateLimiter
from bot.services.sender import Leadership, Sender, leadership_for, new_worker_id

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 20  # seconds; a send that hangs longer is retried (it may then go out twice)
REPLY_PRIORITY = -10  # answers to a person overtake every queued proactive message
FROM_OTHER_MESSENGER = "a file from another messenger"  # a copy that can't cross messengers (docs/messengers.md)

# 400s that mean the person is gone rather than the message being wrong.
GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated", "bot was blocked",
        "bot was kicked", "bot can't initiate conversation", "have no rights to send a message",
        "not enough rights to send")


# --- errors -------------------------------------------------------------------------------------


def classify(error: BaseException) -> DeliveryError:
    """aiogram's exceptions → the domain's. "chat not found" counts as blocked: the id came from the
    person's own updates, so the chat can only be gone (deleted account); `my_chat_member` brings
    them back if they return."""
    text = str(getattr(error, "message", "") or error)
    low = text.lower()
    if isinstance(error, TelegramRetryAfter):
        return RetryAfter(error.retry_after, text)
    if isinstance(error, TelegramForbiddenError):
        return Blocked(text)
    if isinstance(error, TelegramEntityTooLarge):  # a subclass of the network error, but final
        return Rejected(text)
    if isinstance(error, TelegramBadRequest) and any(marker in low for marker in GONE):
        return Blocked(text)
    if isinstance(error, (TelegramServerError, TelegramNetworkError, asyncio.TimeoutError, ConnectionError,
                          OSError, ClientDecodeError, TelegramUnauthorizedError, TelegramConflictError)):
        return Transient(text or type(error).__name__)
    if isinstance(error, (TelegramBadRequest, TelegramNotFound, TelegramMigrateToChat)):
        return Rejected(text)
    if isinstance(error, TelegramAPIError):
        return Rejected(text)
    return Transient(f"{type(error).__name__}: {text}")


# --- transport ----------------------------------------------------------------------------------


def _markup(data: Mapping[str, Any] | None) -> Any:
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.model_validate(data)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.model_validate(data)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.model_validate(data)
    if data.get("force_reply"):
        return ForceReply.model_validate(data)
    raise Rejected(f"unknown reply_markup {sorted(data)}")


def _input_file(payload: Mapping[str, Any], field: str) -> Any:
    """A Telegram file_id or URL (a string), a local path, or base64 data with a file name."""
    if payload.get("path"):
        return FSInputFile(payload["path"], filename=payload.get("filename"))
    if payload.get("data_b64"):
        return BufferedInputFile(base64.b64decode(payload["data_b64"]), filename=payload.get("filename") or field)
    value = payload.get("file_id") or payload.get("url") or payload.get(field)
    if not value:
        raise Rejected(f"{field} payload without a file")
    return value


def _text_format(payload: Mapping[str, Any], text_key: str, entities_key: str) -> dict[str, Any]:
    """Entities win over parse_mode; neither → the bot's default parse mode applies."""
    entities = payload.get("entities" if text_key == "text" else "caption_entities")
    if entities:
        return {entities_key: [MessageEntity.model_validate(e) for e in entities], "parse_mode": None}
    if "parse_mode" in payload:
        return {"parse_mode": payload["parse_mode"]}
    return {}


class AiogramTransport:
    """Sends outbox payloads with aiogram and turns its exceptions into delivery errors."""

    def __init__(self, bot: Bot, *, request_timeout: int = REQUEST_TIMEOUT) -> None:
        self.bot = bot
        self.platform = platform_of(bot)
        self.request_timeout = request_timeout

    async def send(self, chat_id: int, payload: Mapping[str, Any]) -> int:
        try:
            return await self._send(chat_id, payload)
        except DeliveryError:
            raise
        except (TelegramAPIError, ClientDecodeError, asyncio.TimeoutError, OSError) as error:
            raise classify(error) from error
        except (ValueError, TypeError) as error:  # a payload aiogram can't even build
            raise Rejected(f"{type(error).__name__}: {error}") from error

    async def _send(self, chat_id: int, payload: Mapping[str, Any]) -> int:
        kind = payload.get("type")
        common: dict[str, Any] = {"chat_id": chat_id, "reply_markup": _markup(payload.get("reply_markup")),
                                  "request_timeout": self.request_timeout}
        if payload.get("allow_paid_broadcast"):
            common["allow_paid_broadcast"] = True
        if payload.get("disable_notification"):
            common["disable_notification"] = True
        if payload.get("protect_content"):
            common["protect_content"] = True
        if kind == "text":
            extra = _text_format(payload, "text", "entities")
            if payload.get("disable_web_page_preview"):
                extra["link_preview_options"] = LinkPreviewOptions(is_disabled=True)
            message = await self.bot.send_message(text=payload["text"], **common, **extra)
            return message.message_id
        if kind == "copy" and payload.get("platform", self.platform) != self.platform:
            # Composed on the other messenger: its message can't be copied here; its portable form goes instead.
            portable = payload.get("portable")
            if not portable:
                raise Rejected(f"{FROM_OTHER_MESSENGER}: {payload.get('platform')}")
            return await self._send(chat_id, portable)
        if kind == "copy":
            extra = {}
            if "caption" in payload:
                extra = {"caption": payload["caption"], **_text_format(payload, "caption", "caption_entities")}
            result = await self.bot.copy_message(from_chat_id=payload["from_chat_id"],
                                                 message_id=payload["message_id"], **common, **extra)
            return result.message_id
        if kind in ("document", "photo"):
            extra = {}
            if payload.get("caption"):
                extra = {"caption": payload["caption"], **_text_format(payload, "caption", "caption_entities")}
            if kind == "document":
                message = await self.bot.send_document(document=_input_file(payload, "document"), **common, **extra)
            else:
                message = await self.bot.send_photo(photo=_input_file(payload, "photo"), **common, **extra)
            return message.message_id
        raise Rejected(f"unknown payload type {kind!r}")


# --- the request middleware ---------------------------------------------------------------------


def is_send_like(api_method: str) -> bool:
    """Calls that post or change a message count against Telegram's limits; the rest don't."""
    if api_method == "sendChatAction":
        return False
    return api_method.startswith(("send", "editMessage")) or api_method in (
        "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")


class LimiterMiddleware(BaseRequestMiddleware):
    """Every send-like Bot API call waits for the shared limiter (per chat + global); other calls
    (getUpdates, answerCallbackQuery, getMe…) pass untouched. A 429 from any call pauses everyone.

    A reply (a call the sender didn't pre-grant) that meets a 429 waits the pause out and tries again, a
    couple of times, when the wait is short: the person is waiting for that answer, and a handler that
    raised would leave them with nothing. The sender's own calls are retried by the sender, with its ledger.
    """

    REPLY_RETRIES = 2
    REPLY_MAX_WAIT = 15.0  # seconds; a longer flood wait fails the reply (the error handler answers kindly)

    def __init__(self, limiter: RateLimiter, *, priority: int = REPLY_PRIORITY) -> None:
        self.limiter = limiter
        self.priority = priority

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Any:
        limited = is_send_like(method.__api_method__)
        pregranted = limited and self.limiter.take_grant()
        chat_id = getattr(method, "chat_id", None)
        chat = chat_id if isinstance(chat_id, int) else None
        attempt = 0
        while True:
            if limited and not (pregranted and attempt == 0):
                await self.limiter.acquire(chat, priority=self.priority + REPLY_STANDING.get())
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                self.limiter.pause(error.retry_after)
                if pregranted or attempt >= self.REPLY_RETRIES or error.retry_after > self.REPLY_MAX_WAIT:
                    raise
                attempt += 1
                log.info("%s met a flood wait of %s s; trying again after it", method.__api_method__,
                         error.retry_after)
                if not limited:  # not paced by the limiter, so wait the pause out here
                    await asyncio.sleep(error.retry_after)


# --- runtime ------------------------------------------------------------------------------------


Tick = Callable[[AsyncSession], Awaitable[None]]


@dataclass
class DeliveryRuntime:
    """Leader election, the senders (one per messenger) and periodic maintenance, started and stopped with
    the app. Each messenger has its own sender, transport and limiter: a flood wait on MAX never holds up
    Telegram, and the other way round."""

    sessionmaker: async_sessionmaker[AsyncSession]
    senders: dict[str, Sender]
    limiters: dict[str, RateLimiter]
    leadership: Leadership
    clock: Clock
    lease: timedelta = timedelta(seconds=120)
    maintenance_interval: float = 3.0  # also how often live broadcast progress messages are edited
    standby_interval: float = 2.0
    ticks: list[Tick] = field(default_factory=list)  # extra maintenance, each in its own transaction
    is_leader: bool = False
    _task: asyncio.Task[None] | None = None
    _stopping: asyncio.Event | None = None

    @property
    def sender(self) -> Sender:
        """The first messenger's sender (Telegram's when it runs): all of them share one worker id."""
        return next(iter(self.senders.values()))

    @property
    def limiter(self) -> RateLimiter:
        return next(iter(self.limiters.values()))

    def wake(self) -> None:
        for sender in self.senders.values():
            sender.wake()

    def _stop_senders(self) -> None:
        for sender in self.senders.values():
            sender.stop()

    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = asyncio.Event()
        outbox.add_waker(self.wake)
        self._task = asyncio.create_task(self._supervise(), name="delivery")

    async def stop(self, timeout: float = 30.0) -> None:
        outbox.remove_waker(self.wake)
        if self._task is None:
            return
        assert self._stopping is not None
        self._stopping.set()
        self._stop_senders()
        try:
            await asyncio.wait_for(self._task, timeout=timeout)
        except asyncio.TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._task = None
        with contextlib.suppress(Exception):
            await self.leadership.release()

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless stopping; True if stopping."""
        assert self._stopping is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        return self._stopping.is_set()

    async def _supervise(self) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                leader = await self.leadership.acquire()
            except Exception:  # noqa: BLE001 - database down: try again
                log.exception("delivery: leader election failed")
                leader = False
            if not leader:
                if await self._pause(self.standby_interval):
                    break
                continue
            await self._lead()

    async def _lead(self) -> None:
        assert self._stopping is not None
        self.is_leader = True
        log.info("delivery: this instance sends the outbox (%s: %s)", self.sender.worker_id, ", ".join(self.senders))
        tasks: list[asyncio.Task[None]] = []
        try:
            # Whoever held the lock before us is gone: its claims are ours to retry now.
            recovered = await self.sender.recover(self.lease, everyone=True)
            if recovered:
                log.warning("delivery: %d claimed messages were not confirmed at the last stop; sending them again", recovered)
            tasks = [asyncio.create_task(sender.run(), name=f"outbox-sender-{platform}")
                     for platform, sender in self.senders.items()]
            while not self._stopping.is_set() and not any(task.done() for task in tasks):
                if await self._pause(self.maintenance_interval):
                    break
                if not await self.leadership.check():
                    log.warning("delivery: lost leadership; standing by")
                    break
                await self._maintain()
            for task in tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            log.exception("delivery: the sender stopped with an error; restarting")
            await self._pause(1.0)
        finally:
            self._stop_senders()
            for task in tasks:
                with contextlib.suppress(Exception):
                    await task
            self.is_leader = False

    async def _maintain(self) -> None:
        try:
            await self.sender.recover(self.lease)  # one worker id for every sender: one call covers them all
            async with self.sessionmaker.begin() as session:
                unserved = await outbox.fail_unserved(session, self.senders, self.clock.now())
                if unserved:
                    log.warning("delivery: %d messages are for a messenger this bot does not run; marked failed",
                                unserved)
                await broadcasts.refresh_statuses(session, self.clock)
        except Exception:  # noqa: BLE001 - maintenance is retried at the next tick
            log.exception("delivery: maintenance failed")
        # Ticks may call Telegram (progress edits): each gets its own short transaction, so a slow
        # answer never holds the write lock the sender's result writer needs.
        for tick in self.ticks:
            try:
                async with self.sessionmaker.begin() as session:
                    await tick(session)
            except Exception:  # noqa: BLE001
                log.exception("delivery: tick %s failed", getattr(tick, "__qualname__", tick))


MAX_GLOBAL_PER_SEC = 28.0  # MAX: about 30 requests a second in all; a little under, for safety
MAX_CHAT_PER_SEC = 2.0  # MAX: not more than two messages a second into one dialog


def limiter_for(platform: str, settings: Any) -> RateLimiter:
    """Telegram's limits from the settings; MAX's capped at its own (no paid broadcasts there)."""
    limits = Limits.from_settings(settings)
    if platform == MAX:
        limits = Limits(global_per_sec=min(limits.global_per_sec, MAX_GLOBAL_PER_SEC),
                        chat_per_sec=min(limits.chat_per_sec, MAX_CHAT_PER_SEC), chat_burst=2,
                        group_per_min=limits.group_per_min)
    return RateLimiter(limits)


def setup_delivery(bots: Bot | Mapping[str, Bot], sessionmaker: async_sessionmaker[AsyncSession], settings: Any,
                   clock: Clock, *, leadership: Leadership | None = None, worker_id: str | None = None,
                   progress: bool = True, **sender_options: Any) -> DeliveryRuntime:
    """Wire a limiter into each bot (every call passes it: replies and the outbox alike) and build the runtime
    the app starts: one sender per messenger, each claiming its own rows. `bots`: one bot, or the bots of the
    messengers this deployment runs by platform (`{"telegram": bot, "max": max_bot}`). Rows for a messenger
    not among them fail with a clear reason (`outbox.fail_unserved`).
    `progress`: edit live broadcast progress messages and send the final reports (the default)."""
    by_platform = dict(bots) if isinstance(bots, Mapping) else {platform_of(bots): bots}
    engine = sessionmaker.kw.get("bind")
    if leadership is None:
        leadership = leadership_for(engine) if engine is not None else None  # type: ignore[assignment]
    if leadership is None:
        from bot.services.sender import SoloLeadership

        leadership = SoloLeadership()
    worker_id = worker_id or new_worker_id()
    senders: dict[str, Sender] = {}
    limiters: dict[str, RateLimiter] = {}
    for platform, bot in by_platform.items():
        limiter = limiters[platform] = limiter_for(platform, settings)
        bot.session.middleware(LimiterMiddleware(limiter))
        senders[platform] = Sender(sessionmaker, AiogramTransport(bot), limiter, clock, worker_id,
                                   paid_bulk=bool(settings.allow_paid_broadcast) and platform == TELEGRAM,
                                   platform=platform, **sender_options)
    runtime = DeliveryRuntime(sessionmaker=sessionmaker, senders=senders, limiters=limiters,
                              leadership=leadership, clock=clock)
    if progress:
        from handlers.broadcasts import progress_tick

        runtime.ticks.append(progress_tick(by_platform, settings, clock))
    return runtime
