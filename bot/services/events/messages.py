"""What events look like in a chat: the card, announcements, reminders and notices, as outbox payloads.

Buttons are plain Bot API dicts with callback data built here as text in the format of
`keyboards.events.RsvpCb` (a test keeps the two in step), because services don't import aiogram.
The same card text and RSVP row serve the /events card, announcements and reminders.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Raw, Translator
from bot.services.events.core import first_slot, open_for_signup, slots
from bot.services.events.times import Slot, format_slot, zone
from db.models.core import Network
from db.models.events import Event, EventStatus, SignupStatus

RSVP_PREFIX = "rsvp"
GOING, DECLINE, CALENDAR = "go", "no", "ics"
FROM_MESSAGE, FROM_CARD = 0, 1  # where the buttons were: an announcement or reminder, or the /events card
SLOTS_SHOWN = 5
FIELD_LIMIT = 400

KIND_ICONS = {
    "webinar": "💻", "seminar": "🎓", "workshop": "🛠", "round_table": "🗣", "master_class": "🎨",
    "open_lesson": "🏫", "conference": "🎤", "meeting": "🤝", "consultation": "💬", "council": "🏛",
    "competition": "🏆", "survey": "📝", "monitoring": "📊", "document": "📄", "other": "📌",
}


def rsvp_callback(event_id: int, action: str, where: int = FROM_MESSAGE) -> str:
    return f"{RSVP_PREFIX}:{event_id}:{action}:{where}"


def rsvp_rows(event_id: int, t: Translator, *, mine: str | None = None, where: int = FROM_MESSAGE,
              open_: bool = True) -> list[list[dict[str, str]]]:
    """«Пойду» / «Не смогу» (the chosen one marked), then «В календарь». A closed event keeps only the file."""
    rows: list[list[dict[str, str]]] = []
    if open_:
        going = t("events.rsvp.going")
        decline = t("events.rsvp.decline")
        if mine == SignupStatus.GOING.value:
            going = t("events.rsvp.chosen", label=going)
        elif mine == SignupStatus.DECLINED.value:
            decline = t("events.rsvp.chosen", label=decline)
        rows.append([{"text": going, "callback_data": rsvp_callback(event_id, GOING, where)},
                     {"text": decline, "callback_data": rsvp_callback(event_id, DECLINE, where)}])
    rows.append([{"text": t("events.rsvp.calendar"), "callback_data": rsvp_callback(event_id, CALENDAR, where)}])
    return rows


def _cut(text: str, limit: int = FIELD_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kind_label(kind: str, t: Translator) -> str:
    return f"{KIND_ICONS.get(kind, '📌')} {t(f'events.kinds.{kind}')}"


def dates_lines(event: Event, tz: ZoneInfo, t: Translator, now: datetime | None = None) -> list[str]:
    all_slots = slots(event)
    if not all_slots:
        return [t("events.card.undated", when=event.when_text or "—")]
    if now is not None:  # past slots of a long list are history
        upcoming = [s for s in all_slots if s.end > now]
        all_slots = upcoming or all_slots[-1:]
    lines = [t("events.card.when", when=format_slot(s, tz, t)) for s in all_slots[:SLOTS_SHOWN]]
    if len(all_slots) > SLOTS_SHOWN:
        lines.append(t("events.card.more_dates", count=len(all_slots) - SLOTS_SHOWN))
    return lines


def reminders_line(network: Network | None, t: Translator, *, mine: str | None, muted: bool) -> str:
    """When the person will be reminded: everyone in the audience is, unless they said «Не смогу» or muted
    reminders in /settings."""
    from bot.services.events.reminders import offsets_of

    if mine == SignupStatus.DECLINED.value:
        return t("events.card.reminders_declined")
    if muted:
        return t("events.card.reminders_muted")
    labels = [t(f"events.offsets.label.{code}") for code in offsets_of(network)]
    return t("events.card.reminders", when=t("events.card.reminders_join", first=", ".join(labels[:-1]),
                                              last=labels[-1]) if len(labels) > 1 else labels[0])


def card_text(event: Event, network: Network | None, t: Translator, *, now: datetime, going: int | None = None,
              mine: str | None = None, for_coordinator: bool = False, reminders: str | None = None) -> str:
    tz = zone(network)
    kind = Raw(kind_label(event.kind, t))
    head = t("events.card.head_numbered", kind=kind, number=event.number) if event.number \
        else t("events.card.head", kind=kind)
    lines = [head, t("events.card.title", title=_cut(event.title, 600))]
    lines += dates_lines(event, tz, t, now)
    if event.recurrence:
        lines.append(t("events.card.recurrence", value=t(f"events.recurrence.{event.recurrence}")))
    if event.place:
        lines.append(t("events.card.place", place=_cut(event.place)))
    if event.link:
        lines.append(t("events.card.link", link=event.link))
    if event.responsible:
        lines.append(t("events.card.responsible", value=_cut(event.responsible)))
    if event.expected_result:
        lines.append(t("events.card.result", value=_cut(event.expected_result)))
    if event.is_task:
        lines.append(t("events.card.task_done") if event.done_at else t("events.card.task_open"))
    elif going is not None:
        lines.append(t("events.card.going", count=going))
    if event.status == EventStatus.CANCELLED.value:
        lines.append(t("events.card.cancelled"))
    elif mine == SignupStatus.GOING.value:
        lines.append(t("events.card.you_going"))
    elif mine == SignupStatus.DECLINED.value:
        lines.append(t("events.card.you_declined"))
    if reminders and open_for_signup(event, now):
        lines.append(reminders)
    if for_coordinator:
        lines.append(status_line(event, tz, t, now))
    return "\n".join(lines)


def status_line(event: Event, tz: ZoneInfo, t: Translator, now: datetime) -> str:
    if event.status == EventStatus.ANNOUNCED.value and event.announced_at and event.announced_at > now:
        return t("events.status.scheduled", at=event.announced_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"))
    return t(f"events.status.{event.status}")


def text_payload(text: str, rows: list[list[dict[str, str]]] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": "text", "text": text, "parse_mode": "HTML"}
    if rows:
        payload["reply_markup"] = {"inline_keyboard": rows}
    return payload


def announcement_payload(event: Event, network: Network, language: str, now: datetime) -> dict[str, Any]:
    t = Translator(language)
    text = t("events.announce.header") + "\n\n" + card_text(event, network, t, now=now)
    return text_payload(text, rsvp_rows(event.id, t))


def reminder_payload(event: Event, network: Network, slot: Slot, code: str, language: str) -> dict[str, Any]:
    t = Translator(language)
    tz = zone(network)
    lines = [t("events.reminder.text", soon=t(f"events.offsets.soon.{code}"), title=_cut(event.title, 600)),
             t("events.card.when", when=format_slot(slot, tz, t))]
    if event.place:
        lines.append(t("events.card.place", place=_cut(event.place)))
    if event.link:
        lines.append(t("events.card.link", link=event.link))
    return text_payload("\n".join(lines), rsvp_rows(event.id, t))


def cancelled_payload(event: Event, network: Network, language: str, now: datetime) -> dict[str, Any]:
    t = Translator(language)
    slot = first_slot(event, now)
    when = format_slot(slot, zone(network), t) if slot else (event.when_text or "—")
    return text_payload(t("events.notice.cancelled", title=_cut(event.title, 600), when=when))


def moved_payload(event: Event, network: Network, language: str, now: datetime) -> dict[str, Any]:
    t = Translator(language)
    slot = first_slot(event, now)
    when = format_slot(slot, zone(network), t) if slot else "—"
    return text_payload(t("events.notice.moved", title=_cut(event.title, 600), when=when),
                        rsvp_rows(event.id, t, mine=SignupStatus.GOING.value))
