"""A typed command always wins over a dialog step: «/events» in a search prompt opens the events, it is never
taken as the text the step was waiting for.

Runs after dialog state and the person are loaded (a message-level outer middleware of the dispatcher):

* /cancel, /start, /help, /privacy and /mydata keep the dialog — they either end it themselves or only show
  something (the consent text points to /privacy), and the person carries on where they were;
* any other known command leaves the dialog first, then runs as if typed outside it;
* someone still registering keeps their half-filled registration: commands that need a finished one are
  answered with a hint to finish it or /cancel;
* an unknown command inside a dialog gets «no such command», never becomes an answer.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
KEEP_DIALOG = frozenset({"cancel", "start", "help", "privacy", "mydata"})
# What someone who has not finished registering may still do without losing it.
BEFORE_REGISTRATION = frozenset({"forgetme"})
# Dialogs that say something as a command leaves them (a half-filled form is kept, and the person should know).
ON_LEAVING = {"FormFill": "forms.fill.paused_short"}


def command_name(message: Message) -> str | None:
    """«/events@my_bot args» → «events»; None when the message is not a command."""
    text = message.text or ""
    if not text.startswith("/") or len(text) < 2:
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()


class CommandsWin(BaseMiddleware):
    def __init__(self, commands: Iterable[str]) -> None:
        self.commands = frozenset(commands)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or event.chat.type != ChatType.PRIVATE:
            return await handler(event, data)
        name = command_name(event)
        state: FSMContext | None = data.get("state")
        if name is None or state is None or data.get("raw_state") is None or name in KEEP_DIALOG:
            return await handler(event, data)
        t = data["t"]
        if name not in self.commands:
            await event.answer(t("common.unknown_command_in_dialog"))
            return None
        viewer = data.get("viewer")
        registering = viewer is not None and not viewer.registered and not viewer.is_admin
        if registering and str(data["raw_state"]).startswith("Registration:") and name not in BEFORE_REGISTRATION:
            await event.answer(t("registration.finish_first"))
            return None
        note = ON_LEAVING.get(str(data["raw_state"]).split(":", 1)[0])
        if note:
            await event.answer(t(note))
        await state.clear()
        data["raw_state"] = None
        return await handler(event, data)
