"""Drive the real bot like a person: type, tap buttons, read what came back.

Updates go through the real dispatcher, middlewares and database; every Bot API call goes over HTTP to the
loopback FakeTelegram, which records it. Proactive messages sit in the outbox until `deliver()` drains it
through the real sender and transport.

After every typed message, tap and drain, every reply is read as a person reads it (tests/ux.py): no HTML shown
as text, no English, codes, raw ids or time-zone names to a Russian speaker, and a way out of every prompt.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot

from bot.app import App
from tests.fakes.telegram_api import FakeTelegram, Sent
from tests.ux import has_way_out, reply_problems


@dataclass
class Person:
    harness: BotHarness
    user_id: int
    first_name: str = "Мария"
    username: str | None = None
    language_code: str | None = "ru"
    _mark: int = field(default=0)

    @property
    def fake(self) -> FakeTelegram:
        return self.harness.fake

    def _profile(self) -> dict[str, Any]:
        return {"first_name": self.first_name, "username": self.username}

    async def _feed(self, update: dict) -> list[Sent]:
        self._mark = self.fake.last_seq
        await self.harness.feed(update)
        await self.harness.check_replies(self._mark)
        await self.harness.check_way_out(self)
        return self.new()

    def new(self) -> list[Sent]:
        """What the bot sent to this person since their last action."""
        return [s for s in self.fake.sent_to(self.user_id) if s.seq > self._mark]

    def texts(self) -> list[str]:
        return [s.plain_text or "" for s in self.new()]

    def joined(self) -> str:
        return "\n".join(self.texts())

    async def send(self, text: str) -> list[Sent]:
        return await self._feed(self.fake.updates.message(self.user_id, text, **self._profile()))

    async def command(self, name: str, args: str | None = None) -> list[Sent]:
        return await self._feed(self.fake.updates.command(self.user_id, f"/{name}", args, **self._profile()))

    async def sticker(self) -> list[Sent]:
        return await self._feed(self.fake.updates.sticker(self.user_id, **self._profile()))

    async def photo(self, caption: str | None = None) -> list[Sent]:
        return await self._feed(self.fake.updates.photo(self.user_id, caption=caption, **self._profile()))

    async def voice(self) -> list[Sent]:
        return await self._feed(self.fake.updates.voice(self.user_id, **self._profile()))

    async def document(self, name: str = "plan.pdf", data: bytes = b"%PDF-1.4 test", *,
                       mime: str | None = None, caption: str | None = None,
                       declared_size: int | None = None) -> list[Sent]:
        """Sends a file (served by the fake's getFile and download); `declared_size`: what the update claims."""
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        record = self.fake.add_file(data, file_name=name, mime_type=mime)
        update = self.fake.updates.document(self.user_id, file_name=name, mime_type=mime,
                                            file_size=len(data) if declared_size is None else declared_size,
                                            file_id=record.file_id, caption=caption, **self._profile())
        return await self._feed(update)

    def links(self) -> list[str]:
        """Where the links in the newest messages lead (a contact is a tg:// or t.me link, not text)."""
        urls = []
        for sent in self.new():
            entities = (sent.result or {}).get("entities") or [] if isinstance(sent.result, dict) else []
            urls += [e.get("url", "") for e in entities if e.get("type") == "text_link"]
        return urls

    def find_button(self, label: str) -> tuple[int, dict]:
        """The newest message in this chat carrying a button whose text contains `label`."""
        for sent in reversed(self.fake.sent_to(self.user_id)):
            if sent.message_id is None:
                continue
            message = self.fake.get_message(self.user_id, sent.message_id) or {}
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for button in (b for row in rows for b in row):
                if label in button.get("text", "") and "callback_data" in button:
                    return sent.message_id, button
        raise AssertionError(f"no button {label!r} in the chat of {self.user_id}")

    def buttons(self) -> list[str]:
        """Texts of the buttons on the newest message that has any."""
        for sent in reversed(self.fake.sent_to(self.user_id)):
            message = self.fake.get_message(self.user_id, sent.message_id) if sent.message_id else None
            rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard") or []
            if rows:
                return [b.get("text", "") for row in rows for b in row]
        return []

    async def press(self, label: str) -> list[Sent]:
        message_id, button = self.find_button(label)
        return await self.press_data(button["callback_data"], message_id=message_id)

    async def press_data(self, data: str, *, message_id: int | None = None) -> list[Sent]:
        update = self.fake.updates.callback(self.user_id, data, message_id=message_id, **self._profile())
        return await self._feed(update)

    def alerts(self) -> list[str]:
        """Texts of callback answers (toasts and alerts) given to this person."""
        return [c.params.get("text", "") for c in self.fake.calls_of("answerCallbackQuery")
                if str(c.params.get("callback_query_id", "")).startswith(f"cbq-{self.user_id}-")]


@dataclass
class BotHarness:
    app: App
    bot: Bot
    fake: FakeTelegram

    async def feed(self, update: dict) -> None:
        await self.app.dispatcher.feed_raw_update(self.bot, update)

    async def _languages(self, chat_ids: set[int]) -> dict[int, str]:
        from sqlalchemy import select

        from db.models import User

        async def work(session):  # type: ignore[no-untyped-def]
            rows = await session.execute(select(User.messenger_id, User.language).where(User.messenger_id.in_(chat_ids)))
            return {int(chat): language for chat, language in rows}

        return await self.in_db(work) if chat_ids else {}

    async def check_replies(self, since: int) -> None:
        """Every message sent or edited since `since` reads as plain, kind Russian (tests/ux.py)."""
        fresh = [s for s in self.fake.sent if s.seq > since and isinstance(s.chat_id, int) and s.chat_id > 0]
        languages = await self._languages({int(s.chat_id) for s in fresh})
        for sent in fresh:
            text = sent.plain_text or ""
            english = languages.get(int(sent.chat_id), "ru") == "en"
            texts = [text] + [label for label in sent.button_texts]
            problems = [p for part in texts for p in reply_problems(part, english=english)]
            assert not problems, f"reply to {sent.chat_id} ({sent.method}): {problems}\n---\n{text}"

    async def check_way_out(self, person: Person) -> None:
        """A person the bot waits for (a dialog step) can always leave with a button."""
        from aiogram.fsm.storage.base import StorageKey

        key = StorageKey(bot_id=self.bot.id, chat_id=person.user_id, user_id=person.user_id)
        async with self.app.sessionmaker() as session:
            from bot.fsm_storage import update_session

            token = update_session.set(session)
            try:
                state = await self.app.storage.get_state(key)
            finally:
                update_session.reset(token)
        if state is None:
            return
        buttons = person.buttons()
        assert has_way_out(buttons), f"{person.user_id} is in {state} with no way out; buttons: {buttons}"

    def person(self, user_id: int, **profile: Any) -> Person:
        return Person(self, user_id, **profile)

    async def deliver(self) -> int:
        """Drains the Telegram rows of the outbox through the real sender and transport (what the running bot does;
        MAX rows: `tests.max_harness.deliver`)."""
        from bot.delivery import AiogramTransport
        from bot.services.ratelimit import RateLimiter
        from bot.services.sender import Sender

        limiter = RateLimiter.from_settings(self.app.settings)
        sender = Sender(self.app.sessionmaker, AiogramTransport(self.bot), limiter, self.app.clock,
                        platform="telegram")
        mark = self.fake.last_seq
        drained = await sender.drain()
        await self.check_replies(mark)
        return drained

    async def in_db(self, work: Callable[..., Any]) -> Any:
        async with self.app.sessionmaker.begin() as session:
            return await work(session)
