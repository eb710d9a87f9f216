"""Fetching a file a person sent, without trusting what the update says about it.

The size in the update (and in getFile) is the sender's claim; the bytes are counted as they arrive and the
download stops at ``limits.max_bytes``. Read the bytes with the feature's reader through
``bot.services.uploads.sandbox.run_untrusted``.
"""
from __future__ import annotations

import asyncio
import io
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import ClientError

from bot.services.uploads import FileLimits, FileRejected

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT = 60


class _Capped(io.BytesIO):
    """A buffer that refuses to grow beyond the limit (the download stops there)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.limit:
            raise FileRejected("uploads.too_big", limit_mb=max(1, self.limit // (1024 * 1024)))
        return super().write(data)


async def fetch(bot: Bot, file_id: str, limits: FileLimits, *, declared_size: int | None = None) -> bytes:
    """The file's bytes, at most `limits.max_bytes`; FileRejected (too big, or Telegram didn't give it)."""
    too_big = FileRejected("uploads.too_big", limit_mb=max(1, limits.max_bytes // (1024 * 1024)))
    if declared_size and declared_size > limits.max_bytes:
        raise too_big  # honest senders hear it without a download
    buffer = _Capped(limits.max_bytes)
    try:
        file = await bot.get_file(file_id)
        if file.file_size and file.file_size > limits.max_bytes:
            raise too_big
        if not file.file_path:
            raise FileRejected("uploads.download_failed")
        await bot.download_file(file.file_path, destination=buffer, timeout=DOWNLOAD_TIMEOUT)
    except FileRejected:
        raise
    except (TelegramAPIError, ClientError, asyncio.TimeoutError, OSError) as error:
        log.warning("download of an upload failed: %s", error)  # the URL holds the token: bot/logs.py hides it
        raise FileRejected("uploads.download_failed") from error
    return buffer.getvalue()
