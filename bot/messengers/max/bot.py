"""The MAX front end: an aiogram Bot whose session speaks MAX, fed by long polling or a webhook.

    front = MaxFrontEnd(settings, dispatcher, sessionmaker)
    await front.start()          # GET /me, commands
    await front.poll(stop)       # or: front.add_webhook(web_app) + await front.subscribe()
    await front.close()          # waits for updates in flight, saves ids, closes HTTP

Middlewares and handlers tell the messenger by `bot.messengers.platform_of(bot)` ("telegram" or "max").
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from contextlib import suppress
from secrets import compare_digest
from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messengers import MAX_BOT_ID_BASE
from bot.messengers.max.refs import MaxRefs
from bot.messengers.max.session import MaxApiError, MaxSession

log = logging.getLogger("bot.max")

# What the flows use; the rest (user_added, chat_title_changed, dialog_*…) is not asked for.
UPDATE_TYPES = ("message_created", "message_edited", "message_callback", "bot_started", "bot_stopped")
POLL_TIMEOUT = 30  # seconds MAX holds a long poll open
POLL_LIMIT = 100


def aiogram_token(max_token: str) -> str:
    """aiogram wants a Telegram-shaped token and takes the bot's id from it (dialog state is keyed by it): a
    stable id per MAX token, out of Telegram's range of bot ids, keeps MAX dialogs apart from Telegram's."""
    digest = hashlib.sha256(max_token.encode()).hexdigest()
    return f"{MAX_BOT_ID_BASE + int(digest[:10], 16)}:MAX{digest[10:42]}"


class MaxBot(Bot):
    platform = "max"

    def __init__(self, max_token: str, session: MaxSession) -> None:
        super().__init__(aiogram_token(max_token), session=session,
                         default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    @property
    def max_session(self) -> MaxSession:
        return self.session  # type: ignore[return-value]


def build_max_bot(settings: Any, sessionmaker: async_sessionmaker[AsyncSession] | None) -> MaxBot:
    from bot.middlewares.callback_answer import NoteCallbackAnswers

    session = MaxSession(settings.max_token(), MaxRefs(sessionmaker), api_url=settings.max_api_url,
                         bot_username=settings.max_bot_username)
    session.middleware(NoteCallbackAnswers())
    return MaxBot(settings.max_token(), session)


class MaxFrontEnd:
    def __init__(self, settings: Any, dispatcher: Dispatcher, sessionmaker: async_sessionmaker[AsyncSession] | None,
                 bot: MaxBot | None = None) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self.bot = bot or build_max_bot(settings, sessionmaker)
        self.session = self.bot.max_session
        names = dispatcher.workflow_data.get("bot_names")
        if names is not None:
            names.add(self.bot)  # invites made on Telegram carry the MAX link too
        self._tasks: set[asyncio.Task[None]] = set()

    # --- updates ------------------------------------------------------------------------------------

    async def feed(self, max_update: dict[str, Any]) -> None:
        """One MAX update through the dispatcher (a bot_started is two aiogram updates, in order)."""
        for update in self.session.converter.convert(max_update):
            await self.dispatcher.feed_raw_update(self.bot, update)

    def spawn(self, max_update: dict[str, Any]) -> None:
        task = asyncio.create_task(self._feed_logged(max_update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _feed_logged(self, max_update: dict[str, Any]) -> None:
        try:
            await self.feed(max_update)
        except Exception:  # noqa: BLE001 - one bad update must not stop the others
            log.exception("MAX update %s failed", max_update.get("update_type"))

    # --- start, poll, webhook, stop -----------------------------------------------------------------

    async def start(self) -> None:
        me = await self.session.me()
        log.info("MAX bot %s (%s)", me.get("username") or me.get("first_name"), me.get("id"))
        from bot.app import set_commands

        try:
            await set_commands(self.bot)  # MAX keeps the Russian list (docs/messengers.md)
        except TelegramAPIError as error:  # commands are a convenience; the bot works without them
            log.warning("MAX commands not set: %s", error)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until `stop`; a webhook subscription would take the updates, so it is removed first."""
        await self._unsubscribe_all()
        marker: int | None = None
        failures = 0
        log.info("MAX polling started")
        while not stop.is_set():
            request = asyncio.create_task(self.session.call(
                "GET", "/updates", params={"marker": marker, "limit": POLL_LIMIT, "timeout": POLL_TIMEOUT,
                                           "types": ",".join(UPDATE_TYPES)}, timeout=POLL_TIMEOUT + 15))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({request, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if request not in done:
                request.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await request
                break
            try:
                data = request.result()
            except MaxApiError as error:
                failures += 1
                wait = (error.retry_after or 1) if error.status == 429 else min(30, 2 ** failures)
                log.warning("MAX polling: %s; again in %ss", error, wait)
                await _sleep_unless(stop, wait)
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                failures += 1
                wait = min(30, 2 ** failures)
                log.warning("MAX polling: %s; again in %ss", type(error).__name__, wait)
                await _sleep_unless(stop, wait)
                continue
            failures = 0
            if data.get("marker") is not None:
                marker = int(data["marker"])
            for update in data.get("updates") or []:
                self.spawn(update)

    async def _unsubscribe_all(self) -> None:
        with suppress(MaxApiError, aiohttp.ClientError, asyncio.TimeoutError):
            subscriptions = (await self.session.call("GET", "/subscriptions")).get("subscriptions") or []
            for subscription in subscriptions:
                await self.session.call("DELETE", "/subscriptions", params={"url": subscription.get("url")})
                log.info("MAX: webhook %s removed for long polling", subscription.get("url"))

    def add_webhook(self, web_app: web.Application, path: str) -> None:
        secret = self.settings.max_webhook_secret.get_secret_value()

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Max-Bot-Api-Secret")
            if given is None or not compare_digest(given, secret):
                return web.json_response({"code": "forbidden", "message": "wrong secret"}, status=403)
            try:
                update = await request.json()
            except ValueError:
                return web.json_response({"code": "bad.request", "message": "not JSON"}, status=400)
            if isinstance(update, dict):
                self.spawn(update)  # answered at once; MAX retries a slow webhook
            return web.json_response({"ok": True})

        web_app.router.add_post(path, receive)

    async def subscribe(self) -> None:
        await self.session.call("POST", "/subscriptions", json={
            "url": self.settings.max_webhook_url, "update_types": list(UPDATE_TYPES),
            "secret": self.settings.max_webhook_secret.get_secret_value()})
        log.info("MAX webhook subscribed: %s", self.settings.max_webhook_url)

    async def wait_idle(self, timeout: float) -> bool:
        if not self._tasks:
            return True
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        return not pending

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.bot.session.close()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
