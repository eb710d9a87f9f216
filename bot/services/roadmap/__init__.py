"""Roadmap («дорожная карта») parser: DOCX/XLSX/CSV → events with periods and kinds.

Pure domain code: no Telegram, no database. See docs/roadmap-parser.md.
"""

from .dates import YearContext, detect_year_context, parse_when
from .kinds import ALL_KINDS, EVENT_KINDS, TASK_KINDS, classify, is_event
from .model import Period, RawDocument, RawRow, RawTable, Roadmap, RoadmapError, RoadmapRow, When
from .parser import build_roadmap, parse_roadmap, roadmap_to_json
from .readers import read_document

__all__ = [
    "ALL_KINDS",
    "EVENT_KINDS",
    "TASK_KINDS",
    "Period",
    "RawDocument",
    "RawRow",
    "RawTable",
    "Roadmap",
    "RoadmapError",
    "RoadmapRow",
    "When",
    "YearContext",
    "build_roadmap",
    "classify",
    "detect_year_context",
    "is_event",
    "parse_roadmap",
    "parse_when",
    "read_document",
    "roadmap_to_json",
]
