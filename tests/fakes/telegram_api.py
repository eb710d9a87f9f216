"""Loopback fake of the Telegram Bot API for end-to-end tests and benchmarks.

aiogram talks to it exactly as to api.telegram.org::

    async with FakeTelegram() as fake:
        bot = fake.make_bot()          # AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        fake.push_update(fake.updates.command(42, "/start"))
        ...
        sent = await fake.wait_for(lambda s: s.chat_id == 42)

Responses use Telegram's envelope and status codes so that aiogram raises its
own exceptions (TelegramRetryAfter, TelegramForbiddenError, TelegramBadRequest,
TelegramServerError, TelegramNetworkError). Faults and limits can be driven
from Python or, when the bot runs as a separate process, over ``/_control/*``.

Run standalone: ``python -m tests.fakes.telegram_api --port 8081 [--no-limits]``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import random
import re
import signal
import socket
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Awaitable, Callable, Iterable

from aiohttp import BodyPartReader, ClientError, ClientSession, ClientTimeout, MultipartReader, web

from .formatting import EntityParseError, parse_text
from .limits import LimitConfig, RateLimiter, retry_after_seconds
from .updates import ADMIN_RIGHTS, DEFAULT_BOT_USER, RESTRICTED_RIGHTS, UpdateFactory, update_type

log = logging.getLogger("tests.fakes.telegram")

DEFAULT_TOKEN = "123456789:AAFakeTokenForNastavnikTests_0123456789"
DEFAULT_USERNAME = DEFAULT_BOT_USER["username"]
DEFAULT_FIRST_NAME = DEFAULT_BOT_USER["first_name"]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_UPLOAD = 50 * 1024 * 1024

# Update types Telegram withholds unless allowed_updates asks for them.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
CONFLICT_POLLING = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

# Form fields that must stay strings even when they look like numbers/JSON.
_TEXT_FIELDS = frozenset(
    "text caption parse_mode callback_query_id inline_message_id url secret_token file_id "
    "language_code action emoji title description short_description name question address "
    "first_name last_name phone_number vcard foursquare_id foursquare_type google_place_id "
    "google_place_type business_connection_id message_effect_id ip_address custom_emoji_id "
    "photo document voice audio video animation sticker video_note thumbnail certificate "
    "explanation payload provider_token currency start_parameter query".split()
)

# (params field, Message field, file_path folder, extension, default mime type)
_MEDIA_METHODS = {
    "sendPhoto": ("photo", "photos", "jpg", "image/jpeg"),
    "sendDocument": ("document", "documents", "", "application/octet-stream"),
    "sendVoice": ("voice", "voice", "oga", "audio/ogg"),
    "sendAudio": ("audio", "music", "mp3", "audio/mpeg"),
    "sendVideo": ("video", "videos", "mp4", "video/mp4"),
    "sendAnimation": ("animation", "animations", "mp4", "video/mp4"),
    "sendSticker": ("sticker", "stickers", "webp", "image/webp"),
    "sendVideoNote": ("video_note", "video_notes", "mp4", "video/mp4"),
}


class ApiError(Exception):
    """A Telegram error response. ``kind`` tells the stats which counter to bump."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None, kind: str = "") -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.kind = kind

    def to_body(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass(frozen=True)
class Sent:
    """One accepted send-like call (sendMessage, send*, copyMessage, forwardMessage, editMessage*).

    ``text``/``caption`` are the raw values the bot sent (HTML and all);
    ``result`` is the Message (or MessageId / True) the fake answered with,
    so ``plain_text`` is the text after entity parsing.
    """

    method: str
    chat_id: int | str | None
    text: str | None
    caption: str | None
    reply_markup: dict | None
    params: dict
    message_id: int | None
    ts: float
    seq: int = 0
    result: Any = None

    @property
    def plain_text(self) -> str | None:
        if isinstance(self.result, dict):
            return self.result.get("text", self.result.get("caption"))
        return self.text if self.text is not None else self.caption

    @property
    def buttons(self) -> list[dict]:
        """Inline buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b for row in rows for b in row]

    @property
    def button_texts(self) -> list[str]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Call:
    """Every Bot API request, whatever its outcome."""

    seq: int
    method: str
    params: dict
    ts: float
    bot_id: int
    via: str = "http"  # "http" or "webhook-reply"
    status: int = 0  # HTTP status answered; 0 while in flight
    description: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Stats:
    requests: int = 0
    sent: int = 0
    over_limit: int = 0
    flood_429: int = 0
    failed_500: int = 0
    blocked_403: int = 0
    dropped: int = 0
    bad_request_400: int = 0
    conflict_409: int = 0
    updates_pushed: int = 0
    updates_delivered: int = 0
    webhook_posts: int = 0
    webhook_errors: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class UploadedFile:
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass
class _Req:
    method: str  # canonical Telegram spelling
    params: dict
    files: dict[str, UploadedFile]
    token: str
    bot_id: int
    via: str = "http"
    drop: bool = False

    @property
    def send_like(self) -> bool:
        return is_send_like(self.method)


def is_send_like(method: str) -> bool:
    """Methods that post or change a message: they are limited, faulted and recorded."""
    if method == "sendChatAction":
        return False  # typing indicators are neither messages nor worth a ledger entry
    return method.startswith(("send", "editMessage")) or method in (
        "copyMessage",
        "forwardMessage",
        "copyMessages",
        "forwardMessages",
    )


def _decode_field(key: str, value: Any) -> Any:
    """Form bodies carry everything as strings; aiogram JSON-encodes non-strings."""
    if not isinstance(value, str) or key in _TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # "@channel", file ids, …


def _chat_type(chat_id: int) -> str:
    return "private" if chat_id > 0 else "supergroup"


class FakeTelegram:
    """The fake server. See the module docstring and docs/fake-telegram.md."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_USERNAME,
        bot_first_name: str = DEFAULT_FIRST_NAME,
        limits: LimitConfig | bool | None = None,
        fail_rate: float = 0.0,
        drop_rate: float = 0.0,
        latency: float = 0.0,
        seed: int = 0,
        strict_chats: bool = False,
        strict_messages: bool = False,
    ) -> None:
        self._build_handlers()
        self.host = host
        self.port = port
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        # Unknown chat ids → 400 "chat not found" (otherwise any id is a chat).
        self.strict_chats = strict_chats
        # Unknown message ids in edits/deletes/copies → 400 (otherwise accepted).
        self.strict_messages = strict_messages

        if isinstance(limits, LimitConfig):
            base_limits = limits
        else:
            base_limits = LimitConfig(enabled=limits is not False)
        self._initial = {
            "limits": LimitConfig(**base_limits.as_dict()),
            "fail_rate": fail_rate,
            "drop_rate": drop_rate,
            "latency": latency,
            "seed": seed,
        }
        self.limits = base_limits
        self._limiters: dict[int, RateLimiter] = {}

        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._closing = False
        self._webhook_task: asyncio.Task | None = None
        self._overrides: dict[str, Callable[[dict], Any]] = {}

        # Long-lived state (survives reset()).
        self._messages: dict[tuple[int, int], dict] = {}
        self._next_ids: dict[int, int] = {}
        self._last_bot: dict[int, int] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._placeholders: set[tuple[int, int]] = set()
        self._chats: dict[int, dict] = {}
        self._usernames: dict[str, int] = {}
        self._files: dict[str, FileRecord] = {}
        self._files_by_path: dict[str, FileRecord] = {}
        self._file_seq = 0
        self._last_update_id = 0
        self.webhook: dict | None = None
        self.commands_store: dict[tuple[str, str], list[dict]] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self.chat_members: dict[tuple[int, int], str] = {}  # (chat_id, user_id) → status
        self.updates = UpdateFactory(bot_user=self.bot_user(), store=self)

        self._reset_runtime()

    # ------------------------------------------------------------------ state

    def _reset_runtime(self) -> None:
        # Wake anything waiting on the old state before replacing it.
        if hasattr(self, "_updates_changed"):
            self._notify_updates()
            self._notify_sent()
        init = self._initial
        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()
        self.fail_rate: float = init["fail_rate"]
        self.drop_rate: float = init["drop_rate"]
        self.latency: float = init["latency"]
        self._rng = random.Random(init["seed"])
        self._flood_until = 0.0
        for key, value in init["limits"].as_dict().items():
            setattr(self.limits, key, value)
        for limiter in self._limiters.values():
            limiter.reset()
        self.stats = Stats()
        self._sent: list[Sent] = []
        self._calls: list[Call] = []
        # Sequence numbers keep growing across resets so "since" cursors stay valid.
        self._seq = getattr(self, "_seq", 0)
        self._call_seq = getattr(self, "_call_seq", 0)
        self._poll_generation = getattr(self, "_poll_generation", 0)
        self._queue: list[dict] = []
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._answered_callbacks: set[str] = set()
        self._max_delivered = getattr(self, "_last_update_id", 0)
        if not hasattr(self, "_updates_changed"):
            self._updates_changed = asyncio.Event()
            self._sent_changed = asyncio.Event()

    def reset(self) -> None:
        """Forget ledger, calls, stats, pending updates; faults and limits back to
        their initial values. Message history, chats, files, webhook and
        commands are kept, and message ids keep increasing."""
        self._reset_runtime()

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def api_server(self) -> Any:
        """aiogram ``TelegramAPIServer`` for this fake."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, token: str | None = None, **bot_kwargs: Any) -> Any:
        """An aiogram ``Bot`` pointed at the fake. Close it with ``await bot.session.close()``."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession

        session = AiohttpSession(api=self.api_server())
        return Bot(token or self.token, session=session, **bot_kwargs)

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        control = [
            ("GET", "health", self._c_health),
            ("POST", "updates", self._c_updates),
            ("GET", "updates", self._c_pending),
            ("GET", "sent", self._c_sent),
            ("GET", "wait_sent", self._c_wait_sent),
            ("GET", "calls", self._c_calls),
            ("GET", "stats", self._c_stats),
            ("GET", "faults", self._c_faults),
            ("POST", "faults", self._c_faults),
            ("POST", "reset", self._c_reset),
            ("GET", "state", self._c_state),
        ]
        for verb, name, handler in control:
            app.router.add_route(verb, f"/_control/{name}", handler)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        return app

    async def start(self) -> "FakeTelegram":
        self._closing = False
        # Bind ourselves so port=0 gives a known port before anyone connects.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._client = ClientSession(timeout=ClientTimeout(total=30))
        if self.webhook:
            self._start_webhook_delivery()
        log.info("fake Telegram listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify_updates()  # release long polls so shutdown is quick
        self._notify_sent()
        if self._webhook_task:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
            self._webhook_task = None
        if self._client:
            await self._client.close()
            self._client = None
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegram":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ faults

    def flood_wait(self, seconds: float) -> None:
        """From now on, for ``seconds``, every send-like request gets 429 with the remaining time."""
        self._flood_until = time.monotonic() + seconds if seconds > 0 else 0.0

    @property
    def flood_remaining(self) -> float:
        return max(0.0, self._flood_until - time.monotonic())

    def seed(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def override(self, method: str, handler: Callable[[dict], Any] | None) -> None:
        """Answer ``method`` with ``handler(params)`` (may raise ApiError); ``None`` removes it."""
        key = method.lower()
        if handler is None:
            self._overrides.pop(key, None)
        else:
            self._overrides[key] = handler

    def faults(self) -> dict:
        return {
            "blocked": sorted(self.blocked),
            "deactivated": sorted(self.deactivated),
            "fail_rate": self.fail_rate,
            "drop_rate": self.drop_rate,
            "latency": self.latency,
            "flood_wait": round(self.flood_remaining, 3),
            "limits": self.limits.as_dict(),
        }

    def set_faults(self, spec: dict) -> dict:
        """Apply a fault spec (the JSON body of POST /_control/faults)."""
        for key in ("blocked", "deactivated"):
            if key in spec:
                setattr(self, key, {int(x) for x in spec[key] or ()})
        for key, target, add in (
            ("block", self.blocked, True),
            ("unblock", self.blocked, False),
            ("deactivate", self.deactivated, True),
        ):
            for x in spec.get(key) or ():
                (target.add if add else target.discard)(int(x))
        for key in ("fail_rate", "drop_rate", "latency"):
            if key in spec:
                setattr(self, key, float(spec[key]))
        if "seed" in spec:
            self.seed(int(spec["seed"]))
        if "flood_wait" in spec:
            self.flood_wait(float(spec["flood_wait"] or 0))
        if "limits" in spec:
            value = spec["limits"]
            if isinstance(value, dict):
                self.limits.update(**value)
            else:
                self.limits.enabled = bool(value)
        return self.faults()

    # ------------------------------------------------------------------ ledger

    @property
    def sent(self) -> list[Sent]:
        return list(self._sent)

    @property
    def calls(self) -> list[Call]:
        return list(self._calls)

    def calls_of(self, method: str) -> list[Call]:
        m = method.lower()
        return [c for c in self._calls if c.method.lower() == m]

    def sent_to(self, chat_id: int | str) -> list[Sent]:
        return [s for s in self._sent if s.chat_id == chat_id]

    def last_to(self, chat_id: int | str) -> Sent | None:
        for s in reversed(self._sent):
            if s.chat_id == chat_id:
                return s
        return None

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest ledger entry (use as ``since``)."""
        return self._seq

    async def wait_for(
        self,
        predicate: Callable[[Sent], bool] | None = None,
        timeout: float = 5.0,
        *,
        chat_id: int | str | None = None,
        since: int = 0,
    ) -> Sent:
        """First ledger entry with ``seq > since`` (already recorded or arriving
        within ``timeout``) that matches ``chat_id`` and ``predicate``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        checked = since
        while True:
            event = self._sent_changed
            for s in self._sent:
                if s.seq <= checked:
                    continue
                checked = s.seq
                if chat_id is not None and s.chat_id != chat_id:
                    continue
                if predicate is None or predicate(s):
                    return s
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                recent = [(s.method, s.chat_id, s.text or s.caption) for s in self._sent[-5:]]
                raise TimeoutError(f"no matching message within {timeout}s; last sent: {recent}")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def _notify_sent(self) -> None:
        self._sent_changed.set()
        self._sent_changed = asyncio.Event()

    def _record(
        self,
        r: _Req,
        chat_id: int | str | None,
        *,
        message_id: int | None,
        result: Any,
        text: str | None = None,
        caption: str | None = None,
        reply_markup: dict | None = None,
    ) -> Sent:
        self._seq += 1
        entry = Sent(
            method=r.method,
            chat_id=chat_id,
            text=text,
            caption=caption,
            reply_markup=reply_markup,
            params=r.params,
            message_id=message_id,
            ts=time.time(),
            seq=self._seq,
            result=copy.deepcopy(result),
        )
        self._sent.append(entry)
        self.stats.sent += 1
        self._notify_sent()
        return entry

    # ------------------------------------------------------------------ message store (also used by UpdateFactory)

    def bot_user(self, bot_id: int | None = None) -> dict:
        if bot_id is None:
            bot_id = int(self.token.split(":", 1)[0])
        return {"id": bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def next_message_id(self, chat_id: int) -> int:
        self._next_ids[chat_id] = self._next_ids.get(chat_id, 0) + 1
        return self._next_ids[chat_id]

    def get_message(self, chat_id: int, message_id: int) -> dict | None:
        if (chat_id, message_id) in self._deleted:
            return None
        return self._messages.get((chat_id, message_id))

    def last_bot_message(self, chat_id: int) -> dict | None:
        mid = self._last_bot.get(chat_id)
        return None if mid is None else self.get_message(chat_id, mid)

    def remember_message(self, message: dict) -> None:
        chat = message["chat"]
        key = (chat["id"], message["message_id"])
        self._messages[key] = message
        self._deleted.discard(key)
        self._placeholders.discard(key)
        self._next_ids[chat["id"]] = max(self._next_ids.get(chat["id"], 0), message["message_id"])
        self.add_chat(chat)
        if message.get("from", {}).get("is_bot"):
            self._last_bot[chat["id"]] = message["message_id"]

    def add_chat(self, chat: dict) -> None:
        """Make a chat known (getChat details; required when ``strict_chats``)."""
        merged = {**self._chats.get(chat["id"], {}), **chat}
        self._chats[chat["id"]] = merged
        if merged.get("username"):
            self._usernames[merged["username"].lower()] = chat["id"]

    def _chat_obj(self, chat_id: int) -> dict:
        known = self._chats.get(chat_id)
        if known:
            return {k: known[k] for k in ("id", "type", "title", "username", "first_name", "last_name") if k in known}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        return {"id": chat_id, "type": _chat_type(chat_id), "title": f"Group {chat_id}"}

    def _new_message(self, r: _Req, chat_id: int, content: dict, reply_markup: dict | None = None) -> dict:
        msg: dict[str, Any] = {
            "message_id": self.next_message_id(chat_id),
            "from": self.bot_user(r.bot_id),
            "chat": self._chat_obj(chat_id),
            "date": int(time.time()),
        }
        if "message_thread_id" in r.params and chat_id < 0:
            msg["message_thread_id"] = r.params["message_thread_id"]
        reply_to = self._reply_target(r, chat_id)
        if reply_to is not None:
            msg["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        msg.update(content)
        # Telegram echoes only inline keyboards back in the Message.
        if reply_markup and "inline_keyboard" in reply_markup:
            msg["reply_markup"] = reply_markup
        self.remember_message(msg)
        return copy.deepcopy(msg)

    def _reply_target(self, r: _Req, chat_id: int) -> dict | None:
        params = r.params.get("reply_parameters")
        mid = params.get("message_id") if isinstance(params, dict) else r.params.get("reply_to_message_id")
        if mid is None:
            return None
        target = self.get_message(chat_id, int(mid))
        if target is None and self.strict_messages:
            allow = isinstance(params, dict) and params.get("allow_sending_without_reply")
            if not (allow or r.params.get("allow_sending_without_reply")):
                raise bad_request("message to be replied not found")
        return target

    def add_file(
        self,
        data: bytes,
        *,
        file_id: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        folder: str = "documents",
        ext: str = "",
    ) -> FileRecord:
        """Register bytes the fake will serve via getFile + /file/…"""
        self._file_seq += 1
        n = self._file_seq
        if not ext and file_name and "." in file_name:
            ext = file_name.rsplit(".", 1)[1]
        path = f"{folder}/file_{n}" + (f".{ext}" if ext else "")
        record = FileRecord(
            file_id=file_id or f"FAKE{folder[:3].upper()}{n:08d}",
            file_unique_id=f"UQ{n:08d}",
            file_path=path,
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self._files[record.file_id] = record
        self._files_by_path[record.file_path] = record
        return record

    # ------------------------------------------------------------------ updates

    @property
    def pending_updates(self) -> list[dict]:
        return [copy.deepcopy(u) for u in self._queue]

    def push_update(self, update: dict) -> int:
        """Queue an update for getUpdates / webhook delivery; returns its update_id.

        Telegram numbers updates in arrival order, and getUpdates' offset relies
        on that: an update whose id is missing or not above the last queued one
        (e.g. built earlier, pushed shuffled) gets the next id. Use the returned id.
        """
        update = copy.deepcopy(update)
        uid = update.get("update_id")
        if not isinstance(uid, int) or uid <= self._last_update_id:
            uid = max(self.updates.next_update_id(), self._last_update_id + 1)
        update["update_id"] = self._last_update_id = uid
        self.updates.skip_to(uid)
        self._learn(update)
        self._queue.append(update)
        self.stats.updates_pushed += 1
        self._notify_updates()
        return update["update_id"]

    def push_updates(self, updates: Iterable[dict]) -> list[int]:
        return [self.push_update(u) for u in updates]

    def _learn(self, update: dict) -> None:
        """Pick up chats/messages from incoming updates, like Telegram knows them."""
        kind = update_type(update)
        payload = update.get(kind)
        if not isinstance(payload, dict):
            return
        if kind in ("message", "edited_message") and "chat" in payload and "message_id" in payload:
            self.remember_message(copy.deepcopy(payload))
        elif kind == "callback_query" and isinstance(payload.get("message"), dict):
            msg = payload["message"]
            if self.get_message(msg["chat"]["id"], msg["message_id"]) is None:
                self.remember_message(copy.deepcopy(msg))
        elif kind == "my_chat_member" and "chat" in payload:
            self.add_chat(payload["chat"])
            chat_id = payload["chat"]["id"]
            status = payload.get("new_chat_member", {}).get("status")
            # A private chat member→kicked update *is* the user blocking the bot.
            if chat_id > 0 and status == "kicked":
                self.blocked.add(chat_id)
            elif chat_id > 0 and status == "member":
                self.blocked.discard(chat_id)

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        elif offset < 0:
            # Negative offset: keep only the last -offset updates.
            self._queue = self._queue[offset:]

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATE_TYPES
        return kind in self._allowed_updates

    def _count_delivered(self, batch: list[dict]) -> None:
        # Re-deliveries of unconfirmed updates are not new deliveries.
        for u in batch:
            if u["update_id"] > self._max_delivered:
                self._max_delivered = u["update_id"]
                self.stats.updates_delivered += 1

    def _deliverable(self, limit: int) -> list[dict]:
        # Types the bot did not ask for are never created by Telegram: drop them.
        self._queue = [u for u in self._queue if self._is_allowed(update_type(u))]
        return [copy.deepcopy(u) for u in self._queue[:limit]]

    async def post_to_webhook(self, url: str, update: dict, secret_token: str | None = None) -> int:
        """POST one update to ``url`` like Telegram does; returns the HTTP status (0 on network error).
        A method in the response body (webhook reply) is executed."""
        self.stats.webhook_posts += 1
        status, _ = await self._deliver(url, update, secret_token, self.token)
        return status

    async def _deliver(self, url: str, update: dict, secret: str | None, token: str) -> tuple[int, Any]:
        session = self._client or ClientSession(timeout=ClientTimeout(total=30))
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with session.post(url, json=update, headers=headers) as resp:
                status = resp.status
                reply = await self._read_webhook_reply(resp) if 200 <= status < 300 else None
        except (ClientError, asyncio.TimeoutError, OSError) as e:
            log.debug("webhook delivery to %s failed: %s", url, e)
            return 0, None
        finally:
            if session is not self._client:
                await session.close()
        if reply is not None:
            # Telegram executes a method returned in the webhook response.
            params, files = reply
            method = self._canonical(str(params.pop("method")))
            req = _Req(method, params, files, token, self._bot_id(token) or 0, via="webhook-reply")
            await self._process(req)
        return status, reply

    @staticmethod
    async def _read_webhook_reply(resp: Any) -> tuple[dict, dict[str, UploadedFile]] | None:
        """Parse a method call from a webhook response: JSON (any client) or
        multipart/form-data (what aiogram's SimpleRequestHandler sends)."""
        raw: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if resp.content_type.startswith("multipart/"):
            reader = MultipartReader.from_response(resp)
            async for part in reader:
                if part is None or not isinstance(part, BodyPartReader) or not part.name:
                    continue
                if part.filename:
                    data = bytes(await part.read())
                    files[part.name] = UploadedFile(part.filename, data, part.headers.get("Content-Type"))
                else:
                    raw[part.name] = await part.text()
        else:
            body = await resp.read()
            try:
                data = json.loads(body) if body else None
            except ValueError:
                return None
            if not isinstance(data, dict):
                return None
            raw = data
        if not isinstance(raw.get("method"), str):
            return None
        return {k: _decode_field(k, v) for k, v in raw.items()}, files

    def _start_webhook_delivery(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop())

    async def _webhook_loop(self) -> None:
        backoff = 0.1
        while not self._closing and self.webhook:
            hook = self.webhook
            event = self._updates_changed
            batch = self._deliverable(1)
            if not batch:
                try:
                    await asyncio.wait_for(event.wait(), 1.0)
                except asyncio.TimeoutError:
                    pass
                continue
            update = batch[0]
            self.stats.webhook_posts += 1
            status, _ = await self._deliver(hook["url"], update, hook.get("secret_token"), hook["token"])
            if 200 <= status < 300:
                self._queue = [u for u in self._queue if u["update_id"] != update["update_id"]]
                self._count_delivered(batch)
                backoff = 0.1
            else:
                # Telegram keeps the update and retries with growing pauses.
                self.stats.webhook_errors += 1
                hook["last_error_date"] = int(time.time())
                hook["last_error_message"] = f"Wrong response from the webhook: {status}"
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    # ------------------------------------------------------------------ HTTP plumbing

    _TOKEN_RE = re.compile(r"^(\d+):[\w-]+$")

    def _bot_id(self, token: str) -> int | None:
        m = self._TOKEN_RE.match(token)
        return int(m.group(1)) if m else None

    def _canonical(self, method: str) -> str:
        return self._method_names.get(method.lower(), method)

    async def _read_params(self, request: web.Request) -> tuple[dict, dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
                    else:
                        raw[key] = value
        return {k: _decode_field(k, v) for k, v in raw.items()}, files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        bot_id = self._bot_id(token)
        if bot_id is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            params, files = await self._read_params(request)
        except web.HTTPRequestEntityTooLarge:
            body = {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
            return web.json_response(body, status=413)
        except ValueError:
            return web.json_response(bad_request("can't parse JSON").to_body(), status=400)
        req = _Req(self._canonical(request.match_info["method"]), params, files, token, bot_id)
        status, body = await self._process(req)
        if req.drop and request.transport is not None:
            # Accepted and recorded, but the client never hears back: a network error for aiogram.
            self.stats.dropped += 1
            request.transport.close()
        return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _process(self, r: _Req) -> tuple[int, dict]:
        self.stats.requests += 1
        self._call_seq += 1
        call = Call(self._call_seq, r.method, r.params, time.time(), r.bot_id, via=r.via)
        self._calls.append(call)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        try:
            try:
                result = await self._execute(r)
            except (TypeError, ValueError, KeyError) as e:
                # Malformed parameters: answer like Telegram would, not with a traceback.
                raise bad_request(f"invalid parameters: {e}") from e
            except ApiError:
                raise
            except Exception as e:  # a bug in the fake must still look like a Bot API reply
                log.exception("fake Telegram failed on %s", r.method)
                raise ApiError(500, f"Internal Server Error: fake failed: {e!r}") from e
        except ApiError as e:
            call.status, call.description = e.code, e.description
            self._count_error(e)
            return e.code, e.to_body()
        call.status = 200
        if r.send_like and self.drop_rate > 0 and self._rng.random() < self.drop_rate:
            r.drop = r.via == "http"
        return 200, {"ok": True, "result": result}

    def _count_error(self, e: ApiError) -> None:
        s = self.stats
        if e.code == 429:
            if e.kind == "flood":
                s.flood_429 += 1
            else:
                s.over_limit += 1
        elif e.code == 403:
            s.blocked_403 += 1
        elif e.code >= 500:
            s.failed_500 += 1
        elif e.code == 400:
            s.bad_request_400 += 1
        elif e.code == 409:
            s.conflict_409 += 1

    async def _execute(self, r: _Req) -> Any:
        override = self._overrides.get(r.method.lower())
        if override is not None:
            result = override(r.params)
            return await result if asyncio.iscoroutine(result) else result
        handler = self._handler_table.get(r.method.lower())
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if r.send_like or r.method == "sendChatAction":
            self._precheck(r)
        return await handler(r)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if self._bot_id(request.match_info["token"]) is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        record = self._files_by_path.get(request.match_info["path"])
        if record is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=record.data, content_type=record.mime_type or "application/octet-stream")

    async def _handle_not_found(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # ------------------------------------------------------------------ gates

    def _chat_id(self, r: _Req, key: str = "chat_id") -> int:
        value = r.params.get(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            chat_id = value
        elif isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            chat_id = int(value)
        elif isinstance(value, str) and value.startswith("@"):
            found = self._usernames.get(value[1:].lower())
            if found is None:
                raise bad_request("chat not found")
            chat_id = found
        else:
            raise bad_request("chat not found")
        if self.strict_chats and chat_id not in self._chats:
            raise bad_request("chat not found")
        return chat_id

    def _precheck(self, r: _Req) -> None:
        """Checks Telegram makes before looking at the content: block status and flood wait."""
        chat_id = self._chat_id(r) if "chat_id" in r.params else None
        if chat_id is not None:
            if chat_id in self.deactivated:
                raise ApiError(403, "Forbidden: user is deactivated")
            if chat_id in self.blocked:
                what = "bot was blocked by the user" if chat_id > 0 else "bot was kicked from the supergroup chat"
                raise ApiError(403, f"Forbidden: {what}")
        remaining = self.flood_remaining
        if r.send_like and remaining > 0:
            n = retry_after_seconds(remaining)
            raise ApiError(429, f"Too Many Requests: retry after {n}", retry_after=n, kind="flood")

    def _admit(self, r: _Req, chat_id: int | None) -> None:
        """Rate limits and injected 500s: called after validation, right before the effect."""
        limiter = self._limiters.get(r.bot_id)
        if limiter is None:
            limiter = self._limiters[r.bot_id] = RateLimiter(self.limits)
        wait = limiter.acquire(chat_id)
        if wait > 0:
            n = retry_after_seconds(wait)
            raise ApiError(429, f"Too Many Requests: retry after {n}", retry_after=n, kind="limit")
        if self.fail_rate > 0 and self._rng.random() < self.fail_rate:
            raise ApiError(500, "Internal Server Error")

    # ------------------------------------------------------------------ validation helpers

    def _int_param(self, r: _Req, key: str, what: str | None = None) -> int:
        value = r.params.get(key)
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad_request(what or f"{key} is empty") from None

    def _text(self, r: _Req, key: str = "text", entities_key: str = "entities") -> tuple[str, list[dict]]:
        raw = r.params.get(key)
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        plain, entities = self._parse(r, str(raw), entities_key)
        if not plain:
            raise bad_request("message text is empty")
        if len(plain) > MAX_TEXT:
            raise bad_request("message is too long")
        return plain, entities

    def _caption(self, r: _Req, key: str = "caption", parse_mode: str | None = None) -> tuple[str, list[dict]] | None:
        raw = r.params.get(key)
        if raw is None or raw == "":
            return None
        plain, entities = self._parse(r, str(raw), "caption_entities", parse_mode)
        if len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return (plain, entities) if plain else None

    def _parse(self, r: _Req, raw: str, entities_key: str, parse_mode: str | None = None) -> tuple[str, list[dict]]:
        mode = parse_mode if parse_mode is not None else r.params.get("parse_mode")
        if mode and str(mode).lower() not in ("html", "markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
        entities = r.params.get(entities_key)
        try:
            return parse_text(raw, mode, entities if isinstance(entities, list) else None)
        except EntityParseError as e:
            raise bad_request(f"can't parse entities: {e}") from None

    def _markup(self, r: _Req) -> dict | None:
        markup = r.params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not text:
                        raise bad_request("BUTTON_TEXT_EMPTY")
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("BUTTON_TEXT_EMPTY" if isinstance(button, dict) else "can't parse inline keyboard button")
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            scheme = url.split("://", 1)[0].lower() if "://" in url else "http"
            if not url or any(c.isspace() for c in url) or scheme not in ("http", "https", "tg"):
                raise bad_request("BUTTON_URL_INVALID")
        actions = {
            "url",
            "callback_data",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        }
        if not actions & button.keys():
            raise bad_request("text buttons are unallowed in the inline keyboard")

    def _message_for_edit(self, r: _Req, chat_id: int, message_id: int) -> dict:
        key = (chat_id, message_id)
        msg = self.get_message(chat_id, message_id)
        if msg is not None:
            return msg
        if key in self._deleted or self.strict_messages:
            raise bad_request("message to edit not found")
        # Lenient: an unknown message (e.g. sent before the fake started) is editable.
        msg = {
            "message_id": message_id,
            "from": self.bot_user(r.bot_id),
            "chat": self._chat_obj(chat_id),
            "date": int(time.time()),
        }
        self.remember_message(msg)
        self._placeholders.add(key)
        return msg

    def _edit_target(self, r: _Req) -> tuple[int | None, int | None, str | None]:
        inline_id = r.params.get("inline_message_id")
        if inline_id:
            return None, None, str(inline_id)
        chat_id = self._chat_id(r)
        message_id = self._int_param(r, "message_id", "message identifier is not specified")
        return chat_id, message_id, None

    # ------------------------------------------------------------------ methods

    def _build_handlers(self) -> None:
        table: dict[str, Callable[[_Req], Awaitable[Any]]] = {
            "getMe": self._m_get_me,
            "logOut": self._m_true,
            "close": self._m_true,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "sendMessage": self._m_send_message,
            "editMessageText": self._m_edit_text,
            "editMessageCaption": self._m_edit_caption,
            "editMessageReplyMarkup": self._m_edit_markup,
            "deleteMessage": self._m_delete_message,
            "deleteMessages": self._m_delete_messages,
            "answerCallbackQuery": self._m_answer_callback,
            "copyMessage": self._m_copy_message,
            "forwardMessage": self._m_forward_message,
            "sendMediaGroup": self._m_send_media_group,
            "sendLocation": self._m_send_location,
            "sendContact": self._m_send_contact,
            "sendDice": self._m_send_dice,
            "sendChatAction": self._m_send_chat_action,
            "getChat": self._m_get_chat,
            "getChatMember": self._m_get_chat_member,
            "getFile": self._m_get_file,
            "setChatMenuButton": self._m_set_menu_button,
            "getChatMenuButton": self._m_get_menu_button,
            "setMyName": self._m_set_bot_text("name"),
            "getMyName": self._m_get_bot_text("name"),
            "setMyDescription": self._m_set_bot_text("description"),
            "getMyDescription": self._m_get_bot_text("description"),
            "setMyShortDescription": self._m_set_bot_text("short_description"),
            "getMyShortDescription": self._m_get_bot_text("short_description"),
        }
        for name in _MEDIA_METHODS:
            table[name] = self._m_send_media
        for name in (
            "pinChatMessage",
            "unpinChatMessage",
            "unpinAllChatMessages",
            "setMessageReaction",
            "leaveChat",
            "setMyDefaultAdministratorRights",
        ):
            table[name] = self._m_true
        self._method_names = {name.lower(): name for name in table}
        self._handler_table = {name.lower(): fn for name, fn in table.items()}

    async def _m_true(self, r: _Req) -> bool:
        return True

    async def _m_get_me(self, r: _Req) -> dict:
        return {
            **self.bot_user(r.bot_id),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_get_updates(self, r: _Req) -> list[dict]:
        if self.webhook:
            raise ApiError(409, CONFLICT_WEBHOOK)
        p = r.params
        offset = int(p.get("offset") or 0)
        limit = min(100, max(1, int(p.get("limit") or 100)))
        timeout = min(50.0, max(0.0, float(p.get("timeout") or 0)))
        if "allowed_updates" in p and isinstance(p["allowed_updates"], list):
            self._allowed_updates = frozenset(p["allowed_updates"]) or None
        # A newer getUpdates ends the older one with 409, as Telegram does
        # (matters when a killed bot is restarted while its poll is pending).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_POLLING)
            event = self._updates_changed
            batch = [] if self._closing else self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                self._count_delivered(batch)
                return batch
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def _m_set_webhook(self, r: _Req) -> bool:
        url = str(r.params.get("url") or "")
        if not url:
            return await self._m_delete_webhook(r)
        if not re.match(r"^https?://", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = r.params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if r.params.get("drop_pending_updates"):
            self._queue.clear()
        allowed = r.params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) or None
        self.webhook = {
            "url": url,
            "secret_token": str(secret) if secret is not None else None,
            "max_connections": int(r.params.get("max_connections") or 40),
            "allowed_updates": sorted(self._allowed_updates or ()),
            "ip_address": r.params.get("ip_address"),
            "token": r.token,
        }
        self._poll_generation += 1  # ends a pending long poll (it will get 409)
        self._notify_updates()
        if self._runner is not None:
            self._start_webhook_delivery()
        return True

    async def _m_delete_webhook(self, r: _Req) -> bool:
        if r.params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = None
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        return True

    async def _m_get_webhook_info(self, r: _Req) -> dict:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook:
            hook = self.webhook
            info.update(url=hook["url"], max_connections=hook["max_connections"])
            if hook["allowed_updates"]:
                info["allowed_updates"] = hook["allowed_updates"]
            if hook.get("ip_address"):
                info["ip_address"] = hook["ip_address"]
            if hook.get("last_error_date"):
                info["last_error_date"] = hook["last_error_date"]
                info["last_error_message"] = hook["last_error_message"]
        return info

    @staticmethod
    def _scope_key(r: _Req) -> tuple[str, str]:
        scope = r.params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(r.params.get("language_code") or "")

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands set with setMyCommands for this scope/language."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return copy.deepcopy(self.commands_store.get(key, []))

    async def _m_set_my_commands(self, r: _Req) -> bool:
        commands = r.params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("parameter \"commands\" is required")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(r)
        if commands:
            self.commands_store[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self.commands_store.pop(key, None)
        return True

    async def _m_get_my_commands(self, r: _Req) -> list[dict]:
        return copy.deepcopy(self.commands_store.get(self._scope_key(r), []))

    async def _m_delete_my_commands(self, r: _Req) -> bool:
        self.commands_store.pop(self._scope_key(r), None)
        return True

    async def _m_send_message(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        plain, entities = self._text(r)
        markup = self._markup(r)
        self._admit(r, chat_id)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        msg = self._new_message(r, chat_id, content, markup)
        self._record(
            r, chat_id, message_id=msg["message_id"], result=msg, text=r.params.get("text"), reply_markup=markup
        )
        return msg

    def _finish_edit(self, r: _Req, chat_id: int, msg: dict, changes: dict, markup: dict | None) -> dict:
        """Apply an edit unless nothing changes (Telegram: 400 "message is not modified")."""
        new_markup = markup if markup and "inline_keyboard" in markup else None
        key = (chat_id, msg["message_id"])
        unchanged = all(msg.get(k) == v for k, v in changes.items()) and msg.get("reply_markup") == new_markup
        if unchanged and key not in self._placeholders:
            raise bad_request(NOT_MODIFIED)
        self._admit(r, chat_id)
        for k, v in changes.items():
            if v is None:
                msg.pop(k, None)
            else:
                msg[k] = v
        if new_markup is None:
            msg.pop("reply_markup", None)  # omitting reply_markup removes the inline keyboard
        else:
            msg["reply_markup"] = new_markup
        msg["edit_date"] = int(time.time())
        self._placeholders.discard(key)
        result = copy.deepcopy(msg)
        self._record(
            r,
            chat_id,
            message_id=msg["message_id"],
            result=result,
            text=r.params.get("text"),
            caption=r.params.get("caption"),
            reply_markup=markup,
        )
        return result

    async def _edit_inline(self, r: _Req, markup: dict | None) -> bool:
        self._admit(r, None)
        p = r.params
        self._record(
            r, None, message_id=None, result=True, text=p.get("text"), caption=p.get("caption"), reply_markup=markup
        )
        return True

    async def _m_edit_text(self, r: _Req) -> dict | bool:
        chat_id, message_id, inline_id = self._edit_target(r)
        plain, entities = self._text(r)
        markup = self._markup(r)
        if inline_id:
            return await self._edit_inline(r, markup)
        assert chat_id is not None and message_id is not None
        msg = self._message_for_edit(r, chat_id, message_id)
        if "text" not in msg and (chat_id, message_id) not in self._placeholders:
            raise bad_request("there is no text in the message to edit")
        return self._finish_edit(r, chat_id, msg, {"text": plain, "entities": entities or None}, markup)

    async def _m_edit_caption(self, r: _Req) -> dict | bool:
        chat_id, message_id, inline_id = self._edit_target(r)
        caption = self._caption(r)
        markup = self._markup(r)
        if inline_id:
            return await self._edit_inline(r, markup)
        assert chat_id is not None and message_id is not None
        msg = self._message_for_edit(r, chat_id, message_id)
        if "text" in msg:
            raise bad_request("there is no caption in the message to edit")
        plain, entities = caption or (None, None)
        return self._finish_edit(r, chat_id, msg, {"caption": plain, "caption_entities": entities or None}, markup)

    async def _m_edit_markup(self, r: _Req) -> dict | bool:
        chat_id, message_id, inline_id = self._edit_target(r)
        markup = self._markup(r)
        if inline_id:
            return await self._edit_inline(r, markup)
        assert chat_id is not None and message_id is not None
        msg = self._message_for_edit(r, chat_id, message_id)
        return self._finish_edit(r, chat_id, msg, {}, markup)

    async def _m_delete_message(self, r: _Req) -> bool:
        chat_id = self._chat_id(r)
        message_id = self._int_param(r, "message_id", "message identifier is not specified")
        key = (chat_id, message_id)
        if key in self._deleted or (self.strict_messages and key not in self._messages):
            raise bad_request("message to delete not found")
        self._deleted.add(key)
        return True

    async def _m_delete_messages(self, r: _Req) -> bool:
        chat_id = self._chat_id(r)
        for mid in r.params.get("message_ids") or []:
            self._deleted.add((chat_id, int(mid)))
        return True

    async def _m_answer_callback(self, r: _Req) -> bool:
        query_id = str(r.params.get("callback_query_id") or "")
        if not query_id:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        # Telegram accepts exactly one answer per callback query.
        if query_id in self._answered_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = r.params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._answered_callbacks.add(query_id)
        return True

    def _source_message(self, r: _Req) -> tuple[int, dict]:
        from_chat = self._chat_id(r, "from_chat_id")
        message_id = self._int_param(r, "message_id", "message identifier is not specified")
        source = self.get_message(from_chat, message_id)
        if source is None:
            if self.strict_messages or (from_chat, message_id) in self._deleted:
                raise bad_request("message to copy not found")
            chat = self._chat_obj(from_chat)
            source = {"message_id": message_id, "chat": chat, "date": int(time.time()), "text": "(message)"}
        return from_chat, source

    _CONTENT_KEYS = (
        "text entities caption caption_entities photo document voice audio video animation sticker "
        "video_note location contact dice"
    ).split()

    async def _m_copy_message(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        _, source = self._source_message(r)
        content = {k: copy.deepcopy(source[k]) for k in self._CONTENT_KEYS if k in source}
        if "caption" in r.params:  # a new caption replaces the original one
            caption = self._caption(r)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if caption:
                content["caption"], ents = caption
                if ents:
                    content["caption_entities"] = ents
        markup = self._markup(r)
        self._admit(r, chat_id)
        msg = self._new_message(r, chat_id, content, markup)
        result = {"message_id": msg["message_id"]}
        self._record(
            r, chat_id, message_id=msg["message_id"], result=result,
            text=content.get("text"), caption=content.get("caption"), reply_markup=markup,
        )
        return result

    async def _m_forward_message(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        _, source = self._source_message(r)
        content = {k: copy.deepcopy(source[k]) for k in self._CONTENT_KEYS if k in source}
        sender = source.get("from")
        if sender:
            content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source["date"]}
        else:
            content["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Unknown", "date": source["date"]}
        self._admit(r, chat_id)
        msg = self._new_message(r, chat_id, content)
        text, caption = content.get("text"), content.get("caption")
        self._record(r, chat_id, message_id=msg["message_id"], result=msg, text=text, caption=caption)
        return msg

    def _input_file(self, r: _Req, value: Any, field: str, method: str) -> FileRecord:
        folder, ext, mime = _MEDIA_METHODS.get(method, ("document", "documents", "", None))[1:]
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = r.files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        elif value in (None, "") and field in r.files:
            upload = r.files[field]
        elif isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if re.match(r"^https?://", value):
                return self.add_file(b"fake download of " + value.encode(), folder=folder, ext=ext, mime_type=mime)
            # A file id the fake has not seen (e.g. from a built update): accept it.
            return self.add_file(b"fake file " + value.encode(), file_id=value, folder=folder, ext=ext, mime_type=mime)
        else:
            raise bad_request(f"there is no {field} in the request")
        return self.add_file(
            upload.data,
            file_name=upload.filename,
            mime_type=upload.content_type if upload.content_type not in (None, "application/octet-stream") else mime,
            folder=folder,
            ext=ext if method != "sendDocument" else "",
        )

    @staticmethod
    def _media_object(kind: str, f: FileRecord, params: dict) -> Any:
        base = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.file_size}
        duration = int(params.get("duration") or 1)
        if kind == "photo":
            small = {"file_id": f"{f.file_id}-s", "file_unique_id": f"{f.file_unique_id}s", "width": 90, "height": 90}
            thumb = {**base, **small}
            return [thumb, {**base, "width": 800, "height": 600}]
        if kind == "document":
            doc = dict(base)
            if f.file_name:
                doc["file_name"] = f.file_name
            if f.mime_type:
                doc["mime_type"] = f.mime_type
            return doc
        if kind == "voice":
            return {**base, "duration": duration, "mime_type": f.mime_type or "audio/ogg"}
        if kind == "audio":
            return {**base, "duration": duration, **({"file_name": f.file_name} if f.file_name else {})}
        if kind in ("video", "animation"):
            width, height = int(params.get("width") or 640), int(params.get("height") or 360)
            return {**base, "width": width, "height": height, "duration": duration}
        if kind == "video_note":
            return {**base, "length": int(params.get("length") or 240), "duration": duration}
        if kind == "sticker":
            return {**base, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
        return base

    async def _m_send_media(self, r: _Req) -> dict:
        kind = _MEDIA_METHODS[r.method][0]
        chat_id = self._chat_id(r)
        caption = self._caption(r)
        markup = self._markup(r)
        record = self._input_file(r, r.params.get(kind), kind, r.method)
        self._admit(r, chat_id)
        content: dict[str, Any] = {kind: self._media_object(kind, record, r.params)}
        if caption and kind != "sticker":
            content["caption"], ents = caption
            if ents:
                content["caption_entities"] = ents
        msg = self._new_message(r, chat_id, content, markup)
        self._record(
            r, chat_id, message_id=msg["message_id"], result=msg, caption=r.params.get("caption"), reply_markup=markup
        )
        return msg

    async def _m_send_media_group(self, r: _Req) -> list[dict]:
        chat_id = self._chat_id(r)
        media = r.params.get("media")
        if not isinstance(media, list) or not media:
            raise bad_request('parameter "media" is required')
        kinds = {"photo": "sendPhoto", "video": "sendVideo", "document": "sendDocument", "audio": "sendAudio"}
        prepared = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in kinds:
                raise bad_request("wrong type of the media group item")
            sub = _Req(r.method, {**item, "parse_mode": item.get("parse_mode")}, r.files, r.token, r.bot_id)
            caption = self._caption(sub)
            record = self._input_file(r, item.get("media"), item["type"], kinds[item["type"]])
            prepared.append((item, caption, record))
        self._admit(r, chat_id)  # one request, one unit of quota
        group_id = str(10**12 + self._seq)
        messages = []
        for item, caption, record in prepared:
            media_object = self._media_object(item["type"], record, item)
            content: dict[str, Any] = {"media_group_id": group_id, item["type"]: media_object}
            if caption:
                content["caption"], ents = caption
                if ents:
                    content["caption_entities"] = ents
            msg = self._new_message(r, chat_id, content)
            self._record(r, chat_id, message_id=msg["message_id"], result=msg, caption=item.get("caption"))
            messages.append(msg)
        return messages

    async def _m_send_location(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        try:
            location = {"latitude": float(r.params["latitude"]), "longitude": float(r.params["longitude"])}
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude/longitude specified") from None
        return await self._send_simple(r, chat_id, {"location": location})

    async def _m_send_contact(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        if not r.params.get("phone_number") or not r.params.get("first_name"):
            raise bad_request("phone number or first name is empty")
        contact = {k: r.params[k] for k in ("phone_number", "first_name", "last_name", "vcard") if r.params.get(k)}
        return await self._send_simple(r, chat_id, {"contact": contact})

    async def _m_send_dice(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        emoji = r.params.get("emoji") or "🎲"
        return await self._send_simple(r, chat_id, {"dice": {"emoji": emoji, "value": 1 + self.stats.sent % 6}})

    async def _send_simple(self, r: _Req, chat_id: int, content: dict) -> dict:
        markup = self._markup(r)
        self._admit(r, chat_id)
        msg = self._new_message(r, chat_id, content, markup)
        self._record(r, chat_id, message_id=msg["message_id"], result=msg, reply_markup=markup)
        return msg

    async def _m_send_chat_action(self, r: _Req) -> bool:
        self._chat_id(r)
        if not r.params.get("action"):
            raise bad_request("wrong parameter action in request")
        return True

    async def _m_get_chat(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        return {
            **self._chat_obj(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_get_chat_member(self, r: _Req) -> dict:
        chat_id = self._chat_id(r)
        user_id = self._int_param(r, "user_id", "user not found")
        status = self.chat_members.get((chat_id, user_id))
        if status is None:
            status = "member" if chat_id < 0 or user_id == chat_id or user_id == r.bot_id else "left"
        if user_id == r.bot_id:
            user = self.bot_user(r.bot_id)
        else:
            known = self._chats.get(user_id, {})
            user = {"id": user_id, "is_bot": False, "first_name": known.get("first_name", f"User {user_id}")}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member.update(RESTRICTED_RIGHTS)
        elif status == "administrator":
            member.update(ADMIN_RIGHTS)
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    async def _m_get_file(self, r: _Req) -> dict:
        file_id = str(r.params.get("file_id") or "")
        if not file_id:
            raise bad_request("file_id is empty")
        record = self._files.get(file_id)
        if record is None:
            # Unknown ids (e.g. from built updates) still resolve, to some bytes.
            record = self.add_file(b"fake file " + file_id.encode(), file_id=file_id, folder="documents")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": record.file_size,
            "file_path": record.file_path,
        }

    async def _m_set_menu_button(self, r: _Req) -> bool:
        chat_id = self._chat_id(r) if r.params.get("chat_id") not in (None, "") else None
        button = r.params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button")
        self.menu_buttons[chat_id] = button
        return True

    async def _m_get_menu_button(self, r: _Req) -> dict:
        chat_id = self._chat_id(r) if r.params.get("chat_id") not in (None, "") else None
        return copy.deepcopy(self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"})

    def _m_set_bot_text(self, name: str) -> Callable[[_Req], Awaitable[bool]]:
        async def handler(r: _Req) -> bool:
            self.bot_texts[(name, str(r.params.get("language_code") or ""))] = str(r.params.get(name) or "")
            return True

        return handler

    def _m_get_bot_text(self, name: str) -> Callable[[_Req], Awaitable[dict]]:
        async def handler(r: _Req) -> dict:
            return {name: self.bot_texts.get((name, str(r.params.get("language_code") or "")), "")}

        return handler

    # ------------------------------------------------------------------ control API

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))

    @staticmethod
    def _q_int(request: web.Request, key: str, default: int | None = None) -> int | None:
        value = request.query.get(key)
        return int(value) if value not in (None, "") else default

    async def _c_health(self, request: web.Request) -> web.Response:
        return self._json({"ok": True, "base_url": self.base_url})

    async def _c_updates(self, request: web.Request) -> web.Response:
        body = await request.json()
        items = body["updates"] if isinstance(body, dict) and "updates" in body else body
        if isinstance(items, dict):
            items = [items]
        ids = []
        try:
            for item in items:
                item = dict(item)
                if "_build" in item:  # {"_build": "command", "user_id": 1, "command": "/start"}
                    item = self.updates.build(item.pop("_build"), **item)
                ids.append(self.push_update(item))
        except (TypeError, ValueError) as e:
            return self._json({"ok": False, "error": str(e)}, status=400)
        return self._json({"ok": True, "update_ids": ids})

    async def _c_pending(self, request: web.Request) -> web.Response:
        return self._json({"ok": True, "updates": self.pending_updates})

    def _filter_sent(self, request: web.Request) -> list[Sent]:
        chat_id = self._q_int(request, "chat_id")
        since = self._q_int(request, "since", 0) or 0
        method = request.query.get("method")
        return [
            s for s in self._sent
            if s.seq > since and (chat_id is None or s.chat_id == chat_id) and (not method or s.method == method)
        ]

    async def _c_sent(self, request: web.Request) -> web.Response:
        items = self._filter_sent(request)
        return self._json({"ok": True, "sent": [s.to_dict() for s in items], "last_seq": self._seq})

    async def _c_wait_sent(self, request: web.Request) -> web.Response:
        chat_id = self._q_int(request, "chat_id")
        since = self._q_int(request, "since", 0) or 0
        needle = request.query.get("text")
        timeout = float(request.query.get("timeout") or 5)

        def match(s: Sent) -> bool:
            return needle is None or needle in (s.text or s.caption or "")

        try:
            found = await self.wait_for(match, timeout, chat_id=chat_id, since=since)
        except TimeoutError as e:
            return self._json({"ok": False, "error": str(e)}, status=408)
        return self._json({"ok": True, "sent": found.to_dict()})

    async def _c_calls(self, request: web.Request) -> web.Response:
        since = self._q_int(request, "since", 0) or 0
        method = (request.query.get("method") or "").lower()
        items = [c.to_dict() for c in self._calls if c.seq > since and (not method or c.method.lower() == method)]
        return self._json({"ok": True, "calls": items, "last_seq": self._call_seq})

    async def _c_stats(self, request: web.Request) -> web.Response:
        return self._json({"ok": True, "stats": self.stats.as_dict()})

    async def _c_faults(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            try:
                spec = await request.json()
                faults = self.set_faults(spec if isinstance(spec, dict) else {})
            except (KeyError, TypeError, ValueError) as e:
                return self._json({"ok": False, "error": str(e)}, status=400)
        else:
            faults = self.faults()
        return self._json({"ok": True, "faults": faults})

    async def _c_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return self._json({"ok": True})

    async def _c_state(self, request: web.Request) -> web.Response:
        webhook = None if self.webhook is None else {k: v for k, v in self.webhook.items() if k != "token"}
        return self._json(
            {
                "ok": True,
                "webhook": webhook,
                "pending_updates": len(self._queue),
                "commands": [
                    {"scope": json.loads(scope), "language_code": lang, "commands": cmds}
                    for (scope, lang), cmds in self.commands_store.items()
                ],
                "menu_buttons": {str(k): v for k, v in self.menu_buttons.items()},
                "faults": self.faults(),
                "stats": self.stats.as_dict(),
            }
        )


# ---------------------------------------------------------------------- standalone


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.fakes.telegram_api", description="Loopback fake Telegram Bot API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="token used for webhook replies and fake.updates' bot user")
    p.add_argument("--no-limits", action="store_true", help="disable rate limits")
    p.add_argument("--global-per-second", type=int, default=LimitConfig.global_per_second)
    p.add_argument("--private-burst", type=int, default=LimitConfig.private_burst)
    p.add_argument("--private-per-second", type=float, default=LimitConfig.private_per_second)
    p.add_argument("--group-per-minute", type=int, default=LimitConfig.group_per_minute)
    p.add_argument("--fail-rate", type=float, default=0.0, help="share of send-like requests answered 500")
    p.add_argument("--drop-rate", type=float, default=0.0, help="share of send-like requests recorded, then dropped")
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strict-chats", action="store_true")
    p.add_argument("--strict-messages", action="store_true")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    limits = LimitConfig(
        enabled=not args.no_limits,
        global_per_second=args.global_per_second,
        private_burst=args.private_burst,
        private_per_second=args.private_per_second,
        group_per_minute=args.group_per_minute,
    )
    fake = FakeTelegram(
        host=args.host,
        port=args.port,
        token=args.token,
        limits=limits,
        fail_rate=args.fail_rate,
        drop_rate=args.drop_rate,
        latency=args.latency,
        seed=args.seed,
        strict_chats=args.strict_chats,
        strict_messages=args.strict_messages,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await fake.start()
    print(fake.base_url, flush=True)  # first stdout line: scripts read the URL from here
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
