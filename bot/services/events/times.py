"""Time for events: stored in UTC, typed and shown in the network's zone.

A roadmap gives days («14.03-18.03»), so its periods are all-day: local midnight to the midnight after
the last day. An event created in the chat or the CLI usually has a time («25.12 15:00–17:00»).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.errors import DomainError
from bot.services.roadmap import Period, YearContext, parse_when
from db.models.core import Network

DEFAULT_ZONE = "Europe/Moscow"
DEFAULT_DURATION = timedelta(minutes=90)


def zone(network: Network | None) -> ZoneInfo:
    try:
        return ZoneInfo(network.timezone if network is not None and network.timezone else DEFAULT_ZONE)
    except Exception:  # noqa: BLE001 - a broken zone name must not break an event
        return ZoneInfo(DEFAULT_ZONE)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC moment a local day begins."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(timezone.utc)


def local_at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class Slot:
    """One period of an event in UTC; `end` is exclusive. `start is None`: a deadline (tasks)."""

    start: datetime | None
    end: datetime
    all_day: bool

    def local_days(self, tz: ZoneInfo) -> tuple[date | None, date]:
        """First and last local day of an all-day slot (the end is exclusive)."""
        first = self.start.astimezone(tz).date() if self.start else None
        return first, (self.end - timedelta(seconds=1)).astimezone(tz).date()


def slot_from_period(period: Period, tz: ZoneInfo) -> Slot:
    start = local_midnight(period.start, tz) if period.start else None
    return Slot(start, local_midnight(period.end + timedelta(days=1), tz), True)


# --- typing a date and time ------------------------------------------------------------------------

_DATE = r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?"
_TIME = r"(\d{1,2})[:.](\d{2})"
_TYPED_RE = re.compile(rf"^\s*{_DATE}\.?\s*(?:г\.?\s*)?(?:,|в|at)?\s*{_TIME}(?:\s*[-–—]\s*{_TIME})?\s*$",
                       re.IGNORECASE)
_ISO_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _year(written: str | None, month: int, day: int, today: date) -> int:
    if written:
        year = int(written)
        return year + 2000 if year < 100 else year
    # No year: the nearest such day from today on.
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        return today.year
    return today.year if candidate >= today else today.year + 1


def _moment(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DomainError("events.when.bad_time")
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(timezone.utc)


def parse_typed(text: str, tz: ZoneInfo, now: datetime) -> Slot:
    """What a coordinator types for an event's date: «25.12 15:00», «25.12.2026 15:00–17:00», a day
    («25.12.2026»), or days («14.03–18.03»). Raises DomainError with a hint; a moment in the past too."""
    today = now.astimezone(tz).date()
    text = " ".join((text or "").split())
    match = _TYPED_RE.match(text)
    if match:
        d, m, y, h1, m1, h2, m2 = match.groups()
        try:
            day = date(_year(y, int(m), int(d), today), int(m), int(d))
        except ValueError:
            raise DomainError("events.when.bad_date") from None
        start = _moment(day, int(h1), int(m1), tz)
        end = _moment(day, int(h2), int(m2), tz) if h2 is not None else start + DEFAULT_DURATION
        if end <= start:
            raise DomainError("events.when.end_before_start")
        slot = Slot(start, end, False)
    else:
        slot = _days(text, tz, today)
    if slot.end <= now:
        raise DomainError("events.when.past")
    return slot


def _days(text: str, tz: ZoneInfo, today: date) -> Slot:
    if not text or not re.search(r"\d", text):
        raise DomainError("events.when.bad")
    # The school year around today lends months without a year their year.
    first = today.year if today.month >= 9 else today.year - 1
    parsed = parse_when(text, YearContext.school(first, (8, 31)))
    if len(parsed.periods) != 1 or parsed.recurrence or parsed.periods[0].start is None:
        raise DomainError("events.when.bad")
    return slot_from_period(parsed.periods[0], tz)


def parse_iso(text: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    """`--start 2026-12-01T15:00` (the network's local time unless an offset is written) or a day
    `2026-12-01` (all-day). Returns the UTC moment and whether it was a day."""
    value = (text or "").strip()
    try:
        if _ISO_DAY_RE.match(value):
            return local_midnight(date.fromisoformat(value), tz), True
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("events.when.bad_iso", value=text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc), False


def slot_from_iso(start: str, end: str | None, tz: ZoneInfo) -> Slot:
    """The CLI's --start/--end: both moments, or both days (the end day included)."""
    begin, all_day = parse_iso(start, tz)
    if end is None:
        finish = local_midnight(begin.astimezone(tz).date() + timedelta(days=1), tz) if all_day \
            else begin + DEFAULT_DURATION
    else:
        finish, end_is_day = parse_iso(end, tz)
        if end_is_day != all_day:
            raise DomainError("events.when.mixed_iso")
        if all_day:
            finish = local_midnight(finish.astimezone(tz).date() + timedelta(days=1), tz)
    if finish <= begin:
        raise DomainError("events.when.end_before_start")
    return Slot(begin, finish, all_day)


# --- showing ---------------------------------------------------------------------------------------

def _day(day: date, t: Translator, *, year: bool = True) -> str:
    return t("events.date.day", weekday=t(f"events.weekday.d{day.weekday()}"),
             date=day.strftime("%d.%m.%Y" if year else "%d.%m"))


def format_slot(slot: Slot, tz: ZoneInfo, t: Translator) -> str:
    """«чт, 25.12.2026, 15:00–17:00», «14.03–18.03.2026», «до 27.03.2026» — in the network's time, which is
    everyone's in it, so no zone is named (a calendar file carries it)."""
    if slot.all_day:
        first, last = slot.local_days(tz)
        if first is None:
            return t("events.date.deadline", date=last.strftime("%d.%m.%Y"))
        if first == last:
            return _day(first, t)
        if first.year == last.year:
            return t("events.date.range", start=first.strftime("%d.%m"), end=last.strftime("%d.%m.%Y"))
        return t("events.date.range", start=first.strftime("%d.%m.%Y"), end=last.strftime("%d.%m.%Y"))
    if slot.start is None:
        return t("events.date.deadline", date=slot.end.astimezone(tz).strftime("%d.%m.%Y %H:%M"))
    start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
    if start.date() == end.date():
        return t("events.date.timed", day=_day(start.date(), t), start=start.strftime("%H:%M"),
                 end=end.strftime("%H:%M"))
    return t("events.date.timed_range", start=f"{start:%d.%m.%Y %H:%M}", end=f"{end:%d.%m.%Y %H:%M}")


def short_date(slot: Slot | None, tz: ZoneInfo, t: Translator) -> str:
    """For list buttons: «25.12 15:00», «14.03–18.03», «до 27.03», or «без даты»."""
    if slot is None:
        return t("events.date.undated")
    if slot.start is None:
        return t("events.date.deadline", date=(slot.end - timedelta(seconds=1)).astimezone(tz).strftime("%d.%m"))
    start = slot.start.astimezone(tz)
    if not slot.all_day:
        return start.strftime("%d.%m %H:%M")
    first, last = slot.local_days(tz)
    return first.strftime("%d.%m") if first == last else f"{first:%d.%m}–{last:%d.%m}"
