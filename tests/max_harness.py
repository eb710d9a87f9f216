"""Drive the real bot over MAX like a person: start it, type, tap, read what came back.

The person's actions are MAX updates made by the loopback MAX API (so message ids, mids and files are real);
they go through the MAX front end's converter into the one dispatcher, and every call the handlers make goes
over HTTP to the fake, which records it.

As in tests/harness.py, after every action each reply (text, buttons, the notification of a tap) is read as a
person reads it (tests/ux.py), and a person the bot waits for can always leave with a button.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.messengers.max.bot import MaxFrontEnd
from tests.fakes.max_api import FakeMax, Person, Sent
from tests.ux import has_way_out, reply_problems


@dataclass
class MaxPerson:
    front: MaxFrontEnd
    fake: FakeMax
    who: Person
    _mark: int = field(default=0)

    @property
    def user_id(self) -> int:
        return self.who.user_id

    async def _feed(self, update: dict[str, Any]) -> list[Sent]:
        self._mark = self.fake.last_seq
        self.fake.take_updates()  # fed directly, not polled
        await self.front.feed(update)
        check_replies(self.fake, self._mark)
        await self.check_way_out()
        return self.new()

    async def check_way_out(self) -> None:
        from aiogram.fsm.storage.base import StorageKey

        from bot.fsm_storage import update_session

        dispatcher = self.front.dispatcher
        key = StorageKey(bot_id=self.front.bot.id, chat_id=self.user_id, user_id=self.user_id)
        async with dispatcher["sessionmaker"]() as session:
            token = update_session.set(session)
            try:
                state = await dispatcher.fsm.storage.get_state(key)
            finally:
                update_session.reset(token)
        if state is not None:
            buttons = self.buttons()
            assert has_way_out(buttons), f"{self.user_id} is in {state} with no way out; buttons: {buttons}"

    def new(self) -> list[Sent]:
        return [s for s in self.fake.sent_to(self.user_id) if s.seq > self._mark]

    def texts(self) -> list[str]:
        return [s.text for s in self.new() if s.kind in ("send", "edit", "answer") and s.text]

    def joined(self) -> str:
        return "\n".join(self.texts())

    def notifications(self) -> list[str]:
        return [s.notification for s in self.new() if s.notification]

    def buttons(self) -> list[str]:
        return self.fake.buttons(self.who)

    async def start(self, payload: str | None = None) -> list[Sent]:
        return await self._feed(self.fake.start(self.who, payload))

    async def stop(self) -> None:
        await self._feed(self.fake.stop_bot(self.who))

    async def send(self, text: str) -> list[Sent]:
        return await self._feed(self.fake.type(self.who, text))

    async def command(self, name: str, args: str | None = None) -> list[Sent]:
        return await self.send(f"/{name} {args}" if args else f"/{name}")

    async def press(self, label: str) -> list[Sent]:
        return await self._feed(self.fake.tap(self.who, label))

    async def send_file(self, name: str, data: bytes, caption: str | None = None) -> list[Sent]:
        return await self._feed(self.fake.send_file(self.who, name, data, caption))


def check_replies(fake: FakeMax, since: int) -> None:
    """Every message sent, edited or answered since `since` reads as plain, kind Russian (tests/ux.py)."""
    for sent in (s for s in fake.sent if s.seq > since and s.kind in ("send", "edit", "answer")):
        parts = [sent.text, sent.notification or "", *sent.button_texts]
        problems = [p for part in parts for p in reply_problems(part)]
        assert not problems, f"MAX reply to {sent.user_id} ({sent.kind}): {problems}\n---\n{sent.text}"


def max_person(front: MaxFrontEnd, fake: FakeMax, user_id: int, first_name: str = "Мария", **profile: Any
               ) -> MaxPerson:
    return MaxPerson(front, fake, fake.person(user_id, first_name, **profile))


async def deliver(front: MaxFrontEnd, sessionmaker: Any, clock: Any) -> int:
    """Drains the MAX rows of the outbox through the real sender and the MAX transport (what `run` does)."""
    from bot.delivery import AiogramTransport, limiter_for
    from bot.services.sender import Sender

    sender = Sender(sessionmaker, AiogramTransport(front.bot), limiter_for("max", front.settings), clock,
                    platform="max")
    return await sender.drain()
