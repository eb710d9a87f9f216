"""Hostile files through the chat, as a coordinator sends them: each gets a clear Russian answer, the person stays
where they were, and other people keep being answered while a file is being read."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import Form
from handlers.mentoring import importing
from tests.forms.common import COORDINATOR as FORMS_COORDINATOR, make_world
from tests.harness import BotHarness
from tests.mentoring.chat import open_import, setup
from tests.mentoring.conftest import MENTEE
from tests.uploads import hostile
from tests.uploads.bombs import billion_laughs, cell, people_header, row, workbook

PEOPLE_CSV = "ФИО;ОО;Телефон\nИванова Мария Петровна;Подпорожская СОШ № 3;8 911 123 45 67\n"


async def test_a_file_bigger_than_it_claims_is_refused_by_its_real_size(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = await open_import(harness)
    limit = harness.app.settings.upload_max_mb * 1024 * 1024
    padded = (PEOPLE_CSV + "Петрова Анна Сергеевна;Важинский ОЦ;\n" * int(limit // 30)).encode()
    assert len(padded) > limit
    # The update and getFile both claim 200 bytes; only counting the download tells the truth.
    harness.fake.override("getFile", lambda params: {"file_id": params["file_id"], "file_unique_id": "u1",
                                                     "file_size": 200, "file_path": _path(harness, params)})
    await coordinator.document("people.csv", padded, declared_size=200)
    assert "Файл слишком большой: можно до 10 МБ" in coordinator.joined()
    harness.fake.override("getFile", None)
    await coordinator.document("people.csv", PEOPLE_CSV.encode())
    assert "Предпросмотр" in coordinator.joined(), "still in the import, the next file is read"


def _path(h: BotHarness, params: dict) -> str:
    return h.fake._files[params["file_id"]].file_path  # noqa: SLF001


async def test_sheet_bombs_sent_as_an_import_are_refused_with_their_reason(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = await open_import(harness)
    far_row = workbook([people_header(), row(100_000_000, [cell("A100000000", "Иванова Мария Петровна")])])
    await coordinator.document("people.xlsx", far_row)
    assert "В таблице больше 20\u00a0000 строк" in coordinator.joined()
    empty_rows = workbook([people_header(), *("<row/>" for _ in range(1_000_000))])
    await coordinator.document("people.xlsx", empty_rows)
    assert "слишком велик для чтения" in coordinator.joined()
    await coordinator.document("people.xlsx", workbook([], sheet_xml="<worksheet><sheetData><row>"))
    assert "ошибка разметки" in coordinator.joined()
    await coordinator.document("people.csv", b'\xef\xbb\xbf\xd0\xa4\xd0\x98\xd0\x9e;"' + "я".encode() * 70_000)
    assert "незакрытая кавычка" in coordinator.joined()
    # Sent without opening the import first: a bomb is still refused with its reason, not taken for nothing.
    await coordinator.command("menu")
    await coordinator.document("people.xlsx", far_row)
    assert "В таблице больше 20\u00a0000 строк" in coordinator.joined()


async def test_others_are_answered_while_a_bomb_is_being_read_and_then_it_is_refused(harness: BotHarness,
                                                                                    monkeypatch) -> None:
    await setup(harness)
    coordinator = await open_import(harness)
    teacher = harness.person(MENTEE)
    # A reader that eats memory step by step, the way a merged range over a whole sheet does.
    monkeypatch.setattr(importing, "read_sheets", hostile.slow_hog)
    upload = asyncio.create_task(coordinator.document("people.csv", PEOPLE_CSV.encode()))
    await asyncio.sleep(0.3)
    await teacher.command("menu")
    assert "Петрова Анна Сергеевна" in teacher.joined() and teacher.buttons(), "the teacher got the menu"
    assert not upload.done(), "…while the file was still being read, off the event loop"
    await upload
    assert "слишком велик для чтения" in coordinator.joined()


async def test_a_huge_cell_is_quoted_back_short_and_once(harness: BotHarness) -> None:
    await setup(harness)
    coordinator = await open_import(harness)
    huge = "тел. " * 24_000  # a 120 KB cell
    sheet = workbook([people_header(), row(2, [cell("A2", "Иванова Мария Петровна"), cell("B2", "СОШ № 3"),
                                               cell("C2", huge)])])
    sent = await coordinator.document("people.xlsx", sheet)
    text = coordinator.joined()
    assert "Предпросмотр" in text and "непонятный телефон «тел. тел. тел." in text
    assert len(sent) == 1, "one preview, not 177 messages"
    assert len(text) < 2000 and "…»" in text


async def test_a_typed_billion_laughs_is_refused_and_the_coordinator_can_go_on(harness: BotHarness) -> None:
    await make_world(harness, teachers=1)
    coordinator = harness.person(FORMS_COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Анкеты и отчёты")
    await coordinator.press("Загрузить свою анкету")
    await coordinator.send(billion_laughs())
    assert "ссылки YAML" in coordinator.joined()
    await coordinator.send("[" * 5000)
    assert "слишком глубокая вложенность" in coordinator.joined()
    await coordinator.send("title: Короткая анкета\nquestions:\n  - text: Как прошёл семинар?\n    type: текст\n")
    assert "Короткая анкета" in coordinator.joined()

    async def forms(session):  # type: ignore[no-untyped-def]
        return await session.scalar(select(func.count()).select_from(Form).where(Form.network_id.is_not(None)))

    assert await harness.in_db(forms) == 1
