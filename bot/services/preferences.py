"""What a person chose to hear about. Stored in `users.notification_prefs` as {"mute": [topic, …]}.

Planners skip muted topics when they queue messages; personal answers and notices (a join decision,
a pair confirmed) are never muted, and neither are broadcasts a coordinator sends on purpose.
"""
from __future__ import annotations

from typing import Any

# Topics a person may mute in /settings, in the order they are shown.
MUTABLE_TOPICS = ("event_reminders", "announcements", "form_reminders", "mentoring_nudges", "plan_reminders")


def muted(prefs: dict[str, Any] | None) -> set[str]:
    return set((prefs or {}).get("mute") or [])


def is_muted(prefs: dict[str, Any] | None, topic: str) -> bool:
    return topic in muted(prefs)


def toggle(prefs: dict[str, Any] | None, topic: str) -> dict[str, Any]:
    """A new prefs dict (assign it back, so SQLAlchemy sees the JSON change)."""
    if topic not in MUTABLE_TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    current = muted(prefs)
    current ^= {topic}
    return {**(prefs or {}), "mute": [t for t in MUTABLE_TOPICS if t in current]}
