"""The roadmap import as the coordinator sees it: how the table was read, changing a column's role with buttons
(the summary re-read at once), moving a past plan to this school year, files in the new formats, a file that
claims too much — with forged buttons on the way."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.services.events.times import zone
from db.models import Event, Network, RoadmapUpload
from keyboards.events import EvCb, RoadmapCb, RoadmapColCb
from tests.events.common import COORDINATOR, FIRST_TEACHER, make_world
from tests.events.test_coordinator_chat import send_file
from tests.harness import BotHarness
from tests.roadmap.roadmap_builders import OdfTable, make_ods

STAGED = """План работы наставников МБОУ «СОШ № 5» на 2026/2027 учебный год
Этап;Мероприятие;Содержание;Сроки;Ответственный
Подготовительный;Установочное совещание наставников;Знакомство пар и их планов;сентябрь;Куратор
Подготовительный;Анкетирование наставляемых;Входная анкета о затруднениях;октябрь;Куратор
Основной;Семинар «Современный урок»;Разбор открытых уроков наставников;ноябрь;Методист
Основной;Вебинар «Цифровые инструменты»;Онлайн-занятие для наставнических пар;декабрь;Методист
"""

OLD_PLAN = """План мероприятий сетевого наставничества на 2022/2023 учебный год
№;Наименование мероприятия;Сроки;Ответственные
1;Семинар «Наставничество: с чего начать»;15.09;Методист ИМЦ
2;Вебинар «Функциональная грамотность»;февраль;Методист ИМЦ
3;Итоговая конференция сетевых пар;май 2023 г.;Координатор
"""


def plain(text: str) -> str:
    return text.replace("<b>", "").replace("</b>", "")


async def local_days(h: BotHarness) -> dict[str, date | None]:
    async def work(session):  # type: ignore[no-untyped-def]
        events = (await session.scalars(select(Event).order_by(Event.id))).all()
        network = await session.get(Network, events[0].network_id)
        return {e.title: e.starts_at.astimezone(zone(network)).date() if e.starts_at else None for e in events}

    return await h.in_db(work)


async def uploads_left(h: BotHarness) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        return len((await session.scalars(select(RoadmapUpload.id))).all())

    return await h.in_db(work)


async def test_changing_a_columns_role_rereads_the_preview(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await send_file(coordinator, STAGED.encode("cp1251"), "plan.csv")
    preview = plain(coordinator.joined())
    assert "Строк: 4" in preview and "Разделов: 2" in preview
    assert "Название — столбец «Мероприятие», срок — «Сроки», этапы — «Этап»" in preview
    assert "содержание — «Содержание»" in preview

    await coordinator.press("Столбцы таблицы")
    assert "Нажмите столбец" in coordinator.joined()
    assert "«Этап» — этап" in coordinator.buttons() and "«Сроки» — срок" in coordinator.buttons()
    await coordinator.press("«Этап» — этап")
    assert "сейчас читается как: этап" in plain(coordinator.joined())
    assert "Название" in coordinator.buttons() and "Не использовать" in coordinator.buttons()
    await coordinator.press("Не использовать")
    preview = plain(coordinator.joined())
    assert "Столбец «Этап» больше не читается" in preview
    assert "Разделов: 0" in preview and "Строк: 4" in preview, "the stages are no longer sections"

    await coordinator.press("Столбцы таблицы")
    await coordinator.press("«Содержание» — содержание")
    await coordinator.press("Название")
    preview = plain(coordinator.joined())
    assert "Столбец «Содержание» теперь читается как: название" in preview
    assert "Название — столбец «Содержание»" in preview

    # A forged button: a column the file does not have, a role that does not exist — refused, nothing changes.
    await coordinator.press_data(RoadmapColCb(a="set", t=0, c=42, r="title").pack())
    await coordinator.press_data(RoadmapColCb(a="set", t=0, c=1, r="boss").pack())
    assert len([a for a in coordinator.alerts() if a]) == 2
    # Someone else can't touch this coordinator's file.
    teacher = harness.person(FIRST_TEACHER)
    await teacher.press_data(RoadmapColCb(a="set", t=0, c=0, r="title").pack())
    assert any(teacher.alerts())

    await coordinator.press("Импортировать")
    assert "Импорт завершён" in coordinator.joined() and "новых: 4" in coordinator.joined()
    titles = list(await local_days(harness))
    assert titles == ["Знакомство пар и их планов", "Входная анкета о затруднениях",
                      "Разбор открытых уроков наставников", "Онлайн-занятие для наставнических пар"]
    assert await uploads_left(harness) == 0, "the stored file goes once it is imported"


async def test_the_columns_can_go_back_to_how_they_were_read(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await send_file(coordinator, STAGED.encode("utf-8"), "plan.csv")
    await coordinator.press("Столбцы таблицы")
    await coordinator.press("«Этап» — этап")
    await coordinator.press("Не использовать")
    assert "Разделов: 0" in plain(coordinator.joined())
    await coordinator.press("Столбцы таблицы")
    await coordinator.press("Вернуть как было")
    preview = plain(coordinator.joined())
    assert "Разделов: 2" in preview and "этапы — «Этап»" in preview
    await coordinator.press("Столбцы таблицы")
    await coordinator.press("«Сроки» — срок")
    assert "Столбец «Сроки» сейчас читается как: срок" in plain(coordinator.joined())
    await coordinator.press("К столбцам")
    assert "Нажмите столбец" in coordinator.joined()
    # A corrected file sent in the middle of the preview replaces the first one.
    await send_file(coordinator, OLD_PLAN.encode("utf-8"), "plan-2022.csv")
    assert "plan-2022.csv" in coordinator.joined() and "Строк: 3" in plain(coordinator.joined())
    assert await uploads_left(harness) == 1
    await coordinator.press("Отмена")
    assert "ничего не сохранено" in coordinator.joined().lower()
    assert await uploads_left(harness) == 0
    await coordinator.press_data(RoadmapCb(a="cols").pack())  # a button of the finished dialog
    assert any(coordinator.alerts())


async def test_a_past_plan_moves_to_this_school_year(harness: BotHarness) -> None:
    await make_world(harness)  # the clock says 24 November 2026
    coordinator = harness.person(COORDINATOR)
    await send_file(coordinator, OLD_PLAN.encode("utf-8"), "plan-2022.csv")
    preview = plain(coordinator.joined())
    assert "Все даты плана уже прошли" in preview and "2026/2027 учебный год" in preview
    await coordinator.press("Перенести на 2026/2027 учебный год")
    preview = plain(coordinator.joined())
    assert "Даты перенесены: 2026/2027 учебный год" in preview
    assert "↩️ Вернуть даты документа" in coordinator.buttons()
    assert not any("Перенести" in b for b in coordinator.buttons())

    await coordinator.press("Вернуть даты документа")  # changed their mind, then moved it after all
    assert "Все даты плана уже прошли" in plain(coordinator.joined())
    await coordinator.press("Перенести на")
    await coordinator.press("Импортировать")
    done = coordinator.joined()
    assert "Импорт завершён" in done and "новых: 3" in done
    assert await local_days(harness) == {
        "Семинар «Наставничество: с чего начать»": date(2026, 9, 15),
        "Вебинар «Функциональная грамотность»": date(2027, 2, 1),
        "Итоговая конференция сетевых пар": date(2027, 5, 1),
    }
    labels = coordinator.buttons()
    assert any("Вебинар" in b for b in labels) and not any("Семинар «Наставничество" in b for b in labels), (
        "what is still ahead can be announced; September has passed")


async def test_a_plan_of_this_year_is_not_offered_a_move(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await send_file(coordinator, STAGED.encode("utf-8"), "plan.csv")
    assert "уже прошли" not in coordinator.joined()
    assert not any("Перенести" in b for b in coordinator.buttons())
    await coordinator.press_data(RoadmapCb(a="move").pack())
    assert any(coordinator.alerts())


async def test_an_ods_from_libreoffice_and_a_file_that_claims_too_much(harness: BotHarness) -> None:
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    sheet = OdfTable([["План мероприятий на 2027 год", "", ""], ["Мероприятие", "Срок", "Ответственный"],
                      ["Семинар для наставников", "март", "Методист"], ["Круглый стол «Итоги»", "май", "Куратор"]],
                     [(0, 0, 1, 3)], name="План")
    await send_file(coordinator, make_ods([sheet]), "plan.ods")
    preview = plain(coordinator.joined())
    assert "Строк: 2" in preview and "Название — столбец «Мероприятие», срок — «Срок»" in preview
    await coordinator.press("Отмена")

    # 30 000 rows claimed by one row repeated (a few hundred bytes): refused, kindly, before anything is stored.
    huge = OdfTable([["Мероприятие", "Срок"], *[["Семинар", "май"]] * 30_000], name="План")
    await coordinator.press_data(EvCb(a="import").pack())
    await send_file(coordinator, make_ods([huge]), "huge.ods")
    assert "слишком много строк" in coordinator.joined()
    assert await uploads_left(harness) == 0
