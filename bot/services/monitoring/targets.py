"""Targets per network, kept in `network.settings["targets"]`; the defaults come from the seed roadmaps
(participation of not less than 50–75% of teachers, every ШНОР in a link, ≥40% of the roadmap's measures
done by mid-year and ≥90% by the end of the school year)."""
from __future__ import annotations

import re
from typing import Any

from bot.services.errors import DomainError
from db.models.core import Network

SETTINGS_KEY = "targets"

# The order indicators are shown in, everywhere (card, chart, export, справка): shares first, then counts,
# so the workbook's native chart reads one block of rows.
ORDER = ("participation", "shnor_covered", "events_held", "attendance", "forms_answered", "measures_mid",
         "measures_end", "active_links", "sessions_month")
SHARES = frozenset({"participation", "shnor_covered", "events_held", "attendance", "forms_answered",
                    "measures_mid", "measures_end"})  # percent targets; the rest are counts
DEFAULTS: dict[str, int | None] = {
    "participation": 75,
    "shnor_covered": 100,
    "active_links": None,  # not set: no mark
    "sessions_month": None,  # not set: one meeting per active link
    "events_held": 100,
    "attendance": 75,
    "forms_answered": 80,
    "measures_mid": 40,
    "measures_end": 90,
}
COUNT_LIMIT = 1_000_000
RESET_WORDS = {"-", "—", "по умолчанию", "default", "сброс", "reset"}


def targets_of(network: Network | None) -> dict[str, int | None]:
    """The network's targets over the defaults; anything malformed in the settings is ignored."""
    stored: Any = ((network.settings or {}) if network is not None else {}).get(SETTINGS_KEY) or {}
    result = dict(DEFAULTS)
    if isinstance(stored, dict):
        for key, value in stored.items():
            if key in DEFAULTS and (value is None or (isinstance(value, int) and not isinstance(value, bool))):
                result[key] = value
    return result


def is_custom(network: Network, key: str) -> bool:
    stored = (network.settings or {}).get(SETTINGS_KEY) or {}
    return isinstance(stored, dict) and key in stored


def parse_target(key: str, text: str) -> int | None | str:
    """What the coordinator typed: a number (a percent for shares), or a reset word → "default"."""
    if key not in DEFAULTS:
        raise DomainError("monitoring.targets.unknown")
    cleaned = (text or "").strip().lower().rstrip("%").strip()
    if cleaned in RESET_WORDS:
        return "default"
    if not re.fullmatch(r"\d{1,7}", cleaned):
        raise DomainError("monitoring.targets.bad_share" if key in SHARES else "monitoring.targets.bad_count")
    value = int(cleaned)
    if key in SHARES and not 0 < value <= 100:
        raise DomainError("monitoring.targets.bad_share")
    if key not in SHARES and not 0 < value <= COUNT_LIMIT:
        raise DomainError("monitoring.targets.bad_count")
    return value


def set_target(network: Network, key: str, text: str) -> int | None:
    """Stores the typed target (or drops it back to the default); returns the target now in force."""
    value = parse_target(key, text)
    settings = dict(network.settings or {})
    stored = dict(settings.get(SETTINGS_KEY) or {}) if isinstance(settings.get(SETTINGS_KEY), dict) else {}
    if value == "default":
        stored.pop(key, None)
    else:
        stored[key] = value
    settings[SETTINGS_KEY] = stored
    network.settings = settings  # a new dict, so the JSON column is seen as changed
    return targets_of(network)[key]
