"""What the mentoring handlers share: rights at the edge, refusals, and how links and sessions read."""
from __future__ import annotations

from collections import Counter

from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.services.errors import DomainError
from bot.services.mentoring import notices
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring.access import mention
from bot.viewer import Viewer
from db.models import LinkKind, MentoringLink, MentoringSession, Side, User

Event = Message | CallbackQuery


async def tell(event: Event, t: Translator, key: str, **values: object) -> None:
    """A short answer: an alert on a button press, a message otherwise."""
    text = t(key, **values)
    if isinstance(event, CallbackQuery):
        await event.answer(text[:200], show_alert=True)
    else:
        await event.answer(text)


async def explain(event: Event, t: Translator, error: DomainError) -> None:
    await tell(event, t, error.key, **error.values)


def acting(viewer: Viewer | None) -> tuple[User, int] | None:
    """The registered person and the network in use, or None."""
    if viewer is None or not viewer.registered or viewer.user is None or viewer.membership is None:
        return None
    return viewer.user, viewer.membership.network_id


async def need_person(event: Event, viewer: Viewer | None, t: Translator) -> tuple[User, int] | None:
    me = acting(viewer)
    if me is None:
        switched_off = viewer is not None and viewer.registered and bool(viewer.memberships)
        await tell(event, t, "membership.deactivated" if switched_off else "menu.not_registered")
    return me


async def need_coordinator(event: Event, viewer: Viewer | None, t: Translator) -> tuple[User, int] | None:
    me = acting(viewer)
    if me is None or viewer is None or not viewer.is_coordinator:
        await tell(event, t, "errors.forbidden")
        return None
    return me


def fmt_date(value, t: Translator) -> str:  # type: ignore[no-untyped-def]
    return notices.fmt_date(value, t)


def link_title(link: MentoringLink, t: Translator) -> str:
    return notices.link_title(link, t)


def link_card(link: MentoringLink, t: Translator, *, sessions: int | None = None,
              parent: MentoringLink | None = None) -> str:
    lines = [t("mentoring.card.title", title=link_title(link, t)),
             t("mentoring.card.status", status=t(f"mentoring.status.{link.status}"),
               form=t(f"mentoring.form.{link.form}"))]
    mentors, mentees = link.people(Side.MENTOR), link.people(Side.MENTEE)
    if link.kind == LinkKind.SCHOOL_SCHOOL.value or link.mentor_school or link.mentee_school:
        lines.append(t("mentoring.card.schools",
                       mentor=link.mentor_school.name if link.mentor_school else "—",
                       mentee=link.mentee_school.name if link.mentee_school else "—"))
    if mentors:
        lines.append(t("mentoring.card.mentors", people=notices.people_line(mentors)))
    if mentees:
        lines.append(t("mentoring.card.mentees", people=notices.people_line(mentees)))
    if link.subject:
        lines.append(t("mentoring.card.subject", subject=link.subject))
    lines.append(str(notices.goals_block(link, t)))
    if link.starts_on or link.ends_on:
        lines.append(t("mentoring.card.dates", start=fmt_date(link.starts_on, t), end=fmt_date(link.ends_on, t)))
    if sessions is not None:
        last = fmt_date(link.last_session_on, t) if link.last_session_on else t("mentoring.card.never")
        lines.append(t("mentoring.card.sessions", count=sessions, last=last))
    if parent is not None:
        lines.append(t("mentoring.card.parent", title=link_title(parent, t)))
    if link.summary:
        lines.append(t("mentoring.common.summary", summary=link.summary))
    return "\n".join(lines)


def attachments_line(record: MentoringSession, t: Translator) -> str:
    """«фото ×3, файл» — what is attached, by kind."""
    counts = Counter(item.get("kind") for item in session_service.attachments_of(record))
    parts = []
    for kind in session_service.ATTACHMENT_TYPES:
        if counts.get(kind):
            name = t(f"mentoring.session.attachment_{kind}")
            parts.append(name if counts[kind] == 1 else t("mentoring.session.attachment_count", kind=name,
                                                            count=counts[kind]))
    return ", ".join(parts)


def session_text(record: MentoringSession, t: Translator, *, author: User | None = None) -> str:
    lines = [t("mentoring.session.title", line=notices.session_line(record, t))]
    if author is not None:
        lines.append(t("mentoring.session.author", author=mention(author)))
    if record.note:
        lines.append(t("mentoring.session.note", note=record.note))
    files = attachments_line(record, t)
    if files:
        lines.append(t("mentoring.session.attachments", items=files))
    if record.disputed_at:
        lines.append(t("mentoring.session.disputed"))
    elif record.confirmed_at:
        rating = t("mentoring.notice.rating", rating=record.rating) if record.rating else ""
        lines.append(t("mentoring.session.confirmed", rating=rating))
    else:
        lines.append(t("mentoring.session.unconfirmed"))
    if record.comment:
        lines.append(t("mentoring.session.comment", comment=record.comment))
    return "\n".join(lines)
