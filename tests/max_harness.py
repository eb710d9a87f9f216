"""Drive the real bot over MAX like a person: start it, type, tap, read what came back.

The person's actions are MAX updates made by the loopback MAX API (so message ids, mids and files are real);
they go through the MAX front end's converter into the one dispatcher, and every call the handlers make goes
over HTTP to the fake, which records it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.messengers.max.bot import MaxFrontEnd
from tests.fakes.max_api import FakeMax, Person, Sent


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
        return self.new()

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
