"""`python main.py run` with only MAX settings: the process serves MAX people over long polling — a stranger is
greeted, `invite create` prints a max.ru link whose payload registers a teacher by taps up to the main menu, and
`event add --announce` reaches the MAX members with RSVP buttons, every tap answered."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, reset_database
from tests.e2e.process import BotProcess, clean_env, cli_async, wait_until
from tests.fakes.max_api import FakeMax

pytestmark = pytest.mark.e2e

ANNA = 5_000_001
MEMBERS = 20  # demo members on MAX
FIRST = 6_000_000
TITLE = "Семинар «Функциональная грамотность на уроках математики»"


async def _tap(fake: FakeMax, person, label: str, expect: str | None = None,  # type: ignore[no-untyped-def]
               then: str | None = None) -> None:
    """Tap a button the bot sent and wait until the tap is answered (and `expect` shows, and the button `then`
    is there to tap next, if given)."""
    since = fake.last_seq
    fake.tap(person, label)
    if then is not None:
        await wait_until(lambda: any(then in b for b in fake.buttons(person)), 45, f"the button «{then}»")
    await fake.wait_for(lambda s: s.kind == "answer" or (expect is not None and expect in s.text),
                        user_id=person.user_id, since=since, timeout=45)
    if expect is not None:
        await fake.wait_for(lambda s: expect in s.text, user_id=person.user_id, since=since, timeout=45)


async def _type(fake: FakeMax, person, text: str, expect: str) -> None:  # type: ignore[no-untyped-def]
    """Type and wait until `expect` shows in a message or on one of its buttons. A person reads the prompt before
    typing: the step's dialog state is committed just after the prompt goes out, so a reply typed within the same
    millisecond could reach the bot before it (no human does that; a robot in a test does)."""
    await asyncio.sleep(0.5)
    since = fake.last_seq
    fake.type(person, text)
    await fake.wait_for(lambda s: expect in s.text or any(expect in b for b in s.button_texts),
                        user_id=person.user_id, since=since, timeout=45)


async def test_a_max_only_bot_starts_greets_a_stranger_and_registers_by_an_invite(tmp_path: Path) -> None:
    if TEST_DATABASE_URL:
        await reset_database(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    async with FakeMax() as fake:  # MAX's limits on
        env = clean_env(MAX_BOT_TOKEN=fake.token, MAX_API_URL=fake.base_url, DATABASE_URL=url, LOG_LEVEL="INFO",
                        SHUTDOWN_GRACE_SEC="5")
        await cli_async(env, "migrate")
        await cli_async(env, "demo-data", "--network", "demo", "--participants", str(MEMBERS), "--id-start",
                        str(FIRST))  # only MAX is configured: the demo people are MAX accounts
        members = [fake.person(FIRST + i, f"Участник {i}") for i in range(MEMBERS)]
        out = await cli_async(env, "invite", "create", "--network", "demo", "--role", "participant")
        link = re.search(r"https://max\.ru/nastavnik_bot\?start=([A-Za-z0-9_-]+)", out)
        assert link, out  # the bot's name comes from MAX's GET /me
        code = link.group(1)
        bot = await BotProcess(env, tmp_path / "bot.log").start()
        try:
            await wait_until(lambda: fake.calls_to("GET", "/updates") or not bot.alive, 60, "MAX polling")
            assert bot.alive, bot.log()[-3000:]
            stranger = fake.person(ANNA + 1, "Пётр")
            fake.start(stranger)
            greeting = await fake.wait_for(lambda s: "Сетевой наставник" in s.text, user_id=stranger.user_id,
                                           timeout=45)
            assert any("Подать заявку" in b for b in greeting.button_texts)

            anna = fake.person(ANNA, "Анна")
            fake.start(anna, payload=code)  # the link's payload arrives in bot_started
            await fake.wait_for(lambda s: "Демонстрационная сеть" in s.text, user_id=ANNA, timeout=45)
            await fake.wait_for(lambda s: "Даю согласие" in " ".join(s.button_texts), user_id=ANNA, timeout=45)
            await _tap(fake, anna, "Даю согласие", expect="Как вас зовут")
            await _type(fake, anna, "Иванова Мария Петровна", "школу")
            await _type(fake, anna, "назиев", "Назиевская")
            await _tap(fake, anna, "Назиевская", then="Учитель-предметник")
            await _tap(fake, anna, "Учитель-предметник", then="Математика")
            await _tap(fake, anna, "Математика", then="✅ Математика")  # chosen: «Готово» now finishes
            since = fake.last_seq
            fake.tap(anna, "Готово")
            await fake.wait_for(lambda s: "Иванова Мария Петровна" in s.text, user_id=ANNA, since=since, timeout=45)
            await fake.wait_for(lambda s: "Мероприятия" in " ".join(s.button_texts), user_id=ANNA, since=since,
                                timeout=45)  # the main menu, with its buttons
            assert fake.commands and fake.commands[0]["name"] == "start"

            out = await cli_async(env, "event", "add", "--network", "demo", "--title", TITLE, "--start",
                                  "2030-12-01T15:00", "--kind", "seminar", "--announce")
            people = [*members, anna]
            assert f"получателей {len(people)}" in out, out

            def announcement(user_id: int):  # type: ignore[no-untyped-def]
                return next((s for s in fake.sent_to(user_id) if s.kind == "send" and TITLE in s.text), None)

            await wait_until(lambda: all(announcement(p.user_id) for p in people), timeout=60,
                             what="the announcement to every MAX member")
            for person in people:
                assert announcement(person.user_id).button_texts[:2] == ["Пойду", "Не смогу"]
            since = fake.last_seq
            for person in people:
                fake.tap(person, "Пойду")
            await wait_until(lambda: len([s for s in fake.sent if s.seq > since and s.kind == "answer"])
                             >= len(people), timeout=60, what="an answer to every tap")
            await asyncio.sleep(0.5)
            assert fake.unanswered() == []
            assert len([s for s in fake.sent if s.kind == "send" and TITLE in s.text]) == len(people), "once each"
        finally:
            assert await bot.stop() == 0, bot.log()[-3000:]
        assert "Traceback" not in bot.log(), bot.log()[-3000:]
