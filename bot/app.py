"""Assembles the bot: dispatcher, middlewares, routers, delivery, and the polling or webhook runner."""
from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.fsm_storage import build_storage
from bot.i18n import LANGUAGES, Translator
from bot.logs import protect
from bot.messengers.links import BotNames
from bot.middlewares.budget import UpdateBudget
from bot.middlewares.callback_answer import AnswerCallbacks, NoteCallbackAnswers
from bot.middlewares.callback_ids import CallbackIdsInRange
from bot.middlewares.commands import CommandsWin
from bot.middlewares.context import DbSessionMiddleware, InFlight, LoadingSlots, ViewerMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.services.clock import Clock, SystemClock
from db.session import create_engine, make_sessionmaker
from handlers import build_root_router, early_answerers

log = logging.getLogger("bot.app")

COMMANDS = ("start", "menu", "events", "stats", "help", "cancel", "profile", "settings", "privacy", "mydata",
            "forgetme")


def build_bot(settings: Settings) -> Bot:
    protect(settings.secrets())  # whatever logs from here on, the token and the webhook secret never show
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    session.middleware(NoteCallbackAnswers())
    return Bot(settings.token(), session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    storage: BaseStorage
    clock: Clock
    in_flight: InFlight
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.storage.close()
        await self.engine.dispose()


def build_dispatcher(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], storage: BaseStorage,
                     clock: Clock, in_flight: InFlight) -> Dispatcher:
    # FSM is registered by hand, after the session middleware, so dialog state is read and written in the
    # update's own transaction (one connection per update, and the step commits with its change).
    dp = Dispatcher(storage=storage, settings=settings, clock=clock, sessionmaker=sessionmaker, disable_fsm=True)
    dp["bot_names"] = BotNames(settings)  # the bots served, for links into each messenger (invites)
    # The order matters: flood control and early answers cost no query, so they run before the session is
    # first used; dialog state and the person are loaded after them.
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker, in_flight))
    dp.update.outer_middleware(ThrottlingMiddleware(settings.throttle_per_sec, settings.throttle_burst))
    dp["update_budget"] = UpdateBudget(settings.updates_per_sec, settings.updates_burst,
                                       busy_slots=settings.updates_busy_slots)
    dp.update.outer_middleware(dp["update_budget"])
    dp.update.outer_middleware(CallbackIdsInRange())
    dp["early_answerers"] = early_answerers(sessionmaker, clock)
    dp.update.outer_middleware(AnswerCallbacks(dp["early_answerers"]))
    slots = LoadingSlots(settings.loading_slots)
    dp.update.outer_middleware(slots.enter)
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(ViewerMiddleware(settings.admins()))
    dp.update.outer_middleware(slots.leave)
    dp.message.outer_middleware(CommandsWin((*COMMANDS, "checkin")))  # a typed command leaves any dialog
    dp.include_router(build_root_router())
    return dp


def build_app(settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None) -> App:
    engine = engine or create_engine(settings.database_url, hide_parameters=not settings.log_sql_parameters)
    sessionmaker = make_sessionmaker(engine)
    storage = build_storage(settings.redis_url, sessionmaker)
    clock = clock or SystemClock()
    in_flight = InFlight()
    dispatcher = build_dispatcher(settings, sessionmaker, storage, clock, in_flight)
    return App(settings, engine, sessionmaker, dispatcher, storage, clock, in_flight)


async def set_commands(bot: Bot) -> None:
    for language in LANGUAGES:
        t = Translator(language)
        commands = [BotCommand(command=name, description=t(f"commands.{name}")) for name in COMMANDS]
        await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(),
                                  language_code=None if language == "ru" else language)


async def run(settings: Settings) -> None:
    """Runs until SIGTERM/SIGINT: then stops taking updates, lets handlers finish (bounded), closes.
    Serves whichever messengers have a token (Telegram, MAX or both) from the one dispatcher."""
    from db.migrate import upgrade

    settings.require_messenger()
    await upgrade(settings.database_url)
    app = build_app(settings)
    bot = build_bot(settings) if settings.telegram_enabled else None
    if bot is not None:
        app.dispatcher["bot_names"].add(bot)  # invites made on MAX carry the Telegram link too
    max_front = build_max_front(settings, app) if settings.max_enabled else None  # registers its own bot
    # One sender per messenger, each with its own limiter (wired into its bot, so replies share it).
    bots: dict[str, Bot] = {}
    if bot is not None:
        bots["telegram"] = bot
    if max_front is not None:
        bots["max"] = max_front.bot
    delivery = None
    with suppress(ImportError):
        from bot.delivery import setup_delivery

        delivery = setup_delivery(bots, app.sessionmaker, settings, app.clock)
        app.dispatcher["delivery"] = delivery
    from scheduler import build_scheduler
    from scheduler.jobs import JOBS

    scheduler = build_scheduler(JOBS, app.sessionmaker, app.clock,
                                after=delivery.wake if delivery is not None else None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if bot is not None:
            await set_commands(bot)
        if max_front is not None:
            await max_front.start()
        if delivery is not None:
            await delivery.start()
        scheduler.start()
        for job in scheduler.get_jobs():
            job.modify(next_run_time=datetime.now(timezone.utc))  # plan at once: catch up after downtime
        await _serve(app, bot, max_front, stop)
    finally:
        stopped_jobs = await scheduler.stop(settings.shutdown_grace_sec)
        if stopped_jobs:
            log.warning("shutdown: %d planner jobs still running after %.0fs were stopped", stopped_jobs,
                        settings.shutdown_grace_sec)
        if max_front is not None:
            await max_front.wait_idle(settings.shutdown_grace_sec)
        drained = await app.in_flight.wait_idle(settings.shutdown_grace_sec)
        if not drained:
            # Their writes are committed or rolled back whole; what they still had to send (an edited keyboard,
            # a reply queued behind the rate limiter) is dropped rather than failing against a closed session.
            cancelled = await app.in_flight.cancel()
            log.warning("shutdown: %d updates still in flight after %.0fs were stopped", cancelled,
                        settings.shutdown_grace_sec)
        if delivery is not None:
            await delivery.stop()
        if bot is not None:
            await bot.session.close()
        if max_front is not None:
            await max_front.close()
        await app.close()
        log.info("stopped")


def build_max_front(settings: Settings, app: App) -> Any:
    from bot.messengers.max.bot import MaxFrontEnd

    return MaxFrontEnd(settings, app.dispatcher, app.sessionmaker)


async def _serve(app: App, bot: Bot | None, max_front: Any, stop: asyncio.Event) -> None:
    """Long polling or a webhook for each messenger; webhooks share one web server (WEBHOOK_HOST/PORT)."""
    settings = app.settings
    web_app = web.Application()
    jobs = []
    if bot is not None:
        if settings.webhook_url:
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            _WebhookHandler(dispatcher=app.dispatcher, bot=bot, secret_token=secret,
                            handle_in_background=True).register(web_app, path=settings.webhook_path)
        else:
            jobs.append(_poll(app, bot, stop))
    if max_front is not None:
        if settings.max_webhook_url:
            max_front.add_webhook(web_app, urlparse(settings.max_webhook_url).path or "/")
        else:
            jobs.append(max_front.poll(stop))
    if settings.webhook_url and bot is not None or settings.max_webhook_url and max_front is not None:
        jobs.append(_serve_webhook(app, bot, max_front, web_app, stop))

    async def guarded(job: Any) -> None:
        try:
            await job
        finally:
            stop.set()  # one front end ending ends the run, as it did with one messenger

    await asyncio.gather(*(guarded(job) for job in jobs))


async def _poll(app: App, bot: Bot, stop: asyncio.Event) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    polling = asyncio.create_task(app.dispatcher.start_polling(
        bot, handle_signals=False, close_bot_session=False,
        allowed_updates=app.dispatcher.resolve_used_update_types()))
    log.info("polling started")
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stopper in done:
        await app.dispatcher.stop_polling()
    with suppress(asyncio.CancelledError):
        await polling
    stopper.cancel()


class _WebhookHandler(SimpleRequestHandler):
    async def close(self) -> None:
        """run() closes the bot session itself, after in-flight handlers and the sender are done."""


async def _serve_webhook(app: App, bot: Bot | None, max_front: Any, web_app: web.Application,
                         stop: asyncio.Event) -> None:
    settings = app.settings
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    first_bot = bot if bot is not None else max_front.bot
    await app.dispatcher.emit_startup(bot=first_bot)
    if bot is not None and settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        await bot.set_webhook(settings.webhook_url, secret_token=secret,
                              allowed_updates=app.dispatcher.resolve_used_update_types())
        log.info("webhook serving on %s:%s%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
    if max_front is not None and settings.max_webhook_url:
        await max_front.subscribe()
    try:
        await stop.wait()
    finally:
        await site.stop()  # no new updates; the in-flight ones are awaited by run()
        await app.dispatcher.emit_shutdown(bot=first_bot)
        await runner.cleanup()
