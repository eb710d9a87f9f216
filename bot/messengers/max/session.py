"""An aiogram session that speaks the MAX Bot API: the Bot API calls the handlers make become MAX calls.

Handlers keep calling `message.answer`, `edit_text`, `query.answer`, `answer_document`, `bot.copy_message`…; this
session turns each into POST/PUT/DELETE /messages, POST /answers, POST /uploads, GET /messages/{mid}, and MAX's
answers back into aiogram objects. MAX errors become aiogram's exceptions, so the request middlewares, the sender
and the error handler work unchanged: 429 → TelegramRetryAfter, a person who stopped or blocked the bot →
TelegramForbiddenError, 5xx → TelegramServerError, network faults → TelegramNetworkError.

Where MAX differs (docs/messengers.md):
* a callback must be answered with a notification or a message: an empty answer re-sends the message as it is
  (MAX shows no popup then), and an edit of the tapped message while its tap is unanswered goes out as the answer;
* no alerts (show_alert is a plain notification), no reply keyboards, no per-language commands, no chat actions;
* texts over 4000 characters are split; files are uploaded in two steps and re-sent by token.
"""
from __future__ import annotations

import asyncio
import logging
import mimetypes
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiogram.utils.text_decorations import html_decoration

from bot.messengers.max.markup import TEXT_LIMIT, keyboard_attachment, markup_to_html
from bot.messengers.max.refs import MaxRefs
from bot.messengers.max.updates import CallbackSeen, UpdateConverter, group_chats
from handlers.common import split_text

log = logging.getLogger(__name__)

OFFICIAL_API_URL = "https://platform-api2.max.ru"
# MAX error codes that mean the person is out of reach (stopped or blocked the bot, left, was removed).
BLOCKED_CODES = {"chat.denied", "access.denied", "error.dialog.suspended", "user.blocked", "dialog.suspended",
                 "bot.blocked", "user.not.found"}
UPLOAD_KINDS = {"document": "file", "photo": "image", "video": "video", "audio": "audio"}
NOT_READY_DELAYS = (0.3, 0.6, 1.0, 2.0, 3.0, 4.0)  # seconds between tries while an upload is being processed


_request_timeout: ContextVar[float | None] = ContextVar("max_request_timeout", default=None)


class MaxApiError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass
class _Tap:
    seen: CallbackSeen
    answered: bool = False


class MaxSession(BaseSession):
    def __init__(self, token: str, refs: MaxRefs, *, api_url: str = OFFICIAL_API_URL, bot_username: str | None = None,
                 timeout: float = 60.0, not_ready_delays: tuple[float, ...] = NOT_READY_DELAYS) -> None:
        # Files are downloaded from the URL MAX gives, so a "file path" is that URL.
        super().__init__(api=TelegramAPIServer(base=api_url.rstrip("/") + "/{method}", file="{path}"), timeout=timeout)
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.refs = refs
        self.bot_username = bot_username
        self.not_ready_delays = not_ready_delays
        self._http: aiohttp.ClientSession | None = None
        self._me: dict[str, Any] | None = None
        self._taps: OrderedDict[str, _Tap] = OrderedDict()
        self.converter = UpdateConverter(refs, self.bot_user, self._remember_tap)
        self._methods: dict[str, Callable[[Bot, Any], Awaitable[Any]]] = {
            "getMe": self._get_me, "sendMessage": self._send_message, "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup, "editMessageCaption": self._edit_caption,
            "deleteMessage": self._delete_message, "answerCallbackQuery": self._answer_callback,
            "sendDocument": self._send_document, "sendPhoto": self._send_photo, "copyMessage": self._copy_message,
            "getFile": self._get_file, "setMyCommands": self._set_commands, "deleteMyCommands": self._ok,
            "deleteWebhook": self._ok, "sendChatAction": self._ok, "setChatMenuButton": self._ok,
        }

    # --- HTTP ---------------------------------------------------------------------------------------

    async def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._http

    async def close(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()
        await self.refs.close()

    async def call(self, verb: str, path: str, *, params: dict[str, Any] | None = None,
                   json: dict[str, Any] | None = None, timeout: float | None = None) -> dict[str, Any]:
        """One MAX API call; non-2xx answers raise MaxApiError with MAX's code and message."""
        timeout = timeout or _request_timeout.get()
        http = await self.http()
        query = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (params or {}).items()
                 if v is not None}
        async with http.request(verb, self.api_url + path, params=query, json=json,
                                headers={"Authorization": self._token},
                                timeout=aiohttp.ClientTimeout(total=timeout or self.timeout)) as response:
            text = await response.text()
            data: Any = None
            try:
                data = self.json_loads(text) if text else {}
            except ValueError:
                data = None
            if 200 <= response.status < 300 and isinstance(data, dict):
                return data
            if 200 <= response.status < 300:
                raise MaxApiError(502, "bad.response", text[:200])
            body = data if isinstance(data, dict) else {}
            raise MaxApiError(response.status, str(body.get("code") or response.reason or "error"),
                              str(body.get("message") or text[:200]), _seconds(response.headers.get("Retry-After")))

    # --- aiogram's entry point ----------------------------------------------------------------------

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
                           ) -> TelegramType:
        name = method.__api_method__
        handler = self._methods.get(name)
        if handler is None:
            raise TelegramBadRequest(method=method, message=f"Bad Request: {name} is not available on MAX")
        token = _request_timeout.set(timeout)  # the caller's bound (the sender's 20 s) holds for every MAX call
        try:
            result = await handler(bot, method)
        except MaxApiError as error:
            raise to_aiogram(method, error) from error
        except TelegramAPIError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise TelegramNetworkError(method=method, message=f"{type(error).__name__}: {error}") from error
        finally:
            _request_timeout.reset(token)
        response = Response[method.__returning__].model_validate(  # type: ignore[name-defined]
            {"ok": True, "result": result}, context={"bot": bot})
        return response.result  # type: ignore[return-value]

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        http = await self.http()
        async with http.get(url, headers=headers or {}, timeout=aiohttp.ClientTimeout(total=timeout),
                            raise_for_status=raise_for_status) as response:
            async for chunk in response.content.iter_chunked(chunk_size):
                yield chunk

    # --- who the bot is -----------------------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        if self._me is None:
            data = await self.call("GET", "/me")
            self._me = {"id": int(data.get("user_id") or 0), "is_bot": True,
                        "first_name": data.get("first_name") or data.get("name") or "MAX",
                        "username": data.get("username") or self.bot_username}
        return self._me

    def bot_user(self) -> dict[str, Any]:
        return dict(self._me or {"id": 0, "is_bot": True, "first_name": "MAX", "username": self.bot_username})

    async def _get_me(self, bot: Bot, method: Any) -> dict[str, Any]:
        return await self.me()

    async def _ok(self, bot: Bot, method: Any) -> bool:
        return True

    async def _set_commands(self, bot: Bot, method: Any) -> bool:
        if method.language_code:  # MAX keeps one list; the default language's is the one shown
            return True
        commands = [{"name": c.command, "description": c.description} for c in method.commands]
        await self.call("PATCH", "/me/commands", json={"commands": commands})
        return True

    # --- sending ------------------------------------------------------------------------------------

    def _value(self, bot: Bot, value: Any) -> Any:
        return self.prepare_value(value, bot=bot, files={}, _dumps_json=False)

    def _text(self, bot: Bot, text: str, parse_mode: Any, entities: Any) -> tuple[str, dict[str, Any]]:
        if entities:
            return html_decoration.unparse(text, entities), {"format": "html"}
        mode = self._value(bot, parse_mode)
        if mode and str(getattr(mode, "value", mode)).upper() == "HTML":
            return text, {"format": "html"}
        return text, {}  # plain (Telegram Markdown is not MAX's markdown; the bot writes HTML)

    @staticmethod
    def _target(method: TelegramMethod[Any], chat_id: Any) -> dict[str, int]:
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if not isinstance(chat_id, int):
            raise TelegramBadRequest(method=method, message="Bad Request: chat not found")
        return {"user_id": chat_id} if chat_id > 0 else {"chat_id": group_chats.get(chat_id, chat_id)}

    async def _post(self, method: TelegramMethod[Any], chat_id: Any, body: dict[str, Any], *,
                    no_preview: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = self._target(method, chat_id)
        if no_preview:
            params["disable_link_preview"] = True
        delays = iter(self.not_ready_delays)
        while True:
            try:
                data = await self.call("POST", "/messages", params=params, json=body)
                return self.converter.message(data["message"], chat_id=int(chat_id))
            except MaxApiError as error:
                delay = next(delays, None) if error.code == "attachment.not.ready" else None
                if delay is None:
                    raise
                await asyncio.sleep(delay)  # the upload is still being processed

    @staticmethod
    def _common(bot: Bot, method: Any) -> tuple[dict[str, Any], bool]:
        body: dict[str, Any] = {}
        if getattr(method, "disable_notification", None):
            body["notify"] = False
        preview = getattr(method, "link_preview_options", None)
        return body, bool(preview is not None and getattr(preview, "is_disabled", False))

    async def _send_message(self, bot: Bot, method: Any) -> dict[str, Any]:
        text, fmt = self._text(bot, method.text, method.parse_mode, method.entities)
        common, no_preview = self._common(bot, method)
        keyboard = keyboard_attachment(method.reply_markup)
        parts = split_text(text, TEXT_LIMIT)
        sent: dict[str, Any] = {}
        for index, part in enumerate(parts):
            body = {"text": part, **fmt, **common}
            if keyboard and index == len(parts) - 1:
                body["attachments"] = [keyboard]
            sent = await self._post(method, method.chat_id, body, no_preview=no_preview)
        return sent

    # --- files --------------------------------------------------------------------------------------

    async def _send_document(self, bot: Bot, method: Any) -> dict[str, Any]:
        return await self._send_media(bot, method, "document")

    async def _send_photo(self, bot: Bot, method: Any) -> dict[str, Any]:
        return await self._send_media(bot, method, "photo")

    async def _send_media(self, bot: Bot, method: Any, field: str) -> dict[str, Any]:
        attachment = await self._attachment(bot, method, getattr(method, field), UPLOAD_KINDS[field])
        common, _ = self._common(bot, method)
        body: dict[str, Any] = {"attachments": [attachment], **common}
        keyboard = keyboard_attachment(method.reply_markup)
        if keyboard:
            body["attachments"].append(keyboard)
        if method.caption:
            text, fmt = self._text(bot, method.caption, method.parse_mode, method.caption_entities)
            body.update(text=text[:TEXT_LIMIT], **fmt)
        return await self._post(method, method.chat_id, body)

    async def _attachment(self, bot: Bot, method: Any, value: Any, kind: str) -> dict[str, Any]:
        if isinstance(value, InputFile):
            data = b"".join([chunk async for chunk in value.read(bot)])
            token = await self.upload(kind, data, value.filename or "file")
            return {"type": kind, "payload": {"token": token}}
        if isinstance(value, str) and value.startswith("max-"):
            ref = await self.refs.file(value)
            if ref is None or not (ref.token or ref.url):
                raise TelegramBadRequest(method=method, message="Bad Request: wrong file identifier")
            if ref.token:
                return {"type": ref.kind, "payload": {"token": ref.token}}
            return {"type": ref.kind, "payload": {"url": ref.url}}
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            if kind == "image":
                return {"type": "image", "payload": {"url": value}}
            data = b"".join([chunk async for chunk in self.stream_content(value)])
            token = await self.upload(kind, data, value.rsplit("/", 1)[-1] or "file")
            return {"type": kind, "payload": {"token": token}}
        raise TelegramBadRequest(method=method, message="Bad Request: wrong file identifier")

    async def upload(self, kind: str, data: bytes, filename: str) -> str:
        """The two-step upload: POST /uploads names a URL, the file goes there, a token comes back."""
        info = await self.call("POST", "/uploads", params={"type": kind})
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("data", data, filename=filename,
                       content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        http = await self.http()
        async with http.post(info["url"], data=form) as response:
            text = await response.text()
            if not 200 <= response.status < 300:
                raise MaxApiError(response.status, "upload.failed", text[:200])
        try:
            answer = self.json_loads(text) if text else {}
        except ValueError:
            answer = {}
        token = None
        if kind == "image" and isinstance(answer.get("photos"), dict) and answer["photos"]:
            token = next(iter(answer["photos"].values())).get("token")
        elif isinstance(answer, dict):
            token = answer.get("token")
        token = token or info.get("token")  # video and audio: the token comes with the URL
        if not token:
            raise MaxApiError(502, "upload.failed", "no token after upload")
        return str(token)

    async def _get_file(self, bot: Bot, method: Any) -> dict[str, Any]:
        ref = await self.refs.file(method.file_id)
        if ref is None or not ref.url:
            raise TelegramBadRequest(method=method, message="Bad Request: invalid file_id")
        result: dict[str, Any] = {"file_id": ref.file_id, "file_unique_id": ref.file_id[-16:], "file_path": ref.url}
        if ref.size is not None:
            result["file_size"] = ref.size
        return result

    # --- copies -------------------------------------------------------------------------------------

    async def _copy_message(self, bot: Bot, method: Any) -> dict[str, Any]:
        """MAX has no copy: the stored message is read back and sent again (text with its formatting, files
        by their tokens)."""
        mid = await self._mid(method, method.from_chat_id, method.message_id, "message to copy not found")
        original = await self.call("GET", f"/messages/{mid}")
        body = original.get("body") or {}
        attachments = [reusable for a in body.get("attachments") or [] if (reusable := _reusable(a))]
        keyboard = keyboard_attachment(method.reply_markup)
        if keyboard:
            attachments.append(keyboard)
        new: dict[str, Any] = {"attachments": attachments}
        if method.caption is not None:
            text, fmt = self._text(bot, method.caption, method.parse_mode, method.caption_entities)
            new.update(text=text, **fmt)
        elif body.get("text"):
            new.update(text=markup_to_html(body["text"], body.get("markup")), format="html")
        if not new.get("text") and not attachments:
            raise TelegramBadRequest(method=method, message="Bad Request: message can't be copied")
        common, _ = self._common(bot, method)
        sent = await self._post(method, method.chat_id, {**new, **common})
        return {"message_id": sent["message_id"]}

    # --- edits and deletes --------------------------------------------------------------------------

    async def _mid(self, method: Any, chat_id: Any, message_id: Any, missing: str) -> str:
        mid = None
        if isinstance(chat_id, int) and isinstance(message_id, int):
            mid = await self.refs.mid_for(chat_id, message_id)
        if mid is None:
            raise TelegramBadRequest(method=method, message=f"Bad Request: {missing}")
        return mid

    def _edited(self, bot: Bot, method: Any, text: str | None) -> dict[str, Any]:
        chat_id = method.chat_id
        message: dict[str, Any] = {"message_id": method.message_id, "date": int(time.time()),
                                   "edit_date": int(time.time()), "from": self.bot_user(),
                                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}
        if text is not None:
            message["text"] = text
        return message

    async def _edit(self, method: Any, body: dict[str, Any]) -> None:
        """PUT /messages; while a tap on this very message is unanswered, the edit goes out as its answer."""
        mid = await self._mid(method, method.chat_id, method.message_id, "message to edit not found")
        tap = self._unanswered(method.chat_id, method.message_id)
        if tap is not None:
            await self.call("POST", "/answers", params={"callback_id": tap.seen.callback_id}, json={"message": body})
            tap.answered = True
            return
        await self.call("PUT", "/messages", params={"message_id": mid}, json=body)

    def _kept_media(self, method: Any) -> list[dict[str, Any]]:
        tap = self._unanswered(method.chat_id, method.message_id) or self._last_tap(method.chat_id, method.message_id)
        body = tap.seen.body if tap is not None else None
        return [reusable for a in (body or {}).get("attachments") or [] if (reusable := _reusable(a))]

    async def _edit_text(self, bot: Bot, method: Any) -> dict[str, Any]:
        if method.inline_message_id:
            raise TelegramBadRequest(method=method, message="Bad Request: inline messages are not available on MAX")
        text, fmt = self._text(bot, method.text, method.parse_mode, method.entities)
        keyboard = keyboard_attachment(method.reply_markup)
        # MAX takes 4000 characters where Telegram takes 4096: a longer edit keeps its first part (cut at a line
        # break, so no HTML tag is cut in two) and the rest follows as new messages, the buttons under the last.
        parts = split_text(text, TEXT_LIMIT)
        head = [keyboard] if keyboard and len(parts) == 1 else []
        # Telegram drops the keyboard when an edit carries none; an empty list does that on MAX.
        await self._edit(method, {"text": parts[0], **fmt, "attachments": head})
        for index, part in enumerate(parts[1:], start=2):
            body: dict[str, Any] = {"text": part, **fmt}
            if keyboard and index == len(parts):
                body["attachments"] = [keyboard]
            await self._post(method, method.chat_id, body)
        return self._edited(bot, method, method.text)

    async def _edit_markup(self, bot: Bot, method: Any) -> dict[str, Any]:
        keyboard = keyboard_attachment(method.reply_markup)
        await self._edit(method, {"attachments": self._kept_media(method) + ([keyboard] if keyboard else [])})
        return self._edited(bot, method, None)

    async def _edit_caption(self, bot: Bot, method: Any) -> dict[str, Any]:
        text, fmt = self._text(bot, method.caption or "", method.parse_mode, method.caption_entities)
        body: dict[str, Any] = {"text": text[:TEXT_LIMIT], **fmt}
        keyboard = keyboard_attachment(method.reply_markup)
        media = self._kept_media(method)
        if keyboard or media:
            body["attachments"] = media + ([keyboard] if keyboard else [])
        await self._edit(method, body)
        return self._edited(bot, method, None)

    async def _delete_message(self, bot: Bot, method: Any) -> bool:
        mid = await self._mid(method, method.chat_id, method.message_id, "message to delete not found")
        await self.call("DELETE", "/messages", params={"message_id": mid})
        return True

    # --- taps ---------------------------------------------------------------------------------------

    def _remember_tap(self, seen: CallbackSeen) -> None:
        self._taps[seen.callback_id] = _Tap(seen)
        while len(self._taps) > 10_000:
            self._taps.popitem(last=False)

    def _unanswered(self, chat_id: Any, message_id: Any) -> _Tap | None:
        for tap in reversed(self._taps.values()):
            if not tap.answered and tap.seen.chat_id == chat_id and tap.seen.message_id == message_id:
                return tap
        return None

    def _last_tap(self, chat_id: Any, message_id: Any) -> _Tap | None:
        for tap in reversed(self._taps.values()):
            if tap.seen.chat_id == chat_id and tap.seen.message_id == message_id:
                return tap
        return None

    async def _answer_callback(self, bot: Bot, method: Any) -> bool:
        tap = self._taps.get(method.callback_query_id)
        if tap is not None and tap.answered:
            if method.text:  # MAX takes one answer per tap; the edit already answered this one
                log.debug("MAX: a second answer to %s was not sent: %s", method.callback_query_id, method.text)
            return True
        if method.text:
            answer: dict[str, Any] = {"notification": method.text}
        elif tap is not None and tap.seen.body is not None and tap.seen.body.get("text"):
            # MAX wants a notification or a message; the message as it stands answers without a popup.
            body = tap.seen.body
            answer = {"message": {"text": markup_to_html(body["text"], body.get("markup")), "format": "html"}}
        else:
            log.debug("MAX: tap %s left without an answer: nothing to say", method.callback_query_id)
            return True
        await self.call("POST", "/answers", params={"callback_id": method.callback_query_id}, json=answer)
        if tap is not None:
            tap.answered = True
        return True


def _seconds(value: str | None) -> int | None:
    try:
        return max(1, round(float(value))) if value else None
    except ValueError:
        return None


def _reusable(attachment: dict[str, Any]) -> dict[str, Any] | None:
    """A received attachment as something that can be sent again (media by token; keyboards are rebuilt)."""
    kind = attachment.get("type")
    payload = attachment.get("payload") or {}
    if kind in ("image", "video", "audio", "file", "sticker") and payload.get("token"):
        return {"type": kind, "payload": {"token": payload["token"]}}
    if kind == "sticker" and payload.get("code"):
        return {"type": "sticker", "payload": {"code": payload["code"]}}
    return None


def to_aiogram(method: TelegramMethod[Any], error: MaxApiError) -> TelegramAPIError:
    """MAX's error → the aiogram exception the rest of the bot already understands."""
    text = f"{error.code}: {error.message}"
    if error.status == 429 or error.code == "too.many.requests":
        return TelegramRetryAfter(method=method, message=f"Too Many Requests: {text}",
                                  retry_after=max(1, error.retry_after or 1))
    if error.status == 403 or error.code in BLOCKED_CODES:
        return TelegramForbiddenError(method=method, message=f"Forbidden: bot was blocked by the user ({text})")
    if error.status == 401:
        return TelegramUnauthorizedError(method=method, message=f"Unauthorized: {text}")
    if error.status >= 500:
        return TelegramServerError(method=method, message=f"Internal Server Error: {text}")
    if error.code == "chat.not.found":
        return TelegramBadRequest(method=method, message=f"Bad Request: chat not found ({text})")
    return TelegramBadRequest(method=method, message=f"Bad Request: {text}")
