"""The harness's reading of every reply (tests/ux.py) catches what people met in issue 10 — and lets through what
a Russian reply may hold (a link, a command, a file name, «Telegram», «QR»)."""
from __future__ import annotations

import pytest

from tests.harness import BotHarness
from tests.ux import has_way_out, reply_problems


@pytest.mark.parametrize("text", [
    '👤 <a href="tg://user?id=710002">Иванова Мария Петровна</a> — учитель',  # escaped twice, shown as text
    "Школа «Гимназия &quot;№1&quot;»",
    "Сеть: Сеть kirovsk",  # the network's code
    "🗓 чт, 10.12.2026, 15:00–17:00 (MSK)",
    "Тихие часы: 21:00–08:00 (часовой пояс Europe/Moscow)",
    "Ответ Telegram: Forbidden: bot was blocked by the user",
    "Статус: None",
])
def test_what_people_met_is_caught(text: str) -> None:
    assert reply_problems(text)


@pytest.mark.parametrize("text", [
    "Откройте ссылку https://t.me/nastavnik_bot?start=abc или напишите /checkin 123456",
    "Пришлите файл XLSX или CSV — например, plan.xlsx. Контакт: @ivanova_mp",
    "Telegram-аккаунт и QR-код на семинаре",
    "Ссылка должна начинаться с https:// и не содержать пробелов.",
])
def test_what_a_russian_reply_may_hold_passes(text: str) -> None:
    assert reply_problems(text) == []


def test_english_words_pass_for_an_english_speaker_but_markup_never_does() -> None:
    assert reply_problems("Events: sign up", english=True) == []
    assert reply_problems("Events: &lt;b&gt;", english=True)


def test_a_way_out_is_a_cancel_or_back_button() -> None:
    assert has_way_out(["Директор", "⬅️ Назад", "✖️ Отмена"])
    assert not has_way_out(["Директор", "Учитель-предметник"])


async def test_the_harness_fails_a_flow_whose_reply_breaks_the_rules(harness: BotHarness) -> None:
    mark = harness.fake.last_seq
    await harness.bot.send_message(700_123, "&lt;b&gt;Сеть kirovsk&lt;/b&gt;")
    with pytest.raises(AssertionError, match="HTML shown as text"):
        await harness.check_replies(mark)
