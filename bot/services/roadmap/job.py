"""The roadmap parse as the upload sandbox runs it: bytes in, plain JSON-able data out.

Importable at module level and light (no database, no Telegram), so a worker process forked for one file
starts quickly. A file the parser cannot read becomes a :class:`DomainError` the chat can explain; a file
over the limits is already a ``FileRejected``.
"""
from __future__ import annotations

from typing import Any

from bot.services.errors import DomainError
from bot.services.uploads.limits import FileLimits

from .model import RoadmapError
from .parser import parse_roadmap


def parse_job(data: bytes, file_name: str, roles: dict[str, dict[str, str]] | None = None,
              year: int | None = None, limits: FileLimits | None = None) -> dict[str, Any]:
    """Parse a roadmap file → {"title", "rows", "warnings", "columns", "period"}; ``roles`` as stored (string keys)."""
    chosen = {int(table): {int(column): role for column, role in columns.items()}
              for table, columns in (roles or {}).items()}
    try:
        roadmap = parse_roadmap(data, file_name, year=year, roles=chosen, limits=limits)
    except RoadmapError as error:
        raise DomainError("events.import.unreadable", reason=str(error)) from None
    return {"title": roadmap.title, "rows": [{**row.to_json(), "audience": row.audience} for row in roadmap.events],
            "warnings": list(roadmap.warnings), "columns": roadmap.columns, "period": roadmap.period}
