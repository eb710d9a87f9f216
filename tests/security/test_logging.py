"""No log line at any level holds the token or the webhook secret — messages, arguments, exceptions, aiohttp's
URLs — and SQL is logged without people's data unless the operator asks for it."""
from __future__ import annotations

import io
import logging

import pytest
from aiohttp import ClientResponseError, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from sqlalchemy import text
from yarl import URL

from bot.logs import protect, quiet_sql, redact
from db.session import create_engine
from tests.harness import BotHarness
from tests.mentoring.chat import setup
from tests.mentoring.conftest import COORDINATOR

TOKEN = "7012345678:AAH5x9QvTlrE2-sKxW3bq7yZ0dFcGhJkLmN"
SECRET = "webhook-secret-Zk2p9Qx"


@pytest.fixture
def log_text():  # type: ignore[no-untyped-def]
    """Everything logged at DEBUG and above while the test runs, as a formatter prints it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream.getvalue
    root.removeHandler(handler)
    root.setLevel(level)


def test_secrets_are_hidden_in_messages_arguments_and_tracebacks(log_text) -> None:  # type: ignore[no-untyped-def]
    protect([TOKEN, SECRET])
    log = logging.getLogger("bot.test")
    url = URL(f"https://api.telegram.org/file/bot{TOKEN}/documents/file_7.xlsx")
    info = RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)
    try:
        raise ClientResponseError(info, (), status=404, message="Not Found")
    except ClientResponseError as error:
        log.exception("update 5 failed: %s", error)
    log.debug("webhook check with %s and %r", SECRET, {"token": TOKEN})
    log.warning(f"a careless f-string: bot{TOKEN}/getMe")
    try:
        raise RuntimeError(f"Unauthorized for https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.error("send failed", exc_info=True)
    printed = log_text()
    assert TOKEN not in printed and TOKEN.split(":")[1] not in printed and SECRET not in printed
    assert printed.count("<скрыто>") >= 6
    assert "file/bot<скрыто>/documents/file_7.xlsx" in printed, "the rest of the line still says what failed"
    assert "Traceback" in printed and "ClientResponseError" in printed


def test_a_token_shaped_string_is_hidden_even_if_it_was_never_configured() -> None:
    other = "5550001112:AAFq8Zx2Lw9Vb3Nc4Md5Ke6Jf7Hg8Gi9Ft0Es"
    assert redact(f"https://api.telegram.org/bot{other}/getUpdates") == \
        "https://api.telegram.org/bot<скрыто>/getUpdates"
    assert redact("Заказ 12345: оплачено") == "Заказ 12345: оплачено"


async def test_sql_parameters_never_reach_the_log_unless_asked(log_text, database_url) -> None:  # type: ignore[no-untyped-def]
    quiet_sql(statements=True, parameters=False)  # even with statements asked for
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT :name AS name"), {"name": "Зайцева Ирина Павловна"})
        await engine.dispose()
        printed = log_text()
        assert "SELECT" in printed, "the statement itself is logged when asked"
        assert "Зайцева" not in printed
    finally:
        quiet_sql(statements=False, parameters=False)


async def test_a_failed_download_logs_no_token(harness: BotHarness, log_text) -> None:  # type: ignore[no-untyped-def]
    """The review's case: a file download fails, aiohttp's error carries …/file/bot<TOKEN>/…"""
    await setup(harness)
    coordinator = harness.person(COORDINATOR)
    await coordinator.command("menu")
    await coordinator.press("Наставничество")
    await coordinator.press("Импорт таблиц")
    record = harness.fake.add_file("ФИО;ОО\n".encode(), file_name="people.csv")
    harness.fake._files_by_path.pop(record.file_path)  # noqa: SLF001 - Telegram loses the file: 404
    update = harness.fake.updates.document(COORDINATOR, file_name="people.csv", file_size=7, file_id=record.file_id)
    await coordinator._feed(update)  # noqa: SLF001
    assert "Не получилось получить файл из Telegram" in coordinator.joined()
    printed = log_text()
    token = harness.app.settings.token()
    assert "download of an upload failed" in printed and "file/bot<скрыто>/" in printed
    assert token not in printed and token.split(":")[1] not in printed
