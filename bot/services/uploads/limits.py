"""Bounds on what an uploaded file may make the bot read.

A 1–2 KB office file can claim gigabytes once unpacked, a merged range over a whole sheet or a
``gridSpan`` of 200 million columns. Readers of roadmaps, imports and forms take a :class:`FileLimits`
and refuse (never truncate silently) what goes beyond it, with :class:`FileRejected` — a
:class:`DomainError` whose key explains the limit to the person in Russian.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from bot.services.errors import DomainError


class FileRejected(DomainError):
    """The file is over a limit or is not a readable file of its kind; ``key`` says which (uploads.*)."""


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int = 10 * 1024 * 1024  # the downloaded file itself
    max_unpacked_bytes: int = 100 * 1024 * 1024  # sum of a zip's members, as declared and as read
    max_ratio: int = 200  # a zip member's unpacked size over its packed size
    max_members: int = 5_000  # entries in a zip
    max_rows: int = 20_000  # rows of one table or sheet
    max_cols: int = 200  # columns of one table or sheet (merged spans and gridSpan count)
    max_cells: int = 1_000_000  # cells of the whole document, merged ones counted once per place
    max_yaml_aliases: int = 0  # YAML anchors/aliases (a billion-laughs needs them; forms don't)
    parse_seconds: float = 30.0  # wall time of one parse in the worker
    parse_memory_mb: int = 768  # address-space cap of the worker process


ECHO_LIMIT = 60  # a cell quoted back to the sender: enough to find it, never a 120 KB wall of text


def quote_cell(value: Any, limit: int = ECHO_LIMIT) -> Any:
    """A cell's text as quoted back in a problem line: one line, at most `limit` characters."""
    if not isinstance(value, str):
        return value
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def check_archive(data: bytes, limits: FileLimits) -> None:
    """Refuse a zip (DOCX/XLSX/ODT/ODS) whose members would unpack beyond the limits.

    Uses the sizes the archive declares; readers that stream members must still stop at
    ``max_unpacked_bytes`` because a forged header can understate them.
    """
    if len(data) > limits.max_bytes:
        raise FileRejected("uploads.too_big", limit_mb=limits.max_bytes // (1024 * 1024))
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileRejected("uploads.broken_archive") from exc
    if len(infos) > limits.max_members:
        raise FileRejected("uploads.too_complex")
    total = 0
    for info in infos:
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and info.file_size / packed > limits.max_ratio:
            raise FileRejected("uploads.too_complex")
    if total > limits.max_unpacked_bytes:
        raise FileRejected("uploads.too_complex")
