"""Untrusted parsing runs in a capped worker: results and domain errors come back, bombs are refused,
and the event loop keeps serving others meanwhile."""
from __future__ import annotations

import asyncio
import io
import zipfile

import pytest

from bot.services.errors import DomainError
from bot.services.uploads import FileLimits, FileRejected, check_archive
from bot.services.uploads.sandbox import run_untrusted
from tests.uploads import hostile

TIGHT = FileLimits(parse_seconds=3, parse_memory_mb=256)


async def test_result_comes_back():
    assert await run_untrusted(hostile.double, 21, limits=TIGHT) == 42


async def test_domain_error_keeps_its_key_and_values():
    with pytest.raises(DomainError) as caught:
        await run_untrusted(hostile.refuse, "план.docx", limits=TIGHT)
    assert caught.value.key == "roadmap.errors.cannot_open"
    assert caught.value.values == {"name": "план.docx"}


async def test_passthrough_exception_arrives_as_itself():
    with pytest.raises(hostile.ParserSaid, match="нет таблиц"):
        await run_untrusted(hostile.parser_says, "нет таблиц", limits=TIGHT, passthrough=(hostile.ParserSaid,))


async def test_parser_bug_is_a_polite_refusal():
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(hostile.breaks, limits=TIGHT)
    assert caught.value.key == "uploads.unreadable"


@pytest.mark.parametrize("bomb", [hostile.hog_memory, hostile.recurse, hostile.abort])
async def test_bombs_are_refused(bomb):
    with pytest.raises(FileRejected) as caught:
        await run_untrusted(bomb, limits=TIGHT)
    assert caught.value.key == "uploads.too_complex"


async def test_a_parse_that_never_ends_is_killed_while_the_loop_serves_others():
    limits = FileLimits(parse_seconds=1.5, parse_memory_mb=256)
    ticks = 0

    async def other_people():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    others = asyncio.create_task(other_people())
    try:
        with pytest.raises(FileRejected):
            await run_untrusted(hostile.spin, limits=limits)
    finally:
        others.cancel()
    # The loop kept turning the whole time the worker spun (≈30 ticks in 1.5 s; any starvation shows as ~0).
    assert ticks >= 10


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_archive_that_unpacks_to_gigabytes_is_refused():
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\0" * (300 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(FileRejected) as caught:
        check_archive(bomb, FileLimits())
    assert caught.value.key == "uploads.too_complex"


def test_archive_too_big_or_broken_is_refused():
    with pytest.raises(FileRejected) as caught:
        check_archive(b"PK\x03\x04" + b"x" * 2048, FileLimits(max_bytes=1024))
    assert caught.value.key == "uploads.too_big"
    with pytest.raises(FileRejected) as caught:
        check_archive(b"PK\x03\x04 not a zip", FileLimits())
    assert caught.value.key == "uploads.broken_archive"


def test_ordinary_archive_passes():
    check_archive(_zip({"word/document.xml": b"<w:document/>" * 1000}), FileLimits())
