"""Helpers for mentoring chat tests: the world in the harness's database, files sent and received."""
from __future__ import annotations

from typing import Any

from bot.services.mentoring import links as link_service
from tests.harness import BotHarness, Person
from tests.fakes.telegram_api import Sent
from tests.mentoring.conftest import COORDINATOR, World, build_world


async def setup(h: BotHarness) -> World:
    async def work(session):  # type: ignore[no-untyped-def]
        return await build_world(session, h.app.clock)

    return await h.in_db(work)


async def open_import(h: BotHarness) -> Person:
    """The coordinator opens «Наставничество» → «Импорт таблиц»."""
    coordinator = h.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Импорт таблиц")
    return coordinator


async def make_link(h: BotHarness, world: World, mentor: int, mentees: list[int], kind: str = "teacher_teacher",
                    **extra: Any) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        draft = link_service.LinkDraft(kind=kind, form="traditional", mentor_ids=[world.uid(mentor)],
                                       mentee_ids=[world.uid(m) for m in mentees], **extra)
        link = await link_service.create_link(session, network_id=world.network_id, draft=draft, clock=h.app.clock,
                                              actor_id=world.uid(COORDINATOR))
        return link.id

    return await h.in_db(work)


async def send_document(h: BotHarness, person: Person, data: bytes, name: str,
                        mime: str = "application/octet-stream") -> list[Sent]:
    record = h.fake.add_file(data, file_name=name, mime_type=mime)
    update = h.fake.updates.document(person.user_id, file_name=name, mime_type=mime, file_size=len(data),
                                     file_id=record.file_id, first_name=person.first_name, username=person.username)
    return await person._feed(update)  # noqa: SLF001 - the harness has no document helper


def document_bytes(h: BotHarness, sent: Sent) -> bytes:
    file_id = sent.result["document"]["file_id"]
    return h.fake._files[file_id].data  # noqa: SLF001


async def delivered(h: BotHarness, *people: Person) -> None:
    """Drain the outbox; afterwards `person.new()` shows what each received (and only that)."""
    for person in people:
        person._mark = h.fake.last_seq  # noqa: SLF001
    await h.deliver()


def texts_of(person: Person) -> str:
    return "\n".join(person.texts())
