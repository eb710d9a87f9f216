"""The reporting calendar of a network: its time zone, the school year (1 September – 31 May, with the
mid-year checkpoint on 31 December) and the current month — all as local dates and UTC moments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from db.models.core import Network

DEFAULT_ZONE = "Europe/Moscow"


def zone(network: Network | None) -> ZoneInfo:
    try:
        return ZoneInfo(network.timezone if network is not None and network.timezone else DEFAULT_ZONE)
    except Exception:  # noqa: BLE001 - a broken zone name must not break the indicators
        return ZoneInfo(DEFAULT_ZONE)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC moment a local day begins."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(timezone.utc)


def school_year_of(day: date) -> int:
    """The first calendar year of the school year `day` belongs to (June–August: the year just ended)."""
    return day.year if day.month >= 9 else day.year - 1


@dataclass(frozen=True)
class Period:
    tz: ZoneInfo
    now: datetime  # UTC, aware
    today: date  # local
    year: int  # the school year 2026/27 → 2026

    @classmethod
    def of(cls, network: Network | None, now: datetime) -> Period:
        tz = zone(network)
        today = now.astimezone(tz).date()
        return cls(tz=tz, now=now, today=today, year=school_year_of(today))

    # local dates
    @property
    def year_start(self) -> date:
        return date(self.year, 9, 1)

    @property
    def mid(self) -> date:
        """The mid-year checkpoint: the first half-year ends on 31 December."""
        return date(self.year, 12, 31)

    @property
    def year_end(self) -> date:
        """The year-end checkpoint: the school year ends on 31 May."""
        return date(self.year + 1, 5, 31)

    @property
    def month_start(self) -> date:
        return self.today.replace(day=1)

    # UTC moments
    def at(self, day: date) -> datetime:
        return local_midnight(day, self.tz)

    @property
    def year_start_at(self) -> datetime:
        return self.at(self.year_start)

    @property
    def next_year_at(self) -> datetime:
        """Where this school year's window ends (measures due in the summer still belong to it)."""
        return self.at(date(self.year + 1, 9, 1))

    @property
    def mid_at(self) -> datetime:
        """The end of the mid-year checkpoint day (exclusive)."""
        return self.at(date(self.year + 1, 1, 1))

    @property
    def end_at(self) -> datetime:
        return self.at(date(self.year + 1, 6, 1))

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    def local(self, moment: datetime | None) -> datetime | None:
        """A naive local datetime (what a spreadsheet cell holds)."""
        return moment.astimezone(self.tz).replace(tzinfo=None) if moment is not None else None
