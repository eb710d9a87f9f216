"""/settings in the chat: language as before, mute toggles, and the network's quiet hours for coordinators."""
from __future__ import annotations

from sqlalchemy import select

from db.models import Network, User
from keyboards.settings import SetCb
from tests.delivery.chat import COORDINATOR, World, make_world
from tests.harness import BotHarness


async def _prefs(h: BotHarness, messenger_id: int) -> dict:
    return await h.in_db(lambda s: s.scalar(select(User.notification_prefs).where(User.messenger_id == messenger_id)))


async def _quiet(h: BotHarness, world: World) -> dict:
    async def work(session):  # type: ignore[no-untyped-def]
        network = await session.get(Network, world.network_id)
        return (network.settings or {}).get("quiet_hours")

    return await h.in_db(work)


async def test_mutes_toggle_and_the_language_still_switches(harness: BotHarness) -> None:
    await make_world(harness, teachers=1)
    teacher = harness.person(World.telegram_of(0))
    await teacher.command("settings")
    screen = teacher.joined()
    assert "Настройки" in screen and "Язык бота: Русский" in screen and "🔔 Анонсы новых мероприятий" in screen
    assert "Тихие часы" not in screen, "quiet hours are the coordinator's"
    buttons = teacher.buttons()
    assert buttons[:2] == ["✅ Русский", "English"] and len(buttons) == 2 + 5 + 1
    await teacher.press("Анонсы новых мероприятий")
    assert "Выключено: Анонсы новых мероприятий" in teacher.alerts()
    assert "🔕 Анонсы новых мероприятий" in teacher.buttons()
    await teacher.press("Напоминания о мероприятиях")
    assert (await _prefs(harness, World.telegram_of(0)))["mute"] == ["event_reminders", "announcements"]
    await teacher.press("Анонсы новых мероприятий")
    assert (await _prefs(harness, World.telegram_of(0)))["mute"] == ["event_reminders"]
    await teacher.press_data(SetCb(a="mute", i=99).pack())
    assert any("устарела" in a for a in teacher.alerts())
    await teacher.press("English")
    assert "Bot language: English" in teacher.joined() and "🔕 Event reminders" in teacher.buttons()
    await teacher.command("menu")
    await teacher.press("Settings")
    assert "Notifications" in teacher.joined()


async def test_a_coordinator_sets_the_quiet_hours_by_button_and_by_text(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=1)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("settings")
    assert "Тихие часы сети «Кировский район»: 21:00–08:00" in coordinator.joined()
    await coordinator.press("Тихие часы сети")
    text = coordinator.joined()
    assert "(московское время)" in text and "Europe" not in text and "ждут утра" in text and "✅ 21:00–08:00" in coordinator.buttons()
    await coordinator.press("22:00–07:00")
    assert await _quiet(harness, world) == {"start": "22:00", "end": "07:00"}
    assert "✅ 22:00–07:00" in coordinator.buttons()
    await coordinator.send("вечером")
    assert "Не понял время" in coordinator.joined()
    await coordinator.send("23:30-6")
    assert "Тихие часы сохранены" in coordinator.joined() and "23:30–06:00" in coordinator.joined()
    assert await _quiet(harness, world) == {"start": "23:30", "end": "06:00"}
    await coordinator.press("Тихие часы сети")
    await coordinator.press("Выключить тихие часы")
    assert await _quiet(harness, world) == {"enabled": False}
    await coordinator.press("К настройкам")
    assert "Тихие часы сети «Кировский район»: выключены" in coordinator.joined()
    await coordinator.send("22-7")
    assert await _quiet(harness, world) == {"enabled": False}, "left the quiet-hours screen: text is not taken"


async def test_participants_cannot_change_quiet_hours(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=1)
    teacher = harness.person(World.telegram_of(0))
    for data in (SetCb(a="quiet"), SetCb(a="qp", i=1), SetCb(a="qoff")):
        await teacher.press_data(data.pack())
    assert teacher.alerts().count("Эта кнопка или действие вам недоступны.") == 3
    assert await _quiet(harness, world) is None
