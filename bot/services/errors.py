"""Domain errors carry a locale key, so the edge can explain them in the user's language."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
