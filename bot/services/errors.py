"""Domain errors carry a locale key, so the edge can explain them in the user's language."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the values when the error crosses a process boundary (see bot.services.uploads.sandbox).
        return (_rebuild, (type(self), self.key, self.values))


def _rebuild(cls: type[DomainError], key: str, values: dict[str, Any]) -> DomainError:
    return cls(key, **values)
