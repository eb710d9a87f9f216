"""Links a stranger types never reach coordinators or mentors as live links, and those messages carry no preview."""
from __future__ import annotations

from sqlalchemy import select

from bot.services.untrusted_text import has_link, unlink
from db.models import JoinRequest, OutboxMessage, User
from tests.harness import BotHarness
from tests.mentoring.chat import setup
from tests.mentoring.conftest import MENTEE
from tests.test_onboarding import COORDINATOR, TEACHER, make_coordinator, make_network


def test_addresses_are_defused_and_ordinary_abbreviations_left_alone() -> None:
    assert unlink("Мой сайт https://evil.example/login?next=1 — зайдите") == \
        "Мой сайт evil[.]example/login?next=1 — зайдите"
    assert unlink("www.школа.рф и school3.spb.ru") == "www[.]школа[.]рф и school3[.]spb[.]ru"
    for text in ("МБОУ «СОШ № 1 им. А.С. Пушкина»", "г. Кировск, ул. Ленина, д. 5", "Иванова М.П., к.п.н."):
        assert not has_link(text) and unlink(text) == text


async def outbox_to(h: BotHarness, messenger_id: int) -> list[OutboxMessage]:
    async def work(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == messenger_id))).all())

    return await h.in_db(work)


async def test_a_stranger_cannot_send_a_link_as_a_school_or_a_position(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    await make_coordinator(harness, network_id)
    stranger = harness.person(TEACHER)
    await stranger.command("start")
    await stranger.press("Подать заявку")
    await stranger.press("Кировский район")
    await stranger.press("Даю согласие")
    await stranger.send("Смирнова Ольга Николаевна")
    await stranger.press("Моей школы нет в списке")
    await stranger.send("https://evil.example/vhod")
    assert "без ссылок" in stranger.joined()
    await stranger.send("МОУ «Новая школа»")
    await stranger.press("Другое")
    await stranger.send("заходите на www.evil.example")
    assert "без ссылок" in stranger.joined()
    await stranger.send("Методист по ВПР")
    await stranger.press("пропустить")
    assert "отправлена координатору" in stranger.joined()
    request = await harness.in_db(lambda s: s.scalar(select(JoinRequest)))
    user = await harness.in_db(lambda s: s.scalar(select(User).where(User.messenger_id == TEACHER)))
    assert (request.school_note, user.position) == ("МОУ «Новая школа»", "Методист по ВПР")


async def test_an_old_link_in_a_request_reaches_coordinators_defused_without_a_preview(harness: BotHarness) -> None:
    network_id = await make_network(harness)
    await make_coordinator(harness, network_id)

    async def stored_before(session):  # type: ignore[no-untyped-def]
        # Typed before links were refused: the notice must defuse it anyway.
        from bot import notifications
        from db.models import Network

        user = User(messenger_id=TEACHER, full_name="Смирнова Ольга Николаевна", position="см. https://evil.example",
                    subjects=[], language="ru", consent_at=harness.app.clock.now(), notification_prefs={})
        session.add(user)
        await session.flush()
        request = JoinRequest(user_id=user.id, network_id=network_id, school_note="evil.example/школа",
                              status="pending", created_at=harness.app.clock.now())
        session.add(request)
        await session.flush()
        network = await session.get(Network, network_id)
        await notifications.join_request_to_coordinators(session, request, user, network, None, harness.app.clock)

    await harness.in_db(stored_before)
    [row] = await outbox_to(harness, COORDINATOR)
    assert row.payload["disable_web_page_preview"] is True
    assert "evil[.]example/школа" in row.payload["text"] and "https://" not in row.payload["text"]
    assert not has_link(row.payload["text"].replace("[.]", "·"))
    coordinator = harness.person(COORDINATOR)
    coordinator._mark = harness.fake.last_seq  # noqa: SLF001
    await harness.deliver()
    delivered = harness.fake.calls_of("sendMessage")[-1].params
    assert delivered.get("link_preview_options", {}).get("is_disabled") is True


async def test_a_pool_question_reaches_mentors_with_its_links_defused(harness: BotHarness) -> None:
    from bot.services.mentoring import questions

    world = await setup(harness)

    async def ask(session):  # type: ignore[no-untyped-def]
        from bot.services.mentoring import notices

        question, people = await questions.ask(session, asker_id=world.uid(MENTEE), network_id=world.network_id,
                                               text="Подскажите по ВПР, вот задание: https://evil.example/vpr",
                                               scope="pool", direction="vpr", clock=harness.app.clock)
        asker = await session.get(User, world.uid(MENTEE))
        await notices.question_asked(session, question, asker, people, clock=harness.app.clock)
        return len(people)

    assert await harness.in_db(ask) >= 1

    async def rows(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("mentoring:question:%")))).all())

    sent = await harness.in_db(rows)
    assert sent and all("evil[.]example/vpr" in r.payload["text"] and "https://evil" not in r.payload["text"]
                        and r.payload["disable_web_page_preview"] for r in sent)
