"""Monitoring from the user's side: /stats, the chart, the drill-down, targets, «Выгрузка», own summaries."""
from __future__ import annotations


import pytest

from handlers import monitoring as monitoring_handlers
from keyboards.monitoring import StatsCb
from tests.fakes.telegram_api import Sent
from tests.harness import BotHarness, Person
from tests.monitoring.world import COORDINATOR, MENTOR, OTHER_COORDINATOR, TEACHERS, World, build
from tests.xlsx_check import check_xlsx


async def setup(h: BotHarness) -> World:
    return await h.in_db(lambda session: build(session, h.app.clock))


def file_bytes(h: BotHarness, sent: Sent, kind: str) -> bytes:
    media = sent.result[kind]
    file_id = media[-1]["file_id"] if isinstance(media, list) else media["file_id"]
    return h.fake._files[file_id].data  # noqa: SLF001 - the fake keeps what the bot uploaded


def card_lines(text: str) -> dict[str, str]:
    """«Участие педагогов» → the card's line about it (plain text, as the person reads it)."""
    lines = {}
    for line in text.splitlines():
        if ": " in line and line[:1] in "✅⚠⏳▫":
            name = line.split(" ", 1)[1].split(": ", 1)[0]
            lines[name] = line
    return lines


def indicator_values(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The «Показатели» rows, «Значение» as Excel shows it: a share is a number formatted «0%» (shown «56%»), a
    count a number; only «нет данных» may be text."""
    rows = []
    for cells in ws.iter_rows(min_row=2):
        values = [c.value for c in cells]
        value, fmt = cells[2].value, cells[2].number_format
        if value is None or value == "":
            rows.append(tuple(values))  # the notes under the table
            continue
        assert isinstance(value, int | float) or value == "нет данных", (values[:3], "typed, not text")
        if isinstance(value, int | float):
            values[2] = f"{round(value * 100)}%" if fmt == "0%" else str(value)
        rows.append(tuple(values))
    return rows


async def open_stats(h: BotHarness, who: int = COORDINATOR) -> tuple[Person, list[Sent]]:
    coordinator = h.person(who)
    sent = await coordinator.command("stats")
    return coordinator, sent


async def test_coordinator_gets_a_card_and_a_chart_and_drills_into_a_school(harness: BotHarness) -> None:
    world = await setup(harness)
    coordinator, sent = await open_stats(harness)
    assert [s.method for s in sent] == ["sendPhoto", "sendMessage"]
    photo = file_bytes(harness, sent[0], "photo")
    assert photo[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Кировский район: показатели на 24.11.2026" in (sent[0].plain_text or "")
    card = sent[1].plain_text or ""
    assert "Показатели сети — Кировский район" in card
    lines = card_lines(card)
    assert lines["Участие педагогов"] == "✅ Участие педагогов: 83% (5 из 6) · цель ≥75%"
    assert lines["ШНОР в парах и группах"] == "⚠️ ШНОР в парах и группах: 50% (1 из 2) · цель ≥100%"
    assert lines["Встречи за месяц"] == "✅ Встречи за месяц: 2 · цель ≥1 (по встрече на пару)"
    assert lines["Меры дорожной карты к середине года"].startswith("⏳")
    assert "По школам" in " ".join(coordinator.buttons())

    await coordinator.press("По школам")
    listing = coordinator.joined()
    assert "Показатели по школам" in listing
    buttons = coordinator.buttons()
    assert buttons[:3] == ["✅ Назиевская СОШ · участие 100%", "⚠️ Синявинская СОШ · участие 100%",
                           "⚠️ Кировская гимназия · участие 50%"]
    await coordinator.press("Синявинская СОШ")
    school = card_lines(coordinator.joined())
    assert school["ШНОР в парах и группах"] == "⚠️ ШНОР в парах и группах: 0% (0 из 1) · цель ≥100%"
    assert school["Анкеты заполнены"] == "⚠️ Анкеты заполнены: 0% (0 из 1) · цель ≥80%"
    assert "Мероприятия проведены" not in school  # a network's number, not a school's
    await coordinator.press("К списку школ")
    assert "Показатели по школам" in coordinator.joined()
    await coordinator.press("К показателям")
    assert "Показатели сети" in coordinator.joined()
    sent = await coordinator.press("График")
    assert [s.method for s in sent] == ["sendPhoto"]

    # The same numbers from the main menu.
    await coordinator.command("menu")
    sent = await coordinator.press("Показатели")
    assert [s.method for s in sent] == ["sendPhoto", "sendMessage"]
    assert card_lines(sent[1].plain_text or "") == lines
    assert world.schools


async def test_forged_or_foreign_drill_down_is_refused(harness: BotHarness) -> None:
    world = await setup(harness)
    teacher = harness.person(TEACHERS["petrova"])
    await teacher.press_data(StatsCb(a="school", id=world.schools["nazia"]).pack())
    assert teacher.alerts()[-1] == "Показатели сети и выгрузка доступны координаторам."
    await teacher.press_data(StatsCb(a="export").pack())
    assert teacher.alerts()[-1] == "Показатели сети и выгрузка доступны координаторам."
    assert not [s for s in teacher.new() if s.method == "sendDocument"]
    foreign = harness.person(OTHER_COORDINATOR)
    sent = await foreign.press_data(StatsCb(a="school", id=world.schools["nazia"]).pack())
    assert foreign.alerts()[-1] == "Эта школа не найдена в вашей сети."
    assert not [s for s in sent if "Назиевская" in (s.plain_text or "")]
    await foreign.press_data(StatsCb(a="tg", id=99).pack())
    assert foreign.alerts()[-1] == "Такого показателя нет."
    await foreign.press_data(StatsCb(a="nonsense").pack())
    assert foreign.alerts()[-1] == "Эта кнопка устарела. Откройте /menu."


async def test_coordinator_changes_a_target_in_chat(harness: BotHarness) -> None:
    await setup(harness)
    coordinator, _ = await open_stats(harness)
    await coordinator.press("Цели")
    assert "Цели сети" in coordinator.joined()
    await coordinator.press("Участие педагогов: ≥75%")
    assert "Напишите новую цель в процентах" in coordinator.joined()
    await coordinator.send("сто двадцать")
    assert coordinator.texts() == ["Цель — процент от 1 до 100, например: 75."]
    await coordinator.send("120")
    assert coordinator.texts() == ["Цель — процент от 1 до 100, например: 75."]
    await coordinator.send("90%")
    assert "Цель «Участие педагогов» теперь: ≥90%." in coordinator.joined()
    assert "Участие педагогов: ≥90% ✎" in coordinator.buttons()
    await coordinator.press("Активные пары и группы")
    await coordinator.send("3")
    _, sent = await open_stats(harness)
    lines = card_lines(sent[1].plain_text or "")
    assert lines["Участие педагогов"] == "⚠️ Участие педагогов: 83% (5 из 6) · цель ≥90%"
    assert lines["Активные пары и группы"] == "⚠️ Активные пары и группы: 1 · цель ≥3"
    await coordinator.press("Цели")
    await coordinator.press("Участие педагогов")
    await coordinator.send("-")
    assert "Цель «Участие педагогов» теперь: ≥75%." in coordinator.joined()


async def test_export_in_chat_shows_progress_and_agrees_with_stats(harness: BotHarness,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitoring_handlers, "PROGRESS_EVERY", 0)
    await setup(harness)
    coordinator, sent = await open_stats(harness)
    shown = card_lines(sent[1].plain_text or "")
    sent = await coordinator.press("Выгрузка")
    status = sent[0]
    assert status.method == "sendMessage" and "Готовлю файл" in (status.plain_text or "")
    edits = [s.plain_text or "" for s in sent if s.method == "editMessageText" and s.message_id == status.message_id]
    assert any("Лист 1 из 8: «Участники»" in e for e in edits)
    assert any("Лист 8 из 8: «Показатели»" in e for e in edits)
    assert "Выгрузка готова" in edits[-1] and "• Встречи: 3" in edits[-1]
    document = next(s for s in sent if s.method == "sendDocument")
    assert document.result["document"]["file_name"] == "kirovsk-2026-11-24.xlsx"
    wb = check_xlsx(file_bytes(harness, document, "document"))
    assert wb.sheetnames == ["Участники", "Школы", "Пары и группы", "Встречи", "Мероприятия", "Посещаемость",
                             "Анкеты", "Показатели"]
    rows = [r for r in indicator_values(wb["Показатели"]) if r[0] == "Вся сеть"]
    assert [r[1] for r in rows] == list(shown)
    for scope, name, value, count, of, percent, target_value, target, status_text, period in rows:
        line = shown[name]
        assert f"{name}: {value}" in line, line
        if of is not None and percent is not None:
            assert f"({count} из {of})" in line
        if target != "не задана":
            assert f"цель {target}" in line
        assert line.split(" ")[0] == status_text.split(" ")[0]


async def test_a_second_export_waits_for_the_first(harness: BotHarness) -> None:
    world = await setup(harness)
    coordinator = harness.person(COORDINATOR)
    monitoring_handlers._exporting.add(world.network_id)  # noqa: SLF001 - one is being written
    try:
        await coordinator.press_data(StatsCb(a="export").pack())
        assert coordinator.alerts()[-1] == "Выгрузка уже готовится — дождитесь файла."
    finally:
        monitoring_handlers._exporting.discard(world.network_id)  # noqa: SLF001


async def test_participants_and_mentors_see_their_own_summary(harness: BotHarness) -> None:
    await setup(harness)
    teacher = harness.person(TEACHERS["petrova"])
    sent = await teacher.command("stats")
    assert [s.method for s in sent] == ["sendMessage"]
    text = teacher.joined()
    assert "Моя сводка — Петрова Ольга Николаевна" in text
    assert "Мероприятия: посещено за год — 1, записей на предстоящие — 1" in text
    assert "Анкеты: заполнено — 1, ждут ответа — 0" in text
    await teacher.command("menu")
    assert "Показатели" not in " ".join(teacher.buttons()) and "Выгрузка" not in " ".join(teacher.buttons())
    await teacher.press("Моя сводка")
    assert "Моя сводка" in teacher.joined()

    mentor = harness.person(MENTOR)
    await mentor.command("stats")
    text = mentor.joined()
    assert "Активные пары и группы: как наставник — 1, как наставляемый — 0" in text
    assert "Встречи в моих парах: за учебный год — 3, в этом месяце — 2" in text
    assert "Цели ИППР: выполнено 1 из 2 (50%)" in text and "Просрочено целей: 1" in text

    mentee = harness.person(TEACHERS["ivanova"])
    await mentee.command("stats")
    assert "Ждут моего подтверждения: 2" in mentee.joined()

    stranger = harness.person(123_456)
    await stranger.command("stats")
    assert "не зарегистрированы" in stranger.joined()


async def test_help_lists_monitoring_for_the_right_people(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("help")
    assert "«Показатели» (/stats)" in coordinator.joined() and "«Выгрузка»" in coordinator.joined()
    teacher = harness.person(TEACHERS["smirnova"])
    await teacher.command("help")
    assert "«Моя сводка» (/stats)" in teacher.joined() and "«Выгрузка»" not in teacher.joined()
