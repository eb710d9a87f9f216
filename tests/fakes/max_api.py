"""A loopback MAX Bot API server for tests and benchmarks (docs/messengers.md, «The fake»).

It speaks the protocol the `maxapi` package speaks (token in `Authorization`, JSON bodies, query parameters,
errors as a status plus `{"code", "message"}`), keeps dialogs, messages and uploads, records every call, and has
people who start and stop the bot, type, send files and tap buttons:

    async with FakeMax() as fake:
        anna = fake.person(5001, "Анна")
        update = fake.start(anna, payload="inv-ABC")        # queued for GET /updates (or POSTed to a webhook)
        update = fake.type(anna, "/menu")
        update = fake.tap(anna, "Мероприятия")              # a button on the newest bot message to her
        await fake.wait_for(lambda s: "Главное меню" in s.text, user_id=anna.user_id)

Limits (on by default): about 30 requests a second in all, 2 messages and 2 callback answers a second per
dialog; past them 429 `too.many.requests`. Faults on demand: `fail_rate` (500), `flood` (every send 429),
`stopped` people (403 `chat.denied`), `drop_answer_rate` (the answer is taken, the connection is cut), and
`not_ready_times` (a fresh upload's token answers 400 `attachment.not.ready` that many times).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.formatting import EntityParseError, parse_html
from tests.fakes.limits import SlidingWindow

TEXT_LIMIT = 4000
ROWS, PER_ROW, LINKS_PER_ROW = 30, 7, 3
BUTTON_TEXT_LIMIT = 128
PAYLOAD_LIMIT = 256  # characters of a callback button's payload (maxapi: «до 256 символов»)
_MARKUP = {"bold": "strong", "italic": "emphasized", "underline": "underline", "strikethrough": "strikethrough",
           "code": "monospaced", "pre": "monospaced", "text_link": "link", "blockquote": "quote"}


class MaxError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass
class Person:
    user_id: int
    first_name: str = "Мария"
    last_name: str = ""
    username: str | None = None
    locale: str = "ru"

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"user_id": self.user_id, "first_name": self.first_name, "last_name": self.last_name,
                                "is_bot": False, "last_activity_time": int(time.time() * 1000),
                                "name": f"{self.first_name} {self.last_name}".strip()}
        if self.username:
            user["username"] = self.username
        return user


@dataclass
class Sent:
    """One thing the bot did that a person sees: send, edit, delete, answer."""

    seq: int
    kind: str  # send, edit, delete, answer
    user_id: int | None
    mid: str | None
    text: str = ""  # plain text as shown
    raw: str | None = None  # as the bot sent it
    attachments: list[dict[str, Any]] = field(default_factory=list)
    notification: str | None = None
    ts: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for a in self.attachments if a.get("type") == "inline_keyboard"
                for row in a["payload"]["buttons"] for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for b in self.buttons]


@dataclass
class Call:
    verb: str
    path: str
    params: dict[str, str]
    body: Any
    status: int = 200
    ts: float = field(default_factory=time.monotonic)


@dataclass
class Stats:
    requests: int = 0
    sent: int = 0
    over_limit: int = 0
    flood_429: int = 0
    failed_500: int = 0
    denied_403: int = 0
    bad_request_400: int = 0
    not_ready: int = 0
    answers: int = 0
    dropped_answers: int = 0
    updates_pushed: int = 0
    webhook_posts: int = 0


class FakeMax:
    def __init__(self, *, token: str | None = None, limits: bool = True, bot_id: int = 700_000_001,
                 bot_username: str = "nastavnik_bot", global_per_second: int = 30, dialog_per_second: int = 2,
                 answers_per_second: int = 2, seed: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token or f"max-{secrets.token_urlsafe(24)}"
        self.limits = limits
        self.bot = {"user_id": bot_id, "first_name": "Сетевой наставник", "username": bot_username, "is_bot": True,
                    "last_activity_time": int(time.time() * 1000), "name": "Сетевой наставник"}
        self.global_per_second, self.dialog_per_second, self.answers_per_second = (
            global_per_second, dialog_per_second, answers_per_second)
        self.host, self.port = host, port
        self.rng = random.Random(seed)
        self.fail_rate = 0.0
        self.drop_answer_rate = 0.0
        self.not_ready_times = 0
        self.flood_until = 0.0
        self.stopped: set[int] = set()  # people who stopped (or blocked) the bot
        self.people: dict[int, Person] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.sent: list[Sent] = []
        self.calls: list[Call] = []
        self.stats = Stats()
        self.commands: list[dict[str, Any]] = []
        self.subscriptions: list[dict[str, Any]] = []
        self.callbacks: dict[str, dict[str, Any]] = {}  # callback_id → {"user_id", "mid", "answered"}
        self.uploads: dict[str, dict[str, Any]] = {}  # token → {"type", "data", "name", "url", "not_ready"}
        self._updates: list[tuple[int, dict[str, Any]]] = []
        self._marker = itertools.count(1)
        self._seq = itertools.count(1)
        self._ledger_seq = itertools.count(1)
        self._new_updates = asyncio.Event()
        self._new_sent = asyncio.Event()
        self._global = SlidingWindow(global_per_second, 1.0)
        self._dialog: dict[int, SlidingWindow] = {}
        self._answers: dict[int, SlidingWindow] = {}
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._webhook_tasks: set[asyncio.Task[None]] = set()

    # --- server -------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def serve(self) -> FakeMax:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/_upload/{id}", self._upload_endpoint)
        app.router.add_get("/_files/{token}", self._download)
        app.router.add_route("*", "/{path:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port)
        await self._site.start()
        self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for task in list(self._webhook_tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeMax:
        return await self.serve()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- people -------------------------------------------------------------------------------------

    def person(self, user_id: int, first_name: str = "Мария", **profile: Any) -> Person:
        person = self.people.get(user_id) or Person(user_id, first_name, **profile)
        self.people[user_id] = person
        return person

    @staticmethod
    def dialog_id(user_id: int) -> int:
        """A dialog's chat_id is not the person's id (as in MAX)."""
        return 40_000_000_000 + user_id

    def _mid(self, chat_id: int, seq: int) -> str:
        return f"mid.{chat_id:016x}{seq:016x}"

    def _next_seq(self) -> int:
        # MAX's seq grows with time and is unique: milliseconds shifted left, plus a counter.
        return (int(time.time() * 1000) << 16) + next(self._seq) % 65536

    def _message(self, sender: dict[str, Any], user_id: int, text: str | None, attachments: list[dict[str, Any]],
                 markup: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        seq = self._next_seq()
        chat_id = self.dialog_id(user_id)
        body: dict[str, Any] = {"mid": self._mid(chat_id, seq), "seq": seq, "text": text}
        if attachments:
            body["attachments"] = attachments
        if markup:
            body["markup"] = markup
        message = {"sender": sender, "recipient": {"chat_id": chat_id, "chat_type": "dialog",
                                                  "user_id": user_id if sender.get("is_bot") else self.bot["user_id"]},
                   "timestamp": int(time.time() * 1000), "body": body}
        self.messages[body["mid"]] = message
        return message

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queues an update for GET /updates, or POSTs it to the webhook when one is subscribed."""
        update.setdefault("timestamp", int(time.time() * 1000))
        self.stats.updates_pushed += 1
        if self.subscriptions:
            task = asyncio.get_running_loop().create_task(self._post_webhook(update))
            self._webhook_tasks.add(task)
            task.add_done_callback(self._webhook_tasks.discard)
        else:
            self._updates.append((next(self._marker), update))
            self._new_updates.set()
        return update

    def start(self, person: Person, payload: str | None = None) -> dict[str, Any]:
        self.stopped.discard(person.user_id)
        return self.push({"update_type": "bot_started", "chat_id": self.dialog_id(person.user_id),
                          "user": person.as_user(), "payload": payload, "user_locale": person.locale})

    def stop_bot(self, person: Person) -> dict[str, Any]:
        self.stopped.add(person.user_id)
        return self.push({"update_type": "bot_stopped", "chat_id": self.dialog_id(person.user_id),
                          "user": person.as_user(), "user_locale": person.locale})

    def type(self, person: Person, text: str) -> dict[str, Any]:
        message = self._message(person.as_user(), person.user_id, text, [])
        return self.push({"update_type": "message_created", "message": message, "user_locale": person.locale})

    def send_file(self, person: Person, name: str, data: bytes, caption: str | None = None,
                  kind: str = "file") -> dict[str, Any]:
        token = self._store_upload(kind, data, name, not_ready=0)
        payload: dict[str, Any] = {"url": self.uploads[token]["url"], "token": token}
        attachment: dict[str, Any] = {"type": kind, "payload": payload}
        if kind == "file":
            attachment.update(filename=name, size=len(data))
        else:
            payload["photo_id"] = len(self.uploads)
        message = self._message(person.as_user(), person.user_id, caption, [attachment])
        return self.push({"update_type": "message_created", "message": message, "user_locale": person.locale})

    def find_button(self, person: Person, label: str) -> tuple[str, dict[str, Any]]:
        """The newest bot message to `person` with a callback button whose text contains `label`."""
        for mid in reversed(list(self.messages)):
            message = self.messages[mid]
            if message["recipient"].get("user_id") != person.user_id or not message["sender"].get("is_bot"):
                continue
            for attachment in message["body"].get("attachments") or []:
                if attachment.get("type") != "inline_keyboard":
                    continue
                for button in (b for row in attachment["payload"]["buttons"] for b in row):
                    if button.get("type") == "callback" and label in button.get("text", ""):
                        return mid, button
        raise AssertionError(f"no button {label!r} for {person.user_id}")

    def buttons(self, person: Person) -> list[str]:
        """Texts of the buttons on the newest bot message to `person` that has any."""
        for mid in reversed(list(self.messages)):
            message = self.messages[mid]
            if message["recipient"].get("user_id") != person.user_id or not message["sender"].get("is_bot"):
                continue
            for attachment in message["body"].get("attachments") or []:
                if attachment.get("type") == "inline_keyboard":
                    return [b["text"] for row in attachment["payload"]["buttons"] for b in row]
        return []

    def tap(self, person: Person, label: str | None = None, *, payload: str | None = None,
            mid: str | None = None) -> dict[str, Any]:
        if label is not None:
            mid, button = self.find_button(person, label)
            payload = button.get("payload")
        callback_id = f"cb-{person.user_id}-{secrets.token_hex(6)}"
        self.callbacks[callback_id] = {"user_id": person.user_id, "mid": mid, "answered": False}
        update: dict[str, Any] = {"update_type": "message_callback", "user_locale": person.locale,
                                  "callback": {"timestamp": int(time.time() * 1000), "callback_id": callback_id,
                                               "payload": payload, "user": person.as_user()}}
        if mid is not None and mid in self.messages:
            update["message"] = json.loads(json.dumps(self.messages[mid]))
        return self.push(update)

    def take_updates(self) -> list[dict[str, Any]]:
        """What is queued for GET /updates, removed (tests that feed the bot directly)."""
        updates, self._updates = [u for _, u in self._updates], []
        return updates

    def unanswered(self) -> list[str]:
        return [cid for cid, c in self.callbacks.items() if not c["answered"]]

    # --- ledger -------------------------------------------------------------------------------------

    def _record(self, kind: str, user_id: int | None, mid: str | None, **fields: Any) -> Sent:
        entry = Sent(next(self._ledger_seq), kind, user_id, mid, **fields)
        self.sent.append(entry)
        self._new_sent.set()
        return entry

    def sent_to(self, user_id: int) -> list[Sent]:
        return [s for s in self.sent if s.user_id == user_id]

    @property
    def last_seq(self) -> int:
        return self.sent[-1].seq if self.sent else 0

    async def wait_for(self, predicate: Callable[[Sent], bool], *, timeout: float = 5.0, user_id: int | None = None,
                       since: int = 0) -> Sent:
        deadline = time.monotonic() + timeout
        while True:
            for entry in self.sent:
                if entry.seq > since and (user_id is None or entry.user_id == user_id) and predicate(entry):
                    return entry
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("nothing matching was sent in time")
            self._new_sent.clear()
            try:
                await asyncio.wait_for(self._new_sent.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def calls_to(self, verb: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.verb == verb and c.path == path]

    def flood(self, seconds: float) -> None:
        self.flood_until = time.monotonic() + seconds

    # --- HTTP ---------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        params = dict(request.query)
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return self._error(Call(request.method, path, params, None), MaxError(400, "proto.payload",
                                                                                      "Invalid JSON"))
        call = Call(request.method, path, params, body)
        self.calls.append(call)
        self.stats.requests += 1
        if request.headers.get("Authorization") != self.token:
            return self._error(call, MaxError(401, "verify.token", "Invalid access_token"))
        try:
            self._admit_global(path, request.method)
            result = await self._route(request.method, path, params, body or {}, request)
        except MaxError as error:
            return self._error(call, error)
        except _Drop:
            request.transport.close()  # type: ignore[union-attr]
            return web.Response(status=200)
        return web.json_response(result)

    def _error(self, call: Call, error: MaxError) -> web.Response:
        call.status = error.status
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
        return web.json_response({"code": error.code, "message": error.message}, status=error.status,
                                 headers=headers)

    def _admit_global(self, path: str, verb: str) -> None:
        if not self.limits or (verb == "GET" and path == "/updates"):
            return
        now = time.monotonic()
        wait = self._global.wait_time(now)
        if wait > 0:
            self.stats.over_limit += 1
            raise MaxError(429, "too.many.requests", "Too many requests", max(1, round(wait)))
        self._global.add(now)

    def _admit_dialog(self, table: dict[int, SlidingWindow], user_id: int, per_second: int) -> None:
        if not self.limits:
            return
        window = table.setdefault(user_id, SlidingWindow(per_second, 1.0))
        now = time.monotonic()
        wait = window.wait_time(now)
        if wait > 0:
            self.stats.over_limit += 1
            raise MaxError(429, "too.many.requests", "Too many requests to this chat", max(1, round(wait)))
        window.add(now)

    def _faults(self, user_id: int | None) -> None:
        if user_id is not None and user_id in self.stopped:
            self.stats.denied_403 += 1
            raise MaxError(403, "chat.denied", "chat.denied: dialog is suspended or the bot was stopped")
        if time.monotonic() < self.flood_until:
            self.stats.flood_429 += 1
            raise MaxError(429, "too.many.requests", "Too many requests", max(1, round(self.flood_until - time.monotonic())))

    def _maybe_fail(self) -> None:
        if self.fail_rate and self.rng.random() < self.fail_rate:
            self.stats.failed_500 += 1
            raise MaxError(500, "internal.error", "Internal error")

    async def _route(self, verb: str, path: str, params: dict[str, str], body: dict[str, Any],
                     request: web.Request) -> Any:
        if verb == "GET" and path == "/me":
            return self.bot
        if verb == "PATCH" and path in ("/me", "/me/commands"):
            self.commands = list(body.get("commands") or [])
            return {**self.bot, "commands": self.commands}
        if verb == "GET" and path == "/updates":
            return await self._get_updates(params)
        if path == "/subscriptions":
            return self._subscriptions(verb, params, body)
        if verb == "POST" and path == "/messages":
            return self._send(params, body)
        if verb == "PUT" and path == "/messages":
            return self._edit(params.get("message_id", ""), body)
        if verb == "DELETE" and path == "/messages":
            return self._delete(params.get("message_id", ""))
        if verb == "GET" and path.startswith("/messages/"):
            message = self.messages.get(path.removeprefix("/messages/"))
            if message is None:
                raise MaxError(404, "not.found", "Message not found")
            return message
        if verb == "POST" and path == "/answers":
            return self._answer(params.get("callback_id", ""), body)
        if verb == "POST" and path == "/uploads":
            kind = params.get("type")
            if kind not in ("image", "video", "audio", "file"):
                raise MaxError(400, "proto.payload", "type: must be one of image, video, audio, file")
            upload_id = secrets.token_hex(8)
            answer = {"url": f"{self.base_url}/_upload/{upload_id}?type={kind}"}
            if kind in ("video", "audio"):  # these get their token before the upload, as in MAX
                answer["token"] = upload_id
            return answer
        raise MaxError(404, "not.found", f"Path {path} is not recognized")

    # --- updates and webhooks -----------------------------------------------------------------------

    async def _get_updates(self, params: dict[str, str]) -> dict[str, Any]:
        marker = int(params["marker"]) if params.get("marker") else None
        if marker is not None:  # everything up to the marker was received: forget it
            self._updates = [(m, u) for m, u in self._updates if m >= marker]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 30)
        types = set(filter(None, (params.get("types") or "").split(",")))
        deadline = time.monotonic() + timeout
        while True:
            batch = [(m, u) for m, u in self._updates if not types or u["update_type"] in types][:limit]
            if batch or time.monotonic() >= deadline:
                break
            self._new_updates.clear()
            try:
                await asyncio.wait_for(self._new_updates.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
        skipped = [m for m, u in self._updates if types and u["update_type"] not in types]
        self._updates = [(m, u) for m, u in self._updates if m not in skipped]
        next_marker = (batch[-1][0] + 1) if batch else (marker or (self._updates[0][0] if self._updates else None))
        return {"updates": [u for _, u in batch], "marker": next_marker}

    def _subscriptions(self, verb: str, params: dict[str, str], body: dict[str, Any]) -> Any:
        if verb == "GET":
            return {"subscriptions": [{"url": s["url"], "time": s["time"], "update_types": s["update_types"]}
                                      for s in self.subscriptions]}
        if verb == "POST":
            secret = body.get("secret")
            if secret is not None and not (5 <= len(secret) <= 256):
                raise MaxError(400, "proto.payload", "secret: size must be between 5 and 256")
            self.subscriptions = [s for s in self.subscriptions if s["url"] != body.get("url")]
            self.subscriptions.append({"url": body.get("url"), "secret": secret, "time": int(time.time() * 1000),
                                       "update_types": body.get("update_types")})
            return {"success": True}
        if verb == "DELETE":
            self.subscriptions = [s for s in self.subscriptions if s["url"] != params.get("url")]
            return {"success": True}
        raise MaxError(405, "method.not.allowed", "Method not allowed")

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        import aiohttp

        for subscription in list(self.subscriptions):
            types = subscription.get("update_types")
            if types and update["update_type"] not in types:
                continue
            headers = {"X-Max-Bot-Api-Secret": subscription["secret"]} if subscription.get("secret") else {}
            async with aiohttp.ClientSession() as http:
                for attempt in range(5):  # MAX retries a webhook that does not answer 200
                    self.stats.webhook_posts += 1
                    try:
                        async with http.post(subscription["url"], json=update, headers=headers) as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.2 * (attempt + 1))

    # --- messages -----------------------------------------------------------------------------------

    def _render(self, body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
        text = body.get("text")
        if text is None:
            return None, []
        markup: list[dict[str, Any]] = []
        if body.get("format") == "html":
            try:
                text, entities = parse_html(text)
            except EntityParseError as error:
                raise MaxError(400, "proto.payload", f"text: can't parse html: {error}") from None
            for entity in entities:
                kind = _MARKUP.get(entity["type"])
                if kind:
                    item = {"type": kind, "from": entity["offset"], "length": entity["length"]}
                    if kind == "link":
                        item["url"] = entity.get("url")
                    markup.append(item)
        if len(text) > TEXT_LIMIT:
            raise MaxError(400, "proto.payload", f"text: size must be between 0 and {TEXT_LIMIT}")
        return text, markup

    def _attachments(self, given: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        out = []
        for attachment in given or []:
            kind = attachment.get("type")
            payload = attachment.get("payload") or {}
            if kind == "inline_keyboard":
                self._check_keyboard(payload.get("buttons") or [])
                out.append({"type": kind, "payload": {"buttons": payload.get("buttons") or []}})
            elif kind in ("file", "image", "video", "audio"):
                token = payload.get("token")
                if token is None and kind == "image" and payload.get("url"):
                    token = self._store_upload("image", b"", payload["url"], not_ready=0, url=payload["url"])
                upload = self.uploads.get(token or "")
                if upload is None:
                    raise MaxError(400, "proto.payload", f"attachment {kind}: unknown token")
                if upload["not_ready"] > 0:
                    upload["not_ready"] -= 1
                    self.stats.not_ready += 1
                    raise MaxError(400, "attachment.not.ready", "Key: errors.process.attachment.file.not.processed")
                item: dict[str, Any] = {"type": kind, "payload": {"url": upload["url"], "token": token}}
                if kind == "file":
                    item.update(filename=upload["name"], size=len(upload["data"]))
                out.append(item)
            elif kind == "sticker":
                out.append({"type": kind, "payload": payload})
            else:
                raise MaxError(400, "proto.payload", f"attachment type {kind!r} is not supported")
        return out

    @staticmethod
    def _check_keyboard(rows: list[list[dict[str, Any]]]) -> None:
        if not rows or len(rows) > ROWS:
            raise MaxError(400, "proto.payload", f"buttons: between 1 and {ROWS} rows")
        for row in rows:
            links = any(b.get("type") in ("link", "open_app", "request_contact", "request_geo_location") for b in row)
            if not row or len(row) > (LINKS_PER_ROW if links else PER_ROW):
                raise MaxError(400, "proto.payload", "buttons: too many buttons in a row")
            for button in row:
                if not 1 <= len(button.get("text") or "") <= BUTTON_TEXT_LIMIT:
                    raise MaxError(400, "proto.payload", "button text: size must be between 1 and 128")
                if button.get("type") == "callback" and len(button.get("payload") or "") > PAYLOAD_LIMIT:
                    raise MaxError(400, "proto.payload", f"payload: size must be at most {PAYLOAD_LIMIT}")
                if button.get("type") == "link" and not str(button.get("url", "")).startswith(("http://", "https://")):
                    raise MaxError(400, "proto.payload", "url: must be http(s)")

    def _send(self, params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if "user_id" not in params:
            raise MaxError(400, "proto.payload", "user_id or chat_id is required (the fake keeps dialogs only)")
        user_id = int(params["user_id"])
        self._faults(user_id)
        if self.people and user_id not in self.people:
            raise MaxError(404, "chat.not.found", f"Chat {user_id} not found")
        text, markup = self._render(body)
        attachments = self._attachments(body.get("attachments"))
        if not text and not attachments:
            raise MaxError(400, "proto.payload", "text or attachments are required")
        self._admit_dialog(self._dialog, user_id, self.dialog_per_second)
        self._maybe_fail()
        message = self._message(self.bot, user_id, text, attachments, markup)
        self.stats.sent += 1
        self._record("send", user_id, message["body"]["mid"], text=text or "", raw=body.get("text"),
                     attachments=attachments)
        return {"message": message}

    def _change(self, mid: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        message = self.messages.get(mid)
        if message is None or not message["sender"].get("is_bot"):
            raise MaxError(404, "not.found", "Message not found")
        new = dict(message["body"])
        if "text" in body:
            new["text"], new["markup"] = self._render(body)
        if body.get("attachments") is not None:
            new["attachments"] = self._attachments(body["attachments"])
        return message, new

    def _edit(self, mid: str, body: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(mid)
        user_id = message["recipient"].get("user_id") if message else None
        self._faults(user_id)
        message, new = self._change(mid, body)
        self._maybe_fail()
        message["body"] = new
        self._record("edit", user_id, mid, text=new.get("text") or "", raw=body.get("text"),
                     attachments=new.get("attachments") or [])
        return {"success": True}

    def _delete(self, mid: str) -> dict[str, Any]:
        message = self.messages.pop(mid, None)
        if message is None:
            raise MaxError(404, "not.found", "Message not found")
        self._record("delete", message["recipient"].get("user_id"), mid)
        return {"success": True}

    def _answer(self, callback_id: str, body: dict[str, Any]) -> dict[str, Any]:
        callback = self.callbacks.get(callback_id)
        if callback is None:
            raise MaxError(404, "not.found", "Callback not found")
        if not body.get("message") and not body.get("notification"):
            raise MaxError(400, "proto.payload", "`message` or `notification` required")
        if callback["answered"]:
            raise MaxError(400, "proto.payload", "callback is already answered")
        self._admit_dialog(self._answers, callback["user_id"], self.answers_per_second)
        self._maybe_fail()
        new = None
        if body.get("message") and callback["mid"]:
            message, new = self._change(callback["mid"], body["message"])
            message["body"] = new
        callback["answered"] = True
        self.stats.answers += 1
        self._record("answer", callback["user_id"], callback["mid"], text=(new or {}).get("text") or "",
                     notification=body.get("notification"), attachments=(new or {}).get("attachments") or [])
        if self.drop_answer_rate and self.rng.random() < self.drop_answer_rate:
            self.stats.dropped_answers += 1
            raise _Drop()
        return {"success": True}

    # --- uploads ------------------------------------------------------------------------------------

    def _store_upload(self, kind: str, data: bytes, name: str, *, not_ready: int, url: str | None = None,
                      token: str | None = None) -> str:
        token = token or f"tok-{secrets.token_urlsafe(16)}"
        self.uploads[token] = {"type": kind, "data": data, "name": name, "not_ready": not_ready,
                               "url": url or f"{self.base_url}/_files/{token}"}
        return token

    async def _upload_endpoint(self, request: web.Request) -> web.Response:
        self.calls.append(Call(request.method, "/_upload", dict(request.query), None))
        kind = request.query.get("type", "file")
        reader = await request.multipart()
        part = await reader.next()
        if part is None or getattr(part, "name", None) != "data":
            return web.json_response({"code": "proto.payload", "message": "multipart field `data` required"},
                                     status=400)
        data = await part.read()  # type: ignore[union-attr]
        name = part.filename or "file"  # type: ignore[union-attr]
        upload_id = request.match_info["id"]
        token = self._store_upload(kind, bytes(data), name, not_ready=self.not_ready_times,
                                   token=upload_id if kind in ("video", "audio") else None)
        if kind == "image":
            return web.json_response({"photos": {secrets.token_hex(4): {"token": token}}})
        if kind == "file":
            return web.json_response({"token": token})
        return web.json_response({"retval": "ok"})

    async def _download(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["token"])
        if upload is None:
            return web.Response(status=404)
        return web.Response(body=upload["data"], headers={
            "Content-Disposition": f'attachment; filename="{upload["name"]}"'})


class _Drop(Exception):
    """Cut the connection after doing the work (the client never hears the answer)."""
