""".ics files: one event for «В календарь», or a network's whole calendar (the feed).

Times carry the network's zone (TZID with a VTIMEZONE), days are all-day dates, and each event has an
alarm: the network's shortest reminder offset before a timed event, 9:00 the day before a day-long one.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

import icalendar

from bot.i18n import Translator
from bot.services.events.core import slots
from bot.services.events.reminders import ALL_DAY_HOUR, OFFSETS, offsets_of
from bot.services.events.times import zone
from db.models.core import Network
from db.models.events import Event, EventStatus

PRODID = "-//Setevoy nastavnik//events//RU"
UID_DOMAIN = "setevoy-nastavnik"


SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


def sequence(event: Event) -> int:
    """RFC 5545 SEQUENCE: seconds from 2020 to the event's last change. It only grows as the event changes
    (no wrap-around, no two changes in one minute sharing a number) and fits the 31-bit integer until 2088."""
    if event.updated_at is None:
        return 0
    moment = event.updated_at if event.updated_at.tzinfo else event.updated_at.replace(tzinfo=timezone.utc)
    return max(0, int((moment - SEQUENCE_EPOCH).total_seconds()))


def _alarm(t: Translator, title: str, trigger: timedelta) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", t("events.ics.alarm", title=title))
    alarm.add("trigger", trigger)
    return alarm


def _description(event: Event, t: Translator) -> str:
    parts = [t(f"events.kinds.{event.kind}")]
    if event.number:
        parts.append(t("events.ics.number", number=event.number))
    if event.responsible:
        parts.append(t("events.ics.responsible", value=event.responsible))
    if event.expected_result:
        parts.append(t("events.ics.result", value=event.expected_result))
    if event.link:
        parts.append(event.link)
    return "\n".join(parts)


def calendar_file(events: Iterable[Event], network: Network, t: Translator, *, now: datetime,
                  name: str | None = None) -> bytes:
    """An iCalendar file of the events' dated periods (deadlines and undated rows are left out)."""
    tz = zone(network)
    offsets = offsets_of(network)
    timed_trigger = -OFFSETS[offsets[-1]] if offsets else -timedelta(hours=1)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # An X- property is added as is; as vText it is escaped (;  ,  \\ and line breaks) like every text property.
    cal.add("x-wr-calname", icalendar.vText(name or network.name))
    cal.add("x-wr-timezone", tz.key)
    days: list[date] = []
    for event in events:
        for index, slot in enumerate(slots(event)):
            if slot.start is None:
                continue
            item = icalendar.Event()
            item.add("uid", f"event-{event.id}-{index}@{UID_DOMAIN}")
            item.add("dtstamp", now)
            item.add("summary", event.title)
            if slot.all_day:
                first, last = slot.local_days(tz)
                assert first is not None
                item.add("dtstart", first)
                item.add("dtend", last + timedelta(days=1))
                trigger = -timedelta(hours=24 - ALL_DAY_HOUR)
                days += [first, last]
            else:
                start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
                item.add("dtstart", start)
                item.add("dtend", end)
                trigger = timed_trigger
                days += [start.date(), end.date()]
            if event.place:
                item.add("location", event.place)
            if event.link:
                item.add("url", event.link)
            item.add("description", _description(event, t))
            item.add("categories", [t(f"events.kinds.{event.kind}")])
            cancelled = event.status == EventStatus.CANCELLED.value
            item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
            item.add("sequence", sequence(event))
            if not cancelled:
                item.add_component(_alarm(t, event.title, trigger))
            cal.add_component(item)
    if days:
        cal.add_missing_timezones(first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366))
    return cal.to_ical()


def public_events(events: Iterable[Event], now: datetime) -> list[Event]:
    """What the network's feed shows: events (not measures) that were announced, held or cancelled after
    being announced — a cancelled one stays in the feed so calendar apps drop it."""
    return [e for e in events if not e.is_task and e.announced_at is not None and e.announced_at <= now]
