"""The global error handler: log with context, answer kindly, never show the technical side."""
from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.i18n import Translator

router = Router(name="errors")
log = logging.getLogger("bot.errors")


@router.errors()
async def on_error(event: ErrorEvent, t: Translator | None = None) -> bool:
    update = event.update
    user = update.event.from_user if update.event is not None and hasattr(update.event, "from_user") else None
    log.exception("update %s from user %s failed: %s", update.update_id, user.id if user else None,
                  type(event.exception).__name__, exc_info=event.exception)
    t = t or Translator()
    with suppress(TelegramAPIError, Exception):
        if update.callback_query is not None:
            await update.callback_query.answer(t("errors.generic"), show_alert=True)
        elif update.message is not None and update.message.chat.type == "private":
            await update.message.answer(t("errors.generic"))
    return True
