"""The network's XLSX export (see bot/services/export/workbook.py and docs/monitoring.md).

    result = await write_workbook(session, network, "out.xlsx", clock, progress=callback)
    result.sheets   # [(title, data rows), …]; result.card — the indicators the «Показатели» sheet holds
"""
from __future__ import annotations

from bot.services.export.workbook import (SHEETS, ExportResult, Progress, ProgressFn, indicator_rows, sheet_title,
                                          write_workbook)

__all__ = ["SHEETS", "ExportResult", "Progress", "ProgressFn", "indicator_rows", "sheet_title", "write_workbook"]
