"""Test doubles for end-to-end tests and benchmarks.

Exports are loaded lazily so that ``python -m tests.fakes.telegram_api``
does not import the module twice.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "FakeTelegram": "telegram_api",
    "Sent": "telegram_api",
    "Call": "telegram_api",
    "Stats": "telegram_api",
    "ApiError": "telegram_api",
    "UpdateFactory": "updates",
    "LimitConfig": "limits",
    "FakeMax": "max_api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
