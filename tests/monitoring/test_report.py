"""The «Аналитическая справка» as a coordinator gets it, the chart as a phone shows it, and «ℹ️ Как считаем»:
one definition per number on every screen."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from docx import Document
from matplotlib.text import Text

from bot.i18n import Translator
from bot.services import monitoring
from bot.services.monitoring.chart import PHONE_PX, WIDTH_PX, figure_of
from bot.services.report import doc_marks
from db.models import Network
from handlers import monitoring as monitoring_handlers
from tests.harness import BotHarness
from tests.monitoring.test_chat import card_lines, file_bytes, open_stats, setup
from tests.monitoring.world import MENTOR

T = Translator("ru")


def docx_tables(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    doc = Document(BytesIO(data))
    paragraphs = [p.text for p in doc.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    return paragraphs, tables


async def test_the_coordinator_gets_the_spravka_with_progress_and_the_numbers_of_stats(
        harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitoring_handlers, "PROGRESS_EVERY", 0)
    await setup(harness)
    coordinator, sent = await open_stats(harness)
    shown = card_lines(sent[1].plain_text or "")
    sent = await coordinator.press("Справка")
    status = sent[0]
    assert "Готовлю документ" in (status.plain_text or "")
    edits = [s.plain_text or "" for s in sent if s.method == "editMessageText" and s.message_id == status.message_id]
    assert any("Шаг 3 из 7: график" in e for e in edits) and "Справка готова" in edits[-1]
    document = next(s for s in sent if s.method == "sendDocument")
    assert document.result["document"]["file_name"] == "spravka-kirovsk-2026-11-24.docx"
    paragraphs, tables = docx_tables(file_bytes(harness, document, "document"))
    assert paragraphs[0] == "АНАЛИТИЧЕСКАЯ СПРАВКА" and "за период с 01.09.2026 по 24.11.2026" in paragraphs
    headings = [p for p in paragraphs if re.match(r"^\d\. ", p)]
    assert headings[:7] == ["1. Общие сведения", "2. Показатели реализации программы",
                            "3. Выполнение мер дорожной карты", "4. Проведённые мероприятия",
                            "5. Результаты анкетирования", "6. Пары и группы без встреч более 3 нед.",
                            "7. Выводы и рекомендации"]
    indicators = next(t for t in tables if t[0] == ["№", "Показатель", "Значение", "Целевое значение", "Оценка"])
    assert len(indicators) == 1 + len(shown)
    for _, name, value, target, mark in indicators[1:]:
        line = shown[name]  # the same indicator, value, target and mark as /stats
        assert doc_marks(line).startswith(mark.split(" ")[0]) and f"цель {target}" in line or target == "не задана"
        assert value.split(" (")[0] in line
    events = next(t for t in tables if t[0][:2] == ["№", "Мероприятие"])
    assert any("Семинар «Анализ ВПР»" in row[1] and row[4:] == ["2", "2", "100%"] for row in events)
    forms = next(t for t in tables if t[0] == ["№", "Вопрос", "Ответов", "Результаты"])
    assert forms[1][1] == "Польза" and "средний балл" in forms[1][3]
    assert "Приложение 1" in paragraphs and "Показатели по образовательным организациям" in paragraphs
    assert any(p.startswith("Участие педагогов. Доля участников сети") for p in paragraphs)  # the rules
    assert "Координатор программы" in " ".join(paragraphs)


async def test_a_school_gets_its_own_spravka_and_a_participant_none(harness: BotHarness) -> None:
    await setup(harness)
    coordinator, _ = await open_stats(harness)
    await coordinator.press("По школам")
    await coordinator.press("Синявинская СОШ")
    sent = await coordinator.press("Справка школы")
    document = next(s for s in sent if s.method == "sendDocument")
    paragraphs, tables = docx_tables(file_bytes(harness, document, "document"))
    assert any("по итогам самоанализа:" in p and "Синявинская" in p for p in paragraphs)
    assert "Показатели по образовательным организациям" not in paragraphs  # only the rules are appended
    indicators = next(t for t in tables if t[0][0] == "№" and t[0][1] == "Показатель")
    assert [row[1] for row in indicators[1:]][:2] == ["Участие педагогов", "ШНОР в парах и группах"]

    mentor = harness.person(MENTOR)
    sent = await mentor.press_data(monitoring_handlers.StatsCb(a="report").pack())
    assert not any(s.method == "sendDocument" for s in sent)
    assert any("доступны координаторам" in alert for alert in mentor.alerts())


async def test_definitions_are_one_tap_away_and_say_the_same_everywhere(harness: BotHarness) -> None:
    await setup(harness)
    coordinator, sent = await open_stats(harness)
    card = sent[1].plain_text or ""
    links = next(line for line in card.splitlines() if line.startswith("🤝"))
    assert links == "🤝 Пары и группы: активных 1 из 2 (предложено: 1)"
    measures = next(line for line in card.splitlines() if line.startswith("🗺"))
    assert measures == ("🗺 Меры дорожной карты на 2026/27 учебный год: выполнено 1 из 4; всего мер в дорожной "
                        "карте — 5 (без срока: 1)")
    await coordinator.press("Как считаем")
    text = coordinator.joined()
    assert "Как считаются показатели" in text and "Активные пары и группы. Пары и группы со статусом «активна»" in text
    await coordinator.press("К показателям")

    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    home = coordinator.joined()
    assert links in home  # the mentoring home counts pairs as /stats does
    await coordinator.press("Как считаем")
    assert "Как считаются показатели" in coordinator.joined()

    await coordinator.command("menu")
    await coordinator.press("Дорожная карта")
    panel = coordinator.joined()
    assert "% мер реализовано: 20% (1 из 5)" in panel  # every measure of the roadmap…
    assert measures in panel  # …and this school year's, as /stats counts them
    assert "Как считаем" in " ".join(coordinator.buttons())


async def test_the_chart_reads_on_a_phone(harness: BotHarness) -> None:
    world = await setup(harness)

    async def card(session):  # type: ignore[no-untyped-def]
        network = await session.get(Network, world.network_id)
        network.name = "Муниципальная программа сетевого наставничества Кировского муниципального района"
        return await monitoring.network_card(session, network, harness.app.clock)

    found = await harness.in_db(card)
    figure = figure_of(found, T)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    box = figure.bbox
    drawn: list[Text] = [*figure.texts, *figure.legends[0].get_texts()]
    for ax in figure.axes:
        low, high = ax.get_xlim()
        drawn += ax.texts
        drawn += [label for label, at in zip(ax.get_xticklabels(), ax.get_xticks()) if low <= at <= high]
    texts = [a for a in drawn if a.get_text().strip()]
    scale = PHONE_PX / WIDTH_PX
    for text in texts:
        px = text.get_fontsize() * figure.dpi / 72
        assert px * scale >= 11, (text.get_text(), px * scale)  # ≥ 11 px high at 390 px wide
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 + 1 and box.y0 <= extent.y0 and extent.y1 <= box.y1 + 1, \
            text.get_text()  # nothing clipped, the long title included
    words = [t.get_text() for t in texts]
    assert any("Кировского" in w and "\n" in w for w in words)  # the title wraps
    assert "цель 75%" in words and "цель 100%" in words  # targets written on their lines
    legend = figure.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert {"цель достигнута", "ниже цели", "срок не наступил", "без цели или нет данных", "цель"} >= set(labels)
    colours_used = {i.status for i in found.indicators}
    assert len(labels) == len(colours_used) + 1  # one entry per colour used, and the target line
    counts_axis = figure.axes[-1]
    ticks = [t for t in counts_axis.get_xticks() if counts_axis.get_xlim()[0] <= t <= counts_axis.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)  # sessions and pairs are whole numbers
