"""A roadmap file is held to the same guards as every other upload: the size limit from the settings, counted
on the real download (not the size the update claims), and the parse in the sandbox — also when the coordinator
sends the file without first pressing «Загрузить дорожную карту». Each refusal says why and offers a button."""
from __future__ import annotations

from bot.services.uploads import sandbox
from keyboards.events import EvCb
from tests.events.common import COORDINATOR, make_world
from tests.harness import BotHarness
from tests.security.test_logging import log_text  # noqa: F401 - the fixture

PLAN = ("План мероприятий сетевого наставничества на 2026/2027 учебный год\n"
        "№;Наименование мероприятия;Сроки;Ответственные\n"
        "1;Семинар «Наставничество: с чего начать»;15.09.2026;Методист ИМЦ\n"
        "2;Вебинар «Функциональная грамотность»;февраль 2027;Методист ИМЦ\n")


def _padded(limit: int) -> bytes:
    # Fewer rows than any row limit: only the size can refuse it.
    topic = "Консультация наставников по вопросам адаптации молодых педагогов к условиям работы в школе"
    filler = "".join(f"{n};{topic} № {n};март 2027;Методист ИМЦ\n" for n in range(3, 8_000))
    data = (PLAN + filler).encode()
    assert len(data) > limit
    return data


def _claim(harness: BotHarness, size: int) -> None:
    """getFile claims `size` bytes whatever the file really holds (as a forged or stale update can)."""
    files = harness.fake._files  # noqa: SLF001
    harness.fake.override("getFile", lambda params: {"file_id": params["file_id"], "file_unique_id": "u1",
                                                     "file_size": size,
                                                     "file_path": files[params["file_id"]].file_path})


async def test_a_roadmap_sent_without_asking_is_held_to_the_size_limit_of_the_settings(harness: BotHarness) -> None:
    await make_world(harness)
    harness.app.settings.upload_max_mb = 1
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    _claim(harness, 200)
    await coordinator.document("plan.csv", _padded(1024 * 1024), declared_size=200)
    assert "Файл слишком большой: можно до 1 МБ" in coordinator.joined()
    assert coordinator.buttons(), "a refusal offers a button"
    assert "Строк:" not in coordinator.joined(), "nothing of the file was read"
    harness.fake.override("getFile", None)


async def test_a_roadmap_asked_for_is_held_to_the_real_size_too(harness: BotHarness) -> None:
    await make_world(harness)
    harness.app.settings.upload_max_mb = 1
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press_data(EvCb(a="import").pack())
    assert "до 1 МБ" in coordinator.joined(), "the prompt tells the limit that applies"
    _claim(harness, 200)
    await coordinator.document("plan.csv", _padded(1024 * 1024), declared_size=200)
    assert "Файл слишком большой: можно до 1 МБ" in coordinator.joined()
    harness.fake.override("getFile", None)
    await coordinator.document("plan.csv", PLAN.encode())
    assert "Строк: 2" in coordinator.joined().replace("<b>", "").replace("</b>", ""), "still in the import"


async def test_a_roadmap_sent_without_asking_is_read_in_the_sandbox(harness: BotHarness, monkeypatch) -> None:
    await make_world(harness)
    harness.app.settings.upload_max_mb = 5
    coordinator = harness.person(COORDINATOR)
    seen: list[str] = []
    real = sandbox.run_untrusted

    async def spy(job, *args, limits, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(job, "__name__", str(job)))
        assert limits.max_bytes == harness.app.settings.file_limits().max_bytes, "the settings' limits"
        return await real(job, *args, limits=limits, **kwargs)

    monkeypatch.setattr(sandbox, "run_untrusted", spy)
    import bot.services.events.roadmap_upload as roadmap_upload
    monkeypatch.setattr(roadmap_upload, "run_untrusted", spy)
    await coordinator.command("menu")
    await coordinator.document("plan.csv", PLAN.encode())
    assert "parse_job" in seen
    assert "Строк: 2" in coordinator.joined().replace("<b>", "").replace("</b>", "")


async def test_a_failed_roadmap_download_is_told_and_logs_no_token(harness: BotHarness, log_text) -> None:  # noqa: F811
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    record = harness.fake.add_file(PLAN.encode(), file_name="plan.docx")
    harness.fake._files_by_path.pop(record.file_path)  # noqa: SLF001 - Telegram loses the file: 404
    update = harness.fake.updates.document(COORDINATOR, file_name="plan.docx", file_size=len(PLAN.encode()),
                                           file_id=record.file_id)
    await coordinator._feed(update)  # noqa: SLF001
    assert "Не получилось получить файл из Telegram" in coordinator.joined()
    assert coordinator.buttons()
    printed = log_text()
    token = harness.app.settings.token()
    assert token not in printed and token.split(":")[1] not in printed
    assert "file/bot<скрыто>/" in printed


async def test_a_docx_bomb_sent_without_asking_is_refused_with_a_button(harness: BotHarness) -> None:
    import io

    import docx
    from lxml import etree

    from tests.roadmap.roadmap_builders import DocxTable, make_docx

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    header = ["№", "Мероприятие", "Срок", "Ответственный"]
    document = docx.Document(io.BytesIO(make_docx([], [DocxTable([header, ["1", "Семинар", "май", "ИМЦ"]])])))
    table = document.element.body.find(f"{w}tbl")
    table.remove(table.find(f"{w}tblGrid"))  # no grid to clip the forged span to
    etree.SubElement(table.find(f".//{w}tc").find(f"{w}tcPr"), f"{w}gridSpan").set(f"{w}val", "200000000")
    buffer = io.BytesIO()
    document.save(buffer)
    await make_world(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.document("plan.docx", buffer.getvalue())
    assert "слишком велик для чтения" in coordinator.joined()
    assert any("В меню" in label for label in coordinator.buttons())
