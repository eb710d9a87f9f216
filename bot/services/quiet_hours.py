"""Quiet hours: a network's night, during which non-urgent messages wait for the morning.

Stored in `networks.settings["quiet_hours"]` as `{"start": "21:00", "end": "08:00"}` (local time of the
network's timezone) or `{"enabled": false}`; absent means the default 21:00–08:00. A coordinator changes
them in /settings.

The outbox applies them when a row is queued (`bot/services/outbox.py`), so every feature gets them
without thinking about it: a row of a held kind whose `not_before` falls inside the window is moved to
the window's end. Personal answers and notices are never held. A row with `expires_at` (a reminder of an
event that starts at 07:30) is not held past its expiry — late is worse than early there.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.errors import DomainError

SETTINGS_KEY = "quiet_hours"
DEFAULT_START = time(21, 0)
DEFAULT_END = time(8, 0)
DEFAULT_TIMEZONE = "Europe/Moscow"

# Kinds that wait for the morning; everything else (replies, notifications, reports) goes at once.
HELD_KINDS = frozenset({"reminder", "nudge", "announcement", "broadcast", "form_request", "deadline"})

# Ready-made windows offered as buttons.
PRESETS: tuple[tuple[time, time], ...] = ((time(21, 0), time(8, 0)), (time(22, 0), time(7, 0)),
                                          (time(20, 0), time(9, 0)), (time(22, 0), time(8, 0)))

_OFF_WORDS = {"выкл", "выключить", "нет", "off", "no", "none", "-"}
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?"
_RANGE = re.compile(rf"^\s*(?:с\s*)?{_TIME}\s*(?:-|–|—|до|to)\s*{_TIME}\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class QuietHours:
    start: time = DEFAULT_START
    end: time = DEFAULT_END
    enabled: bool = True

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def contains(self, local: time) -> bool:
        """Is this local wall-clock time inside the window? (start inclusive, end exclusive)"""
        if not self.enabled or self.start == self.end:
            return False
        local = local.replace(tzinfo=None, second=0, microsecond=0)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # over midnight

    def release_at(self, at: datetime, tz: ZoneInfo) -> datetime | None:
        """If `at` (aware) falls inside the window: the window's end, in UTC. Otherwise None."""
        local = at.astimezone(tz)
        if not self.contains(local.time()):
            return None
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            day += timedelta(days=1)  # evening part of an overnight window: ends tomorrow morning
        return datetime.combine(day, self.end, tzinfo=tz).astimezone(timezone.utc)

    def to_settings(self) -> dict[str, Any]:
        if not self.enabled:
            return {"enabled": False}
        return {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}


OFF = QuietHours(enabled=False)


def _time(value: Any, default: time) -> time:
    if isinstance(value, str):
        match = re.fullmatch(_TIME, value.strip())
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            if hour < 24 and minute < 60:
                return time(hour, minute)
    return default


def of(settings: Mapping[str, Any] | None) -> QuietHours:
    """The network's window from its settings (missing or malformed parts fall back to the default)."""
    raw = (settings or {}).get(SETTINGS_KEY)
    if not isinstance(raw, Mapping):
        return QuietHours()
    if raw.get("enabled") is False:
        return OFF
    return QuietHours(_time(raw.get("start"), DEFAULT_START), _time(raw.get("end"), DEFAULT_END))


def with_quiet_hours(settings: Mapping[str, Any] | None, quiet: QuietHours) -> dict[str, Any]:
    """A new settings dict (assign it back so SQLAlchemy sees the JSON change)."""
    return {**(settings or {}), SETTINGS_KEY: quiet.to_settings()}


def parse(text: str) -> QuietHours:
    """What a coordinator types: «22:00–07:00», «22-7», «с 21 до 8», or «выкл»."""
    cleaned = " ".join((text or "").lower().split())
    if cleaned in _OFF_WORDS:
        return OFF
    match = _RANGE.match(cleaned)
    if not match:
        raise DomainError("settings.quiet.bad_format")
    h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise DomainError("settings.quiet.bad_time")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise DomainError("settings.quiet.empty")
    return QuietHours(start, end)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def zone_label(name: str | None, t: Callable[..., str], at: datetime | None = None) -> str:
    """A network's time as people say it: «московское время», «МСК+2» — never «Asia/Yekaterinburg»."""
    moment = at or datetime.now(timezone.utc)
    own = zone(name).utcoffset(moment) or timedelta(0)
    moscow = ZoneInfo(DEFAULT_TIMEZONE).utcoffset(moment) or timedelta(0)
    hours = round((own - moscow).total_seconds() / 3600)
    return t("timezone.moscow") if hours == 0 else t("timezone.offset", offset=f"{hours:+d}".replace("-", "−"))


def held(kind: str, override: bool | None = None) -> bool:
    """Does a row of this kind wait out the quiet hours? `override`: the caller decided (True/False)."""
    return kind in HELD_KINDS if override is None else bool(override)


def hold(not_before: datetime, quiet: QuietHours, tz: ZoneInfo, *, expires_at: datetime | None = None) -> datetime:
    """`not_before`, moved to the end of the window if it falls inside (unless that is past `expires_at`)."""
    release = quiet.release_at(not_before, tz)
    if release is None or (expires_at is not None and release >= expires_at):
        return not_before
    return release


def now_quiet(settings: Mapping[str, Any] | None, tz_name: str | None, now: datetime) -> datetime | None:
    """For the edge: if it is quiet in the network right now, when the quiet ends (UTC); else None."""
    return of(settings).release_at(now, zone(tz_name))
