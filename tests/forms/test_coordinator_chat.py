"""The coordinator's side in the chat: sending a form to an audience with a deadline, the status board,
uploading a form of their own with mistakes — and people who may not do any of it."""
from __future__ import annotations

import io
import json
from datetime import timedelta

from openpyxl import Workbook
from sqlalchemy import select

from db.models import Form, FormRequest, FormResponse, OutboxMessage
from keyboards.forms import FormBoardCb, FormCoordCb
from keyboards.callbacks import MenuCb
from tests.forms.common import COORDINATOR, FIRST_TEACHER, make_world, send_document, watch
from tests.harness import BotHarness
from tests.xlsx_check import check_xlsx


async def _latest_request(h: BotHarness) -> FormRequest:
    async def work(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(FormRequest).order_by(FormRequest.id.desc()).limit(1))

    return await h.in_db(work)


async def test_coordinator_sends_a_template_and_follows_the_board(harness: BotHarness, clock) -> None:
    world = await make_world(harness, teachers=4)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    assert "Открытых запросов: 0" in coordinator.joined()
    await coordinator.press("Отправить анкету")
    titles = coordinator.buttons()
    for title in ("Рефлексия после мероприятия", "Удовлетворённость наставляемого", "Удовлетворённость наставника",
                  "Входная анкета", "Итоговая анкета", "Отчёт о совместной работе", "Самоанализ"):
        assert any(title in b for b in titles), title
    await coordinator.press("Входная анкета")
    assert "вопросов: 6" in coordinator.joined() and "шкала 1–5" in coordinator.joined()
    await coordinator.press("Отправить эту анкету")
    await coordinator.press("Выбрать школы")
    await coordinator.press("Готово")
    assert any("хотя бы одну школу" in a for a in coordinator.alerts())
    await coordinator.press("▫️ Назиевская СОШ")
    await coordinator.press("Готово (выбрано 1)")
    assert "До какого числа" in coordinator.joined()
    await coordinator.send("31.02")
    assert "Не получилось разобрать дату" in coordinator.joined()
    await coordinator.send("01.11.2026")
    assert "уже прошла" in coordinator.joined()
    await coordinator.send("05.12")
    confirm = coordinator.joined()
    assert "Назиевская СОШ" in confirm and "Получат: 2" in confirm and "до 05.12.2026" in confirm
    await coordinator.press("Отправить")
    board = coordinator.joined()
    assert "Ответили: 0 из 2" in board and "Назиевская СОШ — 0/2" in " ".join(coordinator.buttons())

    request = await _latest_request(harness)
    assert request.audience == {"kind": "schools", "school_ids": [world.schools["nazia"]]}

    async def keys(session):  # type: ignore[no-untyped-def]
        rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("form:%"))
                                      .order_by(OutboxMessage.id))).all()
        return [(r.dedupe_key, r.kind, r.not_before) for r in rows]

    planned = await harness.in_db(keys)
    first = world.teachers[0]
    assert [k for k, _, _ in planned if f":user:{first}" in k] == [
        f"form:{request.id}:user:{first}", f"form:{request.id}:user:{first}:remind",
        f"form:{request.id}:user:{first}:nudge"]

    # The first teacher of Назиевская answers; the board follows.
    teacher = watch(harness.person(FIRST_TEACHER))
    await harness.deliver()
    assert "до 05.12.2026" in teacher.joined()
    await teacher.press("Заполнить")
    for step in (teacher.send("3"), teacher.press("▫️ Подготовка к ВПР"), teacher.press("Готово"),
                 teacher.press("▫️ ВПР"), teacher.press("Готово"), teacher.press("2"), teacher.press("В группе"),
                 teacher.send("Научиться готовить детей к ВПР"), teacher.press("Отправить ответы")):
        await step
    assert "Спасибо" in teacher.joined()

    await coordinator.press("Обновить")
    assert "Ответили: 1 из 2" in coordinator.joined() and "(50%)" in coordinator.joined()
    await coordinator.press("Назиевская СОШ — 1/2")
    people = coordinator.joined()
    assert "✅ Иванова Мария Петровна — 24.11.2026" in people
    assert "— Сидорова Ольга Николаевна — анкета ещё не открыта" in people
    await coordinator.press("К доске")

    # What the answers add up to, and a reminder to exactly the one who hasn't answered.
    await coordinator.press("Итоги ответов")
    results = coordinator.joined()
    assert "Итоги: Входная анкета" in results and "Ответили: 1 из 2 (50%)" in results
    assert "Средняя оценка: 3,00" in results and "▇▇▇▇▇▇▇▇▇▇ Подготовка к ВПР — 1 (100%)" in results
    await coordinator.press("▶️")
    assert "• «Научиться готовить детей к ВПР»" in coordinator.joined()
    await coordinator.press("Ответы в Excel")
    document = next(s for s in harness.fake.sent_to(COORDINATOR) if s.method == "sendDocument")
    book = check_xlsx(harness.fake._files[document.result["document"]["file_id"]].data)  # noqa: SLF001
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][0].startswith("Входная анкета") and rows[1][:4] == ["Анкета", "Запрос", "Срок", "ФИО"]
    assert len(rows) == 3 and rows[2][3] == "Иванова Мария Петровна" and rows[2][-1] == "Научиться готовить детей к ВПР"
    await coordinator.press("К доске")
    await coordinator.press("Напомнить не ответившим")
    assert any("Напоминание поставлено в очередь: 1" in a for a in coordinator.alerts())
    asked = [k for k, _, _ in await harness.in_db(keys) if ":asked:" in k]
    assert len(asked) == 1 and f":user:{first}:" not in asked[0]  # only the one who hasn't answered
    await coordinator.press("Напомнить не ответившим")
    assert any("уже отправлено" in a for a in coordinator.alerts())
    assert len([k for k, _, _ in await harness.in_db(keys) if ":asked:" in k]) == 1
    await coordinator.press("Завершить приём")
    await coordinator.press("Да, завершить")
    assert "Приём ответов завершён" in coordinator.joined()

    async def statuses(session):  # type: ignore[no-untyped-def]
        rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(["reminder", "nudge"])))).all()
        return sorted({r.status for r in rows})

    assert await harness.in_db(statuses) == ["cancelled"]
    await coordinator.press("К запросам")
    assert any("🔒 Входная анкета участника программы — 1/2" in b for b in coordinator.buttons())

    # The second teacher, too late: the request is closed.
    other = watch(harness.person(FIRST_TEACHER + 2))
    await other.press("Заполнить")
    assert "Приём ответов завершён" in other.joined()


async def test_reminder_before_and_nudge_after_the_deadline(harness: BotHarness, clock) -> None:
    world = await make_world(harness, teachers=2)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    await coordinator.press("Отправить анкету")
    await coordinator.press("Рефлексия после мероприятия")
    await coordinator.press("Отправить эту анкету")
    await coordinator.press("Участники")
    await coordinator.press("Через 3 дня")  # 24.11 → 27.11
    await coordinator.press("Отправить")
    first, second = watch(harness.person(FIRST_TEACHER)), watch(harness.person(FIRST_TEACHER + 1))
    await harness.deliver()
    assert "до 27.11.2026" in first.joined()

    await first.press("Заполнить")
    await first.press("5")
    await first.send("Всё")
    await first.press("Пропустить")
    await first.press("Отправить ответы")

    clock.move(timedelta(days=2, hours=1))  # 26.11, 10:00 Moscow time — the day before the deadline
    watch(first), watch(second)
    await harness.deliver()
    assert "Напоминание" in second.joined() and "27.11.2026" in second.joined()
    assert first.new() == [], "who answered gets no reminder"

    clock.move(timedelta(days=2))  # 28.11, the day after
    watch(second)
    await harness.deliver()
    assert "ответы ещё принимаются" in second.joined()
    await second.press("Заполнить")
    assert "Срок уже прошёл, но ответы ещё принимаются" in second.joined()
    await second.press("4")
    await second.send("Многое")
    await second.press("Пропустить")
    await second.press("Отправить ответы")

    async def late(session):  # type: ignore[no-untyped-def]
        from bot.services.forms import forms_answered

        return await forms_answered(session, world.network_id)

    counts = await harness.in_db(late)
    assert (counts.total, counts.submitted, counts.late) == (2, 2, 1)


async def test_only_coordinators_of_the_network_see_and_touch_requests(harness: BotHarness) -> None:
    world = await make_world(harness, teachers=2)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    await coordinator.press("Отправить анкету")
    await coordinator.press("Итоговая анкета")
    await coordinator.press("Отправить эту анкету")
    await coordinator.press("Вся сеть")
    await coordinator.press("Через неделю")
    await coordinator.press("Отправить")
    request = await _latest_request(harness)

    teacher = harness.person(FIRST_TEACHER)
    await teacher.command("menu")
    assert not any("Анкеты и отчёты" in b for b in teacher.buttons())
    for forged in (MenuCb(action="forms_coord").pack(), FormBoardCb(r=request.id).pack(),
                   FormCoordCb(a="closeok", id=request.id).pack(), FormCoordCb(a="up").pack(),
                   FormBoardCb(r=request.id, s=world.schools["nazia"]).pack()):
        await teacher.press_data(forged)
    assert sum("недоступны" in a for a in teacher.alerts()) == 5
    assert (await _latest_request(harness)).status == "open"

    # A coordinator of another network can't see this one's board either.
    async def other_network(session):  # type: ignore[no-untyped-def]
        from tests.forms.common import build_world

        await build_world(session, harness.app.clock, teachers=0, slug="luga", coordinator_telegram=COORDINATOR + 1)

    await harness.in_db(other_network)
    stranger = harness.person(COORDINATOR + 1)
    await stranger.press_data(FormBoardCb(r=request.id).pack())
    await stranger.press_data(FormCoordCb(a="close", id=request.id).pack())
    assert sum("Запрос не найден" in a for a in stranger.alerts()) == 2

    # A sending flow can't be finished with a stale confirmation once it was cancelled.
    await coordinator.press_data(FormCoordCb(a="go").pack())
    assert any("устарела" in a for a in coordinator.alerts())


def _xlsx(rows: list[list[object]], *, title: str | None = "Анкета по итогам семинара") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Вопросы"
    if title:
        sheet.append([title])
    sheet.append(["Вопрос", "Тип", "Варианты", "Обязательный", "Мин", "Макс"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_custom_form_upload_with_errors_then_fixed(harness: BotHarness) -> None:
    await make_world(harness, teachers=1)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    await coordinator.press("Загрузить свою анкету")
    assert "«вопрос», «тип», «варианты»" in coordinator.joined()

    await coordinator.sticker()
    assert "Пришлите файл" in coordinator.joined()
    await send_document(coordinator, b"%PDF-1.4", "anketa.pdf")
    assert "нужен .xlsx, .yaml, .yml или .json" in coordinator.joined()

    broken = _xlsx([
        ["Оцените семинар", "шкала", None, "да", 1, 5],
        ["Что было полезно?", "текстт", None, "да", None, None],
        ["Какой формат удобнее?", "один вариант", "Очно", "нет", None, None],
        ["Сколько часов?", "число", None, "может быть", 10, 1],
    ])
    await send_document(coordinator, broken, "anketa.xlsx")
    report = coordinator.joined()
    assert "ошибок: 4" in report
    assert "Строка 4, «тип»: неизвестный тип «текстт»" in report
    assert "Строка 5, «варианты»: нужно хотя бы 2 варианта" in report
    assert "Строка 6, «обязательный»: «может быть»" in report
    assert "Строка 6, «мин»: минимум 10 больше максимума 1" in report

    yaml_broken = "title: Анкета\nquestions:\n  - text: Оцените\n    type: шкала\n   min: 1\n"
    await coordinator.send(yaml_broken)
    assert "Ошибка в YAML: строка" in coordinator.joined()

    fixed = _xlsx([
        ["Оцените семинар", "шкала", None, "да", 1, 5],
        ["Что было полезно?", "текст", None, "да", None, None],
        ["Какой формат удобнее?", "один вариант", "Очно; Онлайн; Смешанный", "нет", None, None],
        ["Сколько часов готовы уделять в месяц?", "число", None, "да", 0, 40],
    ])
    await send_document(coordinator, fixed, "anketa.xlsx")
    saved = coordinator.joined()
    assert "Анкета «Анкета по итогам семинара» сохранена" in saved
    assert "3. Какой формат удобнее? — один вариант из 3 (необязательный)" in saved

    async def form(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(Form).where(Form.network_id.is_not(None)))

    stored = await harness.in_db(form)
    assert stored.kind == "custom" and len(stored.definition["questions"]) == 4
    assert stored.definition["questions"][2]["options"] == ["Очно", "Онлайн", "Смешанный"]

    # Send it right away; the teacher gets it.
    await coordinator.press("Отправить эту анкету")
    await coordinator.press("Вся сеть")
    await coordinator.press("Через 2 недели")
    await coordinator.press("Отправить")
    teacher = watch(harness.person(FIRST_TEACHER))
    await harness.deliver()
    assert "Анкета по итогам семинара" in teacher.joined()

    # JSON pasted as text works as well, and appears in the list of forms.
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    await coordinator.press("Загрузить свою анкету")
    await coordinator.send(json.dumps({"название": "Опрос о ВПР", "вопросы": [
        {"вопрос": "Проводили ВПР в этом году?", "тип": "да/нет"},
        {"вопрос": "Дата проведения", "тип": "дата", "обязательный": "нет"}]}, ensure_ascii=False))
    assert "Анкета «Опрос о ВПР» сохранена" in coordinator.joined()
    await coordinator.press("К анкетам")
    await coordinator.press("Отправить анкету")
    assert "Всего: 9" in coordinator.joined(), "7 templates and 2 own forms"
    await coordinator.press("▶️")
    assert any("🗂 Опрос о ВПР" in b for b in coordinator.buttons())

    async def responses(session):  # type: ignore[no-untyped-def]
        return len((await session.scalars(select(FormResponse))).all())

    assert await harness.in_db(responses) == 2  # the coordinator and the teacher were asked
