"""Rough edges met walking the bot as a coordinator: each kept fixed here."""
from __future__ import annotations

from tests.events.common import COORDINATOR, make_world
from tests.harness import BotHarness


async def test_the_roadmap_panel_before_anything_was_loaded_says_so(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Дорожная карта")
    panel = coordinator.joined()
    assert "Дорожная карта ещё не загружена" in panel
    assert "0 из 0" not in panel and "0%" not in panel, "not «0% (0 из 0)», twice"
    assert any("Загрузить дорожную карту" in label for label in coordinator.buttons())
